"""Small deterministic builders for report tests: a cycle, teams, and anonymous answers."""

from __future__ import annotations

import datetime as dt

from django.utils.text import slugify

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

ITEMS_PER_PILLAR = 2  # a short survey keeps every PDF in these tests quick to render


def report_cycle_make(bank, *, name: str = "2026 Q2", state: str = Cycle.State.RELEASED) -> Cycle:
    cycle = Cycle.objects.create(name=name, slug=slugify(name), bank=bank, state=state)
    questions = []
    for pillar in bank.pillars.order_by("order"):
        ratings = list(bank.questions.current().ratings().filter(pillar=pillar).order_by("order"))
        questions += ratings[:ITEMS_PER_PILLAR]
        questions += list(bank.questions.current().comments().filter(pillar=pillar))
    cycle.questions.set(questions)
    return cycle


def report_team_make(cycle: Cycle, name: str, *, leader=None, department: Team | None = None):
    team = Team.objects.create(name=name, slug=slugify(name) or "team", parent=department)
    if leader is not None:
        team.leaders.add(leader)
    cycle.teams.add(team)
    return team


def report_answers_add(
    cycle: Cycle,
    team: Team,
    *,
    values: list[int],
    comments: list[str] = (),
    self_value: int | None = None,
    shifts: tuple[int, ...] = (),
) -> None:
    """One member submission per value: every item answered with it (every second item one
    lower, pillar i moved by ``shifts[i]``, clipped to the scale); the comments spread over the
    first pillar; and optionally the leader's self-assessment."""
    ratings = list(cycle.questions.ratings().in_survey_order())
    first_pillar = ratings[0].pillar
    pillar_ids = list(dict.fromkeys(question.pillar_id for question in ratings))

    def answer(question, position: int, value: int) -> int:
        index = pillar_ids.index(question.pillar_id)
        shift = shifts[index] if index < len(shifts) else 0
        moved = value - (position % 2) + shift
        return max(question.scale_min, min(question.scale_max, moved))

    for index, value in enumerate(values):
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.MEMBER, submitted_on=dt.date(2026, 5, 4)
        )
        Answer.objects.bulk_create(
            Answer(
                submission=submission,
                question=question,
                value=answer(question, position, value),
            )
            for position, question in enumerate(ratings)
        )
        if index < len(comments):
            Comment.objects.create(submission=submission, pillar=first_pillar, text=comments[index])
        Invitation.objects.create(
            cycle=cycle,
            team=team,
            role=Role.MEMBER,
            email=f"{team.slug}.{index}@example.com",
            token_hash=token_hash(f"{cycle.pk}-{team.pk}-{index}"),
            state=Invitation.State.SUBMITTED,
        )
    if self_value is not None:
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.SELF, submitted_on=dt.date(2026, 5, 4)
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=question, value=self_value)
            for question in ratings
        )
