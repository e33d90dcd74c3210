"""Stored results: a cycle's report is computed once, kept in ``CycleResult``, and read back.

The stored row carries a fingerprint of everything the report depends on (the cycle's settings,
its questions and teams, the count, highest id and id sum of its submissions, its invitations,
the previous cycle's fingerprint for trends, and the report schema version). Answers and
comments belong to their submission, are written with it and never edited after it; code that
edits them anyway calls :func:`results_invalidate`. A read recomputes only when the
fingerprint no longer matches — so a released cycle is computed once, and again if its data
changes.

Layout of ``CycleResult.data``::

    {"report": CycleReport.to_dict() with every team's items, highlights and comments removed,
     "details": {"t<team id>": {"strengths": [...], "opportunities": [...],
                                "pillars": {KEY: {"items": [...], "comments": [...]}}}}}

so a heatmap reads the small ``report`` part only (one JSON key extracted by the database), and
a team page adds its own ``details`` entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone

from assessments.models import (
    Cycle,
    CycleResult,
    Invitation,
    Role,
    ShownSet,
    Submission,
)
from assessments.results import aggregation
from assessments.results.data import cycle_counts, cycle_pillars, cycle_teams
from assessments.results.report import (
    REPORT_SCHEMA_VERSION,
    CycleReport,
    ItemHighlight,
    ItemResult,
    PillarSummary,
    Rollup,
    RollupPillar,
    TeamPillar,
    TeamResult,
    _build,
)
from assessments.results.translated import report_translated

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Collection

# Sent once a newly computed report of a cycle is stored (after the transaction commits), with
# ``cycle`` and ``fingerprint``: what depends on a cycle's figures (its PDFs, summaries) listens
# here instead of each feature asking when results change.
cycle_results_stored = Signal()

# Set by `apply_retention` (assessments/privacy/retention.py) once a released cycle's raw answers
# are deleted: the stored report is then the only copy and is read whatever the fingerprint says, so
# a changed fingerprint can never recompute it from the emptied tables. The prefix is followed by a
# nonce, like every stored fingerprint, so the LRU below never mistakes one frozen row for another.
FROZEN_PREFIX = "frozen:"

# CycleResult.fingerprint holds 64 characters: the data's fingerprint, then a nonce per write.
FINGERPRINT_CHARS = 48
WRITE_NONCE_BYTES = 8


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The latest released cycle that started before ``cycle`` (the base of its trends)."""
    when = cycle.opens_at or cycle.created_at
    return (
        Cycle.objects.released()
        .exclude(pk=cycle.pk)
        .annotate(when=Coalesce("opens_at", "created_at"))
        .filter(when__lt=when)
        .order_by("-when", "-pk")
        .first()
    )


def _own_fingerprint(cycle: Cycle) -> list[Any]:
    submissions = Submission.objects.filter(cycle=cycle).aggregate(
        n=Count("pk"), last=Max("pk"), ids=Sum("pk")
    )
    # Answers and comments are written with their submission, in one transaction, and never
    # edited after (anonymous by construction), so submissions stand for them: scanning a
    # million answers on every read would cost more than reading the stored report. Code that
    # does change them in place calls results_invalidate().
    invited = Invitation.objects.filter(cycle=cycle, role=Role.MEMBER).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    # The cycle's teams as it keeps them (a team with submissions outside them changes the
    # submission figures); edits of the live teams after the cycle ended do not count.
    teams = list(
        cycle.cycle_teams.order_by("team_id").values_list(
            "team_id", "name", "slug", "department_id", "department_name", "department_slug"
        )
    )
    questions = sorted(cycle.questions.values_list("pk", flat=True))
    # Which end of each pillar is better is set in the bank and may be corrected after a cycle;
    # it changes the report's messages, so it is part of what the report was computed from.
    directions = sorted(cycle.questions.values_list("pillar__key", "pillar__direction").distinct())
    return [
        REPORT_SCHEMA_VERSION,
        cycle.pk,
        cycle.name,
        cycle.slug,
        cycle.state,
        cycle.min_group_size,
        cycle.comment_min_group_size,
        settings.PILLARS_GAP_THRESHOLD,
        questions,
        directions,
        teams,
        submissions,
        invited,
    ]


