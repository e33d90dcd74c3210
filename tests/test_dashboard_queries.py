"""Dashboards on purpose-built organisations: release states, psychometrics, query counts."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Cycle
from tests.builders import released_org_make, user_make


def _team_url(cycle: str, team: str) -> str:
    return reverse("assessments:team-dashboard", args=[cycle, team])


def test_a_closed_cycle_stays_counts_only_for_leaders_until_hr_releases_it(client, bank):
    leader = user_make("lead@example.com")
    cycle, teams = released_org_make(
        bank, teams=2, respondents=5, leader=leader, state=Cycle.State.CLOSED
    )
    client.force_login(leader)
    html = client.get(_team_url(cycle.slug, teams[0].slug)).content.decode()
    assert "Results are shown once HR releases them." in html
    assert "Pillar by pillar" not in html
    assert "secret remark" not in html


def test_psychometrics_warn_about_a_miskeyed_item(client, bank, hr_user):
    cycle, _ = released_org_make(bank, teams=4, respondents=8, miskeyed="TR02", seed=7)
    client.force_login(hr_user)
    html = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug}).content.decode()
    notes = html[html.index("How well the questions work") :]
    assert "TR02" in notes[: notes.index("All item–total correlations")]
    assert "Check this item&#x27;s wording or reverse keying." in notes


def _queries(client, url: str, params: dict | None = None) -> int:
    client.get(url, params)  # the first view computes and stores the results
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_organisation_dashboard_issues_the_same_queries_for_small_and_large_orgs(
    client, bank, hr_user, django_assert_max_num_queries
):
    # An earlier cycle first, so both measured cycles have a previous cycle to compare with.
    released_org_make(bank, teams=1, respondents=3, seed=3)
    small, _ = released_org_make(bank, teams=2, respondents=3, seed=1)
    large, _ = released_org_make(bank, teams=9, respondents=7, seed=2)
    client.force_login(hr_user)
    url = reverse("assessments:org-dashboard")
    budget = _queries(client, url, {"cycle": small.slug})
    client.get(url, {"cycle": large.slug})
    with django_assert_max_num_queries(budget):
        client.get(url, {"cycle": large.slug})


def test_the_team_dashboard_issues_the_same_queries_for_small_and_large_teams(
    client, bank, django_assert_max_num_queries
):
    leader = user_make("lead@example.com")
    released_org_make(bank, teams=1, respondents=3, seed=3)
    small, small_teams = released_org_make(bank, teams=2, respondents=3, leader=leader, seed=1)
    large, large_teams = released_org_make(bank, teams=9, respondents=12, leader=leader, seed=2)
    client.force_login(leader)
    budget = _queries(client, _team_url(small.slug, small_teams[0].slug))
    url = _team_url(large.slug, large_teams[0].slug)
    client.get(url)
    with django_assert_max_num_queries(budget):
        response = client.get(url)
    assert "Pillar by pillar" in response.content.decode()
