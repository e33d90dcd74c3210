"""HR's heatmap: rows joined in Python, escaped, and kept with the stored report they show."""

from __future__ import annotations

import dataclasses

from django.urls import reverse

from assessments.dashboards.heatmap import heatmap
from assessments.models import CycleTeam, Invitation, Role, token_hash
from assessments.results.access import report_for_viewer
from assessments.results.stored import cycle_report
from tests.builders import released_org_make


def _org_html(client, hr_user, params: dict) -> str:
    client.force_login(hr_user)
    return client.get(reverse("assessments:org-dashboard"), params).content.decode()


def test_a_team_name_with_markup_is_printed_as_text(client, bank, hr_user):
    cycle, teams = released_org_make(bank, teams=2, respondents=4)
    # The name the released cycle keeps for the team (later renames do not reach it).
    CycleTeam.objects.filter(team=teams[0]).update(name='R&D <b onmouseover="x">')
    html = _org_html(client, hr_user, {"cycle": cycle.slug})
    assert "R&amp;D &lt;b onmouseover=&quot;x&quot;&gt;" in html
    assert '<b onmouseover="x">' not in html


def test_each_team_row_links_to_its_dashboard_and_each_department_to_its_own_heatmap(
    client, bank, hr_user
):
    cycle, teams = released_org_make(bank, teams=2, respondents=4)
    department = teams[0].parent
    html = _org_html(client, hr_user, {"cycle": cycle.slug, "metric": "favourable"})
    for team in teams:
        url = reverse("assessments:team-dashboard", args=[cycle.slug, team.slug])
        assert f'<a href="{url}">{team.name}</a>' in html
    assert (
        f'<a href="/organisation/?cycle={cycle.slug}&amp;department={department.pk}'
        f'&amp;metric=favourable">{department.name}</a>'
    ) in html


def test_the_rows_print_the_response_rate_rounded_half_up(client, bank, hr_user):
    cycle, teams = released_org_make(bank, teams=2, respondents=5)
    Invitation.objects.bulk_create(  # 5 of 8 invited responded: 62.5%
        Invitation(
            cycle=cycle,
            team=teams[0],
            role=Role.MEMBER,
            email=f"late{i}@example.com",
            token_hash=token_hash(f"late-{i}"),
        )
        for i in range(3)
    )
    html = _org_html(client, hr_user, {"cycle": cycle.slug})
    assert '<span class="responses">5<span class="muted"> / 8</span></span>' in html
    assert '<span style="width: 63%"></span>' in html
    assert '<span class="sr-only">63% responded</span>' in html


def test_the_heatmap_of_a_stored_report_is_built_once_and_again_for_a_new_report(bank, hr_user):
    cycle, _ = released_org_make(bank, teams=3, respondents=4)
    cycle_report(cycle)  # computed and stored: later reads share one report object
    report = report_for_viewer(cycle=cycle, user=hr_user, detail=False)
    assert report_for_viewer(cycle=cycle, user=hr_user, detail=False) is report
    first = heatmap(report=report, metric="mean")
    assert heatmap(report=report, metric="mean") is first
    assert heatmap(report=report, metric="favourable") is not first
    copy = dataclasses.replace(report)
    assert heatmap(report=copy, metric="mean") is not first
    assert heatmap(report=copy, metric="mean") == first