def results_invalidate(cycle: Cycle) -> None:
    """Forget the stored report, e.g. after answers were changed in place; the next read
    recomputes it."""
    CycleResult.objects.filter(cycle=cycle).exclude(fingerprint__startswith=FROZEN_PREFIX).delete()


def cycle_fingerprint(cycle: Cycle, *, previous: Cycle | None) -> str:
    parts = _own_fingerprint(cycle)
    if previous is not None:
        stored = CycleResult.objects.filter(cycle=previous).values_list("fingerprint", flat=True)
        parts.append([previous.pk, previous.name, list(stored)])
    blob = json.dumps(parts, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:FINGERPRINT_CHARS]


# --- storage layout -------------------------------------------------------------------------


ITEM_TEXT_FIELDS = ("text", "self_text", "reverse_scored")


def _item_stored(item: ItemResult, questions: dict[str, Any]) -> dict[str, Any]:
    # A question's wording is the same in every team: stored once, not a thousand times.
    data = dataclasses.asdict(item)
    questions.setdefault(item.code, {field: data[field] for field in ITEM_TEXT_FIELDS})
    for field in ITEM_TEXT_FIELDS:
        del data[field]
    return data


def _split(report: CycleReport) -> dict[str, Any]:
    details: dict[str, Any] = {}
    questions: dict[str, Any] = {}
    teams = []
    for team in report.teams:
        details[f"t{team.team_id}"] = {
            "strengths": [dataclasses.asdict(h) for h in team.strengths],
            "opportunities": [dataclasses.asdict(h) for h in team.opportunities],
            "pillars": {
                p.key: {
                    "items": [_item_stored(i, questions) for i in p.items],
                    "comments": list(p.comments),
                }
                for p in team.pillars
            },
        }
        teams.append(
            dataclasses.replace(
                team,
                strengths=(),
                opportunities=(),
                detail=False,
                pillars=tuple(dataclasses.replace(p, items=(), comments=()) for p in team.pillars),
            )
        )
    summary = dataclasses.replace(report, teams=tuple(teams))
    return {"report": summary.to_dict(), "details": details, "questions": questions}


def _with_detail(team: TeamResult, detail: dict[str, Any], questions: dict[str, Any]) -> TeamResult:
    pillars = []
    for p in team.pillars:
        part = detail["pillars"].get(p.key, {"items": [], "comments": []})
        pillars.append(
            dataclasses.replace(
                p,
                items=tuple(
                    _build(ItemResult, {**questions.get(item["code"], {}), **item})
                    for item in part["items"]
                ),
                comments=tuple(part["comments"]),
            )
        )
    return dataclasses.replace(
        team,
        pillars=tuple(pillars),
        strengths=tuple(_build(ItemHighlight, h) for h in detail["strengths"]),
        opportunities=tuple(_build(ItemHighlight, h) for h in detail["opportunities"]),
        detail=True,
    )


def _json(value: Any) -> Any:
    # KT() gives JSON text on every backend; PostgreSQL's driver may already decode it.
    return json.loads(value) if isinstance(value, str | bytes) else value


