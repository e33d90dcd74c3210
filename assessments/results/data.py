"""A cycle's raw answers, loaded for scoring: plain rows and pandas frames, no figures yet.

A fixed handful of SQL queries load the cycle's questions, teams, counts, answers and comments;
the number does not grow with teams or respondents. Answers come straight from the cursor and
into one frame with each question's pillar and scale, reverse-scored where the question says so.
:mod:`assessments.results.aggregation` turns this into a report; together they are the only modules
using pandas.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, Q
from django.utils import translation

from assessments.models import (
    Answer,
    Comment,
    Cycle,
    CycleTeam,
    Invitation,
    Role,
    Submission,
    Team,
)
from leadership.languages import BANK_LANGUAGE
from leadership.models import scale_labels_default

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection, Iterable, Sequence

    from leadership.models import Question

ANSWER_COLUMNS = ["submission", "team", "role", "question", "value"]


def group_items(series: pd.Series) -> Iterable[tuple[tuple[Any, ...], Any]]:
    """``series.items()`` of a series grouped by several columns: (the group's values, value).

    pandas types an index label as any ``Hashable``; a grouped series' labels are these tuples.
    """
    return cast("Iterable[tuple[tuple[Any, ...], Any]]", series.items())


@dataclass(frozen=True)
class PillarInfo:
    key: str
    name: str
    description: str
    order: int
    scale_min: int
    scale_max: int
    questions: tuple[Question, ...]
    direction: str = "higher"  # leadership.models.Pillar.Direction: which end is better
    scale_labels: tuple[str, ...] = ()  # one per scale point, as the bank words them

    @property
    def scale_points(self) -> int:
        return self.scale_max - self.scale_min + 1


@dataclass(frozen=True)
class DepartmentKept:
    pk: int | None
    name: str
    slug: str


@dataclass(frozen=True)
class TeamKept:
    """A team of a cycle, named and placed as the cycle keeps it (see
    :mod:`assessments.models.cycle_teams`); reads like a Team row with its parent loaded."""

    pk: int
    name: str
    slug: str
    parent: DepartmentKept | None

    @property
    def parent_id(self) -> int | None:
        return self.parent.pk if self.parent else None


@dataclass
class CycleData:
    """What the queries return: plain rows and frames, before any scoring."""

    pillars: list[PillarInfo]
    teams: list[TeamKept]
    member_counts: dict[int, int]
    self_counts: dict[int, int]
    invited: dict[int, int]
    answers: pd.DataFrame  # ANSWER_COLUMNS, plus question metadata and ``scored``
    comments: pd.DataFrame  # submission, team, pillar key, text (members only)
    # Each team's member submissions (ids), answered or not: the respondents behind its figures.
    member_submissions: dict[int, frozenset[int]] = field(default_factory=dict)

    def without_frames(self) -> CycleData:
        """The same data without its answers and comments (empty frames of the same columns),
        once every figure that reads them is counted."""
        return replace(
            self, answers=self.answers.head(0).copy(), comments=self.comments.head(0).copy()
        )

    def restricted(self, members: dict[int, frozenset[int]]) -> CycleData:
        """The same data with each team's member submissions narrowed to ``members`` (self
        assessments untouched): the figures of teams held at the respondents once shown."""
        keep = frozenset().union(*members.values()) if members else frozenset()
        answers, comments = self.answers, self.comments
        if not frozenset().union(*self.member_submissions.values()) <= keep:
            # Some team is held at the respondents once shown (else nothing to narrow, and the
            # frames are kept as they are rather than copied: a million answers or more).
            is_member = answers["role"] == Role.MEMBER
            answers = answers[~is_member | answers["submission"].isin(keep)]
            comments = comments[comments["submission"].isin(keep)]
        return replace(
            self,
            member_counts={team: len(ids) for team, ids in members.items() if ids},
            answers=answers,
            comments=comments,
            member_submissions=dict(members),
        )


def cycle_teams(cycle: Cycle, *, only: Collection[int] | None = None) -> list[TeamKept]:
    """The cycle's teams with the name and department it keeps for them, and any team with a
    submission in it that has left the cycle, as that team is now (nothing was kept for it).
    ``only``: just those of these teams (one team's page reads one row, whatever the size)."""
    in_cycle = CycleTeam.objects.filter(cycle=cycle)
    submitted = Submission.objects.filter(cycle=cycle)
    if only is not None:
        in_cycle = in_cycle.filter(team_id__in=only)
        submitted = submitted.filter(team_id__in=only)
    kept = [
        TeamKept(
            pk=team_id,
            name=name,
            slug=slug,
            parent=DepartmentKept(department_id, department_name, department_slug)
            if department_id is not None
            else None,
        )
        for team_id, name, slug, department_id, department_name, department_slug in (
            in_cycle.order_by("name", "team_id").values_list(
                "team_id", "name", "slug", "department_id", "department_name", "department_slug"
            )
        )
    ]
    left = (
        Team.objects.filter(pk__in=submitted.values("team_id"))
        .exclude(pk__in=CycleTeam.objects.filter(cycle=cycle).values("team_id"))
        .select_related("parent")
    )
    if not left:
        return kept
    return sorted(
        kept
        + [
            TeamKept(
                pk=team.pk,
                name=team.name,
                slug=team.slug,
                parent=DepartmentKept(team.parent.pk, team.parent.name, team.parent.slug)
                if team.parent
                else None,
            )
            for team in left
        ],
        key=lambda team: (team.name, team.pk),
    )


def cycle_pillars(cycle: Cycle) -> list[PillarInfo]:
    questions = list(cycle.questions.ratings().in_survey_order())
    grouped: dict[int, list[Question]] = defaultdict(list)
    for question in questions:
        grouped[question.pillar_id].append(question)
    pillars = []
    for items in grouped.values():
        pillar = items[0].pillar
        pillars.append(
            PillarInfo(
                key=pillar.key,
                name=pillar.name,
                description=pillar.description,
                order=pillar.order,
                scale_min=min(q.scale_min for q in items),
                scale_max=max(q.scale_max for q in items),
                questions=tuple(items),
                direction=str(pillar.direction),
                scale_labels=_bank_scale_labels(items),
            )
        )
    return pillars


def _bank_scale_labels(items: list[Question]) -> tuple[str, ...]:
    """The labels in the bank's own language, whoever's request computes the report: a stored
    report is read in every language (:mod:`assessments.results.translated` swaps them)."""
    with translation.override(BANK_LANGUAGE):
        return pillar_scale_labels(items)


def pillar_scale_labels(items: Sequence[Question]) -> tuple[str, ...]:
    """The pillar's scale labels in the active language: its first question's (questions of a
    pillar share a scale), numbers when its questions disagree on the range."""
    low = min(q.scale_min for q in items)
    high = max(q.scale_max for q in items)
    first = items[0]
    if (first.scale_min, first.scale_max) == (low, high):
        return tuple(first.labels())
    return tuple(scale_labels_default(scale_min=low, scale_max=high))


def _rows(queryset: Any) -> list[tuple]:
    """Rows of a values_list queryset straight from the cursor (skips per-row ORM work)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. ``question_id__in=[]`` (a cycle without questions): no rows
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def cycle_counts(
    cycle: Cycle, *, before: dt.date | None = None, only: Collection[int] | None = None
) -> tuple[dict[int, int], dict[int, int], dict[int, int]]:
    """Per team id: member submissions, self-assessments and member invitations (teams
    without any are left out). ``before``: count only submissions dated before that day;
    ``only``: count only these teams."""
    member_counts: dict[int, int] = defaultdict(int)
    self_counts: dict[int, int] = defaultdict(int)
    submissions = Submission.objects.filter(cycle=cycle)
    invitations = Invitation.objects.invited().filter(cycle=cycle, role=Role.MEMBER)
    if only is not None:
        submissions = submissions.filter(team_id__in=only)
        invitations = invitations.filter(team_id__in=only)
    if before is not None:
        submissions = submissions.filter(submitted_on__lt=before)
    for team_id, role, n in (
        submissions.values_list("team_id", "role").annotate(n=Count("pk")).order_by()
    ):
        if role == Role.MEMBER:
            member_counts[team_id] += n
        elif role == Role.SELF:
            self_counts[team_id] += n
    invited = dict(invitations.values_list("team_id").annotate(n=Count("pk")).order_by())
    return dict(member_counts), dict(self_counts), invited


def cycle_totals(cycle: Cycle, *, before: dt.date | None = None) -> tuple[int, int]:
    """The organisation's sums of :func:`cycle_counts` without a row per team: member
    submissions (``before``: dated before that day) and member invitations to the teams
    :func:`cycle_teams` lists (those in the cycle, and any that left it after answering)."""
    members = Submission.objects.filter(cycle=cycle, role=Role.MEMBER)
    if before is not None:
        members = members.filter(submitted_on__lt=before)
    in_cycle = CycleTeam.objects.filter(cycle=cycle).values("team_id")
    submitted = Submission.objects.filter(cycle=cycle).values("team_id")
    invited = (
        Invitation.objects.invited()
        .filter(cycle=cycle, role=Role.MEMBER)
        .filter(Q(team_id__in=in_cycle) | Q(team_id__in=submitted))
        .count()
    )
    return members.count(), invited


# Rows per fetch of the answers: the worker holds one chunk of Python tuples at a time, and the
# answers themselves as numbers (3.4M answers at 10,000 teams: ~80 MB instead of ~700 MB of tuples).
ANSWER_CHUNK = 20_000


def _answer_arrays(queryset: Any) -> np.ndarray:
    """(submission, question, value) rows as one float array (a can't-say value is NaN), read
    from the cursor in chunks (a server-side cursor on PostgreSQL)."""
    chunks = []
    rows = queryset.iterator(chunk_size=ANSWER_CHUNK)
    while chunk := list(itertools.islice(rows, ANSWER_CHUNK)):
        chunks.append(np.array(chunk, dtype=np.float64).reshape(-1, 3))
    return np.concatenate(chunks) if chunks else np.empty((0, 3))


def cycle_data_load(cycle: Cycle) -> CycleData:
    pillars = cycle_pillars(cycle)
    teams = cycle_teams(cycle)
    member_counts, self_counts, invited = cycle_counts(cycle)
    question_ids = [q.pk for p in pillars for q in p.questions]
    submissions = _rows(
        Submission.objects.filter(cycle=cycle, role__in=[Role.MEMBER, Role.SELF])
        .values_list("pk", "team_id", "role")
        .order_by("pk")
    )
    answers = (
        _answer_arrays(
            Answer.objects.filter(
                submission__cycle=cycle,
                submission__role__in=[Role.MEMBER, Role.SELF],
                question_id__in=question_ids,
            )
            .values_list("submission_id", "question_id", "value")
            .order_by()
        )
        if question_ids
        else np.empty((0, 3))
    )
    comment_rows = _rows(
        Comment.objects.filter(submission__cycle=cycle, submission__role=Role.MEMBER)
        .values_list("submission_id", "submission__team_id", "pillar__key", "text")
        .order_by()
    )
    member_submissions: dict[int, set[int]] = defaultdict(set)
    for submission_id, team_id, role in submissions:
        if role == Role.MEMBER:
            member_submissions[team_id].add(submission_id)
    return CycleData(
        pillars=pillars,
        teams=teams,
        member_counts=member_counts,
        self_counts=self_counts,
        invited=invited,
        answers=_answers_frame(answers, submissions, pillars),
        comments=pd.DataFrame(comment_rows, columns=["submission", "team", "pillar", "text"]),
        member_submissions={team: frozenset(ids) for team, ids in member_submissions.items()},
    )


def _answers_frame(
    answers: np.ndarray, submissions: list[tuple], pillars: list[PillarInfo]
) -> pd.DataFrame:
    """Answers (ANSWER_COLUMNS) with their pillar, ``scored`` (reverse-scored, NaN for can't
    say) and ``favourable``, in submission and question order whatever order the database
    returned them in (so every sum and variance adds them up in the same order)."""
    width = max((q.pk for p in pillars for q in p.questions), default=0) + 1
    answers = answers[np.argsort(answers[:, 0] * width + answers[:, 1], kind="stable")]
    ids = np.array([row[0] for row in submissions], dtype=np.int64)
    teams = np.array([row[1] for row in submissions], dtype=np.int64)
    roles = np.array([row[2] for row in submissions], dtype=object)
    submission = answers[:, 0].astype(np.int64)
    position = np.searchsorted(ids, submission)
    meta = pd.DataFrame(
        [
            (q.pk, p.key, q.reverse_scored, q.scale_min, q.scale_max, p.direction == "lower")
            for p in pillars
            for q in p.questions
        ],
        columns=["question", "pillar", "reverse", "scale_min", "scale_max", "lower_better"],
    ).set_index("question")
    frame = pd.DataFrame(
        {
            "submission": submission,
            "team": teams[position],
            "role": roles[position],
            "question": answers[:, 1].astype(np.int64),
            "value": answers[:, 2],
        },
        columns=ANSWER_COLUMNS,
    )
    frame = frame.join(meta, on="question")
    frame["scored"] = np.where(
        frame["reverse"].astype(bool),
        frame["scale_min"] + frame["scale_max"] - frame["value"],
        frame["value"],
    )
    # Favourable: the two best points — the top two, or the bottom two on a pillar where lower
    # is better (a high hostility score is not a favourable answer).
    frame["favourable"] = np.where(
        frame["lower_better"].astype(bool),
        frame["scored"] <= frame["scale_min"] + 1,
        frame["scored"] >= frame["scale_max"] - 1,
    )
    # The question's own columns were only needed for the two above: every copy of the frame
    # the aggregation makes (members, scorers, used answers) is smaller without them.
    return frame.drop(columns=["reverse", "scale_min", "scale_max", "lower_better"])
