"""Report PDFs ready before anyone asks for them (issue 14, "downloads at once").

When a cycle's stored results change (:data:`assessments.results.stored.cycle_results_stored`,
also sent by retention when it freezes them), the worker renders every team's PDF and the
organisation's (:func:`report_files_render`) into the ``"reports"`` storage, each file keyed by
the stored results' fingerprint. A download (:func:`report_file_open`) streams the file whose
fingerprint is the cycle's stored one; when there is none yet — the minutes after results change,
another page size — the view renders the PDF in the request as it always did, so a download never
waits for the worker and never shows results other than the current ones. The zip of every team
is built from these files (:func:`team_pdf_bytes`). Files of results that are no longer current
are deleted by the render that replaces them and by :func:`report_files_clean` (from
``apply_retention``); deleting a row, or its cycle, deletes its file once the deletion commits.

What a stored file holds: a team's PDF is rendered from the team's results exactly as its leader
may see them (that one team, no departments: :func:`_as_leader_sees`), which is also all HR's
team PDF has ever shown; the organisation PDF is HR's, and only HR may download it. File names
hold ids and a hash of the fingerprint, never a team's or a person's name.

Languages: the stored files are rendered in the bank's language (:data:`BANK_LANGUAGE`), the
language the results are stored in. A reader whose active language is another gets the PDF
rendered in the request (or the zip's task) in their language, never a stored file in another
language: :func:`report_file_open` finds nothing for them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import translation
from django_tasks import task

from assessments.models import Cycle, CycleResult, ReportFile
from assessments.models.files import ORGANISATION, reports_storage
from assessments.reports import content, pdf
from assessments.results.access import report_for_viewer
from assessments.results.stored import cycle_report, cycle_results_stored
from leadership.languages import BANK_LANGUAGE

if TYPE_CHECKING:
    from collections.abc import Collection

    from django.core.files import File

    from assessments.results.report import CycleReport, TeamResult

logger = logging.getLogger(__name__)

FOLDER = "pdfs"
# PDFs per task: small enough that every worker gets a share of a large cycle and a retried task
# redoes little, large enough that the queue is not a thousand rows.
FILES_PER_TASK = 20


@dataclass
class RenderSummary:
    rendered: int = 0
    kept: int = 0  # already stored for these results
    failed: int = 0
    superseded: bool = False  # the results changed while rendering: a newer task takes over


def stored_fingerprint(cycle: Cycle) -> str | None:
    """The fingerprint of the cycle's stored results (what its files are keyed by); None while
    there are none (an emptied head is a request to the worker, not results)."""
    head = CycleResult.objects.filter(cycle=cycle).values_list("fingerprint", flat=True).first()
    return head or None


def report_file_name(*, cycle_id: int, fingerprint: str, team_id: int, page_size: str) -> str:
    """``pdfs/<cycle id>/<hash of the fingerprint>/<team id or organisation>-<size>.pdf``."""
    key = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    subject = "organisation" if team_id == ORGANISATION else f"team-{team_id}"
    return f"{FOLDER}/{cycle_id}/{key}/{subject}-{page_size}.pdf"


def _as_leader_sees(report: CycleReport, team: TeamResult) -> CycleReport:
    # What report_for_viewer gives a leader of this one team: no other team, no departments.
    return dataclasses.replace(report, teams=(team,), departments=())


def team_pdf_render(*, report: CycleReport, team: TeamResult, page_size: str) -> bytes:
    return content.team_report_render(
        report=_as_leader_sees(report, team), team=team, page_size=page_size
    )


def _store(*, cycle: Cycle, team_id: int, fingerprint: str, page_size: str, data: bytes) -> None:
    name = report_file_name(
        cycle_id=cycle.pk, fingerprint=fingerprint, team_id=team_id, page_size=page_size
    )
    storage = reports_storage()
    storage.delete(name)  # left by an attempt killed between the file and its row
    saved = storage.save(name, ContentFile(data))
    try:
        with transaction.atomic():
            ReportFile.objects.create(
                cycle=cycle,
                team_id=team_id,
                fingerprint=fingerprint,
                page_size=page_size,
                file=saved,
                size=len(data),
            )
    except IntegrityError:  # another worker stored the same file meanwhile: keep theirs
        if saved != name:
            storage.delete(saved)


def report_files_render(
    *, cycle: Cycle, page_size: str | None = None, team_ids: Collection[int] | None = None
) -> RenderSummary:
    """Render and store the PDFs of the cycle's current results that are not stored yet.

    ``team_ids``: only these (:data:`ORGANISATION` for the organisation's); None for all.
    Idempotent: files already stored for these results are kept, so a task run again after its
    worker died picks up where it stopped. Stops early when the results change meanwhile.
    """
    with translation.override(BANK_LANGUAGE):  # the language of every stored file
        return _files_render(cycle=cycle, page_size=page_size, team_ids=team_ids)


def _stored_language_active() -> bool:
    """Whether the active language is the stored files' (see the module's docstring)."""
    return (translation.get_language() or BANK_LANGUAGE).split("-")[0] == BANK_LANGUAGE


def _files_render(
    *, cycle: Cycle, page_size: str | None, team_ids: Collection[int] | None
) -> RenderSummary:
    size = page_size or pdf.page_size_default()
    summary = RenderSummary()
    wanted = None if team_ids is None else set(team_ids)
    # The door every reader goes through; then, of a large cycle, the details of these teams only.
    report = report_for_viewer(cycle=cycle, user=None, detail=wanted is None)
    if not report.scores_visible:
        return summary
    if wanted is not None:
        # The organisation's PDF ranks the questions over every team's answers: all details.
        report = cycle_report(cycle, detail=True if ORGANISATION in wanted else wanted)
    fingerprint = stored_fingerprint(cycle)
    if fingerprint is None:
        return summary
    done = set(
        ReportFile.objects.filter(cycle=cycle, fingerprint=fingerprint, page_size=size).values_list(
            "team_id", flat=True
        )
    )
    subjects: list[tuple[int, Any]] = [(ORGANISATION, None)]
    subjects += [(team.team_id, team) for team in report.teams]
    for team_id, team in subjects:
        if wanted is not None and team_id not in wanted:
            continue
        if team_id in done:
            summary.kept += 1
            continue
        if stored_fingerprint(cycle) != fingerprint:
            summary.superseded = True
            return summary
        try:
            if team is None:
                data = content.org_report_render(report=report, page_size=size)
            else:
                data = team_pdf_render(report=report, team=team, page_size=size)
        except Exception:  # one report's failure must not stop the others; the view falls back
            logger.exception("Rendering report %s of cycle %s failed", team_id, cycle.pk)
            summary.failed += 1
            continue
        _store(cycle=cycle, team_id=team_id, fingerprint=fingerprint, page_size=size, data=data)
        summary.rendered += 1
    # The files of earlier results of this cycle are of no use now.
    ReportFile.objects.filter(cycle=cycle).exclude(fingerprint=fingerprint).delete()
    return summary


@task()
def report_files_task(cycle_id: int, team_ids: list[int] | None = None) -> dict[str, Any]:
    """The worker's entry point: the PDFs of cycle ``cycle_id``'s current results (those of
    ``team_ids`` only, when given)."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None or not cycle.has_ended:
        return {}
    return dataclasses.asdict(report_files_render(cycle=cycle, team_ids=team_ids))


