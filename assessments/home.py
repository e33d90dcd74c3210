"""The landing page: HR's overview of cycles, or a leader's own teams.

Before a cycle is released a leader sees their team's response count and nothing else. The
root URLs (``leadership/urls.py``) route ``/`` here: the page shows the app's data, and
``leadership/`` imports nothing of ``assessments/`` but in its root URLs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, Q
from django.shortcuts import render
from django.utils import timezone

from assessments.hr.cycles import cycle_totals
from assessments.models import Cycle, Invitation, Role, Submission, Team, cycle_open_q
from leadership.roles import user_is_hr

if TYPE_CHECKING:
    from django.http import HttpResponse

    from leadership.requests import HtmxHttpRequest


@login_required
def home(request: HtmxHttpRequest) -> HttpResponse:
    """HR: the cycles with live response rates. A leader: their teams, counts, own survey."""
    if user_is_hr(request.user):
        template = "leadership/home.html#hr-cycles" if request.htmx else "leadership/home.html"
        return render(request, template, home_hr())
    return render(request, "leadership/home.html", home_leader(user=request.user))


def home_hr() -> dict[str, Any]:
    cycles = list(Cycle.objects.annotate(team_count=Count("teams")).newest_first()[:8])
    totals = cycle_totals(cycles=cycles)
    teams = Team.objects.teams_only()
    return {
        "cycle_rows": [(cycle, totals[cycle.pk]) for cycle in cycles],
        "team_count": teams.count(),
        "leaderless_count": teams.filter(leaders__isnull=True).count(),
        "open_count": Cycle.objects.open().count(),
    }


@dataclass
class LeaderCycle:
    cycle: Cycle
    submitted: int
    self_state: str | None  # None: no self-assessment; else pending/started/submitted
    # The survey takes answers now (an open cycle may not have reached its window yet): only
    # then is the self-assessment offered.
    taking_answers: bool = False
    minutes: int = 0  # about how long the self-assessment takes


@dataclass
class LeaderTeam:
    team: Team
    open_cycles: list[LeaderCycle] = field(default_factory=list)
    released: list[Cycle] = field(default_factory=list)


def home_leader(*, user: Any) -> dict[str, Any]:
    teams = list(Team.objects.led_by(user).teams_only().select_related("parent"))
    email = (user.email or user.get_username()).lower()
    team_ids = [team.pk for team in teams]
    now = timezone.now()  # one instant for every query, so they agree on which cycles are open
    cycles = list(
        Cycle.objects.filter(teams__in=team_ids)
        .filter(cycle_open_q(now=now) | Q(recorded_state=Cycle.State.RELEASED))
        .annotate(team_id=F("teams"))
        .newest_first()
    )
    # A leader's count of an open cycle moves at most once a day: the submissions dated before
    # today on the cycle's calendar (DESIGN.md), so it cannot be matched to whoever just answered.
    today = {cycle.pk: cycle.local_date(now) for cycle in cycles}
    submitted: dict[tuple[int, int], int] = defaultdict(int)
    for row in (
        Submission.objects.filter(
            cycle_open_q(now=now, prefix="cycle__"), team_id__in=team_ids, role=Role.MEMBER
        )
        .values("cycle_id", "team_id", "submitted_on")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if row["submitted_on"] < today.get(row["cycle_id"], row["submitted_on"]):
            submitted[(row["cycle_id"], row["team_id"])] += row["n"]
    own = {
        (cycle_id, team_id): state
        for cycle_id, team_id, state in Invitation.objects.filter(
            cycle_open_q(now=now, prefix="cycle__"),
            team_id__in=team_ids,
            role=Role.SELF,
            email=email,
        ).values_list("cycle_id", "team_id", "state")
    }
    by_team = {team.pk: LeaderTeam(team=team) for team in teams}
    minutes: dict[int, int] = {}
    for cycle in cycles:
        entry = by_team[cycle.team_id]
        if cycle.state_at(now) == Cycle.State.OPEN:
            state = None
            if cycle.self_assessment:
                state = own.get((cycle.pk, cycle.team_id), Invitation.State.PENDING)
            entry.open_cycles.append(
                LeaderCycle(
                    cycle=cycle,
                    submitted=submitted.get((cycle.pk, cycle.team_id), 0),
                    self_state=state,
                    taking_answers=cycle.accepts_answers(now),
                    minutes=minutes.setdefault(cycle.pk, cycle.answer_minutes()),
                )
            )
        else:
            entry.released.append(cycle)
    return {"leader_teams": list(by_team.values())}
