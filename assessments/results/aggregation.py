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
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from django.conf import settings
from scipy import stats as scipy_stats

from assessments.models import Cycle, Role
from assessments.results import anonymity, scoring
from assessments.results.data import (
    CycleData,
    DepartmentKept,
    PillarInfo,
    TeamKept,
    cycle_data_load,
)
from assessments.results.report import (
    REASON_CHANGED,
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
from assessments.results.respondents import (
    FigureIndex,
    Respondents,
    figure_index,
    group_sets,
    respondent_scores,
    respondents_build,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from leadership.models import Question

__all__ = [
    "Computed",
    "Percentiles",
    "cycle_compute",
    "cycle_results_compute",
    "respondent_scores",
    "team_group_stats",
    "team_rwg",
]

HIGHLIGHTS = 3  # strengths and opportunities per team


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


def _stats_by(frame: pd.DataFrame, keys: list[str]) -> dict[Any, list[float]]:
    if frame.empty:
        return {}
    return frame.groupby(keys, sort=False)["score"].agg(list).to_dict()


@dataclass
class Computed:
    """A cycle's report, and the respondents behind each group's figures to remember
    (``ShownSet``: "team:<id>", "department:<id>", "organisation" → member submission ids)."""

    report: CycleReport
    shown_sets: dict[str, frozenset[int]]


def cycle_compute(
    cycle: Cycle,
    *,
    previous: CycleReport | None = None,
    remembered: Mapping[str, frozenset[int]] | None = None,
) -> CycleReport:
    """Compute the cycle's full, anonymity-filtered report (HR level, every team)."""
    return cycle_results_compute(cycle, previous=previous, remembered=remembered).report


def cycle_results_compute(
    cycle: Cycle,
    *,
    previous: CycleReport | None = None,
    remembered: Mapping[str, frozenset[int]] | None = None,
) -> Computed:
    """The report and the sets to remember; ``remembered`` holds the sets of figures shown
    before (empty the first time a cycle's results are shown)."""
    return report_build(cycle, cycle_data_load(cycle), previous=previous, remembered=remembered)


# --- step 1: whose answers each group's figures are over -------------------------------------


@dataclass
class Groups:
    """The member submissions behind each team (chosen against what was shown before), the
    totals (organisation and departments) as team ids, and what the memory says."""

    members: dict[int, frozenset[int]]
    held_back: dict[int, int]
    parents: dict[str, frozenset[int]]
    departments: dict[int, DepartmentKept]
    changed: dict[str, str]  # totals hidden because their people changed by 1..k−1
    shown_sets: dict[str, frozenset[int]]


def groups_choose(data: CycleData, *, k: int, remembered: Mapping[str, frozenset[int]]) -> Groups:
    """Each team keeps the respondents its figures were first shown for until the change is
    safe (:func:`anonymity.members_remembered_choose`); each total pools its teams as chosen,
    and is hidden when that changes its people by 1..k−1 since it was shown (a team moved
    between departments). Derived sets are computed only where something changed, and the
    index they are read from only once something has (usually nothing has: a release)."""
    kept: list[FigureIndex] = []

    def index() -> FigureIndex:
        if not kept:
            kept.append(figure_index(data))
        return kept[0]

    members: dict[int, frozenset[int]] = {}
    held_back: dict[int, int] = {}
    shown_sets: dict[str, frozenset[int]] = {}
    for team in data.teams:
        current = data.member_submissions.get(team.pk, frozenset())
        before = remembered.get(f"team:{team.pk}")
        chosen, held = current, 0
        if before is not None and before != current:
            pick, held = anonymity.members_remembered_choose(
                current=group_sets(index(), current),
                remembered=group_sets(index(), before),
                k=k,
            )
            chosen = pick.members
        members[team.pk] = chosen
        held_back[team.pk] = held
        shown_sets[f"team:{team.pk}"] = chosen

    team_ids = [team.pk for team in data.teams]
    departments: dict[int, DepartmentKept] = {}
    dept_teams: dict[int, list[int]] = defaultdict(list)
    for team in data.teams:
        if team.parent_id is not None and team.parent is not None:
            departments[team.parent_id] = team.parent
            dept_teams[team.parent_id].append(team.pk)
    parents = {anonymity.ORGANISATION: frozenset(team_ids)} | {
        f"department:{dept}": frozenset(ids) for dept, ids in dept_teams.items()
    }
    changed: dict[str, str] = {}
    for key, ids in parents.items():
        current = frozenset().union(*(members[t] for t in ids)) if ids else frozenset()
        before = remembered.get(key)
        safe = (
            before is None
            or before == current
            or anonymity.sets_differ_safely(
                group_sets(index(), before, items=False),
                group_sets(index(), current, items=False),
                k=k,
            )
        )
        if safe or before is None:  # (no earlier set is always safe)
            shown_sets[key] = current
        else:
            changed[key] = REASON_CHANGED
            shown_sets[key] = before
    return Groups(
        members=members,
        held_back=held_back,
        parents=parents,
        departments=departments,
        changed=changed,
        shown_sets=shown_sets,
    )


# --- step 2: who may be shown ----------------------------------------------------------------


@dataclass
class Plans:
    team: anonymity.Suppression
    pillars: dict[str, anonymity.Suppression]


def plans_make(data: CycleData, groups: Groups, people: Respondents, *, k: int) -> Plans:
    """Teams and totals by member submissions, then each pillar by its scorers (a pillar some
    scorer of which answered none of the team's showable items is hidden too)."""
    counts = {team.pk: len(groups.members[team.pk]) for team in data.teams}
    team_plan = anonymity.suppression_plan(
        counts=counts, parents=groups.parents, k=k, hidden_parents=groups.changed
    )
    pillar_plans = {}
    for p in data.pillars:
        incomplete = {
            team: REASON_FEW_ANSWERS
            for team, key in people.incomplete
            if key == p.key and team not in team_plan.teams
        }
        pillar_plans[p.key] = anonymity.suppression_plan(
            counts={t: people.scorer_counts.get((t, p.key), 0) for t in counts},
            parents=groups.parents,
            k=k,
            hidden=team_plan.teams | incomplete,
            hidden_parents=team_plan.parents,
            small_reason=REASON_FEW_ANSWERS,
        )
    return Plans(team=team_plan, pillars=pillar_plans)


# --- the report ------------------------------------------------------------------------------


def report_build(
    cycle: Cycle,
    data: CycleData,
    *,
    previous: CycleReport | None = None,
    remembered: Mapping[str, frozenset[int]] | None = None,
) -> Computed:
    k = cycle.min_group_size
    groups = groups_choose(data, k=k, remembered=remembered or {})
    data = data.restricted(groups.members)
    people = respondents_build(data, k=k)
    plans = plans_make(data, groups, people, k=k)
    figures = _Figures.of(data, people, plans)
    organisation = _rollup(cycle, data, figures, plans, groups, anonymity.ORGANISATION)
    department_rollups = sorted(
        (
            _rollup(cycle, data, figures, plans, groups, f"department:{dept_id}")
            for dept_id in groups.departments
        ),
        key=lambda r: r.name,
    )
    summaries = [_pillar_summary(p, data, people, figures, organisation, k=k) for p in data.pillars]
    # Every figure read from the answers is counted: the frames (a few hundred megabytes each at
    # 10,000 teams) go before the teams' results are built beside them.
    del people
    data = data.without_frames()
    teams = [
        _team_result(cycle, data, team, figures, plans, groups, previous, k=k)
        for team in data.teams
    ]
    report = CycleReport.of_cycle(
        cycle=cycle,
        gap_threshold=settings.PILLARS_GAP_THRESHOLD,
        hidden_reason="",
        previous_cycle_name=previous.cycle_name if previous else None,
        computed_at=dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
        pillars=summaries,
        organisation=organisation,
        departments=department_rollups,
        teams=teams,
    )
    return Computed(report=report, shown_sets=groups.shown_sets)


# --- step 3: the figures every team pillar, item and total reads -----------------------------


@dataclass
class _Figures:
    """Everything counted once for the whole cycle, looked up per team below."""

    contributions_by_team: dict[tuple[int, str], list[float]]
    favourable_by_team: dict[tuple[int, str], tuple[int, int]]
    stats: dict[tuple[int, str], scoring.GroupStats]
    rwg: dict[tuple[int, str], float]
    self_scores: dict[tuple[int, str], float]
    self_items: dict[tuple[int, int], float]
    items: dict[tuple[int, int], dict[str, Any]]
    distributions: dict[tuple[int, int], list[int]]
    distribution_column: dict[float, int]
    comments: dict[tuple[int, str], list[str]]
    shown_means: dict[str, list[float]]
    percentiles: dict[str, Percentiles]
    reportable: set[tuple[int, int]]
    # Per question: the distribution's column of each point of its scale (None: nobody chose it).
    count_columns: dict[int, tuple[int | None, ...]] = field(default_factory=dict)

    def counts(self, key: tuple[int, int], q: Question) -> tuple[int, ...]:
        """How many answered each point of the item's scale, lowest first."""
        columns = self.count_columns.get(q.pk)
        if columns is None:
            columns = tuple(
                self.distribution_column.get(float(v)) for v in range(q.scale_min, q.scale_max + 1)
            )
            self.count_columns[q.pk] = columns
        row = self.distributions[key]
        return tuple(0 if c is None else row[c] for c in columns)

    @classmethod
    def of(cls, data: CycleData, people: Respondents, plans: Plans) -> _Figures:
        contributions = people.contributions
        by_team = _stats_by(contributions, ["team", "pillar"])
        sums = contributions.groupby(["team", "pillar"])[["favourable", "answered"]].sum()
        favourable = {
            key: (int(row["favourable"]), int(row["answered"]))
            for key, row in sums.to_dict("index").items()
        }
        all_stats = team_group_stats(contributions)
        stats = {
            (team.pk, p.key): all_stats.get((team.pk, p.key), EMPTY_STATS)
            for p in data.pillars
            for team in data.teams
            if not plans.pillars[p.key].team_hidden(team.pk)
        }
        shown_means: dict[str, list[float]] = defaultdict(list)
        for (_team, key), figure in stats.items():
            if figure.mean is not None:
                shown_means[key].append(figure.mean)

        selves = data.answers[data.answers["role"] == Role.SELF]
        self_frame = people.scores
        self_frame = self_frame[self_frame["role"] == Role.SELF].dropna(subset=["score"])
        self_scores = {
            key: sum(values) / len(values)
            for key, values in _stats_by(self_frame, ["team", "pillar"]).items()
        }
        self_items = (
            selves.dropna(subset=["scored"])
            .groupby(["team", "question"])["scored"]
            .mean()
            .to_dict()
        )

        # Items: over the pillar's scorers who answered them (the reportable ones are shown).
        scored = people.scored_answers
        answered = scored.dropna(subset=["scored"])
        item_frame = scored.groupby(["team", "question"])["scored"].agg(["count", "mean", "size"])
        item_frame["favourable"] = answered.groupby(["team", "question"])["favourable"].sum()
        distribution = answered.groupby(["team", "question", "scored"]).size().unstack(fill_value=0)
        columns = {float(value): i for i, value in enumerate(distribution.columns)}
        comments: dict[tuple[int, str], list[str]] = defaultdict(list)
        for _submission, team_id, key, text in data.comments.itertuples(index=False):
            comments[(team_id, key)].append(text)
        return cls(
            contributions_by_team=by_team,
            # pandas types the keys of these dicts as Hashable: they are the grouping tuples.
            favourable_by_team=cast("dict[tuple[int, str], tuple[int, int]]", favourable),
            stats=stats,
            rwg=team_rwg(people.used, data.pillars),
            self_scores=self_scores,
            self_items=cast("dict[tuple[int, int], float]", self_items),
            items=cast("dict[tuple[int, int], dict[str, Any]]", item_frame.to_dict("index")),
            distributions=dict(
                zip(distribution.index, distribution.to_numpy().tolist(), strict=True)
            ),
            distribution_column=columns,
            comments=comments,
            shown_means=shown_means,
            percentiles={p.key: Percentiles(shown_means[p.key]) for p in data.pillars},
            reportable=people.reportable,
        )


def _items(
    figures: _Figures, team_id: int, p: PillarInfo, *, shown: bool
) -> tuple[list[ItemResult], list[ItemHighlight]]:
    items: list[ItemResult] = []
    highlights: list[ItemHighlight] = []
    for q in p.questions:
        key = (team_id, q.pk)
        s = figures.items.get(key)
        answered = int(s["count"]) if s else 0
        cant_say = int(s["size"] - s["count"]) if s else 0
        self_value = _num(figures.self_items.get(key))
        if not shown or key not in figures.reportable:
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
                    cant_say=cant_say if shown else None,
                    self_value=self_value,
                    suppressed=True,
                )
            )
            continue
        assert s is not None  # a reportable item was answered
        mean = float(s["mean"])
        percent = scoring.percent_scale(score=mean, scale_min=q.scale_min, scale_max=q.scale_max)
        assert percent is not None  # the percent of a mean
        items.append(
            ItemResult(
                code=q.code,
                text=q.text,
                self_text=q.self_text,
                reverse_scored=q.reverse_scored,
                n=answered,
                mean=mean,
                percent=percent,
                favourable_pct=100 * float(s["favourable"]) / answered,
                counts=figures.counts(key, q),
                cant_say=cant_say,
                self_value=self_value,
                suppressed=False,
            )
        )
        highlights.append(
            ItemHighlight(
                pillar_key=p.key, code=q.code, text=q.text, mean=mean, percent=float(percent)
            )
        )
    return items, highlights


