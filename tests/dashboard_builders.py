"""Deterministic organisations for dashboard tests: teams, a cycle, submitted answers."""

from __future__ import annotations

import datetime as dt
import itertools
import random

from django.utils import timezone

from assessments.models import (
    Answer,
    Comment,
    Cycle,
    Invitation,
    Role,
    Submission,
    Team,
    token_hash,
)
from leadership.models import QuestionBank

_counter = itertools.count(1)


def released_org_make(
    bank: QuestionBank,
    *,
    teams: int,
    respondents: int,
    leader=None,
    state: str = Cycle.State.RELEASED,
    miskeyed: str = "",
    seed: int = 1,
) -> tuple[Cycle, list[Team]]:
    """A department of ``teams`` teams with ``respondents`` member submissions each.

    The first team is led by ``leader`` and has a self-assessment. ``miskeyed`` names a question
    code whose answers run against the rest of its pillar (as if its reverse key were missing).
    """
    rng = random.Random(seed)
    number = next(_counter)
    department = Team.objects.create(
        name=f"Department {number}", slug=f"department-{number}", is_department=True
    )
    made = [
        Team.objects.create(name=f"Team {number}-{i}", slug=f"team-{number}-{i}", parent=department)
        for i in range(1, teams + 1)
    ]
    if leader is not None:
        made[0].leaders.add(leader)
    now = timezone.now()
    cycle = Cycle.objects.create(
        name=f"Cycle {number}",
        slug=f"cycle-{number}",
        bank=bank,
        state=state,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=2),
        released_at=now if state == Cycle.State.RELEASED else None,
    )
    questions = list(bank.questions.current().in_survey_order())
    cycle.questions.set(questions)
    cycle.teams.set(made)
    ratings = [q for q in questions if q.is_rating]
    answers: list[Answer] = []
    for t_index, team in enumerate(made):
        Invitation.objects.bulk_create(
            Invitation(
                cycle=cycle,
                team=team,
                role=Role.MEMBER,
                email=f"m{i}@{team.slug}.example",
                token_hash=token_hash(f"{cycle.slug}-{team.slug}-{i}"),
                state=Invitation.State.SUBMITTED,
            )
            for i in range(respondents)
        )
        roles = [Role.MEMBER] * respondents + ([Role.SELF] if t_index == 0 else [])
        for role in roles:
            submission = Submission.objects.create(
                cycle=cycle, team=team, role=role, submitted_on=now.date()
            )
            level = rng.uniform(1.5, 4.5) + 0.15 * t_index
            for question in ratings:
                agreement = max(1, min(5, round(rng.gauss(level, 0.6))))
                value = 6 - agreement if question.reverse_scored else agreement
                if question.code == miskeyed:
                    value = 6 - value
                answers.append(Answer(submission=submission, question=question, value=value))
            if role == Role.MEMBER:
                Comment.objects.create(
                    submission=submission,
                    pillar=ratings[0].pillar,
                    text=f"A secret remark from {team.name} number {submission.pk}",
                )
    Answer.objects.bulk_create(answers)
    return cycle, made
