"""Background work HR starts and watches: zips of every team's report, and email runs.

A worker (``manage.py db_worker``) does the work; these rows carry only progress, counts and
error messages, so a page can poll them. Re-exported by :mod:`assessments.models`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.audit import AuditEvent
from assessments.models.files import zips_storage

AnyJob = TypeVar("AnyJob", bound="BackgroundJob")

logger = logging.getLogger(__name__)


class BackgroundJobQuerySet(models.QuerySet[AnyJob]):
    def active(self) -> BackgroundJobQuerySet[AnyJob]:
        """Queued or running: a worker has it, or should."""
        return self.filter(state__in=self.model.ACTIVE_STATES)


class BackgroundJob(models.Model):
    """What a report zip and an email run share: a state a page polls, signs of life, a stop.

    A worker stamps ``progressed_at`` whenever it picks the job up and after every step, so a job
    still queued or running without a stamp for the minutes in the setting ``STALL_SETTING`` has
    lost its worker (a deploy, the OOM killer) or never had one: :meth:`stop_if_stalled` (called
    by the pages that show jobs, so no cron is needed) marks it failed with ``stopped_at`` set,
    and it is shown as stopped.

    A subclass declares ``State`` (with ``QUEUED``, ``RUNNING``, ``FAILED`` and the shown-only
    ``STOPPED``), its ``state`` field, ``ACTIVE_STATES`` and ``STALL_SETTING``.
    """

    State: ClassVar[Any]
    state: str  # each subclass declares the field, with its own choices
    ACTIVE_STATES: ClassVar[tuple[str, ...]]
    # The name of the setting that holds the stall limit in minutes; 0 turns the check off.
    STALL_SETTING: ClassVar[str]

    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign of life: created, picked up by a worker, or one more step done.
    progressed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set when a page found the job queued or running without progress for too long.
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        """Nothing more will happen to it: the page stops polling."""
        return self.state not in self.ACTIVE_STATES

    @classmethod
    def stall_minutes(cls) -> int:
        """The stall limit, read when asked so that a changed setting (and a test) applies."""
        return getattr(settings, cls.STALL_SETTING)

    @classmethod
    def stall_cutoff(cls, *, now: dt.datetime | None = None) -> dt.datetime | None:
        """Jobs without progress since before this have stopped; None when the check is off."""
        minutes = cls.stall_minutes()
        if minutes <= 0:
            return None
        return (now or timezone.now()) - dt.timedelta(minutes=minutes)

    def is_stalled(self, *, now: dt.datetime | None = None) -> bool:
        """Queued or running, with no progress for the stall limit (see the class)."""
        cutoff = self.stall_cutoff(now=now)
        return not self.is_finished and cutoff is not None and self.progressed_at < cutoff

    def stall_values(self) -> dict[str, Any]:
        """Fields written along with the stop of a stalled job; a subclass may add some."""
        return {}

    def stalled_stopped(self) -> None:
        """Called once this job was stopped as stalled; a subclass may audit it."""

    def stop_if_stalled(self, *, now: dt.datetime | None = None) -> bool:
        """Stop this job if it has stalled and re-read it; return whether it was stopped.

        Written only when the job has stalled: a page view is not a write otherwise. The write is
        one conditional UPDATE (:func:`jobs_stop_stalled`): a worker that records progress
        between a page's read and this write keeps its job.
        """
        now = now or timezone.now()
        if not self.is_stalled(now=now):
            return False
        jobs = type(self)._default_manager.filter(pk=self.pk)
        stopped = bool(jobs_stop_stalled(jobs, now=now, **self.stall_values()))
        self.refresh_from_db()
        if stopped:
            logger.warning(
                "Stopped %s %s without progress for %s minutes: is a worker running?",
                self._meta.verbose_name,
                self.pk,
                self.stall_minutes(),
            )
            self.stalled_stopped()
        return stopped

    @property
    def is_stopped(self) -> bool:
        return self.state == self.State.FAILED and self.stopped_at is not None

    @property
    def shown_state(self) -> Any:
        """The state to show: a job stopped as stalled is stored as failed, shown as stopped."""
        if self.is_stopped:
            return self.State.STOPPED
        return self.State(self.state)


def jobs_stop_stalled(jobs: models.QuerySet[AnyJob], *, now: dt.datetime, **values: Any) -> int:
    """Mark the jobs among ``jobs`` that have stalled as failed and stopped at ``now``.

    One conditional UPDATE, which also writes ``values``: a worker that records progress between
    a page's read and this write keeps its job, because the row no longer matches. Returns how
    many jobs were stopped.
    """
    model = jobs.model
    cutoff = model.stall_cutoff(now=now)
    if cutoff is None:
        return 0
    return jobs.filter(state__in=model.ACTIVE_STATES, progressed_at__lt=cutoff).update(
        state=model.State.FAILED, stopped_at=now, finished_at=now, **values
    )


class ReportJob(BackgroundJob):
    """A bulk download of every team PDF of a cycle as one zip, built by a worker.

    The zip holds every team's results, so it is kept only ``PILLARS_REPORT_ZIP_DAYS`` after the
    job finished and only until a newer zip of the same cycle is ready: then
    :mod:`assessments.reports.zips` deletes the file and the row stays, expired or replaced.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")
        REPLACED = "replaced", _("Replaced by a newer zip")
        # Only shown, never stored: a job found without progress is stored as failed, with
        # ``stopped_at`` saying when (see ``is_stalled``).
        STOPPED = "stopped", _("Stopped")

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    # States in which the zip file has been deleted (the row stays for the page and the audit).
    GONE_STATES = (State.EXPIRED, State.REPLACED)
    STALL_SETTING = "PILLARS_REPORT_JOB_STALL_MINUTES"

    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="report_jobs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True)
    file = models.FileField(upload_to="reports/", blank=True, storage=zips_storage)
    file_deleted_at = models.DateTimeField(null=True, blank=True)

    objects = BackgroundJobQuerySet.as_manager()

    @property
    def expires_at(self) -> dt.datetime | None:
        """When its zip is due for deletion; None without a zip or when zips are kept (0 days)."""
        days = settings.PILLARS_REPORT_ZIP_DAYS
        if not self.file or days <= 0:
            return None
        return (self.finished_at or self.created_at) + dt.timedelta(days=days)

    def is_expired(self, *, now: dt.datetime | None = None) -> bool:
        """Its zip is gone, or past its time though the clean-up has not deleted it yet."""
        if self.state in self.GONE_STATES:
            return True
        expires = self.expires_at
        return expires is not None and (now or timezone.now()) >= expires

    @property
    def shown_state(self) -> ReportJob.State:
        """The state to show: a zip past its time is expired even before the clean-up runs."""
        if self.state == self.State.DONE and self.is_expired():
            return self.State.EXPIRED
        return super().shown_state

    @property
    def is_downloadable(self) -> bool:
        return self.state == self.State.DONE and bool(self.file) and not self.is_expired()


