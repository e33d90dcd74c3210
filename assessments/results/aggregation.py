"""From raw answers to a :class:`~assessments.results.report.CycleReport`.

:mod:`assessments.results.data` loads the cycle's questions, teams, counts, answers and comments in
a fixed handful of queries; pandas groups them here; the formulas come from
:mod:`assessments.results.scoring`; :mod:`assessments.results.anonymity` decides what may be shown,
and nothing withheld is ever written into a dataclass.

The simple counting steps (a respondent's pillar score, favourable answers, distributions) are
vectorised here for speed; ``tests/test_aggregation.py`` checks them against the scoring
functions they mirror.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np
from django.conf import settings
from scipy import stats as scipy_stats

from assessments.models import Cycle, Role, Team
from assessments.results import anonymity, scoring
from assessments.results.data import CycleData, PillarInfo, cycle_data_load
from assessments.results.report import (
    REASON_FEW_ANSWERS,
    CycleReport,
    ItemHighlight,
    ItemResult,
    ItemTotal,
    PillarSummary,
    Rollup,
    RollupPillar,
    TeamPillar,
    TeamResult,
)

if TYPE_CHECKING:
    import pandas as pd

HIGHLIGHTS = 3  # strengths and opportunities per team


# --- respondent level -----------------------------------------------------------------------


def respondent_scores(data: CycleData) -> pd.DataFrame:
    """One row per respondent and pillar: team, role, pillar, score (NaN below half the items).

    Mirrors :func:`assessments.results.scoring.respondent_pillar_score`: the mean of the answered
    (reverse-scored) items, missing when fewer than half of the pillar's items were answered.
    """
    answers = data.answers
    n_items = {p.key: len(p.questions) for p in data.pillars}
    grouped = answers.groupby(["submission", "team", "role", "pillar"], sort=False)["scored"]
    frame = grouped.agg(["sum", "count"]).reset_index()
    needed = frame["pillar"].map(n_items) / 2
    ok = (frame["count"] > 0) & (frame["count"] >= needed)
    frame["score"] = np.where(ok, frame["sum"] / frame["count"].where(ok, 1), np.nan)
    return frame[["submission", "team", "role", "pillar", "score"]]


EMPTY_STATS = scoring.GroupStats(n=0, mean=None, sd=None, ci_low=None, ci_high=None)


def team_group_stats(member_scores: pd.DataFrame) -> dict[tuple[int, str], scoring.GroupStats]:
    """Every team's pillar :class:`~assessments.results.scoring.GroupStats`, vectorised.

    Mirrors :func:`assessments.results.scoring.group_stats` (n, mean, sample SD, mean ± t·sd/√n):
    one call per team and pillar costs a scipy quantile each, seconds for a thousand teams.
    """
    valid = member_scores.dropna(subset=["score"])
    if valid.empty:
        return {}
    frame = valid.groupby(["team", "pillar"])["score"].agg(["count", "mean", "std"])
    n = frame["count"].to_numpy()
    t = scipy_stats.t.ppf(0.975, np.maximum(n - 1, 1))
    half = t * frame["std"].to_numpy() / np.sqrt(n)
    result = {}
    for key, count, mean, sd, h in zip(
        frame.index, n, frame["mean"], frame["std"], half, strict=True
    ):
        if count < 2:
            result[key] = scoring.GroupStats(
                n=int(count), mean=float(mean), sd=None, ci_low=None, ci_high=None
            )
        else:
            result[key] = scoring.GroupStats(
                n=int(count),
                mean=float(mean),
                sd=float(sd),
                ci_low=float(mean - h),
                ci_high=float(mean + h),
            )
    return result


def team_rwg(members: pd.DataFrame, pillars: list[PillarInfo]) -> dict[tuple[int, str], float]:
    """r_wg(J) of every team and pillar, vectorised; mirrors :func:`scoring.rwg_j`.

    Per item, the sample variance among the members who answered it (items answered by fewer
    than two are left out); s̄² their mean over the J items kept; ratio = s̄²/σ²_EU with the
    uniform null; r_wg(J) = J(1 − ratio) / (J(1 − ratio) + ratio), 0 when ratio ≥ 1.
    """
    answered = members.dropna(subset=["scored"])
    if answered.empty:
        return {}
    items = answered.groupby(["team", "pillar", "question"])["scored"].agg(["var", "count"])
    items = items[items["count"] >= 2]
    per = items.groupby(level=["team", "pillar"])["var"].agg(["mean", "count"])
    null = {p.key: scoring.uniform_null_variance(scale_points=p.scale_points) for p in pillars}
    result = {}
    for (team_id, key), mean_var, j in zip(per.index, per["mean"], per["count"], strict=True):
        ratio = float(mean_var) / null[key]
        agreement = j * (1 - ratio)
        result[(team_id, key)] = 0.0 if ratio >= 1 else agreement / (agreement + ratio)
    return result


class Percentiles:
    """Mid-rank percentiles among a cycle's shown team scores, by bisection.

    Mirrors :func:`assessments.results.scoring.percentile_rank` (100 · (below + ½ · ties) / count,
    ties within its epsilon) without scanning every team for every team: a thousand teams and five
    pillars would be 5M comparisons.
    """

    def __init__(self, scores: list[float]) -> None:
        self.sorted = sorted(scores)

    def rank(self, value: float | None) -> float | None:
        if value is None or not self.sorted:
            return None
        low = bisect.bisect_left(self.sorted, value - scoring._EPSILON)
        high = bisect.bisect_right(self.sorted, value + scoring._EPSILON)
        return 100 * (low + (high - low) / 2) / len(self.sorted)


# --- the report -----------------------------------------------------------------------------


def _percent(value: float | None, pillar: PillarInfo) -> float | None:
    return scoring.percent_scale(
        score=value, scale_min=pillar.scale_min, scale_max=pillar.scale_max
    )


def _num(value: Any) -> float | None:
    """A float, or None for NaN/None — so dataclasses never hold NaN (JSON has no NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


def _score_lists(scores: pd.DataFrame, keys: list[str]) -> dict[Any, list[float]]:
    valid = scores.dropna(subset=["score"])
    if valid.empty:
        return {}
    return valid.groupby(keys, sort=False)["score"].agg(list).to_dict()


def _rollup_figures(
    *,
    team_ids: list[int],
    pillar: PillarInfo,
    scores_by_team: dict[tuple[int, str], list[float]],
    favourable_by_team: dict[tuple[int, str], tuple[int, int]],
) -> tuple[scoring.GroupStats, float | None]:
    pooled: list[float] = []
    favourable = answered = 0
    for team_id in team_ids:
        pooled.extend(scores_by_team.get((team_id, pillar.key), ()))
        fav, ans = favourable_by_team.get((team_id, pillar.key), (0, 0))
        favourable += fav
        answered += ans
    stats = scoring.group_stats(scores=pooled)
    return stats, (100 * favourable / answered if answered else None)


def cycle_compute(cycle: Cycle, *, previous: CycleReport | None = None) -> CycleReport:
    """Compute the cycle's full, anonymity-filtered report (HR level, every team)."""
    return report_build(cycle, cycle_data_load(cycle), previous=previous)


def report_build(
    cycle: Cycle, data: CycleData, *, previous: CycleReport | None = None
) -> CycleReport:
    k = cycle.min_group_size
    threshold = settings.PILLARS_GAP_THRESHOLD
    pillars = data.pillars
    answers = data.answers
    members = answers[answers["role"] == Role.MEMBER]
    selves = answers[answers["role"] == Role.SELF]
    scores = respondent_scores(data)
    member_scores = scores[scores["role"] == Role.MEMBER]
    self_scores = scores[scores["role"] == Role.SELF]
    scores_by_team = _score_lists(member_scores, ["team", "pillar"])
    self_by_team = {
        key: sum(values) / len(values)
        for key, values in _score_lists(self_scores, ["team", "pillar"]).items()
    }
    fav = members.dropna(subset=["scored"]).groupby(["team", "pillar"])["favourable"]
    favourable_by_team = {
        key: (int(row["sum"]), int(row["count"]))
        for key, row in fav.agg(["sum", "count"]).to_dict("index").items()
    }

    # Who may be shown: teams and totals by member submissions, then per pillar by scores.
    team_ids = [team.pk for team in data.teams]
    counts = {team_id: data.member_counts.get(team_id, 0) for team_id in team_ids}
    departments: dict[int, Team] = {}
    parents: dict[str, frozenset[int]] = {anonymity.ORGANISATION: frozenset(team_ids)}
    dept_members: dict[int, list[int]] = defaultdict(list)
    for team in data.teams:
        if team.parent_id is not None:
            departments[team.parent_id] = team.parent
            dept_members[team.parent_id].append(team.pk)
    for dept_id, ids in dept_members.items():
        parents[f"department:{dept_id}"] = frozenset(ids)
    team_plan = anonymity.suppression_plan(counts=counts, parents=parents, k=k)
    pillar_plans = {
        p.key: anonymity.suppression_plan(
            counts={t: len(scores_by_team.get((t, p.key), ())) for t in team_ids},
            parents=parents,
            k=k,
            hidden=team_plan.teams,
            hidden_parents=team_plan.parents,
            small_reason=REASON_FEW_ANSWERS,
        )
        for p in pillars
    }

    # Team pillar figures, only for shown cells.
    all_stats = team_group_stats(member_scores)
    team_stats = {
        (team_id, p.key): all_stats.get((team_id, p.key), EMPTY_STATS)
        for p in pillars
        for team_id in team_ids
        if not pillar_plans[p.key].team_hidden(team_id)
    }
    shown_means = defaultdict(list)
    for (_team_id, key), stats in team_stats.items():
        if stats.mean is not None:
            shown_means[key].append(stats.mean)
    percentiles = {p.key: Percentiles(shown_means[p.key]) for p in pillars}

    # Item level, members only: one frame per (team, question).
    item_groups = members.groupby(["team", "question"])
    item_frame = item_groups["scored"].agg(["count", "mean", "size"])
    item_frame["favourable"] = (
        members.dropna(subset=["scored"]).groupby(["team", "question"])["favourable"].sum()
    )
    item_stats = item_frame.to_dict("index")
    # Answers per scale point: one row per (team, question), one column per point.
    dist_table = (
        members.dropna(subset=["scored"])
        .groupby(["team", "question", "scored"])
        .size()
        .unstack(fill_value=0)
    )
    dist_column = {float(value): i for i, value in enumerate(dist_table.columns)}
    dist = dict(zip(dist_table.index, dist_table.to_numpy().tolist(), strict=True))
    self_items = selves.dropna(subset=["scored"]).groupby(["team", "question"])["scored"].mean()
    self_item_values = self_items.to_dict()

    # Wide member answers per pillar (respondent × item) for r_wg(J), alpha and item–total.
    wide: dict[str, pd.DataFrame] = {}
    for p in pillars:
        subset = members[members["pillar"] == p.key]
        table = subset.pivot(index=["team", "submission"], columns="question", values="scored")
        wide[p.key] = table.reindex(columns=[q.pk for q in p.questions])
    rwg_values = team_rwg(members, pillars)

    comments: dict[tuple[int, str], list[str]] = defaultdict(list)
    for team_id, key, text in data.comments.itertuples(index=False):
        comments[(team_id, key)].append(text)

    prev_teams = {t.team_id: t for t in previous.teams} if previous else {}

    teams: list[TeamResult] = []
    for team in data.teams:
        team_id = team.pk
        n = counts[team_id]
        team_reason = team_plan.teams.get(team_id, "")
        show_comments = anonymity.comments_allowed(
            n=n, suppressed=bool(team_reason), threshold=cycle.comment_min_group_size
        )
        team_pillars: list[TeamPillar] = []
        highlights: list[ItemHighlight] = []
        for p in pillars:
            self_score = self_by_team.get((team_id, p.key))
            stats = team_stats.get((team_id, p.key))
            reason = pillar_plans[p.key].teams.get(team_id, "")
            items = []
            for q in p.questions:
                s = item_stats.get((team_id, q.pk))
                answered = int(s["count"]) if s else 0
                cant_say = int(s["size"] - s["count"]) if s else 0
                self_value = _num(self_item_values.get((team_id, q.pk)))
                if stats is None or answered < k:
                    items.append(
                        ItemResult(
                            code=q.code,
                            text=q.text,
                            self_text=q.self_text,
                            reverse_scored=q.reverse_scored,
                            n=None,
                            mean=None,
                            percent=None,
                            favourable_pct=None,
                            counts=(),
                            cant_say=None if stats is None else cant_say,
                            self_value=self_value,
                            suppressed=True,
                        )
                    )
                    continue
                mean = float(s["mean"])
                item_percent = scoring.percent_scale(
                    score=mean, scale_min=q.scale_min, scale_max=q.scale_max
                )
                items.append(
                    ItemResult(
                        code=q.code,
                        text=q.text,
                        self_text=q.self_text,
                        reverse_scored=q.reverse_scored,
                        n=answered,
                        mean=mean,
                        percent=item_percent,
                        favourable_pct=100 * float(s["favourable"]) / answered,
                        counts=tuple(
                            dist[(team_id, q.pk)][dist_column[v]] if v in dist_column else 0
                            for v in map(float, range(q.scale_min, q.scale_max + 1))
                        ),
                        cant_say=cant_say,
                        self_value=self_value,
                        suppressed=False,
                    )
                )
                highlights.append(
                    ItemHighlight(
                        pillar_key=p.key,
                        code=q.code,
                        text=q.text,
                        mean=mean,
                        percent=float(item_percent),
                    )
                )
            pillar_comments: tuple[str, ...] = ()
            if show_comments and stats is not None:
                pillar_comments = anonymity.comments_arrange(
                    texts=comments.get((team_id, p.key), ()),
                    cycle_id=cycle.pk,
                    team_id=team_id,
                    key=p.key,
                )
            if stats is None:
                team_pillars.append(
                    TeamPillar.hidden(
                        key=p.key,
                        name=p.name,
                        reason=reason,
                        self_score=self_score,
                        self_percent=_percent(self_score, p),
                        items=items,
                    )
                )
                continue
            gap = scoring.self_other_gap(
                self_score=self_score, team_score=stats.mean, threshold=threshold
            )
            previous_team = prev_teams.get(team_id)
            previous_mean, change = anonymity.trend_change(
                current=stats.mean,
                previous=previous_team.pillar(p.key) if previous_team else None,
            )
            fav_count, fav_answered = favourable_by_team.get((team_id, p.key), (0, 0))
            team_pillars.append(
                TeamPillar(
                    key=p.key,
                    name=p.name,
                    n=stats.n,
                    mean=stats.mean,
                    sd=stats.sd,
                    ci_low=stats.ci_low,
                    ci_high=stats.ci_high,
                    percent=_percent(stats.mean, p),
                    rwg=rwg_values.get((team_id, p.key)),
                    favourable_pct=100 * fav_count / fav_answered if fav_answered else None,
                    self_score=self_score,
                    self_percent=_percent(self_score, p),
                    gap=gap.gap,
                    gap_kind=gap.kind,
                    percentile=percentiles[p.key].rank(stats.mean),
                    previous_mean=previous_mean,
                    change=change,
                    suppressed=False,
                    suppressed_reason="",
                    items=tuple(items),
                    comments=pillar_comments,
                )
            )
        ranked = sorted(highlights, key=lambda h: (-h.percent, h.code))
        top = max(0, min(HIGHLIGHTS, len(ranked) // 2))
        teams.append(
            TeamResult.of_team(
                team=team,
                invited=data.invited.get(team_id, 0),
                n=n,
                self_n=data.self_counts.get(team_id, 0),
                suppressed_reason=team_reason,
                comments_shown=show_comments,
                pillars=team_pillars,
                strengths=ranked[:top],
                opportunities=tuple(reversed(ranked[-top:])) if top else (),
            )
        )

    def rollup(kind: str, key: str, dept: Team | None, ids: list[int]) -> Rollup:
        invited = sum(data.invited.get(t, 0) for t in ids)
        n = sum(counts[t] for t in ids)
        rollup_pillars = []
        for p in pillars:
            reason = pillar_plans[p.key].parents.get(key, "")
            if reason:
                rollup_pillars.append(RollupPillar.hidden(key=p.key, reason=reason))
                continue
            stats, favourable = _rollup_figures(
                team_ids=ids,
                pillar=p,
                scores_by_team=scores_by_team,
                favourable_by_team=favourable_by_team,
            )
            rollup_pillars.append(
                RollupPillar(
                    key=p.key,
                    n=stats.n,
                    mean=stats.mean,
                    sd=stats.sd,
                    percent=_percent(stats.mean, p),
                    favourable_pct=favourable,
                    suppressed=False,
                    suppressed_reason="",
                )
            )
        return Rollup.of_group(
            kind=kind,
            department=dept,
            cycle_name=cycle.name,
            team_ids=ids,
            invited=invited,
            n=n,
            suppressed_reason=team_plan.parents.get(key, ""),
            pillars=rollup_pillars,
        )

    organisation = rollup("organisation", anonymity.ORGANISATION, None, team_ids)
    department_rollups = sorted(
        (
            rollup("department", f"department:{dept_id}", departments[dept_id], ids)
            for dept_id, ids in dept_members.items()
        ),
        key=lambda r: r.name,
    )

    summaries = []
    for p in pillars:
        org_pillar = organisation.pillar(p.key)
        shown = org_pillar is not None and not org_pillar.suppressed
        table = wide[p.key]
        rows = table.to_numpy().tolist() if shown and not table.empty else []
        alpha = scoring.cronbach_alpha(rows=rows) if rows else None
        item_total = scoring.item_total_correlations(rows=rows) if rows else []
        icc = scoring.icc_from_groups(
            groups={str(t): scores_by_team.get((t, p.key), []) for t in team_ids if shown}
        )
        median = statistics.median(shown_means[p.key]) if shown_means[p.key] else None
        summaries.append(
            PillarSummary.of_pillar(
                pillar=p,
                n=org_pillar.n if shown else None,
                mean=org_pillar.mean if shown else None,
                sd=org_pillar.sd if shown else None,
                percent=org_pillar.percent if shown else None,
                favourable_pct=org_pillar.favourable_pct if shown else None,
                org_median=median,
                org_median_percent=_percent(median, p),
                alpha=alpha,
                item_total=tuple(
                    ItemTotal(
                        code=q.code,
                        text=q.text,
                        r=item_total[i] if i < len(item_total) else None,
                    )
                    for i, q in enumerate(p.questions)
                ),
                icc1=icc.icc1 if shown else None,
                icc2=icc.icc2 if shown else None,
            )
        )

    return CycleReport.of_cycle(
        cycle=cycle,
        gap_threshold=threshold,
        hidden_reason="",
        previous_cycle_name=previous.cycle_name if previous else None,
        computed_at=dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        pillars=summaries,
        organisation=organisation,
        departments=department_rollups,
        teams=teams,
    )
