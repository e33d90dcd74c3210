"""Data retention: raw answers go after N months, invitations soon after a cycle ends.

Two rules, applied by ``manage.py apply_retention`` (run it daily from cron or a systemd timer):

- **Raw answers and comments** of released cycles that ended more than
  ``PILLARS_RETENTION_MONTHS`` ago are deleted with their submissions. The cycle's report is
  computed and stored first and then *frozen* (``stored_results.FROZEN_PREFIX``), so its
  dashboards, PDFs and trends keep working from the stored copy. A cycle that was closed but never
  released is left alone and reported: deleting its answers would leave nothing at all.
- **Invitations** of closed or released cycles that ended more than
  ``PILLARS_INVITATION_PURGE_DAYS`` ago lose their email address, token hash and send times, and
  their unsent answers are deleted. The rows themselves stay, without anything personal, so
  response rates stay right.

It also deletes django-axes' sign-in records (address, browser) older than
``PILLARS_SIGNIN_LOG_DAYS``, and the zips of every team's reports past
``PILLARS_REPORT_ZIP_DAYS`` or replaced by a newer one (:mod:`assessments.reports.zips`), and
the stored PDFs of results that are no longer the stored ones (:mod:`assessments.reports.ready`),
through the storage API so a bucket is cleaned as a disk is.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments.models import (
    Answer,
    AuditEvent,
    Comment,
    Cycle,
    CycleResult,
    DraftAnswer,
    DraftComment,
    Invitation,
    Submission,
)
from assessments.reports.ready import report_files_clean
from assessments.reports.zips import TRIGGER_RETENTION, report_zips_clean

PURGED_TOKEN_PREFIX = "purged:"  # never a SHA-256 hex digest, so no link can ever match it


@dataclass
class RetentionSummary:
    invitations_purged: int = 0
    drafts_deleted: int = 0
    cycles_purged: list[str] = field(default_factory=list)
    submissions_deleted: int = 0
    answers_deleted: int = 0
    comments_deleted: int = 0
    unreleased_kept: list[str] = field(default_factory=list)
    sign_in_records_deleted: int = 0
    report_zips_deleted: int = 0
    report_zips_kept_on_error: list[str] = field(default_factory=list)
    report_files_deleted: int = 0

    def as_detail(self) -> dict[str, Any]:
        return {
            "invitations_purged": self.invitations_purged,
            "drafts_deleted": self.drafts_deleted,
            "cycles_purged": self.cycles_purged,
            "submissions_deleted": self.submissions_deleted,
            "answers_deleted": self.answers_deleted,
            "comments_deleted": self.comments_deleted,
            "sign_in_records_deleted": self.sign_in_records_deleted,
            "report_zips_deleted": self.report_zips_deleted,
            "report_files_deleted": self.report_files_deleted,
        }


def months_before(when: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` calendar months earlier (the month's last day when shorter)."""
    month_index = when.year * 12 + when.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return when.replace(year=year, month=month, day=min(when.day, last_day))


