"""Respondent-level frames: who scores each pillar, which items a team may show, and what each
respondent contributes to the figures that are shown.

The definitions that keep a group's figures over the same people (issue 12, attack 3;
docs/anonymity.md):

- A member **scores** a pillar when they answered at least half of its items (DESIGN.md). A
  team pillar's figures are over its scorers only: a member who answered one item but did not
  score the pillar adds nothing to the pillar, its items or any total.
- An **item** of a team pillar may be shown when :func:`anonymity.item_shown` says so: answered
  by k of the scorers, and by all of them or by k fewer.
- A team pillar's figures (mean, spread, agreement, favourable share) are computed from the
  answers to the items the team may show; a hidden item's answers never reach a shown figure.
  Where a team may show none of a pillar's items (the team or pillar is hidden), a respondent's
  contribution is the DESIGN.md score over every answered item, so totals still pool everyone.

pandas lives here and in :mod:`assessments.results.aggregation` only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from assessments.models import Role
from assessments.results import anonymity
from assessments.results.data import group_items

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

    from assessments.results.data import CycleData


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


@dataclass
class Respondents:
    """The members' answers seen through the definitions above.

    - ``scorer_counts``: (team, pillar key) → scorers; ``reportable``: (team, question id) pairs a
      team may show; ``incomplete``: (team, pillar key) pairs that cannot be shown over their
      scorers from showable items (none is showable, or a scorer answered none of them).
    - ``used``: the scorers' answers that count towards the team's shown figures (showable items,
      or every item where the team may show none) — items, agreement and favourable shares.
    - ``contributions``: one row per scorer and pillar: submission, team, pillar, score (mean of
      the used answers), favourable and answered (counts of used answers).
    - ``scores``: :func:`respondent_scores` of the data (members and self-assessments), counted
      once for every step that reads it.
    """

    scorer_counts: dict[tuple[int, str], int]
    reportable: set[tuple[int, int]]
    incomplete: set[tuple[int, str]]
    scored_answers: pd.DataFrame
    used: pd.DataFrame
    contributions: pd.DataFrame
    scores: pd.DataFrame


def _pair_keys(left: Any, right: Any, width: int) -> np.ndarray:
    """Two integer columns (series or arrays) as one int64 key per row (``left * width +
    right``), so membership tests over millions of answers stay vectorised."""
    return np.asarray(left, dtype=np.int64) * width + np.asarray(right, dtype=np.int64)


def _where(frame: pd.DataFrame, mask: Any) -> pd.DataFrame:
    """``frame[mask]``, or the frame itself when the mask keeps every row: at 10,000 teams each
    copy of the answers is a few hundred megabytes, and usually every row is kept."""
    keep = np.asarray(mask, dtype=bool)
    return frame if keep.all() else frame[keep]


def respondents_build(data: CycleData, *, k: int) -> Respondents:
    members = _where(data.answers, data.answers["role"] == Role.MEMBER)
    codes = {p.key: index for index, p in enumerate(data.pillars)}
    width_p = max(len(codes), 1)
    scores = respondent_scores(data)
    scorers = scores[(scores["role"] == Role.MEMBER) & scores["score"].notna()]
    scorer_keys = _pair_keys(scorers["submission"], scorers["pillar"].map(codes), width_p)
    width_q = max((q.pk for p in data.pillars for q in p.questions), default=0) + 1
    # Each question's pillar code, looked up by question id (a map of millions of pillar keys
    # through a dict was a good part of this function's time).
    code_of = np.zeros(width_q, dtype=np.int64)
    for p in data.pillars:
        for q in p.questions:
            code_of[q.pk] = codes[p.key]
    member_keys = _pair_keys(
        members["submission"], code_of[members["question"].to_numpy()], width_p
    )
    scored_answers = _where(members, np.isin(member_keys, scorer_keys))
    del members, member_keys
    scorer_counts = {
        (int(team), str(key)): int(n)
        for (team, key), n in group_items(scorers.groupby(["team", "pillar"]).size())
    }
    answered = (
        scored_answers[["team", "pillar", "question", "scored"]]
        .dropna(subset=["scored"])
        .groupby(["team", "pillar", "question"])
    )
    reportable = {
        (int(team), int(question))
        for (team, key, question), n in group_items(answered.size())
        if anonymity.item_shown(scorers=scorer_counts[(team, key)], answered=int(n), k=k)
    }
    is_reportable = (
        np.isin(
            _pair_keys(scored_answers["team"], scored_answers["question"], width_q),
            np.array([t * width_q + q for t, q in reportable], dtype=np.int64),
        )
        & scored_answers["scored"].notna().to_numpy()
    )
    # A team shows a pillar when it may show some of its items and every scorer answered one of
    # them; then its figures are over those items. Otherwise the pillar is hidden, and each
    # scorer contributes to totals with their score over every answered item.
    reached = (
        scored_answers[["submission", "team", "pillar"]][is_reportable]
        .groupby(["submission", "team", "pillar"])
        .size()
    )
    reached_by = {(int(s_), str(p_)): int(n) for (s_, _t, p_), n in group_items(reached)}
    showing: set[tuple[int, str]] = set()
    lacking: set[tuple[int, str]] = set()
    for submission, team, key in scorers[["submission", "team", "pillar"]].itertuples(index=False):
        pair = (int(team), str(key))
        if reached_by.get((int(submission), str(key)), 0):
            showing.add(pair)
        else:
            lacking.add(pair)
    showing -= lacking
    team_shows = np.isin(
        _pair_keys(
            scored_answers["team"],
            code_of[scored_answers["question"].to_numpy()],
            width_p,
        ),
        np.array([t * width_p + codes[key] for t, key in showing], dtype=np.int64),
    )
    used = _where(scored_answers, is_reportable | ~team_shows)
    answered_used = used[["submission", "team", "pillar", "scored", "favourable"]].dropna(
        subset=["scored"]
    )
    grouped = answered_used.groupby(["submission", "team", "pillar"])
    contributions = grouped.agg(
        score=("scored", "mean"), favourable=("favourable", "sum"), answered=("scored", "count")
    ).reset_index()
    # Every team pillar with scorers that does not show: hidden (its figures would need a hidden
    # item's answers, or leave a scorer out).
    incomplete = set(scorer_counts) - showing
    return Respondents(
        scorer_counts=scorer_counts,
        reportable=reportable,
        incomplete=incomplete,
        scored_answers=scored_answers,
        used=used,
        contributions=contributions,
        scores=scores,
    )


# --- respondent sets, for the memory of what was shown -----------------------------------------


@dataclass
class FigureIndex:
    """For every submission of a cycle: the pillars it scores, the items it answered among
    those, and the pillars it commented on — to name the respondents behind any group's figures
    (:func:`group_sets`) without another query."""

    scores: dict[str, set[int]]
    answers: dict[int, set[int]]
    comments: dict[str, set[int]]
    pillar_of: dict[int, str]


def figure_index(data: CycleData) -> FigureIndex:
    members = data.answers[data.answers["role"] == Role.MEMBER]
    scores = respondent_scores(data)
    scorers = scores[(scores["role"] == Role.MEMBER) & scores["score"].notna()]
    by_pillar: dict[str, set[int]] = defaultdict(set)
    for submission, key in scorers[["submission", "pillar"]].itertuples(index=False):
        by_pillar[str(key)].add(int(submission))
    answered = members.loc[members["scored"].notna(), ["submission", "question"]]
    by_question = {
        int(cast("int", question)): set(ids.tolist())
        for question, ids in answered.groupby("question")["submission"]
    }
    commented: dict[str, set[int]] = defaultdict(set)
    for submission, key in data.comments[["submission", "pillar"]].itertuples(index=False):
        commented[str(key)].add(int(submission))
    pillar_of = {q.pk: p.key for p in data.pillars for q in p.questions}
    return FigureIndex(
        scores=dict(by_pillar),
        answers=by_question,
        comments=dict(commented),
        pillar_of=pillar_of,
    )


def group_sets(
    index: FigureIndex, members: Iterable[int], *, items: bool = True
) -> anonymity.GroupSets:
    """The respondents behind each figure of a group of ``members``: every pillar's scorers,
    (with ``items``) every item's answerers among them and every pillar's commenters."""
    people = frozenset(members)
    figures: dict[str, frozenset[int]] = {}
    for key, scoring in index.scores.items():
        figures[f"pillar:{key}"] = people & scoring
    if items:
        for question, answering in index.answers.items():
            pillar = index.pillar_of.get(question)
            if pillar is not None:
                scorers = figures.get(f"pillar:{pillar}", frozenset())
                figures[f"item:{question}"] = scorers & answering
        for key, commenting in index.comments.items():
            figures[f"comments:{key}"] = people & commenting
    return anonymity.GroupSets(members=people, figures=figures)
