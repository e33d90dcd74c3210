"""Pure scoring functions: plain numbers in, plain numbers out.

Everything here follows the "Scoring" section of the design document. No Django, no pandas and
no database: callers (the aggregation module) hand in lists of numbers, with ``None`` for a
question that was not answered ("can't say"), and get back floats, ``None`` where a figure is not
computable, or the small frozen dataclasses defined below. Nothing raises on empty data; a
misconfigured argument (a scale of fewer than two points, a value outside its scale, a gap
threshold that is not positive) raises ValueError with one of the message constants below.

Sources:
- James, L. R., Demaree, R. G., & Wolf, G. (1984). Estimating within-group interrater
  reliability with and without response bias. Journal of Applied Psychology, 69, 85-98.
- Bliese, P. D. (2000). Within-group agreement, non-independence, and reliability: Implications
  for data aggregation and analysis. In K. J. Klein & S. W. J. Kozlowski (Eds.), Multilevel
  Theory, Research, and Methods in Organizations (pp. 349-381). Jossey-Bass.
- Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika,
  16, 297-334.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# Scores are means of small integers, so two teams that "tie" can differ in the last bits.
_EPSILON = 1e-9

VALUE_OUTSIDE_SCALE = "A value lies outside the scale."
SCALE_TOO_SHORT = "A scale needs at least two points."
THRESHOLD_NOT_POSITIVE = "The gap threshold must be positive."

GapKind = Literal["blind_spot", "hidden_strength", ""]


@dataclass(frozen=True)
class GroupStats:
    """A role group's pillar score: n respondents, mean, sample SD and 95% CI of the mean."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Distribution:
    """Answers per scale point, from the lowest point to the highest, and the unanswered ones."""

    counts: tuple[int, ...]
    cant_say: int

    @property
    def answered(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Gap:
    """Self score minus team score, and whether it is a blind spot or a hidden strength."""

    gap: float | None
    kind: GapKind


@dataclass(frozen=True)
class ICC:
    """Intraclass correlations from a one-way ANOVA of respondents' scores by team."""

    icc1: float | None
    icc2: float | None
    ms_between: float | None
    ms_within: float | None
    k_mean: float | None


def _answered(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None]


def _matrix(rows: Sequence[Sequence[float | None]]) -> np.ndarray:
    """Rows of answers as a 2-D float array (respondents × items), ``None`` as NaN."""
    if not rows:
        return np.empty((0, 0))
    return np.array([[np.nan if v is None else float(v) for v in row] for row in rows])


def _complete_rows(rows: Sequence[Sequence[float | None]]) -> np.ndarray:
    matrix = _matrix(rows)
    return matrix[~np.isnan(matrix).any(axis=1)]


def reverse_value(*, value: int, scale_min: int, scale_max: int) -> int:
    """Reverse-score an answer: x' = min + max - x (so 1 becomes 5 on a 1-5 scale)."""
    return scale_min + scale_max - value


def respondent_pillar_score(*, values: Sequence[float | None], n_items: int) -> float | None:
    """Mean of a respondent's answered items of one pillar (already reverse-scored).

    Missing (``None``) when fewer than half of the pillar's ``n_items`` items were answered;
    exactly half answered still gives a score.
    """
    answered = _answered(values)
    if not answered or len(answered) < n_items / 2:
        return None
    return math.fsum(answered) / len(answered)


def group_stats(*, scores: Sequence[float | None]) -> GroupStats:
    """n, mean, sample SD (ddof=1) and the 95% CI mean ± t(0.975, n-1)·sd/√n of the scores.

    Missing scores are ignored. The SD and the interval need at least two scores.
    """
    answered = _answered(scores)
    n = len(answered)
    if n == 0:
        return GroupStats(n=0, mean=None, sd=None, ci_low=None, ci_high=None)
    mean = math.fsum(answered) / n
    if n < 2:
        return GroupStats(n=n, mean=mean, sd=None, ci_low=None, ci_high=None)
    sd = float(np.std(answered, ddof=1))
    half_width = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return GroupStats(n=n, mean=mean, sd=sd, ci_low=mean - half_width, ci_high=mean + half_width)


def percent_scale(*, score: float | None, scale_min: int, scale_max: int) -> float | None:
    """A score on a 0-100 scale, to compare banks with different scales: 100·(x-min)/(max-min)."""
    if score is None:
        return None
    if scale_max <= scale_min:
        raise ValueError(SCALE_TOO_SHORT)
    return 100 * (score - scale_min) / (scale_max - scale_min)


def favourable_pct(
    *, values: Sequence[int | None], scale_min: int, scale_max: int, top: int = 2
) -> float | None:
    """Share (0-100) of the answered item values in the top ``top`` points of the scale.

    On a 1-5 scale with ``top=2`` an answer of 4 or 5 is favourable. Values must already be
    reverse-scored. ``None`` when nothing was answered.
    """
    if scale_max <= scale_min:
        raise ValueError(SCALE_TOO_SHORT)
    answered = _answered(values)
    if not answered:
        return None
    lowest_favourable = scale_max - top + 1
    favourable = sum(1 for v in answered if v >= lowest_favourable)
    return 100 * favourable / len(answered)


def distribution(*, values: Sequence[int | None], scale_min: int, scale_max: int) -> Distribution:
    """Count the answers on every point of the scale (zeros included) and the unanswered ones."""
    if scale_max <= scale_min:
        raise ValueError(SCALE_TOO_SHORT)
    counts = [0] * (scale_max - scale_min + 1)
    cant_say = 0
    for value in values:
        if value is None:
            cant_say += 1
            continue
        if not scale_min <= value <= scale_max or value != int(value):
            raise ValueError(VALUE_OUTSIDE_SCALE)
        counts[int(value) - scale_min] += 1
    return Distribution(counts=tuple(counts), cant_say=cant_say)


def self_other_gap(
    *, self_score: float | None, team_score: float | None, threshold: float = 0.5
) -> Gap:
    """Gap = self - team. A blind spot where gap ≥ +threshold, a hidden strength where ≤ -threshold.

    A gap of exactly the threshold counts, even when float arithmetic lands a hair below it.
    """
    if threshold <= 0:
        raise ValueError(THRESHOLD_NOT_POSITIVE)
    if self_score is None or team_score is None:
        return Gap(gap=None, kind="")
    gap = self_score - team_score
    if gap >= threshold - _EPSILON:
        return Gap(gap=gap, kind="blind_spot")
    if gap <= -threshold + _EPSILON:
        return Gap(gap=gap, kind="hidden_strength")
    return Gap(gap=gap, kind="")


def uniform_null_variance(*, scale_points: int) -> float:
    """Variance of answers drawn uniformly from an A-point scale: σ²_EU = (A² - 1)/12."""
    if scale_points < 2:
        raise ValueError(SCALE_TOO_SHORT)
    return (scale_points**2 - 1) / 12


def _rwg_from_ratio(*, ratio: float, n_items: int) -> float:
    """r_wg(J) = J(1 - s̄²/σ²) / (J(1 - s̄²/σ²) + s̄²/σ²), reported as 0 outside [0, 1].

    For a ratio s̄²/σ² ≥ 1 the formula leaves [0, 1] (negative, or above 1 once the denominator
    turns negative); James et al. (1984) truncate the observed variance to the null variance,
    which gives 0, as Bliese's ``multilevel::rwg.j`` does.
    """
    if ratio >= 1:
        return 0.0
    agreement = n_items * (1 - ratio)
    return agreement / (agreement + ratio)


def rwg(*, values: Sequence[float | None], scale_points: int) -> float | None:
    """Single-item r_wg = 1 - s²/σ²_EU (James, Demaree & Wolf, 1984), 0 when s² ≥ σ²_EU.

    s² is the sample variance (ddof=1) of the answered values; ``None`` with fewer than two.
    """
    return rwg_j(item_responses=[[v] for v in values], scale_points=scale_points)


def rwg_j(*, item_responses: Sequence[Sequence[float | None]], scale_points: int) -> float | None:
    """Within-team agreement r_wg(J) on a J-item scale (James, Demaree & Wolf, 1984).

    ``item_responses`` holds one row per respondent, one value per item (``None`` unanswered).
    s̄² is the mean over the items of each item's sample variance (ddof=1) among the respondents
    who answered it; items answered by fewer than two are left out, and J counts the items kept.
    With σ²_EU = (A² - 1)/12 for an A-point scale:

        r_wg(J) = J(1 - s̄²/σ²_EU) / (J(1 - s̄²/σ²_EU) + s̄²/σ²_EU)

    Values outside [0, 1] are reported as 0. ``None`` with fewer than two respondents. With
    complete answers this equals Bliese's ``multilevel::rwg.j(x, grpid, ranvar=(A²-1)/12)``,
    which drops incomplete rows instead.
    """
    null_variance = uniform_null_variance(scale_points=scale_points)
    matrix = _matrix(item_responses)
    matrix = matrix[~np.isnan(matrix).all(axis=1)]
    if matrix.shape[0] < 2:
        return None
    variances = [
        float(np.var(column[~np.isnan(column)], ddof=1))
        for column in matrix.T
        if np.count_nonzero(~np.isnan(column)) >= 2
    ]
    if not variances:
        return None
    mean_variance = math.fsum(variances) / len(variances)
    return _rwg_from_ratio(ratio=mean_variance / null_variance, n_items=len(variances))


def cronbach_alpha(*, rows: Sequence[Sequence[float | None]]) -> float | None:
    """Cronbach's (1951) alpha of k items: α = k/(k-1) · (1 - Σ var_i / var_total).

    ``rows`` are respondents with every item of the pillar answered; a row with a ``None`` is
    dropped. Sample variances (ddof=1); var_total is the variance of the respondents' item sums.
    ``None`` when k < 2, fewer than two complete rows, or the totals do not vary. Alpha can be
    negative (items that work against each other); it is returned as is.
    """
    matrix = _complete_rows(rows)
    if matrix.shape[0] < 2 or matrix.shape[1] < 2:
        return None
    k = matrix.shape[1]
    total_variance = float(np.var(matrix.sum(axis=1), ddof=1))
    if total_variance <= 0:
        return None
    item_variances = float(np.var(matrix, axis=0, ddof=1).sum())
    return k / (k - 1) * (1 - item_variances / total_variance)


def _pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    dx = x - x.mean()
    dy = y - y.mean()
    denominator = math.sqrt(float(dx @ dx) * float(dy @ dy))
    if denominator <= _EPSILON:
        return None
    return float(dx @ dy) / denominator


def item_total_correlations(*, rows: Sequence[Sequence[float | None]]) -> list[float | None]:
    """Corrected item-total correlations: Pearson r of each item with the sum of the others.

    Rows with a ``None`` are dropped. An entry is ``None`` where r is undefined (the item or the
    rest does not vary, fewer than two rows, or a single item). A negative value flags an item
    that runs against the rest: usually a missing reverse key.
    """
    matrix = _complete_rows(rows)
    n_items = matrix.shape[1]
    if matrix.shape[0] < 2 or n_items < 2:
        return [None] * n_items
    totals = matrix.sum(axis=1)
    return [_pearson(matrix[:, i], totals - matrix[:, i]) for i in range(n_items)]


def icc_from_groups(*, groups: Mapping[str, Sequence[float | None]]) -> ICC:
    """ICC(1) and ICC(2) from a one-way ANOVA of respondents' scores by team (Bliese, 2000).

        ICC(1) = (MSB - MSW) / (MSB + (k - 1)·MSW)
        ICC(2) = (MSB - MSW) / MSB

    MSB and MSW are the between- and within-team mean squares, with G - 1 and N - G degrees
    of freedom for N scores in G teams. With unequal team sizes k is the mean team size N/G,
    as in Bliese's ``multilevel::ICC1`` (and ``mult.icc``). Missing scores and empty teams are
    ignored. Either ICC can be negative when teams differ less than chance; it is returned as
    is (ICC(2) is ``None`` when MSB is 0). All ``None`` with fewer than two teams or no
    within-team degrees of freedom.
    """
    teams = [np.array(_answered(scores)) for scores in groups.values()]
    teams = [team for team in teams if team.size > 0]
    n_groups = len(teams)
    n = sum(team.size for team in teams)
    if n_groups < 2 or n - n_groups < 1:
        return ICC(icc1=None, icc2=None, ms_between=None, ms_within=None, k_mean=None)
    grand_mean = math.fsum(float(team.sum()) for team in teams) / n
    ss_between = math.fsum(team.size * (float(team.mean()) - grand_mean) ** 2 for team in teams)
    ss_within = math.fsum(float(((team - team.mean()) ** 2).sum()) for team in teams)
    ms_between = ss_between / (n_groups - 1)
    ms_within = ss_within / (n - n_groups)
    k_mean = n / n_groups
    icc1_denominator = ms_between + (k_mean - 1) * ms_within
    return ICC(
        icc1=(ms_between - ms_within) / icc1_denominator if icc1_denominator > 0 else None,
        icc2=(ms_between - ms_within) / ms_between if ms_between > 0 else None,
        ms_between=ms_between,
        ms_within=ms_within,
        k_mean=k_mean,
    )


def percentile_rank(*, value: float | None, others: Sequence[float | None]) -> float | None:
    """A team's percentile among the teams of its cycle (0-100, mid-rank definition).

    ``others`` holds the scores of all teams of the cycle, this team's own score included.
    percentile = 100 · (number of scores below ``value`` + ½ · number equal to it) / number of
    scores. The best of four distinct teams is at 87.5, the worst at 12.5, and a team alone in
    its cycle at 50. Missing scores are ignored; ``None`` without a value or without scores.
    """
    scores = _answered(others)
    if value is None or not scores:
        return None
    below = sum(1 for s in scores if s < value - _EPSILON)
    ties = sum(1 for s in scores if abs(s - value) <= _EPSILON)
    return 100 * (below + ties / 2) / len(scores)


def change_since(*, current: float | None, previous: float | None) -> float | None:
    """Trend: current score minus the same team's score in its previous cycle."""
    if current is None or previous is None:
        return None
    return current - previous


@dataclass(frozen=True)
class Difference:
    """A difference between two figures, its 95% margin of error, and whether it is beyond it.

    ``meaningful`` is true only when the margin is known and ``|value| > margin``: a change or a
    gap that chance alone (which people happened to answer) could explain is not called one.
    """

    value: float | None
    margin: float | None

    @property
    def meaningful(self) -> bool:
        if self.value is None or self.margin is None:
            return False
        return abs(self.value) > self.margin + _EPSILON


def difference_meaningful(*, current: GroupStats, previous: GroupStats | None) -> Difference:
    """current.mean - previous.mean, with the 95% margin of Welch's t-interval.

    Each group's mean carries the uncertainty sd²/n (the groups are treated as independent
    samples: respondents are anonymous and change between cycles); the degrees of freedom are
    Welch-Satterthwaite's. No margin (so never meaningful) when a side has fewer than two scores.
    """
    if previous is None or current.mean is None or previous.mean is None:
        return Difference(value=None, margin=None)
    value = current.mean - previous.mean
    if current.sd is None or previous.sd is None or current.n < 2 or previous.n < 2:
        return Difference(value=value, margin=None)
    parts = [
        (current.sd**2 / current.n, current.n - 1),
        (previous.sd**2 / previous.n, previous.n - 1),
    ]
    return Difference(value=value, margin=_margin(parts))


def gap_meaningful(*, self_score: float | None, team: GroupStats) -> Difference:
    """self - team mean, with the margin of the team mean's 95% interval.

    The leader's self-rating is one known value, so only the team mean is uncertain.
    """
    if self_score is None or team.mean is None:
        return Difference(value=None, margin=None)
    value = self_score - team.mean
    if team.sd is None or team.n < 2:
        return Difference(value=value, margin=None)
    return Difference(value=value, margin=_margin([(team.sd**2 / team.n, team.n - 1)]))


def _margin(parts: Sequence[tuple[float, int]]) -> float:
    """Half-width t(0.975, ν)·√Σv of a sum of independent mean variances v with ν by Welch."""
    variance = math.fsum(v for v, _ in parts)
    if variance == 0:
        return 0.0
    dof = variance**2 / math.fsum(v**2 / d for v, d in parts)
    return float(stats.t.ppf(0.975, dof)) * math.sqrt(variance)
