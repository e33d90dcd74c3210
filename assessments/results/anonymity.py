"""The one place that enforces the anonymity rules of the design document.

Every figure anyone sees — pages, PDFs, exports, the API — comes from a
:class:`~assessments.results.report.CycleReport` that passed through here:

- **k.** A group (a team, a team's pillar, a department, the organisation) with fewer than *k*
  member submissions (or scored respondents, for a pillar) shows its count and nothing else:
  :func:`suppression_plan` marks it ``too_few``, and aggregation never writes its figures into a
  dataclass. Inside a shown team, a pillar or an item answered by fewer than *k* is hidden too.
- **No derivation by subtraction.** Totals pool *all* member respondents of their teams,
  suppressed ones included (so the organisation's mean is the real one). What a reader can
  derive from shown totals is exactly the family of "atoms": for each shown total, its teams
  minus the teams covered by shown sub-totals and shown teams inside it. :func:`suppression_plan`
  hides the next-smallest shown sibling (a team or a department) until every atom holds 0 or at
  least *k* respondents — so no group of 1..k−1 is shown or derivable, only groups of ≥ k
  (e.g. two small hidden teams together). The totals are the organisation and each department
  (the HR dashboard's department filter shows exactly a department total). The same plan runs
  per pillar on the respondents who scored that pillar.
- **Comments** only for a shown team with at least the comment threshold of submissions,
  without dates or roles, in an order that is neither submission order nor random per page view
  (:func:`comments_arrange`).
- **Trends** only where the team's pillar is shown in both cycles (:func:`trend_change`).

These are pure functions of counts and figures: no database, no user. Who may see which
report, and when, is :mod:`assessments.results.access`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assessments.results.report import (
    REASON_SECONDARY,
    REASON_TOO_FEW,
    TeamPillar,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

ORGANISATION = "organisation"


@dataclass(frozen=True)
class Suppression:
    """Which teams and totals are hidden, with the reason for each (see ``results.REASON_*``)."""

    teams: dict[int, str]
    parents: dict[str, str]

    def team_hidden(self, team_id: int) -> bool:
        return team_id in self.teams

    def parent_hidden(self, key: str) -> bool:
        return key in self.parents


def _atom(
    parent: frozenset[int],
    *,
    key: str,
    parents: Mapping[str, frozenset[int]],
    shown_parents: set[str],
    hidden_teams: Mapping[int, str],
) -> tuple[set[int], list[tuple[str, Any]]]:
    """The part of a shown total that shown figures inside it do not cover, and its children.

    Children are the maximal shown figures strictly inside the total: shown sub-totals not
    inside another shown sub-total, and shown teams outside every shown sub-total.
    """
    inner = [
        other
        for other in shown_parents
        if other != key and parents[other] < parent  # strict subset: a sub-total
    ]
    maximal = [q for q in inner if not any(parents[q] < parents[r] for r in inner if r != q)]
    covered: set[int] = set()
    for q in maximal:
        covered |= parents[q]
    children: list[tuple[str, Any]] = [("parent", q) for q in maximal]
    for team in parent - covered:
        if team not in hidden_teams:
            covered.add(team)
            children.append(("team", team))
    return set(parent) - covered, children


def suppression_plan(
    *,
    counts: Mapping[int, int],
    parents: Mapping[str, frozenset[int]],
    k: int,
    hidden: Mapping[int, str] | None = None,
    hidden_parents: Mapping[str, str] | None = None,
    small_reason: str = REASON_TOO_FEW,
) -> Suppression:
    """Decide which teams and totals to hide.

    ``counts`` maps every team to its group size (member submissions, or respondents who scored a
    pillar); ``parents`` maps each total's key to its teams — a laminar family (the organisation
    and its departments). ``hidden``/``hidden_parents`` are already hidden (e.g. at team level
    when planning a pillar). Groups below ``k`` are hidden with ``small_reason``; then, while
    some shown total has an uncovered remainder of 1..k−1 respondents, its smallest shown child
    (fewest respondents, then lowest id/key) is hidden as ``secondary``.
    """
    teams: dict[int, str] = dict(hidden or {})
    hidden_totals: dict[str, str] = dict(hidden_parents or {})
    for team, n in counts.items():
        if n < k and team not in teams:
            teams[team] = small_reason
    for key, members in parents.items():
        if sum(counts.get(t, 0) for t in members) < k and key not in hidden_totals:
            hidden_totals[key] = small_reason

    def size(kind: str, ident: Any) -> int:
        members = parents[ident] if kind == "parent" else (ident,)
        return sum(counts.get(t, 0) for t in members)

    changed = True
    while changed:
        changed = False
        shown = {key for key in parents if key not in hidden_totals}
        # Smaller totals first, so a department is fixed before the organisation around it.
        for key in sorted(shown, key=lambda q: (len(parents[q]), q)):
            remainder, children = _atom(
                parents[key],
                key=key,
                parents=parents,
                shown_parents=shown,
                hidden_teams=teams,
            )
            hidden_n = sum(counts.get(t, 0) for t in remainder)
            if not 0 < hidden_n < k:
                continue
            candidates = [c for c in children if size(*c) > 0]
            if not candidates:  # cannot happen for a shown total (it has ≥ k); stay safe
                hidden_totals[key] = REASON_SECONDARY
            else:
                kind, ident = min(candidates, key=lambda c: (size(*c), c[0] == "parent", str(c[1])))
                if kind == "team":
                    teams[ident] = REASON_SECONDARY
                else:
                    hidden_totals[ident] = REASON_SECONDARY
            changed = True
            break
    return Suppression(teams=teams, parents=hidden_totals)


def comments_allowed(*, n: int, suppressed: bool, threshold: int) -> bool:
    """Comments of a team only when it is shown and has at least ``threshold`` submissions."""
    return not suppressed and n >= threshold


def comments_arrange(*, texts: Iterable[str], cycle_id: int, team_id: int, key: str) -> tuple:
    """Comments without their submission order: sorted, then shuffled by a fixed seed.

    The seed is the cycle, team and pillar, so the order is the same on every page view and in
    every export (no flicker) but says nothing about who wrote first.
    """
    cleaned = sorted(text.strip() for text in texts if text and text.strip())
    random.Random(f"{cycle_id}:{team_id}:{key}").shuffle(cleaned)  # not a secret: a stable order
    return tuple(cleaned)


def trend_change(
    *, current: float | None, previous: TeamPillar | None
) -> tuple[float | None, float | None]:
    """(previous mean, change) when the pillar is shown in both cycles, else (None, None)."""
    if current is None or previous is None or previous.suppressed or previous.mean is None:
        return None, None
    return previous.mean, current - previous.mean


# --- one group, several figures; and the same group over time -----------------------------


def item_shown(*, scorers: int, answered: int, k: int) -> bool:
    """Whether an item of a shown team pillar may be shown beside it.

    The item is answered by ``answered`` of the pillar's ``scorers`` (everyone else among them
    said "can't say"). It needs k answers, and its respondents must be the pillar's or differ from
    them by at least k: an item over 1..k−1 fewer people than the pillar beside it would give
    those people's answers by subtraction (issue 12, attack 3).
    """
    skipped = scorers - answered
    return answered >= k and (skipped == 0 or skipped >= k)


@dataclass(frozen=True)
class GroupSets:
    """The respondents behind a group's figures: the group's submissions (``members``) and, for
    each figure computed from them, its own respondent set (a pillar's scorers, an item's
    answerers, a pillar's commenters), keyed by what the figure is ("pillar:trust", …)."""

    members: frozenset[int]
    figures: Mapping[str, frozenset[int]]


def sets_differ_safely(old: GroupSets, new: GroupSets, *, k: int) -> bool:
    """True when, between the two, the group and every figure of it have the same respondents
    or differ by at least k — so no difference of an earlier and a later figure depends on
    1..k−1 people."""
    pairs = [(old.members, new.members)] + [
        (old.figures.get(key, frozenset()), new.figures.get(key, frozenset()))
        for key in old.figures.keys() | new.figures.keys()
    ]
    return all(not 0 < len(before ^ after) < k for before, after in pairs)


def members_remembered_choose(
    *, current: GroupSets, remembered: GroupSets | None, k: int
) -> tuple[GroupSets, int]:
    """The respondents a team's figures are computed from now, and how many later responses
    they leave out.

    A team whose figures were shown before keeps the respondents they were shown for until the
    current ones differ from those safely (:func:`sets_differ_safely`): reopening a cycle, a late
    import or a recomputation never shows the difference that one person made (attack 2).
    """
    if remembered is None or sets_differ_safely(remembered, current, k=k):
        return current, 0
    return remembered, len(current.members - remembered.members)