class EmailRun(BackgroundJob):
    """One click on "send invitations" or "send reminders", an automatic reminder, or the
    leaders' notice that results are released: the worker emails batch by batch.

    It keeps counts and error messages only: no address, no token, no invitation. At most one run
    per cycle and kind is queued or running (a partial unique index), so a second click finds the
    first run instead of emailing everyone twice.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitations")
        REMINDER = "reminder", _("Reminders")
        RELEASE = "release", _("Results released")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        STOPPED = "stopped", _("Stopped")  # only shown: stored as failed with ``stopped_at``

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)
    STALL_SETTING = "PILLARS_EMAIL_RUN_STALL_MINUTES"
    # The audit log's action for a run of each kind.
    AUDIT_ACTIONS: ClassVar[dict[str, str]] = {
        Kind.INVITATION: "invitations.send",
        Kind.REMINDER: "reminders.send",
        Kind.RELEASE: "release_notices.send",
    }
    # The ``reason`` of the failure entry for the people a stalled run never reached.
    REASON_STALLED = "stalled"

    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="email_runs"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    sent = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # [{"batch": 3, "people": 60, "error": "SMTPServerDisconnected: …"}], addresses redacted;
    # people not tried at all: {"batch": None, "people": 400, "reason": "server-failing"}.
    failures = models.JSONField(default=list, blank=True)

    objects = BackgroundJobQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "kind"],
                condition=models.Q(state__in=["queued", "running"]),
                name="email_run_one_active_per_cycle_and_kind",
            )
        ]

    @property
    def not_sent(self) -> int:
        """People an error kept from their email (their earlier link still works)."""
        return sum(failure.get("people", 0) for failure in self.failures)

    @property
    def processed(self) -> int:
        return self.sent + self.skipped + self.not_sent

    @property
    def remaining(self) -> int:
        """People of the run not handled yet: neither sent, skipped nor failed."""
        return max(self.total - self.processed, 0)

    def stall_values(self) -> dict[str, Any]:
        """The people a stalled run never reached are recorded with the stop."""
        failure = {"batch": None, "people": self.remaining, "reason": self.REASON_STALLED}
        return {"failures": [*self.failures, failure]}

    def stalled_stopped(self) -> None:
        self.audit()

    def audit(self) -> AuditEvent:
        """Record the run's end in the audit log: counts only, never an address."""
        return AuditEvent.record(
            actor=self.requested_by,
            action=self.AUDIT_ACTIONS[self.Kind(self.kind)],
            target=self.cycle,
            detail={
                "cycle": self.cycle_id,
                "sent": self.sent,
                "skipped": self.skipped,
                "not_sent": self.not_sent,
                "run": self.pk,
                "state": self.shown_state.value,
            },
        )