class _Lru:
    """A small thread-safe LRU of parsed reports: a stored read then costs no JSON parsing.

    Keys include the stored row's id and stored fingerprint, which ends in a random nonce per
    write, so a recomputed or replaced row is never served from here (not even after a
    rolled-back transaction reuses an id); each server process keeps its own.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_summaries = _Lru(16)  # reports without details, one per cycle
_team_details = _Lru(512)  # teams with their items, highlights and comments


def _stored_read(
    cycle: Cycle, *, fingerprint: str, detail: bool | Collection[int]
) -> CycleReport | None:
    # Only columns stored before the large JSON: in SQLite it sits in overflow pages that a
    # later column (computed_at) would make the database walk through.
    stored = (
        CycleResult.objects.filter(cycle=cycle)
        .filter(Q(fingerprint__startswith=fingerprint) | Q(fingerprint__startswith=FROZEN_PREFIX))
        .values_list("pk", "fingerprint")
        .first()
    )
    if stored is None:
        return None
    key = (cycle.pk, *stored)
    summary: CycleReport | None = _summaries.get(key)
    wanted = None if detail is True else {int(t) for t in detail} if detail else set()
    missing = (
        set() if wanted is None else {t for t in wanted if _team_details.get((*key, t)) is None}
    )
    annotations: dict[str, Any] = {}
    if summary is None:
        annotations["summary"] = KT("data__report")
    if detail is True:
        annotations["details"] = KT("data__details")
    for team_id in missing:
        annotations[f"d{team_id}"] = KT(f"data__details__t{team_id}")
    if detail is True or missing:
        annotations["questions"] = KT("data__questions")
    row: dict[str, Any] = {}
    if annotations:
        row = (
            CycleResult.objects.filter(pk=stored[0])
            .annotate(**annotations)
            .values(*annotations)
            .first()
        ) or {}
        if summary is None:
            if not row.get("summary"):
                return None
            summary = CycleReport.from_dict(_json(row["summary"]))
            _summaries.put(key, summary)
    if summary is None:  # nothing stored: the annotations above asked for it
        return None
    questions = _json(row.get("questions")) or {}  # absent in rows stored before it existed
    if wanted is None:
        details = _json(row.get("details")) or {}
        teams = tuple(
            _with_detail(team, details[f"t{team.team_id}"], questions)
            if details.get(f"t{team.team_id}")
            else team
            for team in summary.teams
        )
        return dataclasses.replace(summary, teams=teams)
    if not wanted:
        return summary
    for team_id in missing:
        team = summary.team(team_id)
        part = _json(row.get(f"d{team_id}"))
        if team is not None and part:
            _team_details.put((*key, team_id), _with_detail(team, part, questions))
    teams = tuple(
        (_team_details.get((*key, team.team_id)) or team) if team.team_id in wanted else team
        for team in summary.teams
    )
    return dataclasses.replace(summary, teams=teams)


def _stored_write(cycle: Cycle, *, fingerprint: str, report: CycleReport) -> None:
    data = _split(report)
    try:
        with transaction.atomic():
            if CycleResult.objects.filter(
                cycle=cycle, fingerprint__startswith=FROZEN_PREFIX
            ).exists():
                return  # the only copy left of a purged cycle is never replaced
            CycleResult.objects.update_or_create(
                cycle=cycle,
                defaults={
                    "fingerprint": fingerprint + secrets.token_hex(WRITE_NONCE_BYTES),
                    "data": data,
                },
            )
    except IntegrityError:  # another process stored it at the same moment: theirs is as good
        pass


def _strip_details(report: CycleReport, keep: bool | Collection[int]) -> CycleReport:
    if keep is True:
        return report
    wanted = set() if keep is False else {int(t) for t in keep}
    teams = tuple(
        team
        if team.team_id in wanted
        else dataclasses.replace(
            team,
            strengths=(),
            opportunities=(),
            detail=False,
            pillars=tuple(dataclasses.replace(p, items=(), comments=()) for p in team.pillars),
        )
        for team in report.teams
    )
    return dataclasses.replace(report, teams=teams)


def cycle_report(cycle: Cycle, *, detail: bool | Collection[int] = True) -> CycleReport:
    """The cycle's full (HR-level) report, from storage when its data has not changed, worded
    in the active language (:mod:`assessments.results.translated`).

    ``detail``: True loads every team's items, highlights and comments; False none (heatmaps);
    a collection of team ids loads only those teams'. Pass anything a person sees through
    :func:`assessments.results.access.report_for_viewer` instead.
    """
    return report_translated(_cycle_report(cycle, detail=detail), cycle=cycle)


def _cycle_report(cycle: Cycle, *, detail: bool | Collection[int] = True) -> CycleReport:
    previous = previous_cycle(cycle)
    fingerprint = cycle_fingerprint(cycle, previous=previous)
    report = _stored_read(cycle, fingerprint=fingerprint, detail=detail)
    if report is not None:
        return report
    previous_report = _cycle_report(previous, detail=False) if previous else None
    # The previous cycle may just have been (re)stored: its fingerprint is part of ours.
    fingerprint = cycle_fingerprint(cycle, previous=previous)
    computed = aggregation.cycle_results_compute(
        cycle, previous=previous_report, remembered=shown_sets_read(cycle)
    )
    with transaction.atomic():
        _stored_write(cycle, fingerprint=fingerprint, report=computed.report)
        if cycle.has_ended:  # scores are visible from now on: remember whose they are
            shown_sets_write(cycle, computed.shown_sets)
        transaction.on_commit(
            lambda: cycle_results_stored.send(sender=Cycle, cycle=cycle, fingerprint=fingerprint)
        )
    return _strip_details(computed.report, detail)


# --- the memory of what was shown (issue 12) -------------------------------------------------


def shown_sets_read(cycle: Cycle) -> dict[str, frozenset[int]]:
    """The respondents behind each group's figures as they were last shown."""
    return {
        key: frozenset(members)
        for key, members in ShownSet.objects.filter(cycle=cycle).values_list("key", "members")
    }


