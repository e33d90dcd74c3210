"""Small builders for the HR-side tests: teams with members and leaders, cycles."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify

from assessments.hr.cycles import cycle_create
from assessments.models import Cycle, Team, TeamMember


def team_make(
    name: str,
    *,
    leaders: tuple[Any, ...] = (),
    members: int | list[str] = 4,
    department: Team | None = None,
) -> Team:
    team = Team.objects.create(name=name, slug=slugify(name), parent=department)
    team.leaders.set(leaders)
    emails = (
        members
        if isinstance(members, list)
        else [f"{slugify(name)}.{n}@example.com" for n in range(1, members + 1)]
    )
    TeamMember.objects.bulk_create(TeamMember(team=team, email=email) for email in emails)
    return team


def cycle_make(bank: Any, teams: list[Team], *, name: str = "2027 Q1", **options: Any) -> Cycle:
    return cycle_create(actor=None, name=name, bank=bank, teams=teams, **options)
