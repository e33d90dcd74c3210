"""Aggregation on a small organisation computed by hand, and its query count."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Answer, CycleResult, Role
from assessments.results import scoring
from assessments.results.aggregation import (
    Percentiles,
    cycle_compute,
    respondent_scores,
    team_group_stats,
    team_rwg,
)
from assessments.results.data import cycle_data_load
from assessments.results.report import REASON_FEW_ANSWERS, CycleReport
from assessments.results.stored import cycle_report, results_invalidate
from tests.builders import (
    released_cycle_make,
    responses_add,
    tiny_bank_make,
    tree_team_make,
    uniform_rows,
)

pytestmark = pytest.mark.django_db

# Team A: four members (one skipped everything) and the leader's self-assessment.
TEAM_A = [
    {"Q1": 5, "Q2": 1, "Q3": 4},  # p1 = 5, p2 = 4 (Q2 reversed: 1 → 5)
    {"Q1": 4, "Q2": 2, "Q3": 3},  # p1 = 4, p2 = 3
    {"Q1": 3, "Q2": None, "Q3": 2},  # p1 = 3 (half the items answered is enough), p2 = 2
    {"Q1": None, "Q2": None, "Q3": None},  # no score at all
]
SELF_A = [{"Q1": 5, "Q2": 1, "Q3": 4}]  # p1 = 5, p2 = 4
TEAM_B = [
    {"Q1": 2, "Q2": 4, "Q3": 1},  # p1 = 2, p2 = 1
    {"Q1": 2, "Q2": 5, "Q3": 0},  # p1 = 1.5, p2 = 0
    {"Q1": 1, "Q2": 4, "Q3": 2},  # p1 = 1.5, p2 = 2
]


@pytest.fixture
def small_org():
    bank = tiny_bank_make()
    ops = tree_team_make("Ops", department=True)
    team_a = tree_team_make("Alpha", parent=ops)
    team_b = tree_team_make("Beta", parent=ops)
    cycle = released_cycle_make("2026 Q1", bank, [team_a, team_b], comment_min_group_size=4)
    responses_add(cycle, team_a, TEAM_A, comments={"p1": "Clear goals."})
    responses_add(cycle, team_a, SELF_A, role=Role.SELF, comments={"p1": "Self note."})
    responses_add(cycle, team_b, TEAM_B, comments={"p1": "Visible only in big teams."})
    return cycle, team_a, team_b


def test_team_scores_reverse_items_and_keep_the_self_score_beside_the_team(small_org):
    cycle, team_a, _team_b = small_org
    report = cycle_compute(cycle)
    alpha = report.team(team_a.pk)
    assert alpha.n == 4
    assert alpha.self_n == 1
    assert not alpha.suppressed
    p1 = alpha.pillar("p1")
    assert p1.n == 3
    assert p1.mean == pytest.approx(4.0)
    assert p1.sd == pytest.approx(1.0)
    half_width = 4.302652729911275 / 3**0.5  # t(0.975, 2) · sd / √n
    assert p1.ci_low == pytest.approx(4 - half_width)
    assert p1.ci_high == pytest.approx(4 + half_width)
    assert p1.percent == pytest.approx(75.0)
    # Q2 is answered by two of the three scorers, so it is hidden and its answers count
    # towards nothing shown: the pillar's figures are over Q1 (5, 4, 3) alone.
    assert p1.favourable_pct == pytest.approx(200 / 3)  # two of three are 4–5
    # r_wg(J): Q1's variance 1, σ² = 2, J = 1 → 1·0.5 / (1·0.5 + 0.5)
    assert p1.rwg == pytest.approx(0.5)
    assert p1.self_score == pytest.approx(5.0)
    assert p1.gap == pytest.approx(1.0)
    assert p1.gap_kind == "blind_spot"
    p2 = alpha.pillar("p2")
    assert p2.mean == pytest.approx(3.0)
    assert p2.percent == pytest.approx(75.0)


def test_items_show_distributions_and_hide_an_item_fewer_than_k_answered(small_org):
    cycle, team_a, _team_b = small_org
    p1 = cycle_compute(cycle).team(team_a.pk).pillar("p1")
    q1, q2 = p1.items
    # Items are over the pillar's scorers: the member who answered nothing is not one of them.
    assert (q1.n, q1.mean, q1.counts, q1.cant_say) == (3, 4.0, (0, 0, 1, 1, 1), 0)
    assert q1.self_value == 5
    assert q2.suppressed
    assert q2.n is None
    assert q2.mean is None
    assert q2.counts == ()
    assert q2.cant_say == 1
    assert q2.self_value == 5


def test_alpha_is_shown_when_every_scorer_answered_every_item():
    bank = tiny_bank_make()
    team = tree_team_make("Whole")
    cycle = released_cycle_make("2026 Q1", bank, [team])
    rows = [(5, 1), (4, 2), (2, 4), (2, 5), (1, 4)]  # Q2 reversed: 5, 4, 2, 1, 2
    responses_add(cycle, team, [{"Q1": a, "Q2": b, "Q3": 2} for a, b in rows])
    # Complete rows: (5,5), (4,4), (2,2), (2,1), (1,2) → item variances 2.7, total 10.3
    assert cycle_compute(cycle).pillar("p1").alpha == pytest.approx(2 * (1 - 5.4 / 10.3))


def test_organisation_and_department_pool_every_member_and_report_psychometrics(small_org):
    cycle, _team_a, team_b = small_org
    report = cycle_compute(cycle)
    p1 = report.pillar("p1")
    assert p1.n == 6
    assert p1.mean == pytest.approx(17 / 6)
    # Five of the six scorers answered both items: alpha over those five beside the mean over
    # six would single out the one who skipped, so it is withheld.
    assert p1.alpha is None
    assert all(item.r is None for item in p1.item_total)
    assert p1.icc1 == pytest.approx(7.625 / 9.25)
    assert p1.icc2 == pytest.approx(7.625 / (49 / 6))
    assert p1.org_median == pytest.approx((4 + 5 / 3) / 2)
    (ops,) = report.departments
    assert ops.n == 7
    assert ops.pillar("p1").mean == pytest.approx(17 / 6)
    assert report.organisation.n == 7
    assert report.organisation.invited == 0
    beta = report.team(team_b.pk).pillar("p1")
    assert beta.mean == pytest.approx(5 / 3)
    assert beta.percentile == pytest.approx(25.0)


def test_comments_only_from_teams_at_the_comment_threshold_and_never_the_leaders(small_org):
    cycle, team_a, team_b = small_org
    report = cycle_compute(cycle)
    alpha = report.team(team_a.pk)
    assert alpha.comments_shown
    assert alpha.pillar("p1").comments == ("Clear goals.",) * 4
    beta = report.team(team_b.pk)
    assert not beta.comments_shown
    assert beta.pillar("p1").comments == ()


def test_strengths_and_opportunities_rank_the_shown_items(small_org):
    cycle, team_a, _team_b = small_org
    alpha = cycle_compute(cycle).team(team_a.pk)
    # Shown items: Q1 (75%) and Q3 (75%); Q2 is hidden (two answers).
    assert [h.code for h in alpha.strengths] == ["Q1"]
    assert [h.code for h in alpha.opportunities] == ["Q3"]


def test_a_pillar_fewer_than_k_scored_is_hidden_inside_a_shown_team():
    bank = tiny_bank_make()
    team = tree_team_make("Gamma")
    cycle = released_cycle_make("2026 Q1", bank, [team])
    responses_add(cycle, team, [{"Q1": 4, "Q2": 2, "Q3": None}] * 2 + uniform_rows(2))
    gamma = cycle_compute(cycle).team(team.pk)
    assert not gamma.suppressed
    assert gamma.pillar("p1").n == 4
    assert gamma.pillar("p2").suppressed
    assert gamma.pillar("p2").suppressed_reason == REASON_FEW_ANSWERS
    assert gamma.pillar("p2").mean is None


def test_change_since_the_previous_cycle_only_where_both_cycles_pass_k():
    bank = tiny_bank_make()
    big, small, third = tree_team_make("Big"), tree_team_make("Small"), tree_team_make("Third")
    first = released_cycle_make("2025 Q4", bank, [big, small, third], opens=dt.date(2025, 10, 1))
    responses_add(first, big, uniform_rows(4, value=3))
    responses_add(first, small, uniform_rows(2, value=3))
    # Small is below k; Third (next-smallest) is hidden with it so Small cannot be derived.
    responses_add(first, third, uniform_rows(3, value=3))
    second = released_cycle_make("2026 Q1", bank, [big, small])
    responses_add(second, big, uniform_rows(4, value=4))
    responses_add(second, small, uniform_rows(4, value=4))
    report = cycle_report(second)
    assert report.previous_cycle_name == "2025 Q4"
    assert report.team(big.pk).pillar("p1").change == pytest.approx(1.0)
    assert report.team(big.pk).pillar("p1").previous_mean == pytest.approx(3.0)
    assert report.team(small.pk).pillar("p1").change is None


def test_vectorised_respondent_scores_agree_with_the_scoring_function():
    bank = tiny_bank_make()
    team = tree_team_make("Delta")
    cycle = released_cycle_make("2026 Q1", bank, [team])
    rng = random.Random(7)
    rows = [
        {code: rng.choice([None, 1, 2, 3, 4]) for code in ("Q1", "Q2", "Q3")} for _ in range(40)
    ]
    submissions = responses_add(cycle, team, rows)
    frame = respondent_scores(cycle_data_load(cycle))
    got = {(int(r.submission), r.pillar): r.score for r in frame.itertuples()}
    for submission, row in zip(submissions, rows, strict=True):
        p1 = [row["Q1"], None if row["Q2"] is None else 6 - row["Q2"]]
        expected = scoring.respondent_pillar_score(values=p1, n_items=2)
        value = got.get((submission.pk, "p1"))
        if expected is None:
            assert value is None or value != value  # NaN: no score
        else:
            assert value == pytest.approx(expected)


def test_a_stored_report_reads_back_equal_and_is_recomputed_when_submissions_change(small_org):
    cycle, team_a, _team_b = small_org
    first = cycle_report(cycle)
    assert CycleResult.objects.filter(cycle=cycle).count() == 1
    assert cycle_report(cycle) == first
    assert CycleReport.from_dict(first.to_dict()) == first
    responses_add(cycle, team_a, [{"Q1": 1, "Q2": 5, "Q3": 0}])
    one_more = cycle_report(cycle)  # recomputed, but one new person is not shown apart
    assert one_more.team(team_a.pk).n == 4
    assert one_more.team(team_a.pk).held_back == 1
    responses_add(cycle, team_a, [{"Q1": 2, "Q2": 4, "Q3": 1}, {"Q1": 3, "Q2": 3, "Q3": 2}])
    added = cycle_report(cycle)
    assert added.team(team_a.pk).n == 7
    assert added.team(team_a.pk).held_back == 0
    Answer.objects.filter(submission__team=team_a, question__code="Q3").update(value=0)
    results_invalidate(cycle)
    edited = cycle_report(cycle)
    assert edited.team(team_a.pk).pillar("p2").mean == pytest.approx(0.0)


def test_a_stored_read_without_details_leaves_items_out(small_org):
    cycle, team_a, team_b = small_org
    cycle_report(cycle)
    light = cycle_report(cycle, detail=False)
    assert all(not team.detail and team.pillars[0].items == () for team in light.teams)
    one = cycle_report(cycle, detail={team_a.pk})
    assert one.team(team_a.pk) == cycle_compute(cycle).team(team_a.pk)  # wording restored
    assert one.team(team_a.pk).detail
    assert one.team(team_a.pk).pillars[0].items
    assert not one.team(team_b.pk).detail


def org_grow(bank, *, teams: int, members: int, tag: str):
    department = tree_team_make(f"Dept {tag}", department=True)
    made = [tree_team_make(f"Team {tag} {i}", parent=department) for i in range(teams)]
    cycle = released_cycle_make(f"Cycle {tag}", bank, made)
    for team in made:
        responses_add(cycle, team, uniform_rows(members), comments={"p1": "ok"})
        responses_add(cycle, team, uniform_rows(1, value=5), role=Role.SELF)
    return cycle


def test_the_number_of_queries_does_not_grow_with_teams_or_respondents():
    bank = tiny_bank_make()
    small = org_grow(bank, teams=2, members=3, tag="s")
    large = org_grow(bank, teams=9, members=7, tag="l")
    counts = []
    for cycle in (small, large):
        with CaptureQueriesContext(connection) as compute:
            cycle_report(cycle)
        with CaptureQueriesContext(connection) as stored:
            cycle_report(cycle)
        with CaptureQueriesContext(connection) as heatmap:
            cycle_report(cycle, detail=False)
        counts.append((len(compute), len(stored), len(heatmap)))
    assert counts[0] == counts[1]
    assert counts[1][1] <= 12  # a stored read: fingerprint queries and one JSON read


def test_a_stored_read_stays_within_a_fixed_query_budget(django_assert_max_num_queries):
    bank = tiny_bank_make()
    cycle = org_grow(bank, teams=12, members=5, tag="x")
    cycle_report(cycle)
    with django_assert_max_num_queries(12):
        cycle_report(cycle, detail=False)


def test_vectorised_team_statistics_and_agreement_agree_with_the_scoring_functions():
    bank = tiny_bank_make()
    teams = [tree_team_make(f"Team {i}") for i in range(4)]
    cycle = released_cycle_make("2026 Q1", bank, teams)
    rng = random.Random(11)
    for team in teams:
        rows = [
            {code: rng.choice([None, 1, 2, 3, 4, 4, 5]) for code in ("Q1", "Q2")}
            | {"Q3": rng.choice([None, 0, 2, 3, 4])}
            for _ in range(rng.randint(1, 9))
        ]
        responses_add(cycle, team, rows)
    data = cycle_data_load(cycle)
    scores = respondent_scores(data)
    members = scores[scores["role"] == Role.MEMBER]
    stats = team_group_stats(members)
    agreement = team_rwg(data.answers, data.pillars)
    for team in teams:
        for pillar in data.pillars:
            mine = members[(members["team"] == team.pk) & (members["pillar"] == pillar.key)]
            expected = scoring.group_stats(scores=mine["score"].dropna().tolist())
            got = stats.get((team.pk, pillar.key))
            if expected.n == 0:
                assert got is None
                continue
            for field in ("n", "mean", "sd", "ci_low", "ci_high"):
                assert getattr(got, field) == pytest.approx(getattr(expected, field))
            answers = data.answers[
                (data.answers["team"] == team.pk) & (data.answers["pillar"] == pillar.key)
            ]
            wide = answers.pivot(index="submission", columns="question", values="scored")
            expected_rwg = scoring.rwg_j(
                item_responses=wide.to_numpy().tolist(), scale_points=pillar.scale_points
            )
            assert agreement.get((team.pk, pillar.key)) == pytest.approx(expected_rwg)


def test_percentiles_by_bisection_agree_with_the_scoring_function():
    rng = random.Random(3)
    scores = [rng.choice([2.5, 3.0, 3.25, 4.0]) + rng.choice([0, 1e-12]) for _ in range(60)]
    percentiles = Percentiles(scores)
    for value in [*scores, 1.0, 5.0]:
        assert percentiles.rank(value) == pytest.approx(
            scoring.percentile_rank(value=value, others=scores)
        )
    assert Percentiles([]).rank(3.0) is None


def test_a_cycle_without_rating_questions_loads_empty_frames_and_still_counts():
    bank = tiny_bank_make()
    team = tree_team_make("Alpha")
    cycle = released_cycle_make("2026 Q1", bank, [team])
    cycle.questions.clear()
    responses_add(cycle, team, [{}, {}, {}])  # submissions that could answer nothing
    data = cycle_data_load(cycle)  # no question ids: the answers query is never sent
    assert data.pillars == []
    assert data.answers.empty
    assert {"submission", "team", "role", "question", "value", "scored"} <= set(data.answers)
    assert data.comments.empty
    assert data.member_counts == {team.pk: 3}
    assert data.self_counts == {}
