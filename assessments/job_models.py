"""Background work HR starts and watches: zips of every team's report, and email runs.

A worker (``manage.py db_worker``) does the work; these rows carry only progress, counts and
error messages, so a page can poll them. Re-exported by :mod:`assessments.models`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportJob(models.Model):
    """A bulk download of every team PDF of a cycle as one zip, built by a worker.

    The zip holds every team's results, so it is kept only ``PILLARS_REPORT_ZIP_DAYS`` after the
    job finished and only until a newer zip of the same cycle is ready: then
    :mod:`assessments.report_zips` deletes the file and the row stays, expired or replaced.
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

    # States in which the zip file has been deleted (the row stays for the page and the audit).
    GONE_STATES = (State.EXPIRED, State.REPLACED)

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
    file = models.FileField(upload_to="reports/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last sign of life: created, picked up by a worker, or one more report done.
    progressed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_deleted_at = models.DateTimeField(null=True, blank=True)
    # Set when a page found the job queued or running without progress for too long.
    stopped_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_finished(self) -> bool:
        """Nothing more will happen to it: the page stops polling."""
        return self.state not in (self.State.QUEUED, self.State.RUNNING)

    @staticmethod
    def stall_cutoff(*, now: dt.datetime | None = None) -> dt.datetime | None:
        """Jobs without progress since before this have stopped; None when the check is off."""
        minutes = settings.PILLARS_REPORT_JOB_STALL_MINUTES
        if minutes <= 0:
            return None
        return (now or timezone.now()) - dt.timedelta(minutes=minutes)

    def is_stalled(self, *, now: dt.datetime | None = None) -> bool:
        """Queued or running, with no progress for ``PILLARS_REPORT_JOB_STALL_MINUTES``.

        A worker records progress after every report, so only a job whose worker died (or that
        no worker picked up) gets here: :func:`assessments.report_jobs.report_jobs_stop_stalled`
        then marks it failed.
        """
        cutoff = self.stall_cutoff(now=now)
        return not self.is_finished and cutoff is not None and self.progressed_at < cutoff

    @property
    def is_stopped(self) -> bool:
        return self.state == self.State.FAILED and self.stopped_at is not None

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
        if self.is_stopped:
            return self.State.STOPPED
        return self.State(self.state)

    @property
    def is_downloadable(self) -> bool:
        return self.state == self.State.DONE and bool(self.file) and not self.is_expired()


class EmailRunQuerySet(models.QuerySet["EmailRun"]):
    def active(self) -> EmailRunQuerySet:
        return self.filter(state__in=EmailRun.ACTIVE_STATES)


class EmailRun(models.Model):
    """One click on "send invitations" or "send reminders": the worker emails batch by batch.

    It keeps counts and error messages only: no address, no token, no invitation. At most one run
    per cycle and kind is queued or running (a partial unique index), so a second click finds the
    first run instead of emailing everyone twice.
    """

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitations")
        REMINDER = "reminder", _("Reminders")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        STOPPED = "stopped", _("Stopped")  # only shown: stored as failed with ``stopped_at``

    ACTIVE_STATES = (State.QUEUED, State.RUNNING)

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
    created_at = models.DateTimeField(auto_now_add=True)
    progressed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    objects = EmailRunQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "kind"],
                condition=models.Q(state__in=["queued", "running"]),
                name="email_run_one_active_per_cycle_and_kind",
            )
        ]

    @property
    def is_finished(self) -> bool:
        return self.state not in self.ACTIVE_STATES

    @property
    def not_sent(self) -> int:
        """People an error kept from their email (their earlier link still works)."""
        return sum(failure.get("people", 0) for failure in self.failures)

    @property
    def processed(self) -> int:
        return self.sent + self.skipped + self.not_sent

    def is_stalled(self, *, now: dt.datetime | None = None) -> bool:
        """Queued or running without progress for ``PILLARS_EMAIL_RUN_STALL_MINUTES``."""
        minutes = settings.PILLARS_EMAIL_RUN_STALL_MINUTES
        if self.is_finished or minutes <= 0:
            return False
        return self.progressed_at < (now or timezone.now()) - dt.timedelta(minutes=minutes)

    @property
    def is_stopped(self) -> bool:
        return self.state == self.State.FAILED and self.stopped_at is not None

    @property
    def shown_state(self) -> EmailRun.State:
        if self.is_stopped:
            return self.State.STOPPED
        return self.State(self.state)
