"""Small deterministic builders for survey tests: an open cycle, invitations, saved answers."""

from __future__ import annotations

import datetime as dt
import itertools

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.models import (
    Cycle,
    DraftAnswer,
    DraftComment,
    Invitation,
    Role,
    Team,
    token_hash,
    token_new,
)
from leadership.models import QuestionBank

_counter = itertools.count(1)


def team_make(name: str = "Platform", *, leader=None) -> Team:
    slug = f"{name.lower().replace(' ', '-')}-{next(_counter)}"
    team = Team.objects.create(name=name, slug=slug)
    if leader is not None:
        team.leaders.add(leader)
    return team


def cycle_make(
    bank: QuestionBank,
    *,
    teams: list[Team],
    name: str = "2026 Q4",
    state: str = Cycle.State.OPEN,
    opens_in_days: int = -1,
    closes_in_days: int = 14,
) -> Cycle:
    now = timezone.now()
    cycle = Cycle.objects.create(
        name=f"{name} #{next(_counter)}",
        slug=f"cycle-{next(_counter)}",
        bank=bank,
        state=state,
        opens_at=now + dt.timedelta(days=opens_in_days),
        closes_at=now + dt.timedelta(days=closes_in_days),
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


def invitation_make(
    cycle: Cycle, team: Team, *, role: str = Role.MEMBER, email: str | None = None
) -> tuple[Invitation, str]:
    token = token_new()
    invitation = Invitation.objects.create(
        cycle=cycle,
        team=team,
        role=role,
        email=email if email is not None else f"person{next(_counter)}@example.com",
        token_hash=token_hash(token),
    )
    return invitation, token


def drafts_fill(invitation: Invitation, *, value: int | None = 4, comment: str = "") -> None:
    """Answer every rating statement (and optionally every comment box) of the invitation."""
    questions = invitation.cycle.questions.all()
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=invitation, question=question, value=value)
        for question in questions
        if question.is_rating
    )
    if comment:
        DraftComment.objects.bulk_create(
            DraftComment(invitation=invitation, pillar=question.pillar, text=comment)
            for question in questions
            if not question.is_rating
        )


def survey_enter(client: Client, token: str) -> str:
    """Follow a personal link like a browser and return the session-scoped survey key."""
    response = client.get(reverse("assessments:survey-start", args=[token]))
    assert response.status_code == 302, response.status_code
    return response["Location"].rstrip("/").split("/")[-1]


def step_data(step, *, value: str = "4", comment: str | None = None) -> dict[str, str]:
    """A step's form as a browser would post it, every statement answered with ``value``."""
    data = {item.field: value for item in step.items}
    if comment is not None and step.comment_field:
        data[step.comment_field] = comment
    return data
