"""The respondent's details: a comment over the limit is refused whole and kept on the page, the
autosave's refusals are short and marked for the status line, and every place that states the
survey's length states the same figure."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from assessments.hr.cycles import cycle_open
from assessments.hr.email_runs import invitations_send
from assessments.models import DraftAnswer, DraftComment, Invitation, Role, answer_minutes
from assessments.survey import flow as survey
from tests.builders import (
    draft_cycle_make,
    invitation_make,
    led_team_make,
    open_cycle_make,
    roster_team_make,
    survey_enter,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def respondent(client, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    return invitation, key, survey.survey_build(invitation=invitation)


def step_post(client, key, number, data):
    return client.post(reverse("assessments:survey-step", args=[key, number]), data)


def test_a_comment_over_the_limit_is_refused_whole_and_kept_on_the_page(
    client, respondent, settings
):
    settings.PILLARS_MAX_COMMENT_LENGTH = 50
    invitation, key, built = respondent
    step = built.steps[0]
    answers = {item.field: "4" for item in step.items}
    text = "word " * 12 + "<the end>"  # 69 characters
    response = step_post(client, key, 1, {**answers, step.comment_field: text, "go": "next"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "a comment can have at most 50 characters, and this one has 69" in page
    # Nothing saved, nothing cut...
    assert not DraftAnswer.objects.filter(invitation=invitation).exists()
    assert not DraftComment.objects.filter(invitation=invitation).exists()
    # ...and what was written and chosen is still there to shorten.
    assert "&lt;the end&gt;</textarea>" in page
    assert page.count(' value="4" checked') == len(step.items)
    assert "Choose an answer" not in page


def test_the_comment_box_has_a_counter_and_no_maxlength_that_would_cut_a_paste(
    client, respondent, settings
):
    _invitation, key, _built = respondent
    page = client.get(reverse("assessments:survey-step", args=[key, 1])).content.decode()
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert "maxlength" not in textarea
    assert f'data-limit="{settings.PILLARS_MAX_COMMENT_LENGTH}"' in textarea
    assert "Up to 2,000 characters." in page


def test_a_line_break_counts_as_one_character_as_on_the_page_and_is_kept_as_sent(
    client, respondent, settings
):
    settings.PILLARS_MAX_COMMENT_LENGTH = 10
    invitation, key, built = respondent
    step = built.steps[0]
    text = "ab\r\ncd\r\nefg\r\n"  # 10 characters in the browser's text box, 13 as sent
    response = client.post(
        reverse("assessments:survey-autosave", args=[key]), {step.comment_field: text}
    )
    assert response.status_code == 200
    assert DraftComment.objects.get(invitation=invitation).text == text


def test_autosave_answers_carry_the_status_line_marker(client, respondent):
    _invitation, key, built = respondent
    url = reverse("assessments:survey-autosave", args=[key])
    saved = client.post(url, {built.steps[0].items[0].field: "3"})
    refused = client.post(url, {"evil": "1"})
    lost = client.post(reverse("assessments:survey-autosave", args=["not-a-key"]), {})
    for response in (saved, refused, lost):
        assert response["X-Save-Status"] == "1"
        assert "<html" not in response.content.decode()  # a fragment, never a page
    assert lost.status_code >= 400


def test_an_error_page_from_elsewhere_is_not_marked_for_the_status_line(client, respondent):
    _invitation, key, _built = respondent
    csrf_client = type(client)(enforce_csrf_checks=True)
    refused = csrf_client.post(reverse("assessments:survey-autosave", args=[key]), {})
    assert refused.status_code == 403
    assert "X-Save-Status" not in refused


def test_the_email_the_intro_and_the_leaders_page_state_the_same_duration(client, bank, leader_a):
    team = roster_team_make("Alpha", leaders=(leader_a,), members=2)
    cycle = draft_cycle_make(bank, [team])
    cycle_open(cycle=cycle, actor=None)
    statements = cycle.questions.ratings().count()
    minutes = answer_minutes(statements=statements)
    assert minutes == cycle.answer_minutes()
    invitations_send(cycle=cycle, actor=None)
    member = next(m for m in mail.outbox if m.to[0] != leader_a.email)
    leader = next(m for m in mail.outbox if m.to[0] == leader_a.email)
    assert f"It takes about {minutes} minutes" in member.body
    assert f"({minutes} min, anonymous)" in member.subject
    assert f"it takes about {minutes} minutes" in leader.body
    token = re.search(r"/s/([A-Za-z0-9_-]+)/", member.body).group(1)
    intro = client.get(reverse("assessments:survey-start", args=[token]), follow=True)
    assert f"{statements} short statements in 5 steps, about {minutes} minutes" in intro.text
    client.force_login(leader_a)
    home = client.get(reverse("home")).text
    assert f"It takes about {minutes} minutes" in home


@pytest.mark.parametrize(("statements", "minutes"), [(0, 1), (1, 1), (6, 1), (7, 2), (35, 6)])
def test_a_survey_takes_about_ten_seconds_a_statement_rounded_up(statements, minutes):
    assert answer_minutes(statements=statements) == minutes


def test_the_self_assessment_thanks_page_leads_on_and_does_not_promise_anonymity(
    client, bank, leader_a
):
    team = led_team_make("Platform", leader=leader_a)
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team, role=Role.SELF, email=leader_a.email)
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=invitation, question=question, value=4)
        for question in cycle.questions.ratings()
    )
    client.force_login(leader_a)
    key = survey_enter(client, token)
    response = client.post(reverse("assessments:survey-submit", args=[key]), follow=True)
    page = response.content.decode()
    assert "Your self-assessment is in" in page
    assert f'href="{reverse("home")}"' in page
    assert f'href="{reverse("assessments:my-results")}"' in page
    assert "anonymous" not in page.lower().replace("it is not anonymous", "").replace(
        "answers stay anonymous", ""
    )
    assert Invitation.objects.get(pk=invitation.pk).is_submitted
