"""HR's organisation page a page at a time: department filter, name search, sort, pages.

The attacks: HR sorts, filters and searches to learn something of a hidden team (its scores from
its place in a sort, a total over a filter that holds only it, a count to subtract from).
"""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Answer, Cycle, Team
from assessments.results import listing
from assessments.results.stored import results_invalidate
from tests.builders import (
    released_org_make,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    results_ready,
    tree_team_make,
)

TEAM_NAME = re.compile(r'class="heat-team"><a href="[^"]*">([^<]*)</a>')


@pytest.fixture
def org(bank, hr_user, client):
    """Two departments. Sales: Alpha (low), Bravo (high), Charlie (2 answers: hidden) and Delta;
    Operations: Echo and Foxtrot, and Golf alone (1 answer: hidden, so Operations' smallest
    other team is hidden against subtraction)."""
    cycle = report_cycle_make(bank)
    sales = tree_team_make("Sales", department=True)
    operations = tree_team_make("Operations", department=True)
    for name, department, values in (
        ("Alpha", sales, [2, 2, 2, 1]),
        ("Bravo", sales, [5, 5, 4, 4]),
        ("Charlie", sales, [5, 5]),
        ("Delta", sales, [3, 3, 3, 4, 4]),
        ("Echo", operations, [5, 5, 5, 5, 5, 4]),
        ("Foxtrot", operations, [3, 3, 3]),
        ("Golf", operations, [1]),
    ):
        report_answers_add(
            cycle, report_team_make(cycle, name, department=department), values=values
        )
    results_ready(cycle)
    client.force_login(hr_user)
    return cycle


def _html(client, cycle: Cycle, **params) -> str:
    response = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug, **params})
    assert response.status_code == 200
    return response.content.decode()


def _heatmap(html: str) -> str:
    return html[html.index('id="heatmap"') : html.index("How well the questions work")]


def _names(html: str) -> list[str]:
    return TEAM_NAME.findall(_heatmap(html))


def _pillar(cycle: Cycle) -> str:
    return cycle.questions.order_by("pillar__order").values_list("pillar__key", flat=True)[0]


def test_the_default_page_lists_the_teams_by_name_with_the_organisation_at_the_foot(client, org):
    html = _html(client, org)
    assert _names(html) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"]
    assert "Showing 1–7 of 7 teams" in html
    assert "Whole organisation" in _heatmap(html)


def test_sorting_by_a_pillar_orders_shown_teams_by_it_and_hidden_ones_last_by_name(client, org):
    pillar = _pillar(org)
    overview = listing.overview_read(cycle=org, user=None)
    rows = listing.listing_page(overview=overview, query=listing.ListingQuery(), page=1).rows
    figures = {}
    for row in rows:
        cell = next(p for p in row.pillars if p.key == pillar)
        if not (row.suppressed or cell.suppressed):
            figures[row.name] = round(cell.mean, 1)
    hidden = sorted({row.name for row in rows} - set(figures))
    assert {"Charlie", "Golf"} <= set(hidden)
    low_first = _names(_html(client, org, sort=pillar))
    high_first = _names(_html(client, org, sort=pillar, order="desc"))
    assert low_first == sorted(figures, key=lambda name: (figures[name], name)) + hidden
    assert high_first == sorted(figures, key=lambda name: (-figures[name], name)) + hidden
    assert high_first[0] == "Echo"


def test_a_hidden_teams_answers_do_not_move_it_in_any_sort(client, org):
    """The attack: HR sorts by each pillar, both ways, before and after a hidden team's answers
    change, and compares. Nothing on the page may differ."""
    pillars = list(dict.fromkeys(org.questions.values_list("pillar__key", flat=True)))

    def every_sort() -> list[list[str]]:
        # The teams' rows in their order (the totals hold the hidden team's answers, as the
        # rules allow where no one can be worked out from them, so they may move).
        return [
            re.findall(
                r'<tr><th scope="row" class="heat-team">.*?</tr>',
                _heatmap(_html(client, org, sort=key, order=order, metric=metric)),
            )
            for key in pillars
            for order in ("asc", "desc")
            for metric in ("mean", "favourable")
        ]

    before = every_sort()
    Answer.objects.filter(submission__team__name="Charlie").update(value=1)
    results_invalidate(org)
    results_ready(org)
    assert every_sort() == before


def test_a_department_filter_shows_its_stored_total_hidden_where_the_rules_hide_it(client, org):
    operations = Team.objects.get(name="Operations")
    html = _heatmap(_html(client, org, department=operations.pk))
    assert TEAM_NAME.findall(html) == ["Echo", "Foxtrot", "Golf"]
    assert "Whole organisation" not in html
    departments = _heatmap(_html(client, org, show="departments"))
    # The department's row is the one the rules left, on its own page and among departments.
    row = re.search(r'<tr class="heat-rollup"><th scope="row">Operations .*?</tr>', html).group(0)
    assert row.split("</th>", 1)[1] in departments