def _team_pillar(
    cycle: Cycle,
    team_id: int,
    p: PillarInfo,
    figures: _Figures,
    plans: Plans,
    previous_team: TeamResult | None,
    *,
    show_comments: bool,
) -> tuple[TeamPillar, list[ItemHighlight]]:
    self_score = figures.self_scores.get((team_id, p.key))
    stats = figures.stats.get((team_id, p.key))
    reason = plans.pillars[p.key].teams.get(team_id, "")
    items, highlights = _items(figures, team_id, p, shown=stats is not None)
    if stats is None:
        hidden = TeamPillar.hidden(
            key=p.key,
            name=p.name,
            reason=reason,
            self_score=self_score,
            self_percent=_percent(self_score, p),
            items=items,
        )
        return hidden, []
    pillar_comments: tuple[str, ...] = ()
    if show_comments:
        pillar_comments = anonymity.comments_arrange(
            texts=figures.comments.get((team_id, p.key), ()),
            cycle_id=cycle.pk,
            team_id=team_id,
            key=p.key,
        )
    gap = scoring.self_other_gap(
        self_score=self_score, team_score=stats.mean, threshold=settings.PILLARS_GAP_THRESHOLD
    )
    if p.direction == "lower" and gap.kind:
        # Lower is better here: a self-rating below the team's is the flattering one.
        gap = scoring.Gap(
            gap=gap.gap, kind="hidden_strength" if gap.kind == "blind_spot" else "blind_spot"
        )
    previous_pillar = previous_team.pillar(p.key) if previous_team else None
    previous_mean, change = anonymity.trend_change(current=stats.mean, previous=previous_pillar)
    change_margin = None
    if change is not None and previous_pillar is not None:
        change_margin = scoring.difference_meaningful(
            current=stats,
            previous=scoring.GroupStats(
                n=previous_pillar.n or 0,
                mean=previous_pillar.mean,
                sd=previous_pillar.sd,
                ci_low=previous_pillar.ci_low,
                ci_high=previous_pillar.ci_high,
            ),
        ).margin
    favourable, answered = figures.favourable_by_team.get((team_id, p.key), (0, 0))
    pillar = TeamPillar(
        key=p.key,
        name=p.name,
        n=stats.n,
        mean=stats.mean,
        sd=stats.sd,
        ci_low=stats.ci_low,
        ci_high=stats.ci_high,
        percent=_percent(stats.mean, p),
        rwg=figures.rwg.get((team_id, p.key)),
        favourable_pct=100 * favourable / answered if answered else None,
        self_score=self_score,
        self_percent=_percent(self_score, p),
        gap=gap.gap,
        gap_kind=gap.kind,
        percentile=figures.percentiles[p.key].rank(stats.mean),
        previous_mean=previous_mean,
        change=change,
        suppressed=False,
        suppressed_reason="",
        items=tuple(items),
        comments=pillar_comments,
        change_margin=change_margin,
    )
    return pillar, highlights