@task()
def report_files_plan(cycle_id: int) -> int:
    """Split the cycle's PDFs into tasks of ``FILES_PER_TASK`` so every worker takes a share
    (the organisation's, the longest, first); returns how many tasks were queued."""
    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None or not cycle.has_ended:
        return 0
    report = report_for_viewer(cycle=cycle, user=None, detail=False)
    if not report.scores_visible:
        return 0
    fingerprint = stored_fingerprint(cycle)
    ReportFile.objects.filter(cycle=cycle).exclude(fingerprint=fingerprint).delete()
    ids = [ORGANISATION] + [team.team_id for team in report.teams]
    chunks = [[ORGANISATION]] + [
        ids[start : start + FILES_PER_TASK] for start in range(1, len(ids), FILES_PER_TASK)
    ]
    for chunk in chunks:
        report_files_task.enqueue(cycle_id=cycle.pk, team_ids=chunk)
    return len(chunks)


@receiver(cycle_results_stored, dispatch_uid="report_files_on_results_stored")
def _results_stored(sender: Any, cycle: Cycle, **kwargs: Any) -> None:
    """New results of an ended cycle: the workers render its PDFs (sent after the commit)."""
    if settings.PILLARS_REPORT_FILES and cycle.has_ended:
        report_files_plan.enqueue(cycle_id=cycle.pk)


