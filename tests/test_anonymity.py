"""The anonymity rules: k, no derivation by subtraction, comments, trends, who sees what."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Cycle, Role
from assessments.results.access import report_for_viewer
from assessments.results.aggregation import cycle_compute
from assessments.results.anonymity import ORGANISATION, comments_arrange, suppression_plan
from assessments.results.report import (
    REASON_NOT_RELEASED,
    REASON_OPEN,
    REASON_SECONDARY,
    REASON_TOO_FEW,
)
from tests.builders import (
    released_cycle_make,
    responses_add,
    tiny_bank_make,
    tree_team_make,
    uniform_rows,
)


def derivable_small_groups(
    *, counts: dict[int, int], shown_sets: list[frozenset[int]], k: int
) -> list[set[int]]:
    """Every set of teams whose pooled figures follow from the shown ones and has 1..k−1 people.

    A shown figure is a sum over a set of teams; any set whose indicator vector lies in the span
    of the shown sets' vectors can be obtained by adding and subtracting shown figures.
    """
    people = sorted(t for t, n in counts.items() if n > 0)
    if not shown_sets:
        return []
    basis = np.array([[1.0 if t in s else 0.0 for t in people] for s in shown_sets])
    rank = np.linalg.matrix_rank(basis) if people else 0
    found = []
    for size in range(1, len(people) + 1):
        for group in itertools.combinations(people, size):
            n = sum(counts[t] for t in group)
            if not 0 < n < k:
                continue
            vector = np.array([[1.0 if t in group else 0.0 for t in people]])
            if np.linalg.matrix_rank(np.vstack([basis, vector])) == rank:
                found.append(set(group))
    return found


organisations = st.integers(min_value=1, max_value=8).flatmap(
    lambda teams: st.tuples(
        st.lists(st.integers(0, 12), min_size=teams, max_size=teams),
        st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=teams, max_size=teams),
        st.integers(3, 5),
    )
)


def parents_of(departments: list[int | None]) -> dict[str, frozenset[int]]:
    parents = {ORGANISATION: frozenset(range(len(departments)))}
    for dept in {d for d in departments if d is not None}:
        parents[f"department:{dept}"] = frozenset(t for t, d in enumerate(departments) if d == dept)
    return parents


@settings(max_examples=300, deadline=None)
@given(organisations)
def test_no_group_below_k_is_shown_or_derivable_from_shown_totals(organisation):
    sizes, departments, k = organisation
    counts = dict(enumerate(sizes))
    parents = parents_of(departments)
    plan = suppression_plan(counts=counts, parents=parents, k=k)
    shown_teams = [t for t in counts if not plan.team_hidden(t)]
    shown_parents = [key for key in parents if not plan.parent_hidden(key)]
    for team in shown_teams:
        assert counts[team] >= k
    for key in shown_parents:
        assert sum(counts[t] for t in parents[key]) >= k
    for team, n in counts.items():
        if 0 < n < k:
            assert plan.teams[team] == REASON_TOO_FEW
    shown_sets = [frozenset({t}) for t in shown_teams] + [parents[key] for key in shown_parents]
    assert derivable_small_groups(counts=counts, shown_sets=shown_sets, k=k) == []


def test_one_hidden_team_in_a_department_hides_its_next_smallest_sibling():
    counts = {1: 2, 2: 4, 3: 9, 4: 6}
    parents = {ORGANISATION: frozenset(counts), "department:a": frozenset({1, 2, 3})}
    plan = suppression_plan(counts=counts, parents=parents, k=3)
    assert plan.teams == {1: REASON_TOO_FEW, 2: REASON_SECONDARY}
    assert not plan.parent_hidden("department:a")


def test_two_hidden_teams_that_together_reach_k_need_no_further_hiding():
    counts = {1: 1, 2: 2, 3: 5}
    plan = suppression_plan(counts=counts, parents={ORGANISATION: frozenset(counts)}, k=3)
    assert plan.teams == {1: REASON_TOO_FEW, 2: REASON_TOO_FEW}


def test_comments_are_shuffled_the_same_way_on_every_read_but_not_in_submission_order():
    texts = [f"comment {i}" for i in range(12)]
    first = comments_arrange(texts=texts, cycle_id=1, team_id=2, key="trust")
    assert first == comments_arrange(texts=reversed(texts), cycle_id=1, team_id=2, key="trust")
    assert sorted(first) == sorted(texts)
    assert list(first) != texts
    assert first != comments_arrange(texts=texts, cycle_id=1, team_id=3, key="trust")


def shown_figures(report, key: str) -> tuple[dict[int, int], list[frozenset[int]]]:
    counts = {}
    shown: list[frozenset[int]] = []
    for team in report.teams:
        counts[team.team_id] = team.n
        pillar = team.pillar(key)
        if not pillar.suppressed:
            shown.append(frozenset({team.team_id}))
    for rollup in (report.organisation, *report.departments):
        if not rollup.pillar(key).suppressed:
            shown.append(frozenset(rollup.team_ids))
    return counts, shown


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(organisations)
def test_a_computed_report_never_shows_or_lets_anyone_derive_a_group_below_k(organisation):
    sizes, departments, k = organisation
    with transaction.atomic():
        bank = tiny_bank_make()
        depts = {
            d: tree_team_make(f"Department {d}", department=True) for d in set(departments) - {None}
        }
        teams = [
            tree_team_make(f"Team {i}", parent=depts.get(d)) for i, d in enumerate(departments)
        ]
        cycle = released_cycle_make(
            "Random", bank, teams, min_group_size=k, comment_min_group_size=k
        )
        for team, size in zip(teams, sizes, strict=True):
            responses_add(
                cycle, team, uniform_rows(size, value=2 + team.pk % 3), comments={"p1": "x"}
            )
        report = cycle_compute(cycle)
        for team in report.teams:
            if team.n < k:
                assert team.suppressed
            if team.suppressed:
                assert not team.comments_shown
                assert team.strengths == team.opportunities == ()
                for pillar in team.pillars:
                    assert pillar.mean is None
                    assert pillar.n is None
                    assert pillar.comments == ()
                    assert all(item.suppressed and item.counts == () for item in pillar.items)
        for key in ("p1", "p2"):
            counts, shown = shown_figures(report, key)
            assert derivable_small_groups(counts=counts, shown_sets=shown, k=k) == []
        transaction.set_rollback(True)


@pytest.fixture
def released_org(leader_a, leader_b):
    bank = tiny_bank_make()
    mine, theirs = tree_team_make("Mine"), tree_team_make("Theirs")
    mine.leaders.add(leader_a)
    theirs.leaders.add(leader_b)
    cycle = released_cycle_make("2026 Q1", bank, [mine, theirs], state=Cycle.State.CLOSED)
    responses_add(cycle, mine, uniform_rows(4))
    responses_add(cycle, mine, uniform_rows(1, value=5), role=Role.SELF)
    responses_add(cycle, theirs, uniform_rows(5))
    return cycle, mine, theirs


@pytest.mark.django_db
def test_a_leader_sees_only_counts_before_release_and_only_their_own_team(released_org, leader_a):
    cycle, mine, _theirs = released_org
    before = report_for_viewer(cycle=cycle, user=leader_a)
    assert not before.scores_visible
    assert before.hidden_reason == REASON_NOT_RELEASED
    assert [t.team_id for t in before.teams] == [mine.pk]
    assert before.teams[0].n == 4
    assert before.teams[0].pillars[0].mean is None
    assert before.pillars[0].mean is None
    cycle.state = Cycle.State.RELEASED
    cycle.save()
    after = report_for_viewer(cycle=cycle, user=leader_a)
    assert after.scores_visible
    assert [t.team_id for t in after.teams] == [mine.pk]
    assert after.teams[0].pillar("p1").mean == pytest.approx(4.0)
    assert after.departments == ()


@pytest.mark.django_db
def test_hr_sees_every_team_once_closed_but_nobody_sees_scores_while_open(released_org, hr_user):
    cycle, _mine, _theirs = released_org
    closed = report_for_viewer(cycle=cycle, user=hr_user)
    assert closed.scores_visible
    assert len(closed.teams) == 2
    cycle.state = Cycle.State.OPEN
    cycle.save()
    open_ = report_for_viewer(cycle=cycle, user=hr_user)
    assert not open_.scores_visible
    assert open_.hidden_reason == REASON_OPEN
    assert all(t.suppressed and t.pillars[0].mean is None for t in open_.teams)


@pytest.mark.django_db
def test_a_leader_asking_for_another_team_gets_nothing(released_org, leader_a):
    cycle, _mine, theirs = released_org
    cycle.state = Cycle.State.RELEASED
    cycle.save()
    assert report_for_viewer(cycle=cycle, user=leader_a, team_id=theirs.pk).teams == ()
