"""Small deterministic builders for results tests: a tiny bank, teams, cycles and answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.text import slugify

from assessments.models import Answer, Comment, Cycle, Role, Submission, Team
from leadership.bank.io import BankSpec, PillarSpec, QuestionSpec, bank_import
from leadership.models import QuestionBank

# p1: Q1 (1–5), Q2 (1–5, reverse-scored); p2: Q3 (0–4).
TINY_QUESTIONS = (("p1", "Q1", False, 1, 5), ("p1", "Q2", True, 1, 5), ("p2", "Q3", False, 0, 4))


def tiny_bank_make(name: str = "Tiny") -> QuestionBank:
    spec = BankSpec(
        pillars=[
            PillarSpec(key="p1", name="Pillar one", description="", order=1),
            PillarSpec(key="p2", name="Pillar two", description="", order=2),
        ],
        questions=[
            QuestionSpec(
                pillar=pillar,
                code=code,
                text=f"Question {code}",
                self_text=f"I {code}",
                help_text="",
                reverse_scored=reverse,
                scale_min=low,
                scale_max=high,
                scale_labels=[],
                kind="rating",
                order=index,
            )
            for index, (pillar, code, reverse, low, high) in enumerate(TINY_QUESTIONS, start=1)
        ],
    )
    return bank_import(name=name, spec=spec).bank


def team_make(name: str, *, parent: Team | None = None, department: bool = False) -> Team:
    return Team.objects.create(
        name=name, slug=slugify(name), parent=parent, is_department=department
    )


def cycle_make(
    name: str,
    bank: QuestionBank,
    teams: list[Team],
    *,
    state: str = Cycle.State.RELEASED,
    opens: dt.date = dt.date(2026, 1, 5),
    **settings: Any,
) -> Cycle:
    cycle = Cycle.objects.create(
        name=name,
        slug=slugify(name),
        bank=bank,
        state=state,
        opens_at=dt.datetime.combine(opens, dt.time(8), tzinfo=dt.UTC),
        **settings,
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


def responses_add(
    cycle: Cycle,
    team: Team,
    rows: list[dict[str, int | None]],
    *,
    role: str = Role.MEMBER,
    comments: dict[str, str] | None = None,
) -> list[Submission]:
    """One submission per row ({code: value}); ``comments`` ({pillar key: text}) on each."""
    questions = {q.code: q for q in cycle.questions.all()}
    pillars = {q.pillar.key: q.pillar for q in questions.values()}
    submissions = []
    for row in rows:
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=role, submitted_on=dt.date(2026, 1, 6)
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=questions[code], value=value)
            for code, value in row.items()
        )
        for key, text in (comments or {}).items():
            Comment.objects.create(submission=submission, pillar=pillars[key], text=text)
        submissions.append(submission)
    return submissions


def uniform_rows(count: int, value: int = 4) -> list[dict[str, int | None]]:
    return [{"Q1": value, "Q2": 6 - value, "Q3": value - 1} for _ in range(count)]
