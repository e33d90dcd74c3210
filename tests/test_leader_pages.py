"""Leaders' pages and the order of cycles: the self-assessment offered only while the survey takes
answers, released results as links, cycles newest first by date everywhere, and HR's
organisation dashboard opening on the newest cycle with results."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from assessments.hr.cycles import cycle_close, cycle_open, cycle_release
from assessments.models import Cycle
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2027, 6, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def alpha(leader_a):
    return roster_team_make("Alpha", leaders=(leader_a,), members=4)


def window(days_ago: int, length: int = 14) -> dict:
    opens = NOW - dt.timedelta(days=days_ago)
    return {"opens_at": opens, "closes_at": opens + dt.timedelta(days=length)}


def released(bank, teams, name, **dates):
    cycle = draft_cycle_make(bank, teams, name=name, **dates)
    cycle_open(cycle=cycle, actor=None, closes_at=NOW + dt.timedelta(days=1))
    cycle_close(cycle=cycle, actor=None)
    cycle_release(cycle=cycle, actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(**dates)  # back to its own (past) window
    return cycle


def test_the_self_assessment_is_offered_only_while_the_survey_takes_answers(
    client, bank, leader_a, alpha
):
    later = draft_cycle_make(
        bank,
        [alpha],
        name="Later",
        opens_at=NOW + dt.timedelta(days=3),
        closes_at=NOW + dt.timedelta(days=10),
    )
    cycle_open(cycle=later, actor=None)
    client.force_login(leader_a)
    page = client.get(reverse("home")).text
    assert "Take my self-assessment" not in page
    assert "Your self-assessment opens with the survey, on 18 Jun 2027, 12:00 UTC." in page
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        client.force_login(leader_a)
        assert "Take my self-assessment" in client.get(reverse("home")).text
    with time_machine.travel(NOW + dt.timedelta(days=10), tick=False):
        client.force_login(leader_a)
        page = client.get(reverse("home")).text
        assert "self-assessment" not in page.lower()  # closed: nothing to take


def test_released_results_on_the_leaders_home_page_are_links_to_the_dashboards(
    client, bank, leader_a, alpha
):
    cycle = released(bank, [alpha], "2027 Q1", **window(80))
    client.force_login(leader_a)
    page = client.get(reverse("home")).text
    url = reverse("assessments:team-dashboard", args=[cycle.slug, alpha.slug])
    assert f'<a href="{url}">2027 Q1 results</a>' in page
    assert client.get(url).status_code == 200


def _names_in_order(page: str, names: list[str]) -> list[str]:
    found = sorted((page.index(f">{name}<"), name) for name in names if f">{name}<" in page)
    return [name for _, name in found]


@pytest.fixture
def three_cycles(bank, alpha):
    """Created out of date order: the oldest cycle was entered last (an import of past answers
    has no window at all, and dates from when it was created)."""
    newest = released(bank, [alpha], "2027 Q2", **window(30))
    oldest = released(bank, [alpha], "2026 Q4", **window(200))
    middle = released(bank, [alpha], "2027 Q1", **window(110))
    return [newest, middle, oldest]


def test_cycles_are_listed_newest_first_by_date_everywhere(client, hr_user, leader_a, three_cycles):
    names = [cycle.name for cycle in three_cycles]
    client.force_login(hr_user)
    assert _names_in_order(client.get(reverse("assessments:hr-cycles")).text, names) == names
    assert _names_in_order(client.get(reverse("home")).text, names) == names
    client.force_login(leader_a)
    assert _names_in_order(client.get(reverse("assessments:my-results")).text, names) == names
    home = client.get(reverse("home")).text
    linked = re.findall(r">(20\d\d Q\d) results<", home)
    assert linked == names


def test_a_cycle_without_a_window_is_dated_by_when_it_was_created(bank, alpha):
    with time_machine.travel(NOW - dt.timedelta(days=400), tick=False):
        dated_old = draft_cycle_make(bank, [alpha], name="Imported")
    newer = draft_cycle_make(bank, [alpha], name="Planned", **window(-5))
    assert list(Cycle.objects.newest_first()) == [newer, dated_old]


def test_the_organisation_dashboard_opens_on_the_newest_cycle_with_results(
    client, hr_user, bank, alpha, three_cycles
):
    closed = draft_cycle_make(bank, [alpha], name="2027 Q3 pilot", **window(10, length=5))
    cycle_open(cycle=closed, actor=None, closes_at=NOW + dt.timedelta(days=1))
    cycle_close(cycle=closed, actor=None)
    running = draft_cycle_make(bank, [alpha], name="2027 Q3", **window(2))
    cycle_open(cycle=running, actor=None)
    client.force_login(hr_user)
    page = client.get(reverse("assessments:org-dashboard")).text
    selected = re.search(r'<option value="([^"]+)" selected>', page).group(1)
    assert selected == closed.slug  # not the running one, not an older released one
    options = re.findall(r'<option value="([^"]+)"', page)
    assert options[:2] == [running.slug, closed.slug]


def test_without_an_ended_cycle_the_organisation_dashboard_opens_on_the_newest(
    client, hr_user, bank, alpha
):
    running = draft_cycle_make(bank, [alpha], name="2027 Q3", **window(2))
    cycle_open(cycle=running, actor=None)
    client.force_login(hr_user)
    page = client.get(reverse("assessments:org-dashboard")).text
    assert re.search(r'<option value="([^"]+)" selected>', page).group(1) == running.slug
