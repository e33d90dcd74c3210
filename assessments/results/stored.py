"""Stored results: a cycle's report is computed by the worker, kept in parts, and read back.

Nothing a person does in a request computes a cycle (at 10,000 teams that takes most of a
minute): the worker's task :func:`results_compute_task` does, when a cycle closes (by HR or on
time: the scheduler's :func:`results_start_due`), is released, reopened, imported into, or
touched by retention (:func:`results_refresh`). A page that finds no results ready for the
cycle's state asks for them (:func:`results_request`, at most every few minutes) and shows "being
prepared" until they are. Commands and the worker read with :func:`cycle_report`, which computes
first when needed.

The stored head (``CycleResult``) carries a fingerprint of everything the report depends on (the
cycle's settings, its questions and teams, the count, highest id and id sum of its submissions,
its invitations, the previous cycle's fingerprint for trends, and the report schema version), so
computing again the same data only marks the results ready. Answers and comments belong to their
submission, are written with it and never edited after it; code that edits them anyway calls
:func:`results_invalidate`.

Layout: ``CycleResult.data`` is ``{"report": CycleReport.to_dict() without teams and
departments, "questions": {code: wording}}``; each team and each department is a
``CycleResultPart`` row (a team's ``summary`` for heatmaps, its ``detail`` — items, highlights,
comments — for its own page), so a team's read costs the same at 10 teams and at 10,000. Each part
also keeps what HR's organisation page filters, sorts and counts by (:func:`part_index`), so
that page reads one page of parts (:mod:`assessments.results.listing`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import json
import secrets
import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, JSONField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from assessments.models import (
    Cycle,
    CycleResult,
    CycleResultClaim,
    CycleResultPart,
    Invitation,
    Role,
    ShownSet,
    Submission,
)
from assessments.results import aggregation
from assessments.results.data import cycle_counts, cycle_pillars, cycle_teams, cycle_totals
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
from assessments.results.rounding import HEATMAP_SCORE_PLACES, PERCENT_PLACES, figure_round
from assessments.results.translated import report_translated

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence

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
    """The latest released cycle that started before ``cycle`` (the base of its trends).

    A pulse compares with the cycle it follows up (its parent), once that is released; a full
    cycle never compares with a pulse, which asked only a few pillars of a few teams.
    """
    if cycle.is_pulse:
        parent = cycle.parent
        return parent if parent is not None and parent.is_released else None
    when = cycle.opens_at or cycle.created_at
    return (
        Cycle.objects.released()
        .filter(kind=Cycle.Kind.FULL)
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
    """Forget the stored report's fingerprint, e.g. after answers were changed in place (which
    the fingerprint cannot see), and ask the worker to compute it again."""
    CycleResult.objects.filter(cycle=cycle).exclude(fingerprint__startswith=FROZEN_PREFIX).update(
        fingerprint=""
    )
    results_refresh(cycle)


def cycle_fingerprint(cycle: Cycle, *, previous: Cycle | None) -> str:
    parts = _own_fingerprint(cycle)
    if previous is not None:
        stored = CycleResult.objects.filter(cycle=previous).values_list("fingerprint", flat=True)
        parts.append([previous.pk, previous.name, list(stored)])
    blob = json.dumps(parts, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:FINGERPRINT_CHARS]


# --- storage layout -------------------------------------------------------------------------


ITEM_TEXT_FIELDS = ("text", "self_text", "reverse_scored")


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


# Values stored as they are: most of a report's million values, so they skip the checks below.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` without its deep copies: a stored report is a million values at
    10,000 teams, and the copies of immutable ones were a third of the worker's time."""
    kind: Any = type(value)
    if kind in _SCALARS:
        return value
    if hasattr(kind, "__dataclass_fields__"):
        return {
            name: field if type(field := getattr(value, name)) in _SCALARS else _plain(field)
            for name in _field_names(kind)
        }
    if isinstance(value, tuple | list):
        return [v if type(v) in _SCALARS else _plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json(value: Any) -> Value:
    # As an expression, so the rows are inserted with VALUES: PostgreSQL's UNNEST path quotes
    # every JSON document as an array element in Python, three times slower.
    return Value(value, output_field=JSONField())


def _item_stored(item: ItemResult, questions: dict[str, Any]) -> dict[str, Any]:
    # A question's wording is the same in every team: stored once, not a thousand times.
    data = _plain(item)
    questions.setdefault(item.code, {field: data[field] for field in ITEM_TEXT_FIELDS})
    for field in ITEM_TEXT_FIELDS:
        del data[field]
    return data


def _team_summary(team: TeamResult) -> dict[str, Any]:
    """The team without its details (items, comments, highlights), as stored: what
    ``_plain(dataclasses.replace(team, strengths=(), …))`` gives, without copying the team."""
    data: dict[str, Any] = {}
    for name in _field_names(TeamResult):
        if name == "pillars":
            data[name] = [
                {
                    field: [] if field in ("items", "comments") else _plain(getattr(p, field))
                    for field in _field_names(TeamPillar)
                }
                for p in team.pillars
            ]
        elif name in ("strengths", "opportunities"):
            data[name] = []
        elif name == "detail":
            data[name] = False
        else:
            data[name] = _plain(getattr(team, name))
    return data


def _questions_stored(report: CycleReport) -> dict[str, Any]:
    """Each question's wording, once (as the first team that has the item words it)."""
    questions: dict[str, Any] = {}
    for team in report.teams:
        for pillar in team.pillars:
            for item in pillar.items:
                if item.code not in questions:
                    questions[item.code] = {f: _plain(getattr(item, f)) for f in ITEM_TEXT_FIELDS}
    return questions


def _team_detail(team: TeamResult, questions: dict[str, Any]) -> dict[str, Any]:
    return {
        "strengths": [_plain(h) for h in team.strengths],
        "opportunities": [_plain(h) for h in team.opportunities],
        "pillars": {
            p.key: {
                "items": [_item_stored(i, questions) for i in p.items],
                "comments": list(p.comments),
            }
            for p in team.pillars
        },
    }


# The heatmap's two figures, each rounded as its cells print it: the organisation page's sort by
# a pillar orders by what it shows and nothing finer.
SORT_METRICS = {
    "mean": ("mean", HEATMAP_SCORE_PLACES),
    "favourable": ("favourable_pct", PERCENT_PLACES),
}


def _sort_keys(
    pillars: Sequence[TeamPillar] | Sequence[RollupPillar], *, hidden: bool
) -> dict[str, dict[str, float]]:
    # A hidden or empty cell has no key at all (a JSON null would read as 0 in SQLite's cast).
    keys: dict[str, dict[str, float]] = {}
    for metric, (field, places) in SORT_METRICS.items():
        figures: dict[str, float] = {}
        for p in pillars:
            rounded = None if hidden or p.suppressed else figure_round(getattr(p, field), places)
            if rounded is not None:
                figures[p.key] = float(rounded)
        keys[metric] = figures
    return keys


def part_index(group: TeamResult | Rollup) -> dict[str, Any]:
    """What a stored part keeps beside its JSON for the organisation page's filters, sort and
    counts: a hidden group's or cell's figure is not there, so it can only sort last."""
    return {
        "name": group.name[:160],
        "department": group.department_id if isinstance(group, TeamResult) else None,
        "hidden": group.suppressed,
        "sort_keys": _sort_keys(group.pillars, hidden=group.suppressed),
    }


def _team(data: dict[str, Any]) -> TeamResult:
    return _build(TeamResult, data)


def team_from_summary(data: dict[str, Any]) -> TeamResult:
    """A stored team part's summary as a :class:`TeamResult` (no items, highlights, comments)."""
    return _team(data)


def rollup_from_summary(data: dict[str, Any]) -> Rollup:
    """A stored department part's summary as its :class:`Rollup`."""
    return _build(Rollup, data)


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


class _Lru:
    """A small thread-safe LRU of parsed summaries: a stored read then costs no JSON parsing.

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


_heads = _Lru(32)  # (organisation summary, questions), one per cycle
_groups = _Lru(8)  # the report with every team's and department's summary (exports, commands)


def results_cache_clear() -> None:
    """Forget the parsed reports this process keeps, so the next read parses the stored rows
    again (the benchmarks measure a cold read with it)."""
    for lru in (_heads, _groups):
        with lru.lock:
            lru.items.clear()


def _ready(head: tuple[int, str, str], cycle: Cycle) -> bool:
    _pk, fingerprint, state = head
    if fingerprint.startswith(FROZEN_PREFIX):
        return True  # the only copy left of a purged cycle
    return bool(fingerprint) and state == cycle.state


def results_are_ready(cycle: Cycle) -> bool:
    """Whether the worker has stored the cycle's results for its state now (one small query)."""
    head = CycleResult.objects.filter(cycle=cycle).values_list("pk", "fingerprint", "state").first()
    return head is not None and _ready(head, cycle)


def results_read(
    cycle: Cycle, *, teams: Collection[int] | None = None, detail: bool = True
) -> CycleReport | None:
    """The stored report, or None while the worker has not computed it for the cycle as it is,
    worded in the active language (:mod:`assessments.results.translated`).

    Never computes. ``teams``: only those teams (and no department), read from their own rows,
    so the cost does not grow with the organisation; None: every team and department.
    ``detail``: with the teams' items, highlights and comments (else summaries only).
    """
    report = _results_read(cycle, teams=teams, detail=detail)
    return None if report is None else report_translated(report, cycle=cycle)


def results_head(cycle: Cycle) -> tuple[int, CycleReport] | None:
    """The stored head's id and the organisation's summary (pillars, psychometrics, the
    organisation's roll-up; no team, no department), worded in the active language; None while
    the worker has not computed the cycle as it is. Never computes; costs the same at any size."""
    found = _head_read(cycle)
    if found is None:
        return None
    key, summary, _questions = found
    return key[1], report_translated(summary, cycle=cycle)


def _head_read(cycle: Cycle) -> tuple[tuple, CycleReport, dict[str, Any]] | None:
    head = CycleResult.objects.filter(cycle=cycle).values_list("pk", "fingerprint", "state").first()
    if head is None or not _ready(head, cycle):
        return None
    key = (cycle.pk, head[0], head[1])
    cached = _heads.get(key)
    if cached is None:
        data = CycleResult.objects.filter(pk=head[0]).values_list("data", flat=True).first()
        if not data or "report" not in data:
            return None
        cached = (CycleReport.from_dict(data["report"]), data.get("questions", {}))
        _heads.put(key, cached)
    return key, cached[0], cached[1]


def _results_read(
    cycle: Cycle, *, teams: Collection[int] | None = None, detail: bool = True
) -> CycleReport | None:
    # As stored: in the bank's language, whatever the reader's (the worker's trends base).
    stored_head = _head_read(cycle)
    if stored_head is None:
        return None
    key, summary, questions = stored_head
    head = key[1:]
    parts = CycleResultPart.objects.filter(result_id=head[0])
    if teams is not None:
        wanted = {int(t) for t in teams}
        rows = parts.filter(kind=CycleResultPart.Kind.TEAM, group_id__in=wanted).order_by(
            "position"
        )
        if detail:
            found = [
                _with_detail(_team(s), d, questions) if d else _team(s)
                for s, d in rows.values_list("summary", "detail")
            ]
        else:
            found = [_team(s) for s in rows.values_list("summary", flat=True)]
        return dataclasses.replace(summary, teams=tuple(found), departments=())
    whole: CycleReport | None = _groups.get(key)
    if whole is None:
        team_rows, departments = [], []
        for kind, data in parts.order_by("kind", "position").values_list("kind", "summary"):
            if kind == CycleResultPart.Kind.TEAM:
                team_rows.append(_team(data))
            else:
                departments.append(_build(Rollup, data))
        whole = dataclasses.replace(summary, teams=tuple(team_rows), departments=tuple(departments))
        _groups.put(key, whole)
    if not detail:
        return whole  # one object per stored report: the heatmap built from it is cached too
    details = dict(parts.filter(kind=CycleResultPart.Kind.TEAM).values_list("group_id", "detail"))
    return dataclasses.replace(
        whole,
        teams=tuple(
            _with_detail(t, part, questions) if (part := details.get(t.team_id)) else t
            for t in whole.teams
        ),
    )


PART_BATCH = 1000


def _stored_write(
    cycle: Cycle, *, fingerprint: str, report: CycleReport, asked_before: dt.datetime
) -> bool:
    """Replace the stored report and its parts in one transaction; False if a purged cycle's
    frozen copy is there (it is never replaced)."""
    questions = _questions_stored(report)
    head_data = {
        "report": _plain(dataclasses.replace(report, teams=(), departments=())),
        "questions": questions,
    }
    with transaction.atomic():
        head, _created = CycleResult.objects.select_for_update().get_or_create(
            cycle=cycle, defaults={"fingerprint": "", "data": {}}
        )
        if head.fingerprint.startswith(FROZEN_PREFIX):
            return False
        # The cycle changed while this ran (an import, a release): the computation that change
        # asked for comes after this one, and until it has run these figures are not ready.
        newer_asked = head.refreshed_at is not None and head.refreshed_at > asked_before
        head.fingerprint = fingerprint + secrets.token_hex(WRITE_NONCE_BYTES)
        head.data = head_data
        head.state = "" if newer_asked else cycle.state
        head.save(update_fields=["fingerprint", "data", "state", "computed_at"])
        head.parts.all().delete()
        CycleResultPart.objects.bulk_create(
            CycleResultPart(
                result=head,
                kind=CycleResultPart.Kind.DEPARTMENT,
                group_id=d.team_id or 0,  # a department's roll-up always has its team
                position=i,
                summary=_json(_plain(d)),
                **part_index(d),
            )
            for i, d in enumerate(report.departments)
        )
        # A batch of teams at a time: their stored JSON is built just before it is sent, so the
        # worker never holds every team's twice (as dataclasses and as JSON).
        for start in range(0, len(report.teams), PART_BATCH):
            CycleResultPart.objects.bulk_create(
                CycleResultPart(
                    result=head,
                    kind=CycleResultPart.Kind.TEAM,
                    group_id=t.team_id,
                    position=i,
                    summary=_json(_team_summary(t)),
                    detail=_json(_team_detail(t, questions)),
                    **part_index(t),
                )
                for i, t in enumerate(report.teams[start : start + PART_BATCH], start=start)
            )
    return True


# --- computing: the worker's job ------------------------------------------------------------

COMPUTED = "computed"
UNCHANGED = "unchanged"
SKIPPED = "skipped"


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector off for the block. A report is millions of small objects (and
    their JSON as many again); the collector scanned them all, again and again as they were
    made, for more than half of the worker's time, and found nothing to free: they hold no
    reference cycles, and reference counting frees them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_no_cycle_collection()
def results_compute(cycle: Cycle) -> str:
    """Compute and store the cycle's report unless the stored one is of the same data.

    Idempotent, keyed by the data's fingerprint: a second run (a task run twice, two workers)
    finds the fingerprint stored and only marks the results ready. Runs in the worker
    (:func:`results_compute_task`) and in commands, never in a request. Records and consults
    the shown-set memory exactly as every computation does. Returns what it did.

    One worker at a time per cycle (:func:`_claimed`): a second worker asked for the same cycle
    waits for the first, then finds its results stored.
    """
    started = timezone.now()
    cycle = Cycle.objects.select_related("bank").get(pk=cycle.pk)
    head = _head_fingerprint(cycle)
    if head.startswith(FROZEN_PREFIX):
        return SKIPPED
    previous = previous_cycle(cycle)
    if previous is not None and _results_read(previous, detail=False) is None:
        results_compute(previous)  # its trends base is not ready: compute it first, on its own
    done, fingerprint = _stored_check(cycle, previous=previous, head=head, started=started)
    if done:
        return done  # the usual case (a release, a task run twice): no claim needed
    with _claimed(cycle):
        # Another worker may have stored them while this one waited for the claim.
        started = timezone.now()
        head = _head_fingerprint(cycle)
        done, fingerprint = _stored_check(cycle, previous=previous, head=head, started=started)
        if done:
            return done
        previous_report = _results_read(previous, detail=False) if previous is not None else None
        computed = aggregation.cycle_results_compute(
            cycle, previous=previous_report, remembered=shown_sets_read(cycle)
        )
        with transaction.atomic():
            if not _stored_write(
                cycle, fingerprint=fingerprint, report=computed.report, asked_before=started
            ):
                return SKIPPED
            if cycle.has_ended:  # scores are visible from now on: remember whose they are
                shown_sets_write(cycle, computed.shown_sets)
            transaction.on_commit(
                lambda: cycle_results_stored.send(
                    sender=Cycle, cycle=cycle, fingerprint=fingerprint
                )
            )
            if cycle.is_released:
                _later_refresh(cycle)
    return COMPUTED


def _head_fingerprint(cycle: Cycle) -> str:
    stored = CycleResult.objects.filter(cycle=cycle).values_list("fingerprint", flat=True).first()
    return stored or ""


def _stored_check(
    cycle: Cycle, *, previous: Cycle | None, head: str, started: dt.datetime
) -> tuple[str, str]:
    """(SKIPPED or UNCHANGED when there is nothing to compute, else ""; the data's fingerprint).
    Unchanged results are marked ready for the cycle's state, unless it changed since
    ``started`` (taken before ``head`` was read)."""
    if head.startswith(FROZEN_PREFIX):
        return SKIPPED, ""
    fingerprint = cycle_fingerprint(cycle, previous=previous)
    if head and head.startswith(fingerprint):
        CycleResult.objects.filter(cycle=cycle, fingerprint=head).filter(
            Q(refreshed_at__isnull=True) | Q(refreshed_at__lte=started)
        ).update(state=cycle.state)
        return UNCHANGED, fingerprint
    return "", fingerprint


@contextlib.contextmanager
def _claimed(cycle: Cycle) -> Iterator[None]:
    """Hold the cycle's :class:`~assessments.models.CycleResultClaim` locked for the block (one
    transaction): another worker computing the same cycle waits here until this one commits.

    Only the claim row is locked, which nothing else writes: pages asking for results, HR
    releasing the cycle and imports never wait. A worker killed mid-computation releases the
    lock with its connection. SQLite has no row locks (and serialises writes anyway): there two
    workers may still compute a cycle at the same time, and store the same figures twice; the
    block is then no transaction, so a long computation never holds SQLite's write lock.
    """
    if not connection.features.has_select_for_update:
        yield
        return
    CycleResultClaim.objects.get_or_create(cycle=cycle)
    with transaction.atomic():
        CycleResultClaim.objects.select_for_update().get(cycle=cycle)
        yield


def _later_refresh(cycle: Cycle) -> None:
    # Later cycles measure their trends against this one: their stored results are stale now.
    later = (
        Cycle.objects.ended()
        .filter(result__isnull=False)
        .annotate(when=Coalesce("opens_at", "created_at"))
        .filter(when__gt=cycle.opens_at or cycle.created_at)
    )
    for other in later:
        base = previous_cycle(other)
        if base is not None and base.pk == cycle.pk:
            results_refresh(other)


@task()
def results_compute_task(*, cycle_id: int) -> str:
    """The worker's task: compute a cycle's results (a no-op when they are up to date)."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None or not cycle.has_ended:
        return SKIPPED  # deleted, or open again: nobody sees its scores until it closes
    return results_compute(cycle)


def _enqueue(cycle_id: int) -> bool:
    backend = settings.PILLARS_RESULTS_TASKS_BACKEND
    result = results_compute_task.using(backend=backend).enqueue(cycle_id=cycle_id)
    return result.status == TaskResultStatus.SUCCESSFUL


# A submit that began before its cycle closed (by the clock, or by HR) may commit a moment
# after the worker read the answers. Results computed within this long are asked for once more,
# after PILLARS_RESULTS_REQUEST_MINUTES: the task stores them again only if the data's
# fingerprint moved (such an answer), otherwise it only marks them ready.
LATE_ANSWERS_RECHECK = dt.timedelta(minutes=5)


def results_request(cycle: Cycle, *, now: dt.datetime | None = None) -> bool:
    """Ask the worker for the cycle's results (from a page that found them missing).

    At most once every ``PILLARS_RESULTS_REQUEST_MINUTES`` per cycle, however many pages poll;
    the task itself is idempotent. True when the task has already run (a backend that runs tasks
    at once, as the tests' does), so the caller may read again.
    """
    if not _request_claim(cycle, now=now or timezone.now()):
        return False
    return _enqueue(cycle.pk)


def _request_claim(cycle: Cycle, *, now: dt.datetime) -> bool:
    """Record a request for the cycle's results now, unless one was made in the last
    ``PILLARS_RESULTS_REQUEST_MINUTES`` (by any server: one conditional UPDATE, or the INSERT of
    the cycle's first row)."""
    since = now - dt.timedelta(minutes=settings.PILLARS_RESULTS_REQUEST_MINUTES)
    claimed = (
        CycleResult.objects.filter(cycle=cycle)
        .filter(Q(requested_at__isnull=True) | Q(requested_at__lt=since))
        .update(requested_at=now)
    )
    if claimed:
        return True
    try:
        with transaction.atomic():
            CycleResult.objects.create(
                cycle=cycle, fingerprint="", data={}, state="", requested_at=now
            )
    except IntegrityError:  # it exists and was asked for recently
        return False
    return True


def results_refresh(cycle: Cycle) -> None:
    """The cycle's data or state changed (closed, released, reopened, imported into): its stored
    results are no longer shown as ready, and the worker computes them once this commits."""
    now = timezone.now()
    heads = CycleResult.objects.filter(cycle=cycle)
    if heads.filter(fingerprint__startswith=FROZEN_PREFIX).exists():
        return  # a purged cycle keeps the only copy of its results
    # requested_at: a page may ask again (the task is idempotent; this one's is on its way).
    if not heads.update(state="", refreshed_at=now, requested_at=None):
        try:
            with transaction.atomic():
                CycleResult.objects.create(cycle=cycle, fingerprint="", data={}, refreshed_at=now)
        except IntegrityError:  # written at the same moment by another process
            heads.update(state="", refreshed_at=now, requested_at=None)
    cycle_id = cycle.pk
    transaction.on_commit(lambda: _enqueue(cycle_id))


def results_start_due(*, now: dt.datetime) -> int:
    """The scheduler's job: ask for the results of every ended cycle that has none ready for
    its state (a cycle that closed on time, a request that was lost), at most every few
    minutes per cycle; and once more for results computed in the last few minutes
    (:data:`LATE_ANSWERS_RECHECK`). Returns how many cycles it asked for."""
    started = 0
    heads = {
        cycle_id: (state, computed_at)
        for cycle_id, state, computed_at in CycleResult.objects.values_list(
            "cycle_id", "state", "computed_at"
        )
    }
    frozen = set(
        CycleResult.objects.filter(fingerprint__startswith=FROZEN_PREFIX).values_list(
            "cycle_id", flat=True
        )
    )
    for cycle in Cycle.objects.ended(now):
        if cycle.pk in frozen:
            continue
        state, computed_at = heads.get(cycle.pk, ("", None))
        if state != cycle.state_at(now):
            results_request(cycle, now=now)
            started += 1
        elif (
            computed_at is not None
            and computed_at > now - LATE_ANSWERS_RECHECK
            and _request_claim(cycle, now=now)
        ):
            _enqueue(cycle.pk)
            started += 1
    return started


def cycle_report(cycle: Cycle, *, detail: bool | Collection[int] = True) -> CycleReport:
    """The cycle's full (HR-level) report, computed first if its data changed, worded in the
    active language.

    For commands and the worker only (exports, retention, zips): a request reads with
    :func:`results_read` through :func:`assessments.results.access.report_for_viewer`.
    ``detail``: True loads every team's items, highlights and comments; False none; a
    collection of team ids loads only those teams' (every team's summary is there).
    """
    results_compute(cycle)  # only marks them ready when the data has not changed
    report = results_read(cycle, detail=detail is True)
    if report is None:
        raise RuntimeError(f"The results of {cycle} could not be stored.")
    if detail is True or detail is False:
        return report
    wanted = results_read(cycle, teams=detail, detail=True)
    by_id = {t.team_id: t for t in wanted.teams} if wanted else {}
    return dataclasses.replace(report, teams=tuple(by_id.get(t.team_id, t) for t in report.teams))


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
    cycle: Cycle,
    *,
    reason: str,
    counted_before: dt.date | None = None,
    teams_only: set[int] | None = None,
) -> CycleReport:
    """Counts only — no score computed or read — for a viewer who may not see scores yet.

    ``counted_before``: count only the submissions dated before that day (a leader's view of an
    open cycle, so their count changes at most once a day). ``teams_only``: rows for just these
    teams (one team's page costs the same at any size); the organisation's totals are still the
    whole cycle's, but name no team, and there are no department rows.
    """
    pillars = cycle_pillars(cycle)
    teams = cycle_teams(cycle, only=teams_only)
    member_counts, self_counts, invited = cycle_counts(
        cycle, before=counted_before, only=teams_only
    )

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

    if teams_only is None:
        organisation = blank_rollup("organisation", None, [t.pk for t in teams])
    else:
        # The totals only: a report of some teams names no other team, not even by id.
        responses, invitations = cycle_totals(cycle, before=counted_before)
        organisation = Rollup.of_group(
            kind="organisation",
            department=None,
            cycle_name=cycle.name,
            team_ids=(),
            invited=invitations,
            n=responses,
            suppressed_reason=reason,
            pillars=[RollupPillar.hidden(key=p.key, reason=reason) for p in pillars],
        )
    departments: dict[int, Any] = {}
    members: dict[int, list[int]] = {}
    for team in teams if teams_only is None else ():
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
        organisation=organisation,
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
