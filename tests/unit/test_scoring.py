"""Tests for assessments.results.scoring: hand-computed cases, edge cases, real published data,
properties.

No database and no Django: scoring is pure, so these run without settings.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from assessments.results import scoring
from assessments.results.scoring import (
    ICC,
    Distribution,
    Gap,
    GroupStats,
    change_since,
    cronbach_alpha,
    distribution,
    favourable_pct,
    group_stats,
    icc_from_groups,
    item_total_correlations,
    percent_scale,
    percentile_rank,
    respondent_pillar_score,
    reverse_value,
    rwg,
    rwg_j,
    self_other_gap,
    uniform_null_variance,
)

DATASETS = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"
LQ2002 = DATASETS / "lq2002.csv"
BFI = DATASETS / "bfi.csv"
BFI_KEYS = DATASETS / "bfi.keys.csv"


def dataset(path: Path) -> Path:
    """The shared data set at ``path``; a missing one fails the test (never a skip: a suite that
    quietly skips the published scores would pass without checking them)."""
    if not path.is_file():
        pytest.fail(
            f"{path.name} not found in {DATASETS.resolve()}: the shared data sets "
            "(../shared/datasets beside the repository) are needed to check published scores.",
            pytrace=False,
        )
    return path


LEAD_ITEMS = [f"LEAD{i:02d}" for i in range(1, 12)]
TSIG_ITEMS = [f"TSIG{i:02d}" for i in range(1, 4)]
HOSTIL_ITEMS = [f"HOSTIL{i:02d}" for i in range(1, 6)]


def read_csv(path: Path) -> list[dict[str, str]]:
    # utf-8-sig: lq2002.csv starts with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def approx(value: float, tolerance: float = 1e-9) -> object:
    return pytest.approx(value, abs=tolerance)


# --- reverse_value -----------------------------------------------------------------------


def test_reverse_value_mirrors_the_scale():
    # 1-5 scale: 1+5-1 = 5, 1+5-2 = 4, 1+5-3 = 3.
    assert reverse_value(value=1, scale_min=1, scale_max=5) == 5
    assert reverse_value(value=2, scale_min=1, scale_max=5) == 4
    assert reverse_value(value=3, scale_min=1, scale_max=5) == 3
    # 0-4 scale: 0+4-1 = 3. 1-6 scale: 1+6-2 = 5.
    assert reverse_value(value=1, scale_min=0, scale_max=4) == 3
    assert reverse_value(value=2, scale_min=1, scale_max=6) == 5


# --- respondent_pillar_score ------------------------------------------------------------


def test_pillar_score_is_the_mean_of_answered_items():
    # (4 + 2 + 3) / 3 = 3.0; 3 of 4 answered.
    assert respondent_pillar_score(values=[4, 2, None, 3], n_items=4) == 3.0


def test_pillar_score_with_exactly_half_answered_is_kept():
    # 2 of 4 answered: (5 + 3) / 2 = 4.0.
    assert respondent_pillar_score(values=[5, None, 3, None], n_items=4) == 4.0


def test_pillar_score_with_fewer_than_half_answered_is_missing():
    assert respondent_pillar_score(values=[5, None, None, None], n_items=4) is None
    # 5 items: 2 answered < 2.5 → missing; 3 answered → (1 + 2 + 3) / 3 = 2.0.
    assert respondent_pillar_score(values=[1, 2, None, None, None], n_items=5) is None
    assert respondent_pillar_score(values=[1, 2, 3, None, None], n_items=5) == 2.0


def test_pillar_score_of_nothing_answered_is_missing():
    assert respondent_pillar_score(values=[None, None], n_items=2) is None
    assert respondent_pillar_score(values=[], n_items=0) is None
    assert respondent_pillar_score(values=[], n_items=3) is None


# --- group_stats --------------------------------------------------------------------------


def test_group_stats_hand_computed():
    # [3, 4, 5]: mean 4; squared deviations 1 + 0 + 1 = 2; var = 2/2 = 1; sd = 1.
    # t(0.975, df=2) = 4.302653 (t table); half-width = 4.302653 · 1 / √3 = 2.484138.
    result = group_stats(scores=[3, 4, 5])
    assert result.n == 3
    assert result.mean == 4.0
    assert result.sd == approx(1.0)
    assert result.ci_low == approx(4 - 2.484138, 1e-6)
    assert result.ci_high == approx(4 + 2.484138, 1e-6)


def test_group_stats_ignores_missing_scores():
    assert group_stats(scores=[3, None, 4, 5, None]) == group_stats(scores=[3, 4, 5])


def test_group_stats_of_one_respondent_has_a_mean_but_no_spread():
    assert group_stats(scores=[4.5]) == GroupStats(
        n=1, mean=4.5, sd=None, ci_low=None, ci_high=None
    )


def test_group_stats_of_nobody_is_empty():
    empty = GroupStats(n=0, mean=None, sd=None, ci_low=None, ci_high=None)
    assert group_stats(scores=[]) == empty
    assert group_stats(scores=[None, None]) == empty


def test_group_stats_with_zero_variance_has_a_zero_width_interval():
    result = group_stats(scores=[3, 3, 3])
    assert (result.mean, result.sd, result.ci_low, result.ci_high) == (3.0, 0.0, 3.0, 3.0)


# --- percent_scale ------------------------------------------------------------------------


def test_percent_scale_maps_the_scale_onto_0_to_100():
    # 100 · (4 - 1) / (5 - 1) = 75; 100 · (2 - 0) / (4 - 0) = 50.
    assert percent_scale(score=4, scale_min=1, scale_max=5) == 75.0
    assert percent_scale(score=2, scale_min=0, scale_max=4) == 50.0
    assert percent_scale(score=1, scale_min=1, scale_max=5) == 0.0
    assert percent_scale(score=6, scale_min=1, scale_max=6) == 100.0


def test_percent_scale_of_a_missing_score_is_missing():
    assert percent_scale(score=None, scale_min=1, scale_max=5) is None


# --- favourable_pct -----------------------------------------------------------------------


def test_favourable_pct_counts_the_top_two_points():
    # 1-5: answered 5, 4, 3, 2, 4 (one None); favourable 5, 4, 4 → 3/5 = 60%.
    assert favourable_pct(values=[5, 4, 3, 2, None, 4], scale_min=1, scale_max=5) == 60.0
    # 1-6: favourable is 5-6; 6 and 5 of 6, 5, 4, 1 → 50%.
    assert favourable_pct(values=[6, 5, 4, 1], scale_min=1, scale_max=6) == 50.0


def test_favourable_pct_with_top_one_counts_only_the_highest_point():
    assert favourable_pct(values=[5, 4], scale_min=1, scale_max=5, top=1) == 50.0


def test_favourable_pct_of_nothing_answered_is_missing():
    assert favourable_pct(values=[None, None], scale_min=1, scale_max=5) is None
    assert favourable_pct(values=[], scale_min=1, scale_max=5) is None


# --- distribution -------------------------------------------------------------------------


def test_distribution_counts_every_point_and_cant_say():
    result = distribution(values=[1, 2, 2, 5, None, None], scale_min=1, scale_max=5)
    assert result == Distribution(counts=(1, 2, 0, 0, 1), cant_say=2)
    assert result.answered == 4


def test_distribution_of_nothing_is_all_zeros():
    assert distribution(values=[], scale_min=0, scale_max=4) == Distribution(
        counts=(0, 0, 0, 0, 0), cant_say=0
    )


def test_distribution_rejects_a_value_outside_the_scale():
    with pytest.raises(ValueError, match=scoring.VALUE_OUTSIDE_SCALE):
        distribution(values=[6], scale_min=1, scale_max=5)


# --- self_other_gap -----------------------------------------------------------------------


def test_gap_of_half_a_point_above_the_team_is_a_blind_spot():
    assert self_other_gap(self_score=4.0, team_score=3.5) == Gap(gap=0.5, kind="blind_spot")


def test_gap_of_exactly_the_threshold_counts_despite_float_error():
    # 4.1 - 3.6 is 0.49999999999999956 in binary floating point.
    assert self_other_gap(self_score=4.1, team_score=3.6).kind == "blind_spot"
    assert self_other_gap(self_score=3.6, team_score=4.1).kind == "hidden_strength"


def test_gap_of_half_a_point_below_the_team_is_a_hidden_strength():
    assert self_other_gap(self_score=3.0, team_score=3.5) == Gap(gap=-0.5, kind="hidden_strength")


def test_small_gap_is_not_flagged():
    result = self_other_gap(self_score=3.9, team_score=3.5)
    assert result.gap == approx(0.4)
    assert result.kind == ""


def test_gap_threshold_is_a_setting():
    assert self_other_gap(self_score=3.9, team_score=3.5, threshold=0.3).kind == "blind_spot"
    assert self_other_gap(self_score=4.5, team_score=3.5, threshold=1.5).kind == ""


def test_gap_without_a_self_or_team_score_is_missing():
    assert self_other_gap(self_score=None, team_score=3.5) == Gap(gap=None, kind="")
    assert self_other_gap(self_score=4.0, team_score=None) == Gap(gap=None, kind="")


# --- rwg and rwg_j ------------------------------------------------------------------------


def test_uniform_null_variance():
    # (5² - 1) / 12 = 2; (6² - 1) / 12 = 35/12.
    assert uniform_null_variance(scale_points=5) == 2.0
    assert uniform_null_variance(scale_points=6) == approx(35 / 12)


def test_rwg_j_hand_computed():
    # Item 1: 4, 5, 3 → mean 4, var (0 + 1 + 1)/2 = 1.
    # Item 2: 5, 5, 4 → mean 14/3, var (1/9 + 1/9 + 4/9)/2 = 1/3.
    # s̄² = (1 + 1/3)/2 = 2/3; σ²_EU = 2 → ratio 1/3; J = 2.
    # r = 2·(2/3) / (2·(2/3) + 1/3) = (4/3)/(5/3) = 0.8.
    assert rwg_j(item_responses=[[4, 5], [5, 5], [3, 4]], scale_points=5) == approx(0.8)


def test_rwg_j_uses_each_items_answers():
    # Same item variances as above, from whoever answered each item:
    # item 1: 4, 5, 3 (var 1); item 2: 5, 4, 5 (var 1/3) → 0.8.
    rows = [[4, 5], [5, None], [3, 4], [None, 5]]
    assert rwg_j(item_responses=rows, scale_points=5) == approx(0.8)


def test_rwg_j_of_full_agreement_is_one():
    assert rwg_j(item_responses=[[4, 2], [4, 2], [4, 2]], scale_points=5) == 1.0


def test_rwg_j_above_one_is_reported_as_zero():
    # Item variances: (1, 5) → 8 each; ratio 8/2 = 4; J = 2.
    # Raw formula: 2·(1 - 4) / (2·(1 - 4) + 4) = -6 / -2 = 3, outside [0, 1] → 0.
    assert rwg_j(item_responses=[[1, 1], [5, 5]], scale_points=5) == 0.0


def test_rwg_j_at_the_pole_of_the_formula_is_zero():
    # Both items 1, 3: variance 2 each, ratio 2/2 = 1 → 2·0 / (2·0 + 1) = 0.
    assert rwg_j(item_responses=[[1, 1], [3, 3]], scale_points=5) == 0.0
    # J = 2, ratio = J/(J-1) = 2 makes the raw denominator zero: var of (1, 5, 3) is 4.
    assert rwg_j(item_responses=[[1, 1], [5, 5], [3, 3]], scale_points=5) == 0.0


def test_rwg_j_needs_two_respondents():
    assert rwg_j(item_responses=[[4, 5]], scale_points=5) is None
    assert rwg_j(item_responses=[], scale_points=5) is None
    assert rwg_j(item_responses=[[4, 5], [None, None]], scale_points=5) is None


def test_single_item_rwg_hand_computed():
    # 3, 4, 5: var 1; 1 - 1/2 = 0.5.  1, 5: var 8 > 2 → 0.
    assert rwg(values=[3, 4, 5], scale_points=5) == approx(0.5)
    assert rwg(values=[1, 5], scale_points=5) == 0.0
    assert rwg(values=[3, None], scale_points=5) is None


# --- cronbach_alpha -----------------------------------------------------------------------

ALPHA_ROWS = [[1, 1, 2], [2, 2, 2], [3, 3, 4], [4, 4, 4]]


def test_cronbach_alpha_hand_computed():
    # Item variances: 1,2,3,4 → 5/3; 1,2,3,4 → 5/3; 2,2,4,4 → 4/3; sum 14/3.
    # Totals 4, 6, 10, 12: mean 8, squared deviations 16+4+4+16 = 40, var 40/3.
    # α = 3/2 · (1 - (14/3)/(40/3)) = 1.5 · 26/40 = 0.975.
    assert cronbach_alpha(rows=ALPHA_ROWS) == approx(0.975)


def test_cronbach_alpha_drops_incomplete_rows():
    assert cronbach_alpha(rows=[*ALPHA_ROWS, [None, 1, 5]]) == approx(0.975)


def test_cronbach_alpha_can_be_negative():
    # Item 1: 1, 3, 5 → var 4. Item 2: 4, 3, 1 → var 7/3. Totals 5, 6, 6 → var 1/3.
    # α = 2 · (1 - (4 + 7/3)/(1/3)) = 2 · (1 - 19) = -36.
    assert cronbach_alpha(rows=[[1, 4], [3, 3], [5, 1]]) == approx(-36.0)


def test_cronbach_alpha_is_missing_where_undefined():
    assert cronbach_alpha(rows=[]) is None
    assert cronbach_alpha(rows=[[1, 2, 3]]) is None  # one respondent
    assert cronbach_alpha(rows=[[1], [2], [3]]) is None  # one item
    assert cronbach_alpha(rows=[[3, 3], [3, 3]]) is None  # totals do not vary
    assert cronbach_alpha(rows=[[1, None], [None, 2]]) is None  # no complete row


# --- item_total_correlations --------------------------------------------------------------


def test_item_total_correlations_hand_computed():
    # Item 1 (1,2,3,4) vs items 2+3 (3,4,7,8): Sxy = 9, Sxx = 5, Syy = 17 → 9/√85 = 0.976187.
    # Item 2 is identical to item 1, and its rest (items 1+3) is the same sum → 0.976187.
    # Item 3 (2,2,4,4) vs items 1+2 (2,4,6,8): Sxy = 8, Sxx = 4, Syy = 20 → 8/√80 = 0.894427.
    result = item_total_correlations(rows=ALPHA_ROWS)
    assert result == [
        approx(9 / math.sqrt(85)),
        approx(9 / math.sqrt(85)),
        approx(8 / math.sqrt(80)),
    ]


def test_item_total_correlation_of_a_miskeyed_item_is_negative():
    # Item 2 (5, 3, 1) vs items 1+3+4 (4, 9, 14): evenly spaced in opposite directions → -1.
    # Items 1, 3, 4 (1,3,5 / 1,3,5 / 2,3,4) vs their rests (8,9,10 / 8,9,10 / 7,9,11) → +1.
    result = item_total_correlations(rows=[[1, 5, 1, 2], [3, 3, 3, 3], [5, 1, 5, 4]])
    assert result == [approx(1.0), approx(-1.0), approx(1.0), approx(1.0)]


def test_item_total_correlation_is_missing_where_nothing_varies():
    # Item 2 is constant: its r is undefined, and so is item 1's (its rest is item 2).
    assert item_total_correlations(rows=[[1, 3], [2, 3], [3, 3]]) == [None, None]


def test_item_total_correlations_of_too_little_data_are_missing():
    assert item_total_correlations(rows=[]) == []
    assert item_total_correlations(rows=[[1, 2, 3]]) == [None, None, None]
    assert item_total_correlations(rows=[[1], [2]]) == [None]
    assert item_total_correlations(rows=[[1, None], [None, 2]]) == [None, None]


# --- icc_from_groups ----------------------------------------------------------------------


def test_icc_hand_computed_for_equal_teams():
    # A = 1,2,3 (mean 2); B = 4,5,6 (mean 5); grand mean 3.5.
    # SSB = 3·1.5² + 3·1.5² = 13.5, df 1 → MSB 13.5. SSW = 2 + 2 = 4, df 4 → MSW 1. k = 3.
    # ICC(1) = 12.5 / (13.5 + 2·1) = 0.806452; ICC(2) = 12.5 / 13.5 = 0.925926.
    result = icc_from_groups(groups={"A": [1, 2, 3], "B": [4, 5, 6]})
    assert result.ms_between == approx(13.5)
    assert result.ms_within == approx(1.0)
    assert result.k_mean == 3.0
    assert result.icc1 == approx(12.5 / 15.5)
    assert result.icc2 == approx(12.5 / 13.5)


def test_icc_uses_the_mean_team_size_for_unequal_teams():
    # A = 1,3 (mean 2); B = 2,4,6 (mean 4); N = 5, G = 2, grand mean 16/5 = 3.2.
    # SSB = 2·1.2² + 3·0.8² = 4.8 → MSB 4.8. SSW = 2 + 8 = 10, df 3 → MSW 10/3.
    # k = N/G = 2.5. ICC(1) = (4.8 - 10/3)/(4.8 + 1.5·10/3) = 1.466667/9.8 = 0.149660.
    # ICC(2) = 1.466667/4.8 = 0.305556.
    result = icc_from_groups(groups={"A": [1, 3], "B": [2, 4, 6]})
    assert result.k_mean == 2.5
    assert result.icc1 == approx((4.8 - 10 / 3) / 9.8)
    assert result.icc2 == approx((4.8 - 10 / 3) / 4.8)


def test_icc_ignores_missing_scores_and_empty_teams():
    plain = icc_from_groups(groups={"A": [1, 3], "B": [2, 4, 6]})
    assert icc_from_groups(groups={"A": [1, None, 3], "B": [2, 4, 6], "C": [None]}) == plain


def test_icc_can_be_negative_when_teams_differ_less_than_chance():
    # Both teams 1, 5: MSB = 0, MSW = 16/2 = 8, k = 2 → ICC(1) = -8/(0 + 8) = -1.
    result = icc_from_groups(groups={"A": [1, 5], "B": [1, 5]})
    assert result.icc1 == approx(-1.0)
    assert result.icc2 is None  # MSB = 0


def test_icc_is_missing_without_two_teams_or_within_team_spread():
    empty = ICC(icc1=None, icc2=None, ms_between=None, ms_within=None, k_mean=None)
    assert icc_from_groups(groups={}) == empty
    assert icc_from_groups(groups={"A": [1, 2, 3]}) == empty
    assert icc_from_groups(groups={"A": [1], "B": [2]}) == empty  # N - G = 0


# --- percentile_rank and change_since -----------------------------------------------------


def test_percentile_rank_counts_lower_teams_and_half_the_ties():
    # Teams 1, 2, 3, 4; this team is the 3: 2 below + ½·1 tie (itself) = 2.5 of 4 → 62.5.
    assert percentile_rank(value=3, others=[1, 2, 3, 4]) == 62.5
    # Teams 3, 3, 1, 5: 1 below + ½·2 ties = 2 of 4 → 50.
    assert percentile_rank(value=3, others=[3, 3, 1, 5]) == 50.0
    # Best and worst of four: 87.5 and 12.5.
    assert percentile_rank(value=4, others=[1, 2, 3, 4]) == 87.5
    assert percentile_rank(value=1, others=[1, 2, 3, 4]) == 12.5


def test_percentile_rank_treats_float_noise_as_a_tie():
    assert percentile_rank(value=0.1 + 0.2, others=[0.3, 0.1]) == 75.0


def test_percentile_rank_of_a_team_alone_is_50():
    assert percentile_rank(value=3.2, others=[3.2]) == 50.0


def test_percentile_rank_without_data_is_missing():
    assert percentile_rank(value=3.0, others=[]) is None
    assert percentile_rank(value=None, others=[1.0, 2.0]) is None
    assert percentile_rank(value=2.0, others=[None, 2.0]) == 50.0


def test_change_since_is_current_minus_previous():
    assert change_since(current=3.5, previous=3.0) == 0.5
    assert change_since(current=3.0, previous=3.5) == -0.5
    assert change_since(current=None, previous=3.0) is None
    assert change_since(current=3.0, previous=None) is None


# --- lq2002: Bliese's leadership climate data (R package multilevel) ----------------------


@pytest.fixture(scope="module")
def lq2002() -> list[dict[str, str]]:
    return read_csv(dataset(LQ2002))


def _teams(rows: list[dict[str, str]], column: str) -> dict[str, list[float]]:
    teams: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        teams[row["COMPID"]].append(float(row[column]))
    return teams


@pytest.mark.parametrize(
    ("items", "published"), [(LEAD_ITEMS, "LEAD"), (TSIG_ITEMS, "TSIG"), (HOSTIL_ITEMS, "HOSTILE")]
)
def test_lq2002_respondent_scores_reproduce_the_published_scale_scores(lq2002, items, published):
    for row in lq2002:
        score = respondent_pillar_score(values=[int(row[c]) for c in items], n_items=len(items))
        assert score == approx(float(row[published]), 1e-6), row["ROWID"]


@pytest.mark.parametrize(
    ("items", "published"),
    [(LEAD_ITEMS, "GLEAD"), (TSIG_ITEMS, "GTSIG"), (HOSTIL_ITEMS, "GHOSTILE")],
)
def test_lq2002_team_means_reproduce_the_published_team_scores(lq2002, items, published):
    scores: dict[str, list[float | None]] = defaultdict(list)
    expected: dict[str, float] = {}
    for row in lq2002:
        values = [int(row[c]) for c in items]
        scores[row["COMPID"]].append(respondent_pillar_score(values=values, n_items=len(items)))
        expected[row["COMPID"]] = float(row[published])
    assert len(scores) == 49
    for team, team_scores in scores.items():
        assert group_stats(scores=team_scores).mean == approx(expected[team], 1e-6), team


@pytest.mark.parametrize("scale", ["LEAD", "TSIG", "HOSTILE"])
def test_lq2002_icc_matches_an_independent_f_test(lq2002, scale):
    # Independent route: scipy's one-way ANOVA F = MSB/MSW, then, with k = N/G,
    # ICC(1) = (F - 1)/(F + k - 1) and ICC(2) = 1 - 1/F (Bliese, 2000).
    teams = _teams(lq2002, scale)
    f_value = stats.f_oneway(*teams.values()).statistic
    k = len(lq2002) / len(teams)
    result = icc_from_groups(groups=teams)
    assert result.k_mean == approx(2042 / 49)
    assert result.icc1 == approx((f_value - 1) / (f_value + k - 1))
    assert result.icc2 == approx(1 - 1 / f_value)


def test_lq2002_leadership_icc_values(lq2002):
    # Our own figures for LEAD by COMPID, reproduced by the F-test route above; no published
    # value was found to compare with (the multilevel docs show ICC1 on bh1996 only).
    # MSB = 3.08552, MSW = 0.614776, k = 41.6735.
    teams = _teams(lq2002, "LEAD")
    result = icc_from_groups(groups=teams)
    assert result.ms_between == approx(3.08552, 1e-5)
    assert result.ms_within == approx(0.614776, 1e-6)
    assert result.icc1 == approx(0.08796, 1e-5)
    assert result.icc2 == approx(0.80075, 1e-5)


def _rwg_j_as_in_multilevel(rows: list[list[float]], ranvar: float) -> float:
    # A second implementation that follows multilevel::rwg.j line by line (listwise data,
    # variance truncated at ranvar), with variances from raw sums instead of numpy.
    n = len(rows)
    n_items = len(rows[0])
    variances = []
    for j in range(n_items):
        column = [row[j] for row in rows]
        variances.append((sum(x * x for x in column) - sum(column) ** 2 / n) / (n - 1))
    s = min(sum(variances) / n_items, ranvar)
    return (n_items * (1 - s / ranvar)) / (n_items * (1 - s / ranvar) + s / ranvar)


def test_lq2002_rwg_j_of_leadership_matches_the_multilevel_algorithm(lq2002):
    # rwg.j(lq2002[, 3:13], lq2002$COMPID, ranvar = 2): the package documents the call but
    # prints no output, so the comparison is with a re-implementation of its code.
    teams: dict[str, list[list[float]]] = defaultdict(list)
    for row in lq2002:
        teams[row["COMPID"]].append([float(row[c]) for c in LEAD_ITEMS])
    values = []
    for rows in teams.values():
        value = rwg_j(item_responses=rows, scale_points=5)
        assert value == approx(_rwg_j_as_in_multilevel(rows, ranvar=2.0))
        values.append(value)
    # Our own summary over the 49 companies (not a published figure).
    assert np.mean(values) == approx(0.86778, 1e-5)
    assert min(values) == approx(0.77490, 1e-5)
    assert max(values) == approx(0.94231, 1e-5)


# --- bfi: Big Five sample (R package psych), reverse keys and missing answers -------------


@pytest.fixture(scope="module")
def bfi() -> tuple[list[dict[str, str]], dict[str, list[str]]]:
    keys = read_csv(dataset(BFI_KEYS))
    scales = {name: [row[name] for row in keys] for name in keys[0] if name != "rownames"}
    return read_csv(dataset(BFI)), scales


def _scored(row: dict[str, str], keyed_items: list[str], *, apply_keys: bool = True):
    values: list[int | None] = []
    for keyed in keyed_items:
        raw = row[keyed.lstrip("-")]
        if raw == "":
            values.append(None)
        elif keyed.startswith("-") and apply_keys:
            values.append(reverse_value(value=int(raw), scale_min=1, scale_max=6))
        else:
            values.append(int(raw))
    return values


def _alpha_from_covariance(matrix: np.ndarray) -> float:
    # α = k/(k-1) · (1 - tr(C)/ΣC), C the item covariance matrix: the route psych::alpha takes.
    k = matrix.shape[1]
    covariance = np.cov(matrix, rowvar=False)
    return k / (k - 1) * (1 - np.trace(covariance) / covariance.sum())


def _pairwise_alpha(matrix: np.ndarray) -> float:
    # psych::alpha's default: covariances from pairwise-complete observations.
    k = matrix.shape[1]
    covariance = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(matrix[:, i]) & ~np.isnan(matrix[:, j])
            covariance[i, j] = np.cov(matrix[both, i], matrix[both, j])[0, 1]
    return k / (k - 1) * (1 - np.trace(covariance) / covariance.sum())


def test_bfi_has_the_documented_gaps(bfi):
    rows, scales = bfi
    items = [keyed.lstrip("-") for keyed_items in scales.values() for keyed in keyed_items]
    assert len(rows) == 2800
    assert sum(1 for row in rows if any(row[item] == "" for item in items)) == 364


def test_bfi_scale_scores_are_missing_exactly_when_fewer_than_half_answered(bfi):
    rows, scales = bfi
    for keyed_items in scales.values():
        for row in rows:
            values = _scored(row, keyed_items)
            answered = [v for v in values if v is not None]
            score = respondent_pillar_score(values=values, n_items=5)
            if len(answered) >= 3:
                assert score == approx(sum(answered) / len(answered))
                assert 1 <= score <= 6
            else:
                assert score is None


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        ("agree", 0.7038),
        ("conscientious", 0.7293),
        ("extraversion", 0.7609),
        ("neuroticism", 0.8133),
        ("openness", 0.6025),
    ],
)
def test_bfi_alpha_on_complete_rows(bfi, scale, expected):
    rows, scales = bfi
    matrix = np.array(
        [[np.nan if v is None else v for v in _scored(row, scales[scale])] for row in rows],
        dtype=float,
    )
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    alpha = cronbach_alpha(rows=[_scored(row, scales[scale]) for row in rows])
    # Same complete rows, the covariance-matrix route: equal to rounding error.
    assert alpha == approx(_alpha_from_covariance(complete))
    # Our complete-case figure, to 4 decimals (computed here, not quoted from psych).
    assert alpha == approx(expected, 5e-5)
    # psych::alpha uses pairwise covariances over all 2,800 rows; complete cases (about 97%
    # of rows per scale) land within 0.005 of that.
    assert alpha == approx(_pairwise_alpha(matrix), 0.005)


def test_bfi_item_total_correlations_are_positive_once_reverse_keys_apply(bfi):
    rows, scales = bfi
    for keyed_items in scales.values():
        correlations = item_total_correlations(rows=[_scored(row, keyed_items) for row in rows])
        assert all(r is not None and r > 0 for r in correlations), keyed_items


def test_bfi_forgetting_a_reverse_key_shows_as_a_negative_item_total_correlation(bfi):
    rows, scales = bfi
    agree = scales["agree"]  # -A1 is the reverse-keyed item
    correlations = item_total_correlations(
        rows=[_scored(row, agree, apply_keys=False) for row in rows]
    )
    assert correlations[agree.index("-A1")] < 0


# --- properties ---------------------------------------------------------------------------

scales_strategy = st.tuples(st.integers(-3, 3), st.integers(1, 10)).map(
    lambda t: (t[0], t[0] + t[1])
)


@given(scales_strategy, st.data())
def test_reversing_twice_is_the_identity(scale, data):
    low, high = scale
    value = data.draw(st.integers(low, high))
    once = reverse_value(value=value, scale_min=low, scale_max=high)
    assert low <= once <= high
    assert reverse_value(value=once, scale_min=low, scale_max=high) == value


@given(scales_strategy, st.data())
def test_percent_scale_stays_within_0_and_100(scale, data):
    low, high = scale
    score = data.draw(st.floats(low, high))
    assert 0 <= percent_scale(score=score, scale_min=low, scale_max=high) <= 100


@given(
    st.integers(2, 11).flatmap(
        lambda points: st.tuples(
            st.just(points),
            st.lists(
                st.lists(st.one_of(st.none(), st.integers(1, points)), min_size=3, max_size=3),
                max_size=12,
            ),
        )
    )
)
def test_rwg_j_stays_within_0_and_1(case):
    points, rows = case
    value = rwg_j(item_responses=rows, scale_points=points)
    assert value is None or 0 <= value <= 1


@given(st.lists(st.one_of(st.none(), st.floats(1, 5)), max_size=30))
def test_group_interval_contains_the_mean(scores):
    result = group_stats(scores=scores)
    if result.n >= 2:
        assert result.ci_low <= result.mean <= result.ci_high
        assert result.sd >= 0
    else:
        assert result.ci_low is None
        assert result.ci_high is None


@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), min_size=1, max_size=10))
def test_pillar_score_lies_between_the_lowest_and_highest_answer(values):
    score = respondent_pillar_score(values=values, n_items=len(values))
    answered = [v for v in values if v is not None]
    if score is not None:
        assert min(answered) - 1e-9 <= score <= max(answered) + 1e-9


@given(st.lists(st.one_of(st.none(), st.integers(1, 5)), max_size=30))
def test_favourable_share_is_a_percentage(values):
    share = favourable_pct(values=values, scale_min=1, scale_max=5)
    assert share is None or 0 <= share <= 100


@given(st.lists(st.floats(1, 5), min_size=1, max_size=20), st.data())
def test_percentile_rank_of_a_listed_team_is_above_0_and_at_most_100(scores, data):
    value = data.draw(st.sampled_from(scores))
    assert 0 < percentile_rank(value=value, others=scores) <= 100


@given(st.lists(st.lists(st.integers(1, 5), min_size=4, max_size=4), max_size=15))
def test_cronbach_alpha_never_exceeds_one(rows):
    alpha = cronbach_alpha(rows=rows)
    assert alpha is None or alpha <= 1 + 1e-9


@given(st.dictionaries(st.text(max_size=3), st.lists(st.floats(0, 4), max_size=8), max_size=6))
def test_icc_never_exceeds_one(groups):
    result = icc_from_groups(groups=groups)
    assert result.icc1 is None or result.icc1 <= 1 + 1e-9
    assert result.icc2 is None or result.icc2 <= 1 + 1e-9


# --- Whether a change or a gap is beyond its uncertainty -------------------------------------

_scores = st.lists(st.integers(min_value=1, max_value=5), min_size=2, max_size=30)


@given(_scores, _scores)
def test_a_change_is_meaningful_exactly_when_welchs_test_rejects_at_five_percent(now, before):
    difference = scoring.difference_meaningful(
        current=group_stats(scores=now), previous=group_stats(scores=before)
    )
    assert difference.value == pytest.approx(np.mean(now) - np.mean(before))
    if np.std(now) == 0 and np.std(before) == 0:
        assert difference.margin == 0
        assert difference.meaningful == (difference.value != 0)
        return
    p_value = stats.ttest_ind(now, before, equal_var=False).pvalue
    if abs(p_value - 0.05) > 1e-6:
        assert difference.meaningful == (p_value < 0.05)


def test_a_change_of_point_two_on_a_team_of_nine_is_within_chance():
    now = group_stats(scores=[4, 4, 3, 5, 4, 3, 4, 5, 4])
    before = group_stats(scores=[4, 3, 3, 5, 4, 3, 4, 4, 4])
    difference = scoring.difference_meaningful(current=now, previous=before)
    assert difference.value == pytest.approx(2 / 9)
    welch = stats.ttest_ind(
        [4, 4, 3, 5, 4, 3, 4, 5, 4], [4, 3, 3, 5, 4, 3, 4, 4, 4], equal_var=False
    )
    low, high = welch.confidence_interval(0.95)
    assert difference.margin == pytest.approx((high - low) / 2)
    assert welch.pvalue > 0.05
    assert not difference.meaningful


def test_a_self_rating_is_compared_with_the_team_means_own_interval():
    team = group_stats(scores=[2, 3, 2, 3, 2, 3, 2, 3])
    gap = scoring.gap_meaningful(self_score=4.5, team=team)
    assert gap.value == pytest.approx(2.0)
    assert gap.margin == pytest.approx(team.ci_high - team.mean)
    assert gap.meaningful


def test_no_margin_without_two_scores_on_a_side():
    one = group_stats(scores=[4])
    many = group_stats(scores=[1, 5, 3])
    assert scoring.difference_meaningful(current=one, previous=many).margin is None
    assert not scoring.difference_meaningful(current=one, previous=many).meaningful
    assert scoring.difference_meaningful(current=many, previous=None).value is None
    assert scoring.gap_meaningful(self_score=4, team=one).margin is None
    assert scoring.gap_meaningful(self_score=None, team=many).value is None
