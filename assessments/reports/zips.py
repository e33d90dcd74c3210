"""Zips of every team's reports are not kept longer than HR needs them.

A bulk zip (``ReportJob.file``, under ``MEDIA_ROOT/reports/``) holds the results of every team of
a cycle, so :func:`report_zips_clean` deletes it:

- ``PILLARS_REPORT_ZIP_DAYS`` (7) after its job finished: the job shows as *expired*
  (0 keeps zips until they are replaced);
- when a newer zip of the same cycle is finished: the older job shows as *replaced*;
- when no job refers to it any more (a crash between writing the file and saving the job, or
  jobs deleted before files were deleted with them), once it is a day old, so that a build
  that is just saving its row keeps its file.

It runs from ``apply_retention``, when HR starts a new zip and when a zip is finished, so zips go
without cron too. Deleting a job, or the cycle it belongs to, deletes its file once the
transaction commits (:func:`_report_job_deleted`). Every deletion is audited as
``retention.report_zips``, by "system", with the job, cycle, file and reason.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone

from assessments.models import AuditEvent, ReportJob

if TYPE_CHECKING:
    from django.core.files.storage import Storage

logger = logging.getLogger(__name__)

AUDIT_ACTION = "retention.report_zips"
FOLDER = "reports"  # ReportJob.file's upload_to
ORPHAN_MIN_AGE = dt.timedelta(days=1)

REASON_EXPIRED = "expired"
REASON_REPLACED = "replaced"
REASON_ORPHAN = "no job"
REASON_JOB_DELETED = "job deleted"

TRIGGER_RETENTION = "apply_retention"
TRIGGER_JOB_STARTED = "job started"
TRIGGER_JOB_FINISHED = "job finished"


@dataclass
class ZipCleanup:
    """What one clean-up deleted (or, in a dry run, would delete)."""

    deleted: list[dict[str, Any]] = field(default_factory=list)
    kept_on_error: list[str] = field(default_factory=list)  # retried by the next run

    @property
    def count(self) -> int:
        return len(self.deleted)


def _sort_key(job: ReportJob) -> tuple[dt.datetime, int]:
    return (job.finished_at or job.created_at, job.pk)


def report_zips_due(*, now: dt.datetime) -> list[tuple[ReportJob, str]]:
    """Finished jobs whose zip must go, each with its reason (replaced before expired)."""
    holding = list(
        ReportJob.objects.exclude(file="")
        .exclude(state__in=ReportJob.ACTIVE_STATES)
        .select_related("cycle")
    )
    newest: dict[int, ReportJob] = {}
    for job in holding:
        if job.state == ReportJob.State.DONE:
            current = newest.get(job.cycle_id)
            if current is None or _sort_key(job) > _sort_key(current):
                newest[job.cycle_id] = job
    due = []
    for job in sorted(holding, key=_sort_key):
        latest = newest.get(job.cycle_id)
        if latest is not None and _sort_key(job) < _sort_key(latest):
            due.append((job, REASON_REPLACED))
        elif job.is_expired(now=now):
            due.append((job, REASON_EXPIRED))
    return due


def _orphans(*, storage: Storage, now: dt.datetime) -> list[str]:
    """Files under ``reports/`` that no job refers to, at least a day old."""
    try:
        _, files = storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return []
    referenced = set(ReportJob.objects.exclude(file="").values_list("file", flat=True))
    names = []
    for filename in sorted(files):
        name = f"{FOLDER}/{filename}"
        if name in referenced:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            continue
        if now - modified >= ORPHAN_MIN_AGE:
            names.append(name)
    return names


def _delete(storage: Storage, name: str) -> bool:
    try:
        storage.delete(name)  # a file that is already gone is not an error
    except OSError:
        logger.exception("Could not delete the report zip %s; the next clean-up retries", name)
        return False
    return True


def report_zips_clean(
    *,
    trigger: str,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    actor: Any = None,
) -> ZipCleanup:
    """Delete the zips that are past their time, replaced, or without a job; audit what went.

    The file goes first and the job is marked afterwards, so a failure in between leaves a job
    that the next run deletes again (a missing file is no error) rather than a file nobody
    deletes.
    """
    now = now or timezone.now()
    storage = ReportJob._meta.get_field("file").storage
    cleanup = ZipCleanup()
    for job, reason in report_zips_due(now=now):
        name = job.file.name or ""  # a due job has a file; "" deletes nothing
        entry = {
            "job_id": job.pk,
            "cycle_id": job.cycle_id,
            "cycle": job.cycle.name,
            "file": name,
            "reason": reason,
        }
        if dry_run:
            cleanup.deleted.append(entry)
            continue
        if not _delete(storage, name):
            cleanup.kept_on_error.append(name)
            continue
        state = ReportJob.State.REPLACED if reason == REASON_REPLACED else ReportJob.State.EXPIRED
        ReportJob.objects.filter(pk=job.pk, file=name).update(
            state=state, file="", file_deleted_at=now
        )
        cleanup.deleted.append(entry)
    for name in _orphans(storage=storage, now=now):
        if dry_run or _delete(storage, name):
            cleanup.deleted.append(
                {"job_id": None, "cycle_id": None, "file": name, "reason": REASON_ORPHAN}
            )
        else:
            cleanup.kept_on_error.append(name)
    if cleanup.deleted and not dry_run:
        AuditEvent.record(
            actor=actor,
            action=AUDIT_ACTION,
            target=f"{settings.PILLARS_REPORT_ZIP_DAYS} days",
            detail={"trigger": trigger, "deleted": cleanup.deleted},
        )
    return cleanup


@receiver(post_delete, sender=ReportJob, dispatch_uid="report_job_file_delete")
def _report_job_deleted(sender: type[ReportJob], instance: ReportJob, **kwargs: Any) -> None:
    """A deleted job (or a deleted cycle's) takes its zip along once the deletion commits."""
    name = instance.file.name
    if not name:
        return
    storage = instance.file.storage
    AuditEvent.record(
        actor=None,
        action=AUDIT_ACTION,
        target=name,
        detail={
            "trigger": REASON_JOB_DELETED,
            "deleted": [
                {
                    "job_id": instance.pk,
                    "cycle_id": instance.cycle_id,
                    "file": name,
                    "reason": REASON_JOB_DELETED,
                }
            ],
        },
    )
    transaction.on_commit(lambda: _delete(storage, name), using=kwargs.get("using"))