def _team_result(
    cycle: Cycle,
    data: CycleData,
    team: TeamKept,
    figures: _Figures,
    plans: Plans,
    groups: Groups,
    previous: CycleReport | None,
    *,
    k: int,
) -> TeamResult:
    n = len(groups.members.get(team.pk, ()))
    team_reason = plans.team.teams.get(team.pk, "")
    show_comments = anonymity.comments_allowed(
        n=n, suppressed=bool(team_reason), threshold=cycle.comment_min_group_size
    )
    previous_team = previous.team(team.pk) if previous else None
    pillars: list[TeamPillar] = []
    highlights: list[ItemHighlight] = []
    for p in data.pillars:
        pillar, found = _team_pillar(
            cycle, team.pk, p, figures, plans, previous_team, show_comments=show_comments
        )
        pillars.append(pillar)
        highlights += found
    # Ranked by how favourable each question's answers are: on a pillar where lower is better,
    # the lowest-scoring question is the team's strength.
    lower = {p.key for p in data.pillars if p.direction == "lower"}
    ranked = sorted(
        highlights,
        key=lambda h: (-(100 - h.percent if h.pillar_key in lower else h.percent), h.code),
    )
    top = max(0, min(HIGHLIGHTS, len(ranked) // 2))
    return TeamResult.of_team(
        team=team,
        invited=data.invited.get(team.pk, 0),
        n=n,
        self_n=data.self_counts.get(team.pk, 0),
        suppressed_reason=team_reason,
        comments_shown=show_comments,
        pillars=pillars,
        strengths=ranked[:top],
        opportunities=tuple(reversed(ranked[-top:])) if top else (),
        held_back=groups.held_back.get(team.pk, 0),
    )


# --- step 4: totals and the organisation's psychometrics -------------------------------------


def _rollup(
    cycle: Cycle,
    data: CycleData,
    figures: _Figures,
    plans: Plans,
    groups: Groups,
    key: str,
) -> Rollup:
    ids = sorted(groups.parents[key])
    dept = groups.departments.get(int(key.split(":")[1])) if key.startswith("department:") else None
    rollup_pillars = []
    for p in data.pillars:
        reason = plans.pillars[p.key].parents.get(key, "")
        if reason:
            rollup_pillars.append(RollupPillar.hidden(key=p.key, reason=reason))
            continue
        pooled: list[float] = []
        favourable = answered = 0
        for team_id in ids:
            pooled.extend(figures.contributions_by_team.get((team_id, p.key), ()))
            fav, ans = figures.favourable_by_team.get((team_id, p.key), (0, 0))
            favourable += fav
            answered += ans
        stats = scoring.group_stats(scores=pooled)
        rollup_pillars.append(
            RollupPillar(
                key=p.key,
                n=stats.n,
                mean=stats.mean,
                sd=stats.sd,
                percent=_percent(stats.mean, p),
                favourable_pct=100 * favourable / answered if answered else None,
                suppressed=False,
                suppressed_reason="",
            )
        )
    return Rollup.of_group(
        kind="department" if dept else "organisation",
        department=dept,
        cycle_name=cycle.name,
        team_ids=ids,
        invited=sum(data.invited.get(t, 0) for t in ids),
        n=sum(len(groups.members.get(t, ())) for t in ids),
        suppressed_reason=plans.team.parents.get(key, ""),
        pillars=rollup_pillars,
    )


def _pillar_summary(
    p: PillarInfo,
    data: CycleData,
    people: Respondents,
    figures: _Figures,
    organisation: Rollup,
    *,
    k: int,
) -> PillarSummary:
    org_pillar = organisation.pillar(p.key)
    shown = org_pillar is not None and not org_pillar.suppressed
    shown_pillar = org_pillar if shown else None
    # Reliability over the scorers who answered every item: shown only when they are all the
    # organisation's scorers or at least k fewer (else alpha beside the mean would single out
    # the few who skipped an item).
    subset = people.scored_answers[people.scored_answers["pillar"] == p.key]
    table = subset.pivot(index=["team", "submission"], columns="question", values="scored")
    table = table.reindex(columns=[q.pk for q in p.questions])
    complete = table.dropna()
    scorers = len(table)
    reliable = shown and (scorers - len(complete) == 0 or scorers - len(complete) >= k)
    rows = complete.to_numpy().tolist() if reliable else []
    alpha = scoring.cronbach_alpha(rows=rows) if rows else None
    item_total = scoring.item_total_correlations(rows=rows) if rows else []
    icc = scoring.icc_from_groups(
        groups={
            str(team.pk): figures.contributions_by_team.get((team.pk, p.key), [])
            for team in data.teams
            if shown
        }
    )
    means = figures.shown_means[p.key]
    median = statistics.median(means) if means else None
    return PillarSummary.of_pillar(
        pillar=p,
        n=shown_pillar.n if shown_pillar else None,
        mean=shown_pillar.mean if shown_pillar else None,
        sd=shown_pillar.sd if shown_pillar else None,
        percent=shown_pillar.percent if shown_pillar else None,
        favourable_pct=shown_pillar.favourable_pct if shown_pillar else None,
        org_median=median,
        org_median_percent=_percent(median, p),
        alpha=alpha,
        item_total=tuple(
            ItemTotal(code=q.code, text=q.text, r=item_total[i] if i < len(item_total) else None)
            for i, q in enumerate(p.questions)
        ),
        icc1=icc.icc1 if shown else None,
        icc2=icc.icc2 if shown else None,
    )
