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


def test_one_teams_counts_are_the_whole_cycles_row_for_it_with_the_organisations_totals(bank):
    # Before results are shown (an open cycle, or results being prepared) a team's page reads
    # only its own counts: the same row as in the whole cycle's counts, beside the same
    # organisation totals, so the page costs the same in an organisation of 10,000 teams.
    from assessments.results.report import REASON_OPEN
    from assessments.results.stored import counts_report

    cycle, teams = released_org_make(bank, teams=5, respondents=4, state=Cycle.State.OPEN)
    moved = teams[4]
    cycle.teams.remove(moved)  # a team that left the cycle after answering still counts
    totals = []
    for before in (None, cycle.local_date()):
        whole = counts_report(cycle, reason=REASON_OPEN, counted_before=before)
        totals.append(whole.organisation.n)
        for team in (teams[0], moved):
            one = counts_report(
                cycle, reason=REASON_OPEN, counted_before=before, teams_only={team.pk}
            )
            assert one.teams == tuple(t for t in whole.teams if t.team_id == team.pk)
            assert one.departments == ()
            organisation = whole.organisation
            assert (one.organisation.n, one.organisation.invited) == (
                organisation.n,
                organisation.invited,
            )
            assert one.organisation.team_ids == ()  # names no other team
    assert totals == [20, 0]  # a leader's count before today: today's answers wait a day