def shown_sets_write(cycle: Cycle, sets: dict[str, frozenset[int]]) -> None:
    """Remember each group's respondents (only the rows that changed are written)."""
    stored = shown_sets_read(cycle)
    now = timezone.now()
    changed = [
        ShownSet(cycle=cycle, key=key, members=sorted(members), shown_at=now)
        for key, members in sets.items()
        if stored.get(key) != members
    ]
    ShownSet.objects.bulk_create(
        changed,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["cycle", "key"],
        update_fields=["members", "shown_at"],
    )


def counts_report(
    cycle: Cycle, *, reason: str, counted_before: dt.date | None = None
) -> CycleReport:
    """Counts only — no score computed or read — for a viewer who may not see scores yet.

    ``counted_before``: count only the submissions dated before that day (a leader's view of an
    open cycle, so their count changes at most once a day).
    """
    pillars = cycle_pillars(cycle)
    teams = cycle_teams(cycle)
    member_counts, self_counts, invited = cycle_counts(cycle, before=counted_before)

    def blank_rollup(kind: str, dept: Any, ids: list[int]) -> Rollup:
        return Rollup.of_group(
            kind=kind,
            department=dept,
            cycle_name=cycle.name,
            team_ids=ids,
            invited=sum(invited.get(t, 0) for t in ids),
            n=sum(member_counts.get(t, 0) for t in ids),
            suppressed_reason=reason,
            pillars=[RollupPillar.hidden(key=p.key, reason=reason) for p in pillars],
        )

    departments: dict[int, Any] = {}
    members: dict[int, list[int]] = {}
    for team in teams:
        if team.parent_id is not None:
            departments[team.parent_id] = team.parent
            members.setdefault(team.parent_id, []).append(team.pk)
    return CycleReport.of_cycle(
        cycle=cycle,
        gap_threshold=settings.PILLARS_GAP_THRESHOLD,
        hidden_reason=reason,
        previous_cycle_name=None,
        computed_at="",
        pillars=[PillarSummary.of_pillar(pillar=p) for p in pillars],
        organisation=blank_rollup("organisation", None, [t.pk for t in teams]),
        departments=sorted(
            (blank_rollup("department", departments[d], ids) for d, ids in members.items()),
            key=lambda r: r.name,
        ),
        teams=[
            TeamResult.of_team(
                team=team,
                invited=invited.get(team.pk, 0),
                n=member_counts.get(team.pk, 0),
                self_n=self_counts.get(team.pk, 0),
                suppressed_reason=reason,
                comments_shown=False,
                pillars=[TeamPillar.hidden(key=p.key, name=p.name, reason=reason) for p in pillars],
                detail=False,
            )
            for team in teams
        ],
    )
