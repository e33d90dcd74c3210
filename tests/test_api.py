"""The read-only scores API: HR only (session or bearer token), the documented document."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from assessments.models import ApiToken, Cycle, token_hash, token_new
from tests.builders import (
    released_cycle_make,
    responses_add,
    tiny_bank_make,
    tree_team_make,
    uniform_rows,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def released(db):
    bank = tiny_bank_make()
    teams = [tree_team_make("Alpha"), tree_team_make("Beta"), tree_team_make("Gamma")]
    cycle = released_cycle_make("2026 Q1", bank, teams)
    responses_add(cycle, teams[0], uniform_rows(4))
    responses_add(cycle, teams[1], uniform_rows(5, value=3))
    responses_add(cycle, teams[2], uniform_rows(1))
    released_cycle_make("Draft", bank, teams, state=Cycle.State.DRAFT)
    return cycle


def token_for(user) -> str:
    token = token_new()
    ApiToken.objects.create(user=user, name="test", token_hash=token_hash(token))
    return token


def test_anonymous_visitors_and_leaders_get_401_and_no_data(client, released, leader_a):
    for url in ("/api/cycles/", "/api/cycles/2026-q1/scores", "/api/cycles/nope/scores"):
        response = client.get(url)
        assert response.status_code == 401
        assert "teams" not in response.content.decode()
    client.login(username=leader_a.username, password=PASSWORD)
    assert client.get("/api/cycles/").status_code == 401
    assert client.get("/api/cycles/2026-q1/scores").status_code == 401


def test_a_leaders_token_and_a_wrong_token_are_refused(client, released, leader_a):
    for token in (token_for(leader_a), "not-a-token"):
        response = client.get("/api/cycles/", headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 401


def test_hr_reads_cycles_and_scores_by_session(client, released, hr_user):
    client.login(username=hr_user.username, password=PASSWORD)
    cycles = client.get("/api/cycles/").json()
    assert [c["slug"] for c in cycles] == ["2026-q1"]  # drafts are not listed
    assert cycles[0]["scores_visible"] is True
    document = client.get("/api/cycles/2026-q1/scores").json()
    assert set(document) == {"cycle", "min_group_size", "pillars", "teams"}
    teams = {t["team"]: t for t in document["teams"]}
    assert teams["Gamma"]["n"] == 1
    assert teams["Gamma"]["suppressed"] is True
    assert teams["Gamma"]["pillars"]["p1"]["mean"] is None
    # Gamma alone would follow from the organisation total: Alpha (smaller sibling) hides too.
    assert teams["Alpha"]["suppressed"] is True
    assert teams["Beta"]["pillars"]["p1"]["mean"] == pytest.approx(3.0)
    assert client.get("/api/cycles/draft/scores").status_code == 404
    assert client.get("/api/cycles/nope/scores").status_code == 404


def test_hr_reads_the_same_document_as_export_scores_with_a_bearer_token(client, released, hr_user):
    out = io.StringIO()
    call_command(
        "create_api_token", user=hr_user.email, name="BI", stdout=out, stderr=io.StringIO()
    )
    token = out.getvalue().strip()
    response = client.get(
        "/api/cycles/2026-q1/scores", headers={"authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    exported = io.StringIO()
    call_command("export_scores", cycle="2026 Q1", stdout=exported)
    assert response.json() == json.loads(exported.getvalue())
    assert ApiToken.objects.get().last_used_at is not None


def test_an_open_cycle_gives_counts_and_null_scores(client, released, hr_user):
    released.state = Cycle.State.OPEN
    released.save()
    client.login(username=hr_user.username, password=PASSWORD)
    document = client.get("/api/cycles/2026-q1/scores").json()
    assert [t["n"] for t in document["teams"]] == [4, 5, 1]
    assert all(t["suppressed"] for t in document["teams"])
    assert all(p["mean"] is None for p in document["pillars"].values())


def test_the_openapi_schema_is_json_listing_the_paths_and_no_cdn_docs_page(client, hr_user):
    client.login(username=hr_user.username, password=PASSWORD)
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {"/api/cycles/", "/api/cycles/{slug}/scores"}
    assert "ScoresDocument" in schema["components"]["schemas"]
    assert client.get("/api/docs").status_code == 404