def report_file_open(*, cycle_id: int, team_id: int, page_size: str) -> File | None:
    """The stored PDF of these results, open for reading; None when there is none (yet).

    The caller has already checked that the viewer may see this team (or, for ``team_id``
    :data:`ORGANISATION`, that the viewer is HR): a file is found by its cycle and team id only
    through the view that ran that check. None, too, when the active language is not the
    stored files' one: the caller then renders the PDF in the reader's language.
    """
    if not _stored_language_active():
        return None
    current = CycleResult.objects.filter(cycle=OuterRef("cycle")).values("fingerprint")[:1]
    row = (
        ReportFile.objects.filter(cycle_id=cycle_id, team_id=team_id, page_size=page_size)
        .filter(fingerprint=Subquery(current))
        .only("file")
        .first()
    )
    if row is None:
        return None
    try:
        return row.file.open("rb")
    except (FileNotFoundError, OSError):  # deleted by a clean-up a moment ago, or unreachable
        logger.warning("Stored report %s could not be opened; rendering it instead", row.pk)
        return None


def team_pdf_bytes(*, report: CycleReport, team: TeamResult, page_size: str | None) -> bytes:
    """A team's PDF for a zip: the stored file when current, else rendered now."""
    size = page_size or pdf.page_size_default()
    handle = report_file_open(cycle_id=report.cycle_id, team_id=team.team_id, page_size=size)
    if handle is not None:
        with handle:
            return handle.read()
    return team_pdf_render(report=report, team=team, page_size=size)


def org_pdf_bytes(*, report: CycleReport, page_size: str | None) -> bytes:
    """The organisation's PDF for a zip: the stored file when current, else rendered now."""
    size = page_size or pdf.page_size_default()
    handle = report_file_open(cycle_id=report.cycle_id, team_id=ORGANISATION, page_size=size)
    if handle is not None:
        with handle:
            return handle.read()
    return content.org_report_render(report=report, page_size=size)


@dataclass
class FilesCleanup:
    deleted: int = 0


def report_files_clean() -> FilesCleanup:
    """Delete the files of results that are no longer the stored ones (or no longer stored)."""
    current = CycleResult.objects.filter(cycle=OuterRef("cycle")).values("fingerprint")[:1]
    stale_ids = list(
        ReportFile.objects.exclude(fingerprint=Subquery(current)).values_list("pk", flat=True)
    )
    # Rows with no stored results at all compare with NULL: exclude() keeps them out, add them.
    orphans = ReportFile.objects.exclude(cycle__in=CycleResult.objects.values("cycle")).values_list(
        "pk", flat=True
    )
    ids = set(stale_ids) | set(orphans)
    deleted = ReportFile.objects.filter(pk__in=ids).delete()[0] if ids else 0
    return FilesCleanup(deleted=deleted)


@receiver(post_delete, sender=ReportFile, dispatch_uid="report_file_delete")
def _report_file_deleted(sender: type[ReportFile], instance: ReportFile, **kwargs: Any) -> None:
    """A deleted row (or a deleted cycle's) takes its file along once the deletion commits."""
    name = instance.file.name
    if not name:
        return
    storage = reports_storage()

    def delete() -> None:
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete the stored report %s", name)

    transaction.on_commit(delete, using=kwargs.get("using"))
