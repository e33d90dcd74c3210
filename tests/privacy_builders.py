"""Builders for the data-protection tests: released cycles with answers, invitations, drafts."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from assessments.models import (
    Answer,
    Comment,
    Cycle,
    DraftAnswer,
    Invitation,
    Role,
    Submission,
    Team,
    TeamMember,
    token_hash,
    token_new,
)
from leadership.models import QuestionBank

_numbers = itertools.count(1)


def team_with_members(name: str, emails: list[str]) -> Team:
    team = Team.objects.create(name=name, slug=f"{name.lower()}-{next(_numbers)}")
    TeamMember.objects.bulk_create(TeamMember(team=team, email=email) for email in emails)
    return team


def cycle_ended(
    bank: QuestionBank,
    teams: list[Team],
    *,
    days_ago: int,
    state: str = Cycle.State.RELEASED,
    name: str | None = None,
) -> Cycle:
    """A cycle that ended (released, or closed as planned) ``days_ago`` days ago."""
    ended = timezone.now() - dt.timedelta(days=days_ago)
    number = next(_numbers)
    cycle = Cycle.objects.create(
        name=name or f"Cycle {number}",
        slug=f"cycle-{number}",
        bank=bank,
        state=state,
        opens_at=ended - dt.timedelta(days=21),
        closes_at=ended,
        released_at=ended if state == Cycle.State.RELEASED else None,
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


def answers_add(cycle: Cycle, team: Team, *, count: int, value: int = 4) -> None:
    """``count`` member submissions answering every rating with ``value``, one comment each."""
    questions = list(cycle.questions.ratings())
    for _ in range(count):
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.MEMBER, submitted_on=dt.date(2025, 1, 6)
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=question, value=value) for question in questions
        )
        Comment.objects.create(submission=submission, pillar=questions[0].pillar, text="Clear.")
        Invitation.objects.create(
            cycle=cycle,
            team=team,
            email=f"done{next(_numbers)}@example.com",
            token_hash=token_hash(token_new()),
            state=Invitation.State.SUBMITTED,
        )


def invitation_with_drafts(cycle: Cycle, team: Team, email: str) -> Invitation:
    invitation = Invitation.objects.create(
        cycle=cycle,
        team=team,
        email=email,
        token_hash=token_hash(token_new()),
        state=Invitation.State.STARTED,
        sent_at=timezone.now(),
    )
    question = cycle.questions.ratings().first()
    DraftAnswer.objects.create(invitation=invitation, question=question, value=2)
    return invitation
