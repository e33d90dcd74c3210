"""The results of a cycle as plain frozen dataclasses: what every consumer may show.

Pages, PDFs, CSV/XLSX exports and the JSON API all read a :class:`CycleReport`; none of them sees
a raw answer or a DataFrame. A report is built by ``assessments.results.aggregation`` (the only
module using pandas), already filtered by ``assessments.results.anonymity`` (the one place that
enforces the anonymity rules), and stored in ``CycleResult.data`` through
:meth:`CycleReport.to_dict` / :meth:`CycleReport.from_dict`. Get one with
``assessments.results.access.report_for_viewer(...)`` (pages, API) or
``assessments.results.stored.cycle_report(cycle)`` (HR-level code).

How to get one (these are the only entry points):

- ``assessments.results.access.report_for_viewer(cycle=..., user=..., team_id=None,
  detail=True)`` for anything a person sees: HR gets every team, a leader only the teams they lead;
  scores only once the viewer may see them (``scores_visible``). ``team_id`` restricts the teams to
  one (HR: any team; a leader: one of theirs); ``detail=False`` skips items and comments (heatmaps).
- ``assessments.results.stored.cycle_report(cycle, detail=...)`` for HR-level code paths
  (exports, commands): the stored full report, recomputed when the answers changed.

Conventions that hold for every class below:

- **Scored orientation.** Every mean, percent, distribution and self value is *after* reverse
  scoring, so higher is always better (a 1 on a reverse-scored 1–5 item counts as 5).
- **Scale units and percent.** ``mean``/``sd``/``ci_*``/``self_score``/``gap``/``change`` are in
  the pillar's own scale units (1–5, 0–4, 1–6 …); ``percent`` fields are the same figure on
  0–100 (``100·(x − min)/(max − min)``) so banks with different scales can share a chart.
- **None means "not shown"**: either not computable (no answers, an SD of one score, no previous
  cycle) or withheld for anonymity. ``suppressed``/``suppressed_reason`` tell which: when
  ``suppressed`` is True every figure except the counts (``invited``, ``n`` of the team or
  rollup) is None and every list is empty, except the leader's own self figures. A consumer
  never applies a rule itself: it shows what is there and explains what is not with
  :func:`suppressed_reason_text`.
- **Groups.** ``n`` of a team is its *member* submissions. The leader's self-assessment is its own
  group (``self_n``; normally 0 or 1): its figures (``self_score``, ``gap``, ``self_value``) sit
  beside the team's and never inside any mean, rollup or psychometric figure. It is the
  leader's own answer, not anonymous by design, so it is kept even when the team is suppressed.
- **Details.** To read a stored report fast, the per-item figures, strengths/opportunities and
  comments of a team are loaded only when asked for; ``TeamResult.detail`` says whether they
  were. With ``detail`` False, ``items``/``comments``/``strengths``/``opportunities`` are empty
  because they were not loaded, not because they are hidden.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

if typing.TYPE_CHECKING:
    from collections.abc import Sequence

# 4: scale labels of unlabelled scales other than 1–5 are numbers from low to high.
REPORT_SCHEMA_VERSION = 4

# Why a figure is withheld (``suppressed_reason``); "" when it is shown.
REASON_TOO_FEW = "too_few"  # fewer than k submissions (or answers) in this group
REASON_SECONDARY = "secondary"  # hidden so a hidden sibling cannot be derived by subtraction
REASON_FEW_ANSWERS = "few_answers"  # the team passes k but fewer than k answered this pillar/item
REASON_NOT_RELEASED = "not_released"  # the viewer may not see scores yet (see CycleReport)
REASON_OPEN = "open"  # the cycle still accepts answers: scores would move as people answer
REASON_CHANGED = "changed"  # a total's people changed by 1..k−1 since its figures were shown
REASON_PREPARING = "preparing"  # the worker has not computed the results for the cycle as it is

SUPPRESSION_REASONS = {
    REASON_TOO_FEW: _("Fewer responses than the minimum group size: only the count is shown."),
    REASON_SECONDARY: _(
        "Hidden as well, so that a smaller hidden group cannot be worked out by subtraction."
    ),
    REASON_FEW_ANSWERS: _("Too few people answered these questions to show them."),
    REASON_NOT_RELEASED: _("Results are shown once HR releases them."),
    REASON_OPEN: _("Scores are shown once the cycle has closed."),
    REASON_CHANGED: _(
        "Hidden: a few people moved in or out of this group after its figures were first shown, "
        "and showing them now would single those people out."
    ),
    REASON_PREPARING: _(
        "Results are being prepared. This page updates by itself when they are ready."
    ),
}

GAP_BLIND_SPOT = "blind_spot"  # self score ≥ team score + threshold
GAP_HIDDEN_STRENGTH = "hidden_strength"  # self score ≤ team score − threshold


def suppressed_reason_text(reason: str) -> str:
    """The sentence a person reads for a ``suppressed_reason`` code ("" for none)."""
    return str(SUPPRESSION_REASONS.get(reason, "")) if reason else ""


@dataclass(frozen=True)
class ItemTotal:
    """Corrected item–total correlation of one item across the cycle's member answers.

    ``r`` is None where undefined (no variance, fewer than two complete rows). A negative ``r``
    flags a miskeyed or broken item; below 0.2 a weak one.
    """

    code: str
    text: str
    r: float | None


@dataclass(frozen=True)
class PillarSummary:
    """A pillar across the whole cycle (the organisation), for HR's psychometrics and charts.

    - ``scale_min``/``scale_max``: the pillar's scale (its questions share it); ``n_items``: its
      rating questions in this cycle.
    - ``n``/``mean``/``sd``/``percent``/``favourable_pct``: all member respondents with a score
      for this pillar, in every team of the cycle — a parent total; None when the organisation
      itself is below k for this pillar. ``n`` is the number of respondents with a pillar score.
    - ``org_median``/``org_median_percent``: median of the *shown* team means (the radar's
      organisation line); None when no team is shown.
    - ``direction``: "higher" or "lower" — which end of the scale is better (set in the bank);
      ``scale_labels``: one label per scale point, lowest first, as the bank words them.
    - ``alpha``: Cronbach's alpha of the pillar's items (complete member answers); ``item_total``:
      one :class:`ItemTotal` per item in survey order; ``icc1``/``icc2``: between-team
      differences (one-way ANOVA of respondents' pillar scores by team). None where not
      computable or when the organisation is below k.
    """

    key: str
    name: str
    description: str
    order: int
    scale_min: int
    scale_max: int
    n_items: int
    n: int | None
    mean: float | None
    sd: float | None
    percent: float | None
    favourable_pct: float | None
    org_median: float | None
    org_median_percent: float | None
    alpha: float | None
    item_total: tuple[ItemTotal, ...]
    icc1: float | None
    icc2: float | None
    direction: str = "higher"
    scale_labels: tuple[str, ...] = ()

    @property
    def lower_is_better(self) -> bool:
        """The pillar measures something to keep low: a high score is the worse one."""
        return self.direction == "lower"

    def goodness(self, percent: float | None) -> float | None:
        """A 0–100 figure turned so that higher is always better (for colours, strengths and
        advice); the figure itself for a "higher is better" pillar."""
        if percent is None:
            return None
        return 100 - percent if self.lower_is_better else percent

    @classmethod
    def of_pillar(
        cls,
        *,
        pillar: Any,
        n: int | None = None,
        mean: float | None = None,
        sd: float | None = None,
        percent: float | None = None,
        favourable_pct: float | None = None,
        org_median: float | None = None,
        org_median_percent: float | None = None,
        alpha: float | None = None,
        item_total: Sequence[ItemTotal] = (),
        icc1: float | None = None,
        icc2: float | None = None,
    ) -> PillarSummary:
        """The summary of ``pillar`` (a ``cycle_data.PillarInfo``): its name, order and scale
        from the pillar, the figures given; a figure not given is None (no item–total)."""
        return cls(
            key=pillar.key,
            name=pillar.name,
            description=pillar.description,
            order=pillar.order,
            scale_min=pillar.scale_min,
            scale_max=pillar.scale_max,
            n_items=len(pillar.questions),
            n=n,
            mean=mean,
            sd=sd,
            percent=percent,
            favourable_pct=favourable_pct,
            org_median=org_median,
            org_median_percent=org_median_percent,
            alpha=alpha,
            item_total=tuple(item_total),
            icc1=icc1,
            icc2=icc2,
            direction=getattr(pillar, "direction", "higher"),
            scale_labels=tuple(getattr(pillar, "scale_labels", ())),
        )


@dataclass(frozen=True)
class ItemResult:
    """One question within a team's pillar.

    - ``n``: members who answered it (None when suppressed); ``cant_say``: members who skipped it.
    - ``mean``/``percent``/``favourable_pct``: over the answers (scored orientation).
    - ``counts``: answers per scale point, scored orientation, lowest (least favourable) first —
      for a reverse-scored item index 0 holds the raw answers at the top of the scale.
    - ``self_value``: the leader's own answer, scored (None when not answered or no self group).
    - ``suppressed``: the team passes k but fewer than k answered this item; only ``cant_say``
      and ``self_value`` are kept.
    """

    code: str
    text: str
    self_text: str
    reverse_scored: bool
    n: int | None
    mean: float | None
    percent: float | None
    favourable_pct: float | None
    counts: tuple[int, ...]
    cant_say: int | None
    self_value: float | None
    suppressed: bool


@dataclass(frozen=True)
class ItemHighlight:
    """A strength (highest-scoring item) or opportunity (lowest) of a team."""

    pillar_key: str
    code: str
    text: str
    mean: float
    percent: float


@dataclass(frozen=True)
class TeamPillar:
    """One pillar of one team: the member group's score, and the self score beside it.

    - ``n``: members with a score for this pillar; ``mean``/``sd``/``ci_low``/``ci_high``: their
      mean pillar score, sample SD and 95% CI (t-based; None for n < 2); ``percent``: the mean
      on 0–100; ``rwg``: within-team agreement r_wg(J), 0..1; ``favourable_pct``: share of item
      answers in the top two scale points.
    - ``self_score``/``self_percent``: the leader's self-assessment; ``gap`` = self − team, and
      ``gap_kind`` is :data:`GAP_BLIND_SPOT`, :data:`GAP_HIDDEN_STRENGTH` or "".
    - ``percentile``: the team's mid-rank percentile among the shown teams of the cycle.
    - ``previous_mean``/``change``: the team's mean in the previous released cycle and the
      difference; None unless the team and pillar pass k in both cycles. ``change_margin``: its
      95% margin (Welch, :func:`~assessments.results.scoring.difference_meaningful`); None
      where either side has fewer than two scores.
    - ``suppressed``/``suppressed_reason``: see the module docstring (``few_answers``: fewer than
      k members scored this pillar; ``secondary``: hidden against subtraction).
    - ``items``: :class:`ItemResult` in survey order; ``comments``: members' comments on this
      pillar, shuffled, without dates or roles — empty unless the team has at least the comment
      threshold of submissions (see ``TeamResult.comments_shown``).
    """

    key: str
    name: str
    n: int | None
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    percent: float | None
    rwg: float | None
    favourable_pct: float | None
    self_score: float | None
    self_percent: float | None
    gap: float | None
    gap_kind: str
    percentile: float | None
    previous_mean: float | None
    change: float | None
    suppressed: bool
    suppressed_reason: str
    items: tuple[ItemResult, ...] = ()
    comments: tuple[str, ...] = ()
    change_margin: float | None = None

    @classmethod
    def hidden(
        cls,
        *,
        key: str,
        name: str,
        reason: str,
        self_score: float | None = None,
        self_percent: float | None = None,
        items: Sequence[ItemResult] = (),
    ) -> TeamPillar:
        """A suppressed pillar: no member figure, only the reason. The leader's own self figures
        stay (they are not anonymous), and ``items`` keep what each item may still show."""
        return cls(
            key=key,
            name=name,
            n=None,
            mean=None,
            sd=None,
            ci_low=None,
            ci_high=None,
            percent=None,
            rwg=None,
            favourable_pct=None,
            self_score=self_score,
            self_percent=self_percent,
            gap=None,
            gap_kind="",
            percentile=None,
            previous_mean=None,
            change=None,
            suppressed=True,
            suppressed_reason=reason,
            items=tuple(items),
        )


@dataclass(frozen=True)
class TeamResult:
    """A team's results in a cycle.

    - ``team_id``/``slug``/``name``; ``department_id``/``department``: its parent team (None/"").
    - ``invited``: member invitations; ``n``: member submissions; ``self_n``: self-assessments;
      ``response_rate``: n / invited (0..1, None without invitations, e.g. imported answers).
    - ``suppressed``/``suppressed_reason``: the whole team withheld (``too_few`` or
      ``secondary``); then only the counts, ``self_n`` and the self figures remain.
    - ``comments_shown``: the team reaches the comment threshold (and is shown).
    - ``pillars``: one :class:`TeamPillar` per pillar, in pillar order, always present.
    - ``strengths``/``opportunities``: up to three highest / lowest items (shown items only).
    - ``detail``: whether items, comments and highlights were loaded (see module docstring).
    - ``held_back``: responses that came in after the team's figures were first shown and are
      not in them yet: they join once the figures can change by at least k people (``n`` counts
      the responses the figures are over).
    """

    team_id: int
    slug: str
    name: str
    department_id: int | None
    department: str
    invited: int
    n: int
    self_n: int
    response_rate: float | None
    suppressed: bool
    suppressed_reason: str
    comments_shown: bool
    pillars: tuple[TeamPillar, ...]
    strengths: tuple[ItemHighlight, ...] = ()
    opportunities: tuple[ItemHighlight, ...] = ()
    detail: bool = True
    held_back: int = 0

    def pillar(self, key: str) -> TeamPillar | None:
        return next((p for p in self.pillars if p.key == key), None)

    @property
    def reverse_scored_codes(self) -> frozenset[str]:
        """Codes of the team's negatively worded (reverse-scored) items: a high score on one
        means the team disagrees with it, which any page listing highlights has to say. Empty
        unless ``detail`` loaded the items."""
        return frozenset(
            item.code for pillar in self.pillars for item in pillar.items if item.reverse_scored
        )

    @classmethod
    def of_team(
        cls,
        *,
        team: Any,
        invited: int,
        n: int,
        self_n: int,
        suppressed_reason: str,
        comments_shown: bool,
        pillars: Sequence[TeamPillar],
        strengths: Sequence[ItemHighlight] = (),
        opportunities: Sequence[ItemHighlight] = (),
        detail: bool = True,
        held_back: int = 0,
    ) -> TeamResult:
        """The result of ``team`` (a Team row with its parent loaded): its name and department
        from the row, its response rate from the counts."""
        return cls(
            team_id=team.pk,
            slug=team.slug,
            name=team.name,
            department_id=team.parent_id,
            department=team.parent.name if team.parent_id else "",
            invited=invited,
            n=n,
            self_n=self_n,
            response_rate=n / invited if invited else None,
            suppressed=bool(suppressed_reason),
            suppressed_reason=suppressed_reason,
            comments_shown=comments_shown,
            pillars=tuple(pillars),
            strengths=tuple(strengths),
            opportunities=tuple(opportunities),
            detail=detail,
            held_back=held_back,
        )


@dataclass(frozen=True)
class RollupPillar:
    """One pillar of a rollup: all member respondents of the rollup's teams pooled.

    ``n`` respondents with a score, ``mean``/``sd`` of their pillar scores, ``percent``,
    ``favourable_pct``; all None when ``suppressed`` (fewer than k respondents in the rollup, or
    hidden against subtraction).
    """

    key: str
    n: int | None
    mean: float | None
    sd: float | None
    percent: float | None
    favourable_pct: float | None
    suppressed: bool
    suppressed_reason: str

    @classmethod
    def hidden(cls, *, key: str, reason: str) -> RollupPillar:
        """A suppressed pillar: no figure at all, only the reason."""
        return cls(
            key=key,
            n=None,
            mean=None,
            sd=None,
            percent=None,
            favourable_pct=None,
            suppressed=True,
            suppressed_reason=reason,
        )


@dataclass(frozen=True)
class Rollup:
    """A parent total: a department (``kind`` "department") or the organisation ("organisation").

    Pools every member respondent of ``team_ids`` — including those of suppressed teams. This
    never reveals a suppressed team: ``anonymity`` hides further teams until no hidden group of
    1..k−1 respondents can be obtained by subtracting shown figures from a shown total.
    ``team_id``/``slug`` are the department team's (None/"" for the organisation).
    """

    kind: str
    team_id: int | None
    slug: str
    name: str
    team_ids: tuple[int, ...]
    invited: int
    n: int
    response_rate: float | None
    suppressed: bool
    suppressed_reason: str
    pillars: tuple[RollupPillar, ...]

    def pillar(self, key: str) -> RollupPillar | None:
        return next((p for p in self.pillars if p.key == key), None)

    @classmethod
    def of_group(
        cls,
        *,
        kind: str,
        department: Any,
        cycle_name: str,
        team_ids: Sequence[int],
        invited: int,
        n: int,
        suppressed_reason: str,
        pillars: Sequence[RollupPillar],
    ) -> Rollup:
        """The roll-up of a department (a Team row) or, with ``department`` None, the cycle."""
        return cls(
            kind=kind,
            team_id=department.pk if department else None,
            slug=department.slug if department else "",
            name=department.name if department else cycle_name,
            team_ids=tuple(team_ids),
            invited=invited,
            n=n,
            response_rate=n / invited if invited else None,
            suppressed=bool(suppressed_reason),
            suppressed_reason=suppressed_reason,
            pillars=tuple(pillars),
        )


@dataclass(frozen=True)
class CycleReport:
    """Everything about one cycle's results that anyone may be shown.

    - ``cycle_*``, ``bank_name``; ``min_group_size`` (k) and ``comment_min_group_size``;
      ``gap_threshold`` used for blind spots / hidden strengths.
    - ``scores_visible``: False when the viewer may see counts only (cycle open, or a leader
      before release); ``hidden_reason`` is then ``open`` or ``not_released`` and every team,
      rollup and pillar figure except counts is None.
    - ``previous_cycle_name``: the cycle that ``change`` is measured against (None if none).
    - ``computed_at``: ISO timestamp of the computation.
    - ``pillars``: :class:`PillarSummary` in pillar order; ``organisation``: the whole cycle as a
      :class:`Rollup`; ``departments``: one per department with teams in the cycle (empty for a
      leader); ``teams``: :class:`TeamResult` sorted by name (only the leader's own for a leader).
    """

    schema_version: int
    cycle_id: int
    cycle_slug: str
    cycle_name: str
    cycle_state: str
    bank_name: str
    min_group_size: int
    comment_min_group_size: int
    gap_threshold: float
    scores_visible: bool
    hidden_reason: str
    previous_cycle_name: str | None
    computed_at: str
    pillars: tuple[PillarSummary, ...]
    organisation: Rollup
    departments: tuple[Rollup, ...]
    teams: tuple[TeamResult, ...]

    def team(self, team_id: int) -> TeamResult | None:
        return next((t for t in self.teams if t.team_id == team_id), None)

    def pillar(self, key: str) -> PillarSummary | None:
        return next((p for p in self.pillars if p.key == key), None)

    @classmethod
    def of_cycle(
        cls,
        *,
        cycle: Any,
        gap_threshold: float,
        hidden_reason: str,
        previous_cycle_name: str | None,
        computed_at: str,
        pillars: Sequence[PillarSummary],
        organisation: Rollup,
        departments: Sequence[Rollup],
        teams: Sequence[TeamResult],
    ) -> CycleReport:
        """The report of ``cycle`` (a Cycle row): its names, state, bank and group sizes from the
        row; scores are visible unless there is a ``hidden_reason``."""
        return cls(
            schema_version=REPORT_SCHEMA_VERSION,
            cycle_id=cycle.pk,
            cycle_slug=cycle.slug,
            cycle_name=cycle.name,
            cycle_state=cycle.state,
            bank_name=cycle.bank.name,
            min_group_size=cycle.min_group_size,
            comment_min_group_size=cycle.comment_min_group_size,
            gap_threshold=gap_threshold,
            scores_visible=not hidden_reason,
            hidden_reason=hidden_reason,
            previous_cycle_name=previous_cycle_name,
            computed_at=computed_at,
            pillars=tuple(pillars),
            organisation=organisation,
            departments=tuple(departments),
            teams=tuple(teams),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists) that :meth:`from_dict` turns back."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CycleReport:
        return _build(cls, data)


# --- (de)serialisation ----------------------------------------------------------------------


@functools.cache
def _field_builders(cls: type) -> tuple[tuple[str, Any], ...]:
    """The fields of ``cls`` whose JSON value needs converting, with their converters."""
    hints = typing.get_type_hints(cls)
    builders = ((field.name, _builder(hints[field.name])) for field in dataclasses.fields(cls))
    return tuple((name, builder) for name, builder in builders if builder is not None)


def _builder(hint: Any) -> Any:
    """A function turning a JSON value into the value ``hint`` describes (None for as-is)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return functools.partial(_build, hint)
    if origin is tuple:
        inner = _builder(args[0])
        if inner is None:
            return tuple
        return lambda values: tuple(inner(v) for v in values)
    if origin is dict:
        inner = _builder(args[1])
        if inner is None:
            return None
        return lambda values: {k: inner(v) for k, v in values.items()}
    return None


def _build(cls: type, data: dict[str, Any]) -> Any:
    # Thousands of objects per report: convert only the fields that need it. A missing key
    # takes the field's default (e.g. a team stored without its details).
    kwargs = dict(data)
    for name, builder in _field_builders(cls):
        value = kwargs.get(name)
        if value is not None:
            kwargs[name] = builder(value)
    return cls(**kwargs)
