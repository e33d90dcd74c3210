"""HR's heatmap: rows joined in Python, escaped, linked."""

from __future__ import annotations

from django.urls import reverse

from assessments.models import CycleTeam, Invitation, Role, token_hash
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


def test_each_team_row_links_to_its_dashboard_and_each_department_to_its_own_teams(
    client, bank, hr_user
):
    cycle, teams = released_org_make(bank, teams=2, respondents=4)
    department = teams[0].parent
    html = _org_html(client, hr_user, {"cycle": cycle.slug, "metric": "favourable"})
    for team in teams:
        url = reverse("assessments:team-dashboard", args=[cycle.slug, team.slug])
        assert f'<a href="{url}">{team.name}</a>' in html
    params = {"cycle": cycle.slug, "metric": "favourable", "show": "departments"}
    html = _org_html(client, hr_user, params)
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
