"""Bad input is refused with a clear message and nothing written; good text survives intact."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from assessments.models import Comment, DraftAnswer, DraftComment
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
def respondent(bank, client):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    built = flow.survey_build(invitation=invitation)
    return invitation, key, built


def _save(client, key, data):
    return client.post(reverse("assessments:survey-autosave", args=[key]), data)


def _nothing_written(invitation) -> bool:
    return not DraftAnswer.objects.exists() and not DraftComment.objects.exists()


def test_a_forged_question_id_is_refused(client, respondent):
    invitation, key, built = respondent
    good = built.steps[0].items[0].field
    response = _save(client, key, {good: "4", "q-999999": "4"})
    assert response.status_code == 400
    assert str(flow.ERROR_QUESTION_UNKNOWN) in response.content.decode()
    assert _nothing_written(invitation)


@pytest.mark.parametrize("value", ["0", "6", "-1", "4.5", "five", "", "99999999999"])
def test_a_value_off_the_scale_is_refused(client, respondent, value):
    invitation, key, built = respondent
    response = _save(client, key, {built.steps[0].items[0].field: value})
    assert response.status_code == 400
    assert str(flow.ERROR_VALUE_INVALID) in response.content.decode()
    assert _nothing_written(invitation)


def test_a_question_of_another_cycle_is_refused(client, respondent, bank):
    invitation, key, _ = respondent
    other = open_cycle_make(bank, teams=[invitation.team], name="Other")
    question = bank.questions.ratings().first()
    # The same bank: make the other cycle's question a different version this cycle lacks.
    newer = question.revise(text="A reworded statement.")
    other.questions.add(newer)
    response = _save(client, key, {f"q-{newer.pk}": "3"})
    assert response.status_code == 400
    assert str(flow.ERROR_QUESTION_UNKNOWN) in response.content.decode()
    assert _nothing_written(invitation)


def test_a_comment_question_cannot_be_rated(client, respondent):
    invitation, key, _ = respondent
    comment_question = invitation.cycle.questions.comments().first()
    response = _save(client, key, {f"q-{comment_question.pk}": "3"})
    assert response.status_code == 400
    assert _nothing_written(invitation)


def test_an_oversized_comment_is_refused_and_nothing_is_written(client, respondent, settings):
    invitation, key, built = respondent
    step = built.steps[0]
    text = "x" * (settings.PILLARS_MAX_COMMENT_LENGTH + 1)
    response = _save(client, key, {step.items[0].field: "4", step.comment_field: text})
    assert response.status_code == 400
    limit = settings.PILLARS_MAX_COMMENT_LENGTH
    message = str(flow.ERROR_COMMENT_TOO_LONG) % {
        "limit": f"{limit:,}",
        "length": f"{limit + 1:,}",
    }
    assert message in response.content.decode()
    assert response["X-Save-Status"] == "1"  # the page's script shows it in the status line
    assert "Saved" not in response.content.decode()
    assert _nothing_written(invitation)


def test_a_comment_for_a_pillar_outside_the_survey_is_refused(client, respondent):
    invitation, key, _ = respondent
    response = _save(client, key, {"c-999999": "hello"})
    assert response.status_code == 400
    assert str(flow.ERROR_COMMENT_UNKNOWN) in response.content.decode()
    assert _nothing_written(invitation)


def test_a_nul_character_in_a_comment_is_refused_rather_than_crashing_postgresql(
    client, respondent
):
    invitation, key, built = respondent
    response = _save(client, key, {built.steps[0].comment_field: "a\x00b"})
    assert response.status_code == 400
    assert _nothing_written(invitation)


@pytest.mark.parametrize("name", ["q-abc", "q-", "evil", "c-1x"])
def test_unknown_fields_are_refused(client, respondent, name):
    invitation, key, _ = respondent
    response = _save(client, key, {name: "1"})
    assert response.status_code == 400
    assert _nothing_written(invitation)


def test_a_refused_step_post_keeps_the_page_and_writes_nothing(client, respondent):
    invitation, key, built = respondent
    data = {**step_data(built.steps[0]), "q-999999": "4", "go": "next"}
    response = client.post(reverse("assessments:survey-step", args=[key, 1]), data)
    assert response.status_code == 400
    assert str(flow.ERROR_QUESTION_UNKNOWN) in response.content.decode()
    assert _nothing_written(invitation)


def test_a_huge_post_gets_a_friendly_400_page(client, respondent, settings):
    invitation, key, built = respondent
    blob = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = _save(client, key, {built.steps[0].comment_field: blob})
    assert response.status_code == 400
    assert "We couldn't accept that" in response.content.decode()
    assert _nothing_written(invitation)


def test_a_post_without_the_csrf_token_is_refused(bank):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    browser = Client(enforce_csrf_checks=True)
    key = survey_enter(browser, token)
    field = flow.survey_build(invitation=invitation).steps[0].items[0].field
    response = browser.post(reverse("assessments:survey-autosave", args=[key]), {field: "4"})
    assert response.status_code == 403
    assert "This page has expired" in response.content.decode()
    drafts_fill(invitation)
    submit = browser.post(reverse("assessments:survey-submit", args=[key]))
    assert submit.status_code == 403
    assert not invitation.cycle.submissions.exists()


def _csrf_of(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def test_a_same_origin_post_with_the_csrf_token_is_accepted_and_a_forged_token_refused(bank):
    """Survey pages send ``Referrer-Policy: same-origin``, so a browser's POST from them carries
    the page's Origin: Django's own CSRF middleware checks it and the token in full."""
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    browser = Client(enforce_csrf_checks=True)
    key = survey_enter(browser, token)
    page = browser.get(reverse("assessments:survey-step", args=[key, 1]), secure=True)
    field = flow.survey_build(invitation=invitation).steps[0].items[0].field
    response = browser.post(
        reverse("assessments:survey-autosave", args=[key]),
        {field: "4", "csrfmiddlewaretoken": _csrf_of(page)},
        HTTP_ORIGIN="https://testserver",
        secure=True,
    )
    assert response.status_code == 200
    forged = browser.post(
        reverse("assessments:survey-autosave", args=[key]),
        {field: "5", "csrfmiddlewaretoken": "x" * 64},
        HTTP_ORIGIN="https://testserver",
        secure=True,
    )
    assert forged.status_code == 403
    assert invitation.drafts.get().value == 4


@pytest.mark.parametrize("origin", ["null", "https://elsewhere.example"])
def test_a_survey_post_from_another_origin_is_refused_even_with_the_token(bank, origin):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    browser = Client(enforce_csrf_checks=True)
    key = survey_enter(browser, token)
    page = browser.get(reverse("assessments:survey-step", args=[key, 1]), secure=True)
    field = flow.survey_build(invitation=invitation).steps[0].items[0].field
    response = browser.post(
        reverse("assessments:survey-autosave", args=[key]),
        {field: "4", "csrfmiddlewaretoken": _csrf_of(page)},
        HTTP_ORIGIN=origin,
        secure=True,
    )
    assert response.status_code == 403
    assert "This page has expired" in response.content.decode()  # the CSRF failure page
    assert not invitation.drafts.exists()


def test_a_refused_survey_post_keeps_its_address_to_its_own_origin(bank):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    browser = Client(enforce_csrf_checks=True)
    key = survey_enter(browser, token)
    response = browser.post(
        reverse("assessments:survey-submit", args=[key]), {"csrfmiddlewaretoken": "x" * 64}
    )
    assert response.status_code == 403
    assert response["Referrer-Policy"] == "same-origin"
    assert not invitation.cycle.submissions.exists()


TEXTS = [
    "Ça marche très bien — merci ! Öffentlich, ß, ø, ñ",
    "Great team 🙌🏽👩‍👩‍👧‍👦 keep going 🚀",
    "הצוות שלנו עובד טוב מאוד, אבל חסרה תקשורת.",
    "فريقنا رائع ‏(مع بعض الملاحظات)‏",
    "混合 text with 日本語 and \u202eRTL override\u202c and zero\u200bwidth",
    "Line one\r\nLine two\n\ttabbed  and  spaced  ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_unicode_emoji_and_right_to_left_comments_survive_byte_for_byte(client, respondent, text):
    invitation, key, built = respondent
    step = built.steps[0]
    response = _save(client, key, {step.comment_field: text})
    assert response.status_code == 200
    drafts_fill(invitation)
    client.post(reverse("assessments:survey-submit", args=[key]))
    stored = Comment.objects.get().text
    assert stored.encode("utf-8") == text.encode("utf-8")
