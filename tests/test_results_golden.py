"""The stored results of a seeded organisation, as the worker stores them, pinned to a golden.

``tests/golden/stored_results.json`` was written by the worker's computation as it was before it
was rewritten for 10,000 teams (issue 16): the rewrite must store the same JSON, value for value,
for a first computation, for the trends base, for a recomputation after late answers that the
memory of shown sets holds back, and after a small team moved between departments (both totals
hidden as changed). The organisation has
teams below k, a team hidden only so that a smaller one cannot be derived, can't-say answers,
members who score no pillar, a pillar where lower is better, reverse-scored items, comments and
self-assessments.

After an intended change to the figures, rewrite the golden with
``PILLARS_GOLDEN_WRITE=1 pytest tests/test_results_golden.py`` and review its diff.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
import time_machine

from assessments.models import (
    Answer,
    Comment,
    Cycle,
    CycleResult,
    CycleResultPart,
    CycleTeam,
    Invitation,
    Role,
    ShownSet,
    Submission,
    Team,
    token_hash,
)
from assessments.results.stored import results_compute
from leadership.bank.io import BankSpec, PillarSpec, QuestionSpec, bank_import
from leadership.models import Pillar, QuestionBank

GOLDEN = Path(__file__).resolve().parent / "golden" / "stored_results.json"
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)

# pillar key, direction, questions (code, reverse-scored, scale min, scale max)
PILLARS = (
    ("trust", Pillar.Direction.HIGHER, (("T1", False), ("T2", True), ("T3", False), ("T4", False))),
    ("clarity", Pillar.Direction.HIGHER, (("C1", False), ("C2", False), ("C3", True))),
    ("strain", Pillar.Direction.LOWER, (("S1", False), ("S2", True), ("S3", False))),
)
SCALES = {"trust": (1, 5), "clarity": (1, 5), "strain": (0, 4)}

# name, department (index or None), member submissions now, before, self-assessment
TEAMS = (
    ("Atlas", 0, 12, 9, True),
    ("Birch", 0, 6, 5, False),
    ("Cedar", 0, 2, 3, True),
    ("Dune", 1, 4, 4, False),
    ("Elm", 1, 3, 2, False),
    ("Fjord", 1, 8, 6, True),
    ("Grove", 2, 5, 5, False),
    ("Harbor", None, 7, 7, True),
    ("Isle", None, 1, 0, False),
    ("Juniper", 2, 0, 3, False),
    ("Kelp", 1, 10, 10, False),
    ("Larch", 0, 3, 4, False),
)


def golden_bank_make() -> QuestionBank:
    spec = BankSpec(
        pillars=[
            PillarSpec(
                key=key, name=key.title(), description=f"About {key}", order=i, direction=direction
            )
            for i, (key, direction, _questions) in enumerate(PILLARS, start=1)
        ],
        questions=[
            QuestionSpec(
                pillar=key,
                code=code,
                text=f"The team {code}",
                self_text=f"I {code}",
                help_text="",
                reverse_scored=reverse,
                scale_min=SCALES[key][0],
                scale_max=SCALES[key][1],
                scale_labels=[],
                kind="rating",
                order=10 * p + q,
            )
            for p, (key, _direction, questions) in enumerate(PILLARS)
            for q, (code, reverse) in enumerate(questions)
        ],
    )
    return bank_import(name="Golden", spec=spec).bank


def submissions_add(cycle: Cycle, team: Team, *, count: int, rng: random.Random, role: str) -> None:
    """``count`` submissions with can't-says, missing answers, members who answer one item of a
    pillar (they do not score it) and comments (some blank)."""
    questions = list(cycle.questions.order_by("order"))
    pillars = {q.pillar.key: q.pillar for q in questions}
    for index in range(count):
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=role, submitted_on=dt.date(2026, 5, 4)
        )
        level = rng.uniform(0.15, 0.9)
        sparse = rng.choice(list(pillars)) if rng.random() < 0.15 else None
        answers = []
        for number, question in enumerate(questions):
            if sparse == question.pillar.key and number % 3:
                continue  # answered too few of this pillar's items to score it
            draw = rng.random()
            if draw < 0.05:
                continue
            if draw < 0.15:
                value = None  # can't say
            else:
                span = question.scale_max - question.scale_min
                value = question.scale_min + max(
                    0, min(span, round(level * span + rng.gauss(0, 0.9)))
                )
            answers.append(Answer(submission=submission, question=question, value=value))
        Answer.objects.bulk_create(answers)
        if role == Role.MEMBER and rng.random() < 0.6:
            key = rng.choice(list(pillars))
            text = "   " if rng.random() < 0.1 else f"{team.name} says {index} about {key}"
            Comment.objects.create(submission=submission, pillar=pillars[key], text=text)


def golden_cycle_make(
    bank: QuestionBank, teams: list[Team], *, name: str, opens: dt.date, column: int, seed: int
) -> Cycle:
    opened = dt.datetime.combine(opens, dt.time(8), tzinfo=dt.UTC)
    cycle = Cycle.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        bank=bank,
        state=Cycle.State.RELEASED,
        opens_at=opened,
        closes_at=opened + dt.timedelta(days=21),
        released_at=opened + dt.timedelta(days=22),
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    rng = random.Random(seed)
    for team, row in zip(teams, TEAMS, strict=True):
        count, has_self = row[column], row[4]
        Invitation.objects.bulk_create(
            Invitation(
                cycle=cycle,
                team=team,
                role=Role.MEMBER,
                email=f"{i}@{team.slug}.example",
                token_hash=token_hash(f"{cycle.slug}-{team.slug}-{i}"),
                state=Invitation.State.SUBMITTED,
            )
            for i in range(count + 2)
        )
        submissions_add(cycle, team, count=count, rng=rng, role=Role.MEMBER)
        if has_self:
            submissions_add(cycle, team, count=1, rng=rng, role=Role.SELF)
    return cycle


def stored_dump(cycle: Cycle) -> dict[str, Any]:
    """The stored head (without the time it was computed), parts and shown sets, as JSON."""
    head = CycleResult.objects.get(cycle=cycle)
    data = json.loads(json.dumps(head.data))
    data["report"].pop("computed_at")
    parts = [
        list(row)
        for row in CycleResultPart.objects.filter(result=head)
        .order_by("kind", "position")
        .values_list("kind", "group_id", "position", "summary", "detail")
    ]
    sets = dict(ShownSet.objects.filter(cycle=cycle).order_by("key").values_list("key", "members"))
    return json.loads(json.dumps({"state": head.state, "data": data, "parts": parts, "sets": sets}))


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_worker_stores_the_golden_results_of_a_seeded_organisation():
    with time_machine.travel(NOW, tick=False):
        bank = golden_bank_make()
        departments = [
            Team.objects.create(name=f"Dept {d}", slug=f"dept-{d}", is_department=True)
            for d in range(3)
        ]
        teams = [
            Team.objects.create(
                name=name,
                slug=name.lower(),
                parent=departments[dept] if dept is not None else None,
            )
            for name, dept, *_counts in TEAMS
        ]
        before = golden_cycle_make(
            bank, teams, name="2025 Q4", opens=dt.date(2025, 10, 1), column=3, seed=1
        )
        cycle = golden_cycle_make(
            bank, teams, name="2026 Q2", opens=dt.date(2026, 4, 1), column=2, seed=2
        )
        results_compute(cycle)  # computes its trends base first
        stored = {"before": stored_dump(before), "first": stored_dump(cycle)}
        # Late answers: one (held back by the memory of what was shown), three (let through).
        late = random.Random(3)
        submissions_add(cycle, teams[1], count=1, rng=late, role=Role.MEMBER)
        submissions_add(cycle, teams[5], count=3, rng=late, role=Role.MEMBER)
        results_compute(cycle)
        stored["after_late_answers"] = stored_dump(cycle)
        # Cedar (2 members) moves to another department: both totals change by fewer than k.
        Team.objects.filter(pk=teams[2].pk).update(parent=departments[2])
        CycleTeam.objects.filter(cycle=cycle, team=teams[2]).snapshot_take()
        results_compute(cycle)
        stored["after_a_move"] = stored_dump(cycle)

    assert any(t.get("held_back") for _k, _g, _p, t, _d in stored["after_late_answers"]["parts"])
    if os.environ.get("PILLARS_GOLDEN_WRITE") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert "changed" in json.dumps(stored["after_a_move"]["parts"])
    for phase in ("before", "first", "after_late_answers", "after_a_move"):
        assert stored[phase] == golden[phase], phase
