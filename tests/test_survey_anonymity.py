"""After submitting, nothing in the database or the logs links a submission to its invitation."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import models
from django.urls import reverse

from assessments.models import Answer, Comment, Invitation, Submission, token_hash
from assessments.survey import flow
from assessments.survey.views import SESSION_KEY
from tests.builders import invitation_make, led_team_make, open_cycle_make, step_data

pytestmark = pytest.mark.django_db

SUBMISSION_MODELS = (Submission, Answer, Comment)


def _rows(model: type[models.Model]) -> list[tuple[str, ...]]:
    return [tuple(str(value) for value in row) for row in model.objects.values_list()]


def _take_survey(client, invitation: Invitation, token: str) -> str:
    start = client.get(reverse("assessments:survey-start", args=[token]))
    key = start["Location"].rstrip("/").split("/")[-1]
    client.get(start["Location"])
    for step in flow.survey_build(invitation=invitation).steps:
        first = step.items[0]
        client.post(reverse("assessments:survey-autosave", args=[key]), {first.field: "2"})
        data = {**step_data(step, value="4", comment="Kind words"), "go": "next"}
        client.post(reverse("assessments:survey-step", args=[key, step.number]), data)
    client.get(reverse("assessments:survey-review", args=[key]))
    response = client.post(reverse("assessments:survey-submit", args=[key]))
    assert response.status_code == 302
    client.get(response["Location"])
    # A second submit is refused (and logged by Django as a 409).
    assert client.post(reverse("assessments:survey-submit", args=[key])).status_code == 409
    client.get(reverse("assessments:survey-start", args=[token]), follow=True)
    return key


def test_no_row_and_no_log_line_links_a_submission_to_its_invitation(client, bank, caplog):
    caplog.set_level(logging.DEBUG)
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    email = "ria.respondent@example.com"
    invitation, token = invitation_make(cycle, team, email=email)
    invitation_make(cycle, team)  # someone who has not answered yet
    key = _take_survey(client, invitation, token)
    session_key = client.session.session_key
    secrets = {
        "token": token,
        "token hash": token_hash(token),
        "email": email,
        "session key": session_key,
        "survey key": key,
    }

    submission = Submission.objects.get()
    assert submission.answers.count() > 0
    assert Comment.objects.filter(submission=submission).count() == 5

    # The submission's tables have no column that could point back, and no value that does.
    for model in SUBMISSION_MODELS:
        for model_field in model._meta.concrete_fields:
            assert not isinstance(model_field, models.DateTimeField | models.TimeField)
            if model_field.is_relation:
                assert model_field.related_model not in (Invitation, Session), model_field
                assert model_field.related_model._meta.app_label != "auth", model_field
        for row in _rows(model):
            for name, secret in secrets.items():
                assert not any(secret in value for value in row), (model.__name__, name)
    assert not any(
        field.is_relation and field.related_model in SUBMISSION_MODELS
        for field in Invitation._meta.get_fields()
    )

    # Across the whole database: the token appears nowhere, its hash only on the invitation,
    # and the session key only as the session's own key.
    for model in apps.get_models():
        for row in _rows(model):
            assert not any(token in value for value in row), model.__name__
            if any(secrets["token hash"] in value for value in row):
                assert model is Invitation
            if any(session_key in value for value in row):
                assert model is Session

    # Sessions forget which invitation was answered: only "done" remains.
    for session in Session.objects.all():
        data = session.get_decoded()
        for entry in data.get(SESSION_KEY, {}).values():
            assert "invitation" not in entry
    assert client.session[SESSION_KEY][key] == {"done": True}

    # Drafts are gone; the invitation only knows that it was submitted.
    assert not invitation.drafts.exists()
    assert not invitation.draft_comments.exists()

    # Nothing logged during the whole journey names the person, the link or the session.
    assert any(record.name == "django.request" for record in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        for name, secret in secrets.items():
            if name == "survey key":
                continue  # a random per-session path segment, forgotten at submit
            assert secret not in message, (name, record.name, message)
        assert "invitation" not in message.lower(), message


def test_a_submission_stores_a_date_and_no_time_of_day():
    assert isinstance(Submission._meta.get_field("submitted_on"), models.DateField)
    assert not isinstance(Submission._meta.get_field("submitted_on"), models.DateTimeField)
    for model in SUBMISSION_MODELS:
        names = {field.name for field in model._meta.concrete_fields}
        assert not names & {"created_at", "updated_at", "submitted_at", "invitation", "email"}
