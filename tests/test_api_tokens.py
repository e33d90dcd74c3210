"""Scores-API tokens: HR names, lists and revokes them; they expire; the schema is HR's only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from assessments.models import ApiToken, AuditEvent
from assessments.reports.api_tokens import api_token_issue, api_token_revoke
from tests.builders import user_make

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
NOW = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.mark.time_machine(NOW, tick=False)
def test_a_token_opens_the_api_until_it_expires_and_records_its_last_use(client, hr_user):
    row, token = api_token_issue(user=hr_user, name="BI", days=90, actor=hr_user)
    assert row.expires_at == NOW + dt.timedelta(days=90)
    assert client.get("/api/cycles/", headers=bearer(token)).status_code == 200
    row.refresh_from_db()
    assert row.last_used_at == NOW
    with time_machine.travel(NOW + dt.timedelta(days=90, seconds=-1), tick=False):
        assert client.get("/api/cycles/", headers=bearer(token)).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(days=90), tick=False):
        assert client.get("/api/cycles/", headers=bearer(token)).status_code == 401


def test_a_revoked_token_is_refused_at_once(client, hr_user):
    row, token = api_token_issue(user=hr_user, name="BI", actor=hr_user)
    assert client.get("/api/cycles/", headers=bearer(token)).status_code == 200
    assert api_token_revoke(row=row, actor=hr_user)
    assert client.get("/api/cycles/", headers=bearer(token)).status_code == 401
    assert not api_token_revoke(row=row, actor=hr_user)  # twice changes nothing
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_a_token_stops_when_its_owner_leaves_hr(client, hr_user):
    _, token = api_token_issue(user=hr_user, name="BI", actor=hr_user)
    hr_user.groups.clear()
    assert client.get("/api/cycles/", headers=bearer(token)).status_code == 401


def test_the_schema_answers_hr_only(client, hr_user, leader_a):
    assert client.get("/api/openapi.json").status_code == 401
    client.login(username=leader_a.username, password=PASSWORD)
    assert client.get("/api/openapi.json").status_code == 401
    client.logout()
    _, token = api_token_issue(user=hr_user, name="BI", actor=hr_user)
    schema = client.get("/api/openapi.json", headers=bearer(token))
    assert schema.status_code == 200
    assert "/api/cycles/" in schema.json()["paths"]
    client.login(username=hr_user.username, password=PASSWORD)
    assert client.get("/api/openapi.json").status_code == 200


@pytest.mark.time_machine(NOW, tick=False)
def test_hr_makes_a_named_token_sees_it_once_and_then_only_in_the_list(client, hr_user):
    client.login(username=hr_user.username, password=PASSWORD)
    response = client.post(reverse("assessments:api-tokens"), {"name": "Power BI", "days": 30})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    token = response.context["token"]
    assert token in response.content.decode()
    assert client.get("/api/cycles/", headers=bearer(token)).status_code == 200
    listing = client.get(reverse("assessments:api-tokens")).content.decode()
    assert "Power BI" in listing
    assert "5 Jan 2027" in listing  # expires in 30 days
    assert token not in listing
    row = ApiToken.objects.get()
    assert row.created_by == hr_user
    assert AuditEvent.objects.filter(action="api_token.create", target=hr_user.username).exists()


def test_hr_revokes_a_token_from_the_list(client, hr_user):
    other = user_make("hr2@example.com", hr=True)
    row, token = api_token_issue(user=other, name="Old BI", actor=other)
    client.login(username=hr_user.username, password=PASSWORD)
    response = client.post(reverse("assessments:api-token-revoke", args=[row.pk]), follow=True)
    assert "is revoked" in response.content.decode()
    assert "revoked" in client.get(reverse("assessments:api-tokens")).content.decode()
    client.logout()
    assert client.get("/api/cycles/", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("days", ["0", "366", "soon"])
def test_a_token_lasts_between_one_day_and_a_year(client, hr_user, days):
    client.login(username=hr_user.username, password=PASSWORD)
    response = client.post(reverse("assessments:api-tokens"), {"name": "BI", "days": days})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_leaders_cannot_see_or_make_tokens(client, leader_a, hr_user):
    row, _ = api_token_issue(user=hr_user, name="BI", actor=hr_user)
    client.login(username=leader_a.username, password=PASSWORD)
    assert client.get(reverse("assessments:api-tokens")).status_code == 404
    assert (
        client.post(reverse("assessments:api-tokens"), {"name": "x", "days": 5}).status_code == 404
    )
    revoke = reverse("assessments:api-token-revoke", args=[row.pk])
    assert client.post(revoke).status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


@pytest.mark.time_machine(NOW, tick=False)
def test_the_command_issues_a_token_with_its_lifetime(hr_user):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", user=hr_user.email, name="BI", days=7, stdout=out, stderr=err)
    assert ApiToken.objects.get().expires_at == NOW + dt.timedelta(days=7)
    assert "2026-12-13" in err.getvalue()
