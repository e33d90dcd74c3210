"""HR finds one team among many: the search box over long tables, on a phone and a laptop."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments.models import Cycle
from tests.browser.pages import axe_violations, login, screenshot
from tests.builders import draft_cycle_make, roster_team_make

NAMES = [
    "Platform",
    "Payments",
    "Mobile Apps",
    "Data Science",
    "Customer Support",
    "Field Sales",
    "Partner Sales",
    "Finance Ops",
    "People Ops",
    "Legal",
    "Security",
    "Design",
]


@pytest.fixture
def closed_cycle(bank, leader_a):
    teams = [
        roster_team_make(name, leaders=(leader_a,) if name == "Legal" else ()) for name in NAMES
    ]
    cycle = draft_cycle_make(bank, teams)
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    return cycle


@pytest.mark.django_db(transaction=True)
def test_hr_finds_a_team_on_the_reports_page_by_name_or_leader(
    live_server, phone, hr_user, closed_cycle, leader_a
):
    login(phone, live_server, hr_user)
    phone.goto(f"{live_server.url}{reverse('assessments:report-jobs', args=[closed_cycle.pk])}")
    rows = phone.locator("#report-teams-table tbody tr")
    box = phone.get_by_label("Find a team, department or leader")
    assert rows.count() == len(NAMES)

    box.fill("ops")
    assert [rows.nth(i).is_visible() for i in range(rows.count())].count(True) == 2
    assert phone.locator("#report-teams-table-filter-status").inner_text() == "2 of 12 shown"
    assert phone.get_by_role("link", name="A4 PDF of People Ops").is_visible()
    assert not phone.get_by_role("link", name="A4 PDF of Platform").is_visible()
    screenshot(phone, "reports-filter-phone")

    box.fill(leader_a.get_full_name())  # a leader's name finds their team
    assert phone.get_by_role("link", name="A4 PDF of Legal").is_visible()

    box.fill("sales field")  # every word, in any order
    assert phone.get_by_role("link", name="A4 PDF of Field Sales").is_visible()
    assert not phone.get_by_role("link", name="A4 PDF of Partner Sales").is_visible()

    box.fill("nothing like this")
    assert phone.locator("#report-teams-table-filter-status").inner_text() == (
        "Nothing matches what you typed."
    )
    box.fill("")
    assert all(rows.nth(i).is_visible() for i in range(rows.count()))
    assert axe_violations(phone) == []


@pytest.mark.django_db(transaction=True)
def test_the_teams_list_filters_and_short_tables_have_no_search_box(
    live_server, laptop, bank, hr_user, closed_cycle
):
    login(laptop, live_server, hr_user)
    laptop.goto(f"{live_server.url}{reverse('assessments:hr-teams')}")
    laptop.get_by_label("Find a team, department or leader").fill("design")
    assert laptop.locator("#teams-table tbody tr:visible").count() == 1
    assert laptop.get_by_role("link", name="Design").is_visible()
    # The cycle page's counts: the search sits outside the card htmx refreshes.
    laptop.goto(f"{live_server.url}{reverse('assessments:hr-cycle', args=[closed_cycle.pk])}")
    laptop.get_by_label("Find a team in the responses").fill("pay")
    assert laptop.locator("#counts-table tbody tr:visible").count() == 1
    # A short table needs no search box.
    short = draft_cycle_make(bank, list(closed_cycle.teams.all()[:3]), name="Short")
    laptop.goto(f"{live_server.url}{reverse('assessments:hr-cycle', args=[short.pk])}")
    assert laptop.locator("#counts-table tbody tr").count() == 3
    assert laptop.get_by_label("Find a team in the responses").count() == 0
