"""A cycle keeps its teams' names and departments: edits reach it while it is open, never after."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps

from assessments.hr.cycles import cycle_open
from assessments.hr.teams import team_save, teams_import
from assessments.models import Cycle, CycleTeam
from assessments.results.aggregation import cycle_compute
from assessments.results.stored import cycle_fingerprint
from tests.builders import released_cycle_make, responses_add, tiny_bank_make, tree_team_make

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
ANSWERS = [{"Q1": 4, "Q2": 2, "Q3": 3}] * 3


def _org(state: str = Cycle.State.RELEASED, **settings):
    bank = tiny_bank_make()
    engineering = tree_team_make("Engineering", department=True)
    platform = tree_team_make("Platform", parent=engineering)
    data = tree_team_make("Data", parent=engineering)
    cycle = released_cycle_make("2026 Q1", bank, [platform, data], state=state, **settings)
    for team in (platform, data):
        responses_add(cycle, team, ANSWERS)
    return cycle, engineering, platform, data


def _shown(cycle: Cycle) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    report = cycle_compute(cycle)
    return (
        [(team.name, team.department) for team in report.teams],
        [(rollup.name, rollup.n) for rollup in report.departments],
    )


def _move(team, *, name: str, department: str) -> None:
    team_save(
        actor=None,
        team=team,
        name=name,
        department=department,
        leader_emails=[],
        member_emails=[],
    )


def test_a_team_joining_a_cycle_brings_its_name_and_department():
    cycle, engineering, platform, _data = _org()
    row = CycleTeam.objects.get(cycle=cycle, team=platform)
    assert (row.name, row.slug, row.department_id, row.department_name) == (
        "Platform",
        "platform",
        engineering.pk,
        "Engineering",
    )


def test_a_released_cycle_keeps_names_and_departments_after_a_rename_and_a_move():
    cycle, _engineering, platform, _data = _org()
    before = _shown(cycle)
    fingerprint = cycle_fingerprint(cycle, previous=None)
    _move(platform, name="Platform Team", department="Infrastructure")
    assert _shown(cycle) == before
    assert cycle_fingerprint(cycle, previous=None) == fingerprint


def test_a_team_import_leaves_a_released_cycle_as_it_was():
    cycle, *_ = _org()
    before = _shown(cycle)
    teams_import(
        data=b"team,department,leader_email,member_email\nPlatform,Elsewhere,,sam@example.com\n",
        actor=None,
    )
    assert _shown(cycle) == before


def test_an_open_cycle_takes_the_edits_of_its_teams():
    with time_machine.travel(NOON, tick=False):
        cycle, _engineering, platform, _data = _org(
            state=Cycle.State.OPEN, closes_at=NOON + dt.timedelta(days=3)
        )
        _move(platform, name="Platform Team", department="Infrastructure")
        teams, departments = _shown(cycle)
    assert ("Platform Team", "Infrastructure") in teams
    assert ("Data", "Engineering") in teams
    assert sorted(departments) == [("Engineering", 3), ("Infrastructure", 3)]


def test_a_cycle_past_its_closing_time_keeps_its_teams_though_nobody_closed_it():
    with time_machine.travel(NOON, tick=False) as clock:
        cycle, _engineering, platform, _data = _org(
            state=Cycle.State.OPEN, closes_at=NOON + dt.timedelta(hours=1)
        )
        clock.move_to(NOON + dt.timedelta(minutes=59))
        _move(platform, name="Renamed in time", department="Engineering")
        clock.move_to(NOON + dt.timedelta(hours=1))  # the closing minute: closed from here
        _move(platform, name="Renamed too late", department="Elsewhere")
        teams, _departments = _shown(cycle)
    assert ("Renamed in time", "Engineering") in teams


def test_reopening_a_closed_cycle_takes_its_teams_as_they_are_now():
    with time_machine.travel(NOON, tick=False):
        cycle, _engineering, platform, _data = _org(state=Cycle.State.CLOSED)
        _move(platform, name="Platform Team", department="Infrastructure")
        assert ("Platform", "Engineering") in _shown(cycle)[0]
        cycle_open(cycle=cycle, actor=None, closes_at=NOON + dt.timedelta(days=1))
        assert ("Platform Team", "Infrastructure") in _shown(cycle)[0]


def test_a_department_deleted_after_the_cycle_still_groups_its_old_teams():
    cycle, engineering, platform, data = _org()
    before = _shown(cycle)
    _move(platform, name="Platform", department="")
    _move(data, name="Data", department="")
    engineering.delete()
    assert _shown(cycle) == before


def test_the_fill_migration_gives_existing_cycles_their_teams_as_they_are():
    cycle, *_ = _org()
    CycleTeam.objects.filter(cycle=cycle).update(name="", slug="", department=None)
    migration = importlib.import_module("assessments.migrations.0011_fill_cycle_team_snapshot")
    migration.fill_cycle_team_snapshot(apps, None)
    assert sorted(CycleTeam.objects.values_list("name", "department_name")) == [
        ("Data", "Engineering"),
        ("Platform", "Engineering"),
    ]
