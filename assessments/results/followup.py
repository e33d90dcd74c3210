"""What a pulse says about the pillars a team chose to work on (issue 15).

A pulse is a short cycle that asks a few pillars of the cycle it follows up (its parent); its
report's ``change`` on a pillar is already "pulse − parent", shown only where both pass k (the
anonymity module's trend rule). This module adds the uncertainty: the change is called
meaningful only when it is beyond its 95% margin (:func:`scoring.difference_meaningful`). It reads
only the two teams' shown figures, never an answer, so it can say nothing the pages do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from assessments.models import ActionPlan, Cycle
from assessments.results.scoring import Difference, GroupStats, difference_meaningful
from assessments.results.stored import results_read

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

    from assessments.results.report import TeamPillar, TeamResult


@dataclass(frozen=True)
class FocusChange:
    """One focus pillar: its team score before (parent) and after (pulse), the change and its
    margin. ``shown`` is False when either side is hidden (then every figure is None)."""

    key: str
    name: str
    before: float | None
    after: float | None
    change: float | None
    margin: float | None
    meaningful: bool
    lower_is_better: bool = False

    @property
    def shown(self) -> bool:
        return self.change is not None

    @property
    def better(self) -> bool:
        """The change goes the good way (down, for a pillar where lower is better)."""
        if self.change is None or self.change == 0:
            return False
        return (self.change > 0) != self.lower_is_better


def group_stats(pillar: TeamPillar) -> GroupStats:
    """A team pillar's shown figures as the scoring module's group (n 0 when hidden)."""
    return GroupStats(
        n=pillar.n or 0,
        mean=pillar.mean,
        sd=pillar.sd,
        ci_low=pillar.ci_low,
        ci_high=pillar.ci_high,
    )


def focus_changes(
    *,
    pulse: TeamResult,
    parent: TeamResult | None,
    keys: Sequence[str],
    lower: Collection[str] = (),
) -> tuple[FocusChange, ...]:
    """The change on each of ``keys`` (the focus pillars) from ``parent`` to ``pulse``.

    The change is the pulse report's own (None unless both cycles show the pillar), and so is
    its margin (from both shown groups' n and SD).
    """
    changes = []
    for key in keys:
        now = pulse.pillar(key)
        before = parent.pillar(key) if parent is not None else None
        if now is None:
            continue
        if pulse.suppressed or now.suppressed or now.change is None or before is None:
            changes.append(FocusChange(key, now.name, None, None, None, None, False, key in lower))
            continue
        # The margin the worker stored with the change, so the plan page, the dashboard and the
        # PDF call the same change real; worked out here only for results stored without one.
        difference = (
            Difference(value=now.change, margin=now.change_margin)
            if now.change_margin is not None
            else difference_meaningful(current=group_stats(now), previous=group_stats(before))
        )
        changes.append(
            FocusChange(
                key=key,
                name=now.name,
                before=now.previous_mean,
                after=now.mean,
                change=now.change,
                margin=difference.margin,
                meaningful=difference.meaningful,
                lower_is_better=key in lower,
            )
        )
    return tuple(changes)


def pulse_focus_changes(*, cycle_id: int, team: TeamResult) -> tuple[FocusChange, ...] | None:
    """For a released pulse's team: the change on each focus pillar of the team's plan after
    the parent cycle (every pillar the pulse asked when there is no plan); None for a cycle
    that is not a pulse, or a team whose figures are not shown.

    ``team`` is the pulse's result as the viewer was given it; the parent's figures are the
    same team's in the parent's stored report, which its leader and HR may see once released
    (None while the worker has not stored it).
    """
    cycle = Cycle.objects.select_related("parent").filter(pk=cycle_id).first()
    if cycle is None or not cycle.is_pulse or cycle.parent is None or team.suppressed:
        return None
    if not cycle.parent.is_released:
        return None
    # Read, never computed, here: pages and PDFs only read what the worker stored.
    parent_report = results_read(cycle.parent, teams=[team.team_id], detail=False)
    if parent_report is None:
        return None
    parent = parent_report.team(team.team_id)
    lower = {p.key for p in parent_report.pillars if p.lower_is_better}
    plan = ActionPlan.objects.for_team(cycle_id=cycle.parent.pk, team_id=team.team_id).first()
    keys = list(plan.focus_areas.values_list("pillar__key", flat=True)) if plan else []
    return focus_changes(
        pulse=team,
        parent=parent,
        keys=keys or [pillar.key for pillar in team.pillars],
        lower=lower,
    )
