"""The leader's team dashboard and HR's organisation dashboard."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from assessments.demo import demo_seed
from assessments.models import Comment, Cycle, Team
from assessments.results.stored import cycle_report
from tests.builders import DEMO_DAY

PASSWORD = "pillars-demo"


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    """The demo organisation, seeded once for this module and rolled back at its end.

    Each test still runs in its own transaction inside this one, so nothing leaks between them.
    """
    with (
        time_machine.travel(DEMO_DAY, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("load_bank", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
        demo_seed()
        for cycle in Cycle.objects.released():
            cycle_report(cycle)  # stored once, read by every test
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_once, db):
    return None


def _signed_in(client, username: str):
    assert client.login(username=username, password=PASSWORD)
    return client


def _team_url(cycle: str, team: str) -> str:
    return reverse("assessments:team-dashboard", args=[cycle, team])


def test_a_leader_sees_their_team_dashboard_after_release(client, demo):
    response = _signed_in(client, "ana@example.com").get(_team_url("2026-q3", "platform"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-chart="chart-radar"' in html
    assert "Pillar by pillar" in html
    assert "Strong agreement" in html or "Moderate agreement" in html or "Views differ" in html
    assert "Development: where to start" in html
    assert "Goal — where do you want this to be?" in html
    assert "Across cycles" in html  # 2026 Q2 and Q3 are both released
    assert "vendor/plotly.min.js" in html


def test_a_leader_sees_only_the_response_count_before_release(client, demo):
    response = _signed_in(client, "ana@example.com").get(_team_url("2026-q4", "platform"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Results are not shown yet" in html
    assert "Pillar by pillar" not in html
    assert "chart-radar" not in html
    assert "plotly" not in html


def test_a_team_below_k_shows_its_count_and_nothing_else(client, demo):
    team = Team.objects.get(slug="sales-south")
    comments = Comment.objects.filter(submission__team=team).values_list("text", flat=True)
    response = _signed_in(client, "hana@example.com").get(_team_url("2026-q3", "sales-south"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Results are not shown yet" in html
    assert "Fewer responses than the minimum group size" in html
    for marker in ("Pillar by pillar", "Favourable answers", "/ 5", "chart-radar", "likely "):
        assert marker not in html
    for text in comments:
        assert text not in html


def test_another_leaders_team_is_a_404(client, demo):
    response = _signed_in(client, "ana@example.com").get(_team_url("2026-q3", "mobile"))
    assert response.status_code == 404


def test_a_department_or_an_unknown_cycle_is_a_404(client, demo):
    signed_in = _signed_in(client, "hr@example.com")
    assert signed_in.get(_team_url("2026-q3", "operations")).status_code == 404
    assert signed_in.get(_team_url("1999-q1", "platform")).status_code == 404


def test_leaders_cannot_open_the_organisation_dashboard(client, demo):
    response = _signed_in(client, "ana@example.com").get(reverse("assessments:org-dashboard"))
    assert response.status_code == 404


def test_hr_can_open_any_teams_dashboard(client, demo):
    signed_in = _signed_in(client, "hr@example.com")
    for slug in ("platform", "mobile", "logistics"):
        response = signed_in.get(_team_url("2026-q3", slug))
        assert response.status_code == 200
        assert "Pillar by pillar" in response.content.decode()


def test_my_results_lists_the_leaders_own_teams_and_their_cycles(client, demo):
    html = _signed_in(client, "ana@example.com").get(reverse("assessments:my-results")).content
    html = html.decode()
    assert _team_url("2026-q3", "platform") in html
    assert _team_url("2026-q4", "platform") in html
    assert "mobile" not in html


def test_the_nav_links_to_my_results_for_leaders_and_organisation_for_hr(client, demo):
    html = _signed_in(client, "ana@example.com").get(reverse("home")).content.decode()
    assert reverse("assessments:my-results") in html
    assert reverse("assessments:org-dashboard") not in html
    client.logout()
    html = _signed_in(client, "hr@example.com").get(reverse("home")).content.decode()
    assert reverse("assessments:org-dashboard") in html


def test_hr_sees_every_team_in_the_organisation_heatmap_with_links(client, demo):
    response = _signed_in(client, "hr@example.com").get(
        reverse("assessments:org-dashboard"), {"cycle": "2026-q3"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    for team in Team.objects.filter(is_department=False):
        assert team.name in html
    assert _team_url("2026-q3", "platform") in html
    assert "Whole organisation" in html
    assert "How well the questions work" in html


def test_suppressed_cells_are_rendered_as_suppressed(client, demo):
    html = (
        _signed_in(client, "hr@example.com")
        .get(reverse("assessments:org-dashboard"), {"cycle": "2026-q3"})
        .content.decode()
    )
    row = html[html.index(">Sales South<") :]
    row = row[: row.index("</tr>")]
    assert row.count("heat-suppressed") == 5
    assert "Fewer than 3 responses" in row
    assert "background:" not in row


def test_the_heatmap_switches_to_favourable_percentages(client, demo):
    html = (
        _signed_in(client, "hr@example.com")
        .get(reverse("assessments:org-dashboard"), {"cycle": "2026-q3", "metric": "favourable"})
        .content.decode()
    )
    heatmap = html[html.index('id="heatmap"') :]
    assert "%</td>" in heatmap
    assert 'aria-current="page">Favourable %' in heatmap


def test_an_htmx_request_for_the_heatmap_gets_only_the_partial(client, demo):
    response = _signed_in(client, "hr@example.com").get(
        reverse("assessments:org-dashboard"),
        {"cycle": "2026-q3", "metric": "favourable"},
        headers={"HX-Request": "true", "HX-Target": "heatmap"},
    )
    html = response.content.decode().strip()
    assert html.startswith('<section class="card heatmap-card" id="heatmap"')
    assert "<html" not in html
    assert "How well the questions work" not in html
    assert "Platform" in html


def test_the_metric_links_keep_a_real_href_for_browsers_without_javascript(client, demo):
    html = (
        _signed_in(client, "hr@example.com")
        .get(reverse("assessments:org-dashboard"), {"cycle": "2026-q3"})
        .content.decode()
    )
    assert 'href="/organisation/?cycle=2026-q3&amp;metric=favourable"' in html


def test_the_department_filter_shows_only_that_departments_teams(client, demo):
    department = Team.objects.get(slug="operations")
    html = (
        _signed_in(client, "hr@example.com")
        .get(
            reverse("assessments:org-dashboard"), {"cycle": "2026-q3", "department": department.pk}
        )
        .content.decode()
    )
    heatmap = html[html.index('id="heatmap"') : html.index("How well the questions work")]
    assert "Logistics" in heatmap
    assert "Platform" not in heatmap
    assert "Whole organisation" not in heatmap


def test_an_open_cycle_shows_response_rates_but_no_scores_to_hr(client, demo):
    html = (
        _signed_in(client, "hr@example.com")
        .get(reverse("assessments:org-dashboard"), {"cycle": "2026-q4"})
        .content.decode()
    )
    assert "Scores are shown once the cycle has closed." in html
    assert "responses of" in html
    assert "background:#" not in html
