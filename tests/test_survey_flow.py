"""The respondent's journey through the survey, page by page, without JavaScript."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Comment, Cycle, Invitation, Role, SharedLink, Submission
from assessments.models import token_hash as hash_of
from assessments.survey import flow
from tests.builders import (
    drafts_fill,
    invitation_make,
    led_team_make,
    open_cycle_make,
    step_data,
    survey_enter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    return cycle, team, invitation, token


def _url(name: str, *args) -> str:
    return reverse(f"assessments:{name}", args=args)


def test_a_personal_link_is_exchanged_for_a_session_and_a_token_free_address(client, setup):
    _, _, invitation, token = setup
    response = client.get(_url("survey-start", token))
    assert response.status_code == 302
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    intro = client.get(response["Location"])
    assert intro.status_code == 200
    assert "no-store" in intro["Cache-Control"]
    assert intro["Referrer-Policy"] == "same-origin"
    assert token not in intro.content.decode()
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.STARTED


def test_the_intro_says_who_sees_what(client, setup):
    cycle, *_ = setup
    key = survey_enter(client, setup[3])
    page = client.get(_url("survey", key)).content.decode()
    assert f"Only groups of {cycle.min_group_size} or more" in page
    assert f"at least {cycle.comment_min_group_size} people answered" in page
    assert "Your leader sees combined results only" in page
    assert "Anonymous." in page


def test_a_respondent_completes_the_survey_step_by_step_and_the_link_then_says_submitted(
    client, setup
):
    cycle, team, invitation, token = setup
    key = survey_enter(client, token)
    built = flow.survey_build(invitation=invitation)
    assert len(built.steps) == 5
    for step in built.steps:
        response = client.post(
            _url("survey-step", key, step.number),
            {**step_data(step, value="5"), "go": "next"} | {step.items[0].field: "na"},
        )
        assert response.status_code == 302
    assert response["Location"] == _url("survey-review", key)
    review = client.get(response["Location"])
    assert review.status_code == 200
    assert "Strongly agree" in review.content.decode()

    done = client.post(_url("survey-submit", key))
    assert done.status_code == 302
    assert done["Location"] == _url("survey-thanks", key)
    assert client.get(done["Location"]).status_code == 200

    submission = Submission.objects.get()
    assert (submission.cycle, submission.team, submission.role) == (cycle, team, Role.MEMBER)
    assert submission.submitted_on == timezone.localdate()
    assert submission.answers.count() == built.total_items
    assert submission.answers.filter(value__isnull=True).count() == 5
    invitation.refresh_from_db()
    assert invitation.is_submitted
    assert not invitation.drafts.exists()

    again = client.get(_url("survey-start", token), follow=True)
    assert "Already submitted" in again.content.decode()
    resubmit = client.post(_url("survey-submit", key))
    assert resubmit.status_code == 409
    assert Submission.objects.count() == 1


def test_the_link_says_already_submitted_in_a_fresh_browser_and_changes_nothing(
    client, django_user_model, setup
):
    _, _, invitation, token = setup
    drafts_fill(invitation)
    flow.submission_create(invitation_id=invitation.pk)
    response = client.get(_url("survey-start", token), follow=True)
    assert response.status_code == 200
    assert "Already submitted" in response.content.decode()
    key = response.redirect_chain[-1][0].rstrip("/").split("/")[-1]
    assert client.post(_url("survey-step", key, 1), {"go": "next"}).status_code == 409
    assert client.post(_url("survey-autosave", key), {}).status_code == 409
    assert Submission.objects.count() == 1


def test_reopening_the_link_resumes_on_the_first_unfinished_step_with_answers_in_place(
    client, setup
):
    _, _, invitation, token = setup
    key = survey_enter(client, token)
    built = flow.survey_build(invitation=invitation)
    client.post(
        _url("survey-step", key, 1),
        {**step_data(built.steps[0], comment="Clearer goals"), "go": "next"},
    )
    first = built.steps[1].items[0]
    client.post(_url("survey-autosave", key), {first.field: "2"})

    client.cookies.clear()  # the tab and its session are gone
    response = client.get(_url("survey-start", token), follow=True)
    new_key = response.redirect_chain[0][0].rstrip("/").split("/")[-1]
    assert response.redirect_chain[-1][0] == _url("survey-step", new_key, 2)
    page = response.content.decode()
    assert f'name="{first.field}" value="2" checked' in page
    back = client.get(_url("survey-step", new_key, 1)).content.decode()
    assert "Clearer goals" in back


def test_the_self_invitation_reads_in_the_first_person_and_says_so(client, bank, leader_a):
    team = led_team_make("Platform", leader=leader_a)
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team, role=Role.SELF, email=leader_a.email)
    key = survey_enter(client, token)
    intro = client.get(_url("survey", key)).content.decode()
    assert "Your self-assessment" in intro
    step = client.get(_url("survey-step", key, 1)).content.decode()
    assert "I explain where our team is heading over the next year." in step
    assert "My leader explains" not in step
    assert "Each statement is about you" in step


def test_the_leader_s_thank_you_page_speaks_of_their_self_assessment(client, bank, leader_a):
    team = led_team_make("Platform", leader=leader_a)
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team, role=Role.SELF, email=leader_a.email)
    key = survey_enter(client, token)
    for step in flow.survey_build(invitation=invitation).steps:
        client.post(_url("survey-step", key, step.number), {**step_data(step, value="4")})
    done = client.post(_url("survey-submit", key))
    assert done["Location"] == _url("survey-thanks", key)
    page = client.get(done["Location"]).content.decode()
    assert "Your self-assessment is in" in page
    assert "Self-assessment" in page
    assert "Your leader then sees" not in page
    assert Submission.objects.get().role == Role.SELF


def test_next_refuses_an_incomplete_step_and_names_the_missing_statements(client, setup):
    _, _, invitation, token = setup
    key = survey_enter(client, token)
    step = flow.survey_build(invitation=invitation).steps[0]
    data = step_data(step)
    del data[step.items[2].field]
    response = client.post(_url("survey-step", key, 1), {**data, "go": "next"})
    assert response.status_code == 422
    page = response.content.decode()
    assert str(flow.ERROR_STEP_INCOMPLETE) in page.replace("&#x27;", "'")
    assert f'href="#item-{step.items[2].question_id}"' in page
    # What was given is kept.
    assert invitation.drafts.count() == len(step.items) - 1


def test_back_saves_the_step_without_asking_for_every_answer(client, setup):
    _, _, invitation, token = setup
    key = survey_enter(client, token)
    step = flow.survey_build(invitation=invitation).steps[1]
    response = client.post(_url("survey-step", key, 2), {step.items[0].field: "3", "go": "back"})
    assert response.status_code == 302
    assert response["Location"] == _url("survey-step", key, 1)
    assert invitation.drafts.get().value == 3


def test_submitting_with_unanswered_statements_is_refused_on_the_review_page(client, setup):
    _, _, _, token = setup
    key = survey_enter(client, token)
    response = client.post(_url("survey-submit", key))
    assert response.status_code == 422
    assert "Some steps still have statements without an answer" in response.content.decode()
    assert Submission.objects.count() == 0


def test_autosave_answers_with_a_saved_status(client, setup):
    _, _, invitation, token = setup
    key = survey_enter(client, token)
    item = flow.survey_build(invitation=invitation).steps[0].items[0]
    response = client.post(_url("survey-autosave", key), {item.field: "4"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Saved" in response.content.decode()
    assert "<html" not in response.content.decode()
    assert invitation.drafts.get().value == 4


def test_an_unknown_link_gets_a_friendly_404(client, bank):
    response = client.get(_url("survey-start", "no-such-token"))
    assert response.status_code == 404
    assert "We don't recognise this link" in response.content.decode()


def test_a_cycle_that_has_not_opened_yet_says_so(client, bank):
    team = led_team_make()
    for cycle in (
        open_cycle_make(bank, teams=[team], state=Cycle.State.DRAFT),
        open_cycle_make(bank, teams=[team], opens_in_days=3),
    ):
        _, token = invitation_make(cycle, team)
        response = client.get(_url("survey-start", token), follow=True)
        assert response.status_code == 403
        assert "hasn't opened yet" in response.content.decode()


def test_a_closed_cycle_says_so_and_takes_no_answers(client, setup):
    cycle, _, invitation, token = setup
    key = survey_enter(client, token)
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    response = client.get(_url("survey-step", key, 1))
    assert response.status_code == 410
    assert "This survey has closed" in response.content.decode()
    item = flow.survey_build(invitation=invitation).steps[0].items[0]
    assert client.post(_url("survey-autosave", key), {item.field: "4"}).status_code == 410
    Cycle.objects.filter(pk=cycle.pk).update(
        recorded_state=Cycle.State.OPEN, closes_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get(_url("survey-step", key, 1)).status_code == 410
    assert not invitation.drafts.exists()


def test_a_lost_session_gets_a_page_that_says_to_open_the_link_again(client, setup):
    survey_enter(client, setup[3])
    other = client.__class__()
    response = other.get(_url("survey-step", "someone-elses-key", 1))
    assert response.status_code == 403
    assert "Please open your link again" in response.content.decode()


def test_a_shared_link_issues_a_fresh_invitation_per_visitor_and_resumes_for_the_same_one(
    client, bank
):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    SharedLink.objects.create(cycle=cycle, team=team, token_hash=hash_of("shared-secret"))
    first = client.get(_url("shared-start", "shared-secret"))
    assert first.status_code == 302
    assert "shared-secret" not in first["Location"]
    assert client.get(_url("shared-start", "shared-secret"))["Location"] == first["Location"]
    client.__class__().get(_url("shared-start", "shared-secret"))
    invitations = Invitation.objects.filter(cycle=cycle)
    assert invitations.count() == 2
    assert set(invitations.values_list("email", flat=True)) == {None}
    assert client.get(_url("shared-start", "wrong")).status_code == 404


def test_submitting_copies_every_answer_and_comment_then_forgets_the_drafts(setup):
    _, _, invitation, _ = setup
    drafts_fill(invitation, value=2, comment="Fine")
    flow.submission_create(invitation_id=invitation.pk)
    assert Answer.objects.filter(value=2).count() == invitation.cycle.questions.ratings().count()
    assert Comment.objects.filter(text="Fine").count() == 5
    assert not invitation.drafts.exists()
    assert not invitation.draft_comments.exists()
    with pytest.raises(flow.SurveyError) as refused:
        flow.submission_create(invitation_id=invitation.pk)
    assert refused.value.message == flow.ERROR_ALREADY_SUBMITTED
    assert Submission.objects.count() == 1
