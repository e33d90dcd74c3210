"""Which pillars to focus on, and why: suggestions from a team's shown results (pure).

The leader decides; the app only points at what the figures say, from the figures the
dashboard shows (a hidden pillar is never suggested, nor used as a reason). A drop and a blind
spot are named only when beyond their uncertainty (:mod:`assessments.results.scoring`), so
chance — which people happened to answer — is not presented as a finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from assessments.results.followup import group_stats
from assessments.results.report import GAP_BLIND_SPOT
from assessments.results.scoring import difference_meaningful, gap_meaningful
from assessments.results.wording import RWG_STRONG

if TYPE_CHECKING:
    from collections.abc import Collection

    from django.utils.functional import Promise

    from assessments.results.report import TeamPillar, TeamResult

REASON_LOWEST = "lowest"
REASON_BLIND_SPOT = "blind_spot"
REASON_DROP = "drop"
REASON_AGREEMENT = "agreement"

REASONS: dict[str, Promise] = {
    REASON_LOWEST: _("Your team's lowest pillar."),
    REASON_BLIND_SPOT: _(
        "A blind spot: you rate yourself clearly higher than your team does, beyond the "
        "uncertainty of the team's score."
    ),
    REASON_DROP: _("The largest drop since the previous cycle, beyond its uncertainty."),
    REASON_AGREEMENT: _(
        "The weakest agreement: people in the team experience this very differently."
    ),
}


@dataclass(frozen=True)
class Suggestion:
    key: str
    name: str
    reasons: tuple[str, ...]  # reason codes, strongest first

    @property
    def reason_texts(self) -> list[str]:
        return [str(REASONS[code]) for code in self.reasons]


def _shown(pillar: TeamPillar) -> bool:
    return not pillar.suppressed and pillar.mean is not None


def focus_suggestions(
    *, team: TeamResult, previous: TeamResult | None, lower: Collection[str] = ()
) -> list[Suggestion]:
    """Pillars worth focusing on, each with its reasons, in the bank's pillar order.

    ``previous`` is the team's result in the previous released cycle (None if none), used only
    for pillars whose change the report shows (both cycles passed k). ``lower`` holds the keys of
    pillars where a lower score is the better one: their "lowest" is the highest score, and a
    rise is their drop (blind spots already follow the direction in the report).
    """
    if team.suppressed:
        return []
    shown = [pillar for pillar in team.pillars if _shown(pillar)]
    reasons: dict[str, list[str]] = {}

    def add(pillar: TeamPillar | None, code: str) -> None:
        if pillar is not None:
            reasons.setdefault(pillar.key, []).append(code)

    def goodness(p: TeamPillar) -> float:
        percent = p.percent or 0.0
        return 100 - percent if p.key in lower else percent

    def worse(p: TeamPillar) -> float:
        """How much the pillar got worse since the previous cycle (negative: it got better)."""
        change = p.change or 0.0
        return change if p.key in lower else -change

    add(min(shown, key=goodness, default=None), REASON_LOWEST)
    blind = [
        p
        for p in shown
        if p.gap_kind == GAP_BLIND_SPOT
        and gap_meaningful(self_score=p.self_score, team=group_stats(p)).meaningful
    ]
    add(max(blind, key=lambda p: abs(p.gap or 0), default=None), REASON_BLIND_SPOT)
    drops = []
    for p in shown:
        before = previous.pillar(p.key) if previous is not None else None
        if p.change is None or worse(p) <= 0 or before is None or before.mean is None:
            continue
        if difference_meaningful(current=group_stats(p), previous=group_stats(before)).meaningful:
            drops.append(p)
    add(max(drops, key=worse, default=None), REASON_DROP)
    weak = [p for p in shown if p.rwg is not None and p.rwg < RWG_STRONG]
    add(min(weak, key=lambda p: p.rwg or 0, default=None), REASON_AGREEMENT)
    return [
        Suggestion(key=p.key, name=p.name, reasons=tuple(reasons[p.key]))
        for p in team.pillars
        if p.key in reasons
    ]