def cycle_ended_at(cycle: Cycle, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a closed or released cycle stopped taking answers; None while it may still take them.

    The latest of: its release, its last closing (from the audit log) and its planned close if
    that has passed. A cycle closed early and never released therefore counts from its closing.
    """
    if not cycle.has_ended:
        return None
    now = now or timezone.now()
    closed = AuditEvent.objects.filter(action="cycle.close", detail__id=cycle.pk).aggregate(
        at=Max("created_at")
    )["at"]
    planned = cycle.closes_at if cycle.closes_at and cycle.closes_at <= now else None
    moments = [moment for moment in (cycle.released_at, closed, planned) if moment]
    return max(moments) if moments else cycle.created_at


def invitations_anonymise(invitations: Any) -> tuple[int, int]:
    """Strip emails, tokens and send times from ``invitations``; delete their unsent answers.

    Returns (invitations changed, drafts deleted). Shared with subject erasure.
    """
    rows = list(invitations.exclude(token_hash__startswith=PURGED_TOKEN_PREFIX).only("pk"))
    drafts = DraftAnswer.objects.filter(invitation__in=rows).delete()[0]
    drafts += DraftComment.objects.filter(invitation__in=rows).delete()[0]
    for row in rows:
        row.email = None
        row.token_hash = PURGED_TOKEN_PREFIX + secrets.token_hex(28)
        row.sent_at = None
        row.reminded_at = None
    Invitation.objects.bulk_update(
        rows, ["email", "token_hash", "sent_at", "reminded_at"], batch_size=500
    )
    return len(rows), drafts


def cycle_raw_data_delete(cycle: Cycle) -> tuple[int, int, int]:
    """Store and freeze the cycle's report, then delete its submissions, answers and comments."""
    from assessments.results.stored import FROZEN_PREFIX, cycle_report, cycle_results_stored

    with transaction.atomic():
        cycle_report(cycle, detail=False)  # computes and stores it if the stored copy is stale
        fingerprint = FROZEN_PREFIX + secrets.token_hex(8)
        frozen = CycleResult.objects.filter(cycle=cycle).update(fingerprint=fingerprint)
        if not frozen:  # nothing stored (should not happen): keep the raw data
            raise RuntimeError(f"No stored result for {cycle}; its answers were kept.")
        answers = Answer.objects.filter(submission__cycle=cycle).delete()[0]
        comments = Comment.objects.filter(submission__cycle=cycle).delete()[0]
        submissions = Submission.objects.filter(cycle=cycle).delete()[0]
        # The stored results have a new fingerprint: what is keyed by it (the stored PDFs) follows.
        transaction.on_commit(
            lambda: cycle_results_stored.send(sender=Cycle, cycle=cycle, fingerprint=fingerprint)
        )
    return submissions, answers, comments


def retention_apply(
    *,
    now: dt.datetime | None = None,
    months: int | None = None,
    purge_days: int | None = None,
    dry_run: bool = False,
    actor: Any = None,
) -> RetentionSummary:
    """Apply both rules; ``dry_run`` counts what would go and changes nothing."""
    now = now or timezone.now()
    months = settings.PILLARS_RETENTION_MONTHS if months is None else months
    purge_days = settings.PILLARS_INVITATION_PURGE_DAYS if purge_days is None else purge_days
    summary = RetentionSummary()
    purge_before = now - dt.timedelta(days=purge_days)
    raw_before = months_before(now, months) if months > 0 else None

    for cycle in Cycle.objects.ended(now).order_by("created_at", "pk"):
        ended = cycle_ended_at(cycle, now=now)
        if ended is None:
            continue
        if ended <= purge_before:
            invitations = Invitation.objects.filter(cycle=cycle)
            if dry_run:
                pending = invitations.exclude(token_hash__startswith=PURGED_TOKEN_PREFIX)
                summary.invitations_purged += pending.count()
                summary.drafts_deleted += (
                    DraftAnswer.objects.filter(invitation__in=pending).count()
                    + DraftComment.objects.filter(invitation__in=pending).count()
                )
            else:
                with transaction.atomic():
                    changed, drafts = invitations_anonymise(invitations)
                summary.invitations_purged += changed
                summary.drafts_deleted += drafts
        if raw_before is None or ended > raw_before:
            continue
        if not Submission.objects.filter(cycle=cycle).exists():
            continue
        if cycle.state != Cycle.State.RELEASED:
            summary.unreleased_kept.append(cycle.name)
            continue
        if dry_run:
            summary.submissions_deleted += Submission.objects.filter(cycle=cycle).count()
            summary.answers_deleted += Answer.objects.filter(submission__cycle=cycle).count()
            summary.comments_deleted += Comment.objects.filter(submission__cycle=cycle).count()
        else:
            submissions, answers, comments = cycle_raw_data_delete(cycle)
            summary.submissions_deleted += submissions
            summary.answers_deleted += answers
            summary.comments_deleted += comments
        summary.cycles_purged.append(cycle.name)

    signins_before = now - dt.timedelta(days=settings.PILLARS_SIGNIN_LOG_DAYS)
    for log in (AccessLog, AccessFailureLog):
        old_records = log.objects.filter(attempt_time__lt=signins_before)
        summary.sign_in_records_deleted += (
            old_records.count() if dry_run else old_records.delete()[0]
        )

    zips = report_zips_clean(trigger=TRIGGER_RETENTION, now=now, dry_run=dry_run, actor=actor)
    summary.report_zips_deleted = zips.count
    summary.report_zips_kept_on_error = zips.kept_on_error
    if not dry_run:
        # Stored PDFs of results that changed, were frozen or deleted go with those results.
        summary.report_files_deleted = report_files_clean().deleted

    if not dry_run and (
        summary.invitations_purged
        or summary.cycles_purged
        or summary.sign_in_records_deleted
        or summary.report_zips_deleted
        or summary.report_files_deleted
    ):
        AuditEvent.record(
            actor=actor,
            action="retention.apply",
            target=f"{months} months / {purge_days} days",
            detail=summary.as_detail(),
        )
    return summary
