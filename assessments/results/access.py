"""Who sees what, when: the one door to a cycle's results for anything a person sees.

No one sees scores while a cycle is open (each new answer would move them); HR sees every team
once the cycle has closed; a leader sees only their own teams, and only once the cycle is
released. Before that: counts only. The figures themselves were already made safe by
:mod:`assessments.results.anonymity` when :mod:`assessments.results.aggregation` built the report;
this module only picks the report (:mod:`assessments.results.stored`) and the teams a viewer may
read from it. It is the last step of results/: it imports the rest, nothing in results/ imports it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from assessments.models import Cycle, Team
from assessments.results import stored
from assessments.results.report import (
    REASON_NOT_RELEASED,
    REASON_OPEN,
    REASON_PREPARING,
    CycleReport,
)
from leadership.roles import user_is_hr


def scores_hidden_reason(*, cycle: Cycle, user: Any) -> str:
    """ "" when ``user`` may see the cycle's scores, else why not (``open``/``not_released``)."""
    if cycle.state in (Cycle.State.DRAFT, Cycle.State.OPEN):
        return REASON_OPEN
    if user is None or user_is_hr(user) or cycle.state == Cycle.State.RELEASED:
        return ""
    return REASON_NOT_RELEASED


def teams_visible_ids(*, user: Any) -> set[int] | None:
    """The team ids ``user`` may see: None for all (HR, or ``None`` = a trusted command)."""
    if user is None or user_is_hr(user):
        return None
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Team.objects.led_by(user).values_list("pk", flat=True))


def _stored_or_preparing(*, cycle: Cycle, teams: set[int] | None, detail: bool) -> CycleReport:
    # Read what the worker stored; never compute here. When it is not ready, ask the worker and
    # show the counts with "being prepared" (a task backend that runs at once has it ready).
    report = stored.results_read(cycle, teams=teams, detail=detail)
    if report is None and stored.results_request(cycle):
        report = stored.results_read(cycle, teams=teams, detail=detail)
    if report is None:
        report = stored.counts_report(cycle, reason=REASON_PREPARING, teams_only=teams)
    return report


def results_preparing(report: CycleReport | None) -> bool:
    """Whether ``report`` stands in for results the worker is still computing (pages poll)."""
    return report is not None and report.hidden_reason == REASON_PREPARING


def report_for_viewer(
    *, cycle: Cycle, user: Any, team_id: int | None = None, detail: bool = True
) -> CycleReport:
    """The cycle's report as ``user`` may see it (``user=None``: a trusted command, HR-level).

    HR: every team, every department. A leader: only the teams they lead, no departments, and
    counts only until release. Nobody sees scores while the cycle is open. ``team_id`` narrows
    the teams to that one (empty when the viewer may not see it — views turn that into a 404);
    ``detail=False`` leaves out items, highlights and comments (enough for a heatmap).
    """
    allowed = teams_visible_ids(user=user)
    hidden_reason = scores_hidden_reason(cycle=cycle, user=user)
    wanted: set[int] | None = allowed
    if team_id is not None:
        wanted = {team_id} if allowed is None or team_id in allowed else set()
    if hidden_reason:
        # While the cycle is open a leader's count moves at most once a day (the submissions
        # dated before today, on the cycle's calendar), so it cannot be matched to whoever has
        # just said "done"; HR's counts are live.
        leader_open = hidden_reason == REASON_OPEN and allowed is not None
        report = stored.counts_report(
            cycle,
            reason=hidden_reason,
            counted_before=cycle.local_date() if leader_open else None,
            teams_only=wanted,
        )
    else:
        report = _stored_or_preparing(cycle=cycle, teams=wanted, detail=detail)
    if wanted is None:
        return report
    return dataclasses.replace(
        report,
        teams=tuple(t for t in report.teams if t.team_id in wanted),
        departments=() if allowed is not None else report.departments,
    )