def test_a_search_that_finds_only_a_hidden_team_shows_its_count_and_nothing_else(client, org):
    html = _html(client, org, q="charl")
    heat = _heatmap(html)
    assert _names(html) == ["Charlie"]
    assert "Showing 1–1 of 1 team" in heat
    charlie = re.search(r'<tr><th scope="row" class="heat-team">.*?</tr>', heat).group(0)
    assert 'class="num heat"' not in charlie  # every cell hidden
    assert "heat-rollup" not in heat  # no total over what the search found
    # The only total is the organisation's stored one, the same as on the default page.
    org_row = re.search(r'<tr class="heat-org">.*?</tr>', heat).group(0)
    assert org_row in _heatmap(_html(client, org))


def test_the_shown_teams_count_is_the_organisations_whatever_the_filter(client, org):
    def stat(html: str) -> str:
        return re.search(r'<span class="value">(\d+ / \d+)</span>', html).group(1)

    counts = {
        stat(_html(client, org, **params))
        for params in ({}, {"q": "charl"}, {"department": Team.objects.get(name="Sales").pk})
    }
    assert len(counts) == 1


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"page": "abc"}, "“abc” is not a page number: showing the first page."),
        ({"page": "99999"}, "There is no page 99999: showing page 1."),
        ({"page": "-1"}, "There is no page -1: showing page 1."),
        ({"department": "99999"}, "This cycle has no such department: showing every department."),
        ({"department": "sales"}, "This cycle has no such department: showing every department."),
        ({"sort": "nope"}, "This cycle asks no pillar “nope”: sorted by name."),
    ],
)
def test_a_bad_parameter_is_named_and_the_default_shown(client, org, params, notice):
    html = _html(client, org, **params)
    assert notice in html
    assert _names(html) == ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf"]


def test_unknown_views_orders_metrics_and_overlong_searches_fall_back_quietly(client, org):
    html = _html(client, org, show="nope", order="sideways", metric="x", q="z" * 500)
    assert "No team matches." in html
    assert 'value="' + "z" * 100 + '"' in html


def test_departments_are_a_page_of_their_own_linked_to_their_teams(client, org):
    html = _heatmap(_html(client, org, show="departments"))
    assert "Showing 1–2 of 2 departments" in html
    sales = Team.objects.get(name="Sales")
    assert f'<a href="/organisation/?cycle={org.slug}&amp;department={sales.pk}">Sales</a>' in html


def test_pages_of_fifty_link_to_each_other_and_keep_the_filters(client, bank, hr_user):
    cycle, _teams = released_org_make(bank, teams=53, respondents=3)
    client.force_login(hr_user)
    first = _heatmap(_html(client, cycle, q="team", order="desc"))
    assert "Showing 1–50 of 53 teams" in first
    assert len(TEAM_NAME.findall(first)) == 50
    second_url = f"/organisation/?cycle={cycle.slug}&amp;q=team&amp;order=desc&amp;page=2"
    assert f'href="{second_url}"' in first
    second = _heatmap(_html(client, cycle, q="team", order="desc", page="2"))
    assert "Showing 51–53 of 53 teams" in second
    assert TEAM_NAME.findall(second) == [
        f"Team {cycle.slug.split('-')[1]}-{i}" for i in (11, 10, 1)
    ]


def test_the_listing_reads_one_page_in_python_while_only_counts_are_shown(bank, hr_user):
    cycle, _teams = released_org_make(bank, teams=5, respondents=3, state=Cycle.State.OPEN)
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() + dt.timedelta(days=9))
    cycle.refresh_from_db()
    overview = listing.overview_read(cycle=cycle, user=hr_user)
    assert overview.result_id is None
    query = listing.ListingQuery(search="-", descending=True)
    found = listing.listing_page(overview=overview, query=query, page=2, per_page=2)
    assert [row.name for row in found.rows] == [t.name for t in reversed(_teams)][2:4]
    assert all(row.suppressed for row in found.rows)


def test_parts_stored_before_the_migration_get_the_same_index_from_their_summary(org):
    from django.apps import apps

    from assessments.models import CycleResultPart

    fields = ["name", "department", "hidden", "sort_keys"]
    written = {p.pk: [getattr(p, f) for f in fields] for p in CycleResultPart.objects.all()}
    assert any(values[3]["mean"] for values in written.values())
    CycleResultPart.objects.update(name="", department=None, hidden=False, sort_keys={})
    migration = importlib.import_module("assessments.migrations.0018_results_parts_listing")
    migration.parts_fill(apps, None)
    filled = {p.pk: [getattr(p, f) for f in fields] for p in CycleResultPart.objects.all()}
    assert filled == written
