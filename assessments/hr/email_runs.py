"""Email runs: HR's "send invitations" and "send reminders", the automatic reminders, and the
leaders' notice that results are released, sent by the background worker.

A click creates an :class:`~assessments.models.EmailRun` and enqueues :func:`email_run_send` on
the django-tasks database queue (``manage.py db_worker``; ``make run`` starts one), so a round
across a thousand people never hits the web server's timeout. The worker sends batch by batch
(:func:`assessments.hr.invitations.invitations_batch_send`) and counts each email as it is recorded,
so the page that polls always shows what really went out.

At most one run per cycle and kind is queued or running: a partial unique index, so two clicks at
once create one run, and the second finds the first. Even two runs at once (one stopped as
stalled whose worker was only slow) email nobody twice: each batch re-checks its people under a
lock.

A failed batch is recorded (how many people, the error without addresses) and the run goes on
with the next batch: the failure may be one bad message, and everyone after it still deserves
their email. After ``BROKEN_BATCHES_BEFORE_STOPPING`` batches in a row that the mail server
failed, it is down or refusing us: the run stops rather than fail the next thousand people one
connection timeout at a time. Nobody is lost either way: whoever was not emailed keeps a working
link and is still counted as not invited (or due a reminder), so sending again reaches just them.

A worker can die mid-run: a run without progress for ``PILLARS_EMAIL_RUN_STALL_MINUTES`` is
stopped by ``EmailRun.stop_if_stalled``, called by the cycle page (so it never polls forever)
and before a new run starts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from assessments.hr.invitations import (
    BatchResult,
    error_describe,
    invitations_batch_send,
    invitations_needing,
)
from assessments.hr.release_notices import release_notices_batch_send, release_notices_needing
from assessments.models import EmailRun, InvitationSend

if TYPE_CHECKING:
    from assessments.models import Cycle

logger = logging.getLogger(__name__)

# People per batch: the unit of the run's progress, of a failure entry and of the stop after a
# mail server failing batch after batch. Each email is its own short transactions (recorded before
# it goes out, confirmed after), so no write lock is held while the mail server talks.
BATCH_SIZE = 20
BROKEN_BATCHES_BEFORE_STOPPING = 3

# Why the people of a failure entry were not emailed when no batch of theirs was tried; the page
# says it in words (the entry is stored, so it holds a code, not a sentence in one language).
REASON_SERVER_FAILING = "server-failing"
REASON_STALLED = EmailRun.REASON_STALLED


class EmailRunBusy(Exception):
    """A run of this cycle and kind is already queued or running."""

    def __init__(self, run: EmailRun) -> None:
        super().__init__(f"Email run {run.pk} is {run.state}")
        self.run = run


@dataclass(frozen=True)
class SendResult:
    sent: int
    skipped: int = 0
    not_sent: int = 0


# --- Starting -------------------------------------------------------------------------------


def email_run_create(*, cycle: Cycle, kind: str, user: Any) -> tuple[EmailRun, bool]:
    """A new queued run, or the one already queued or running: ``(run, created)``.

    The database's unique index decides, not a check before the insert: of two clicks at the same
    moment, one inserts and the other gets an IntegrityError and reads the winner.
    """
    for active in EmailRun.objects.active().filter(cycle=cycle, kind=kind):
        active.stop_if_stalled()
    requested_by = user if getattr(user, "is_authenticated", False) else None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                run = EmailRun.objects.create(cycle=cycle, kind=kind, requested_by=requested_by)
            return run, True
        except IntegrityError:
            found = EmailRun.objects.active().filter(cycle=cycle, kind=kind).first()
            if found is not None:
                return found, False
            # The other run finished between our insert and our read: try once more.
    raise RuntimeError(f"Could not start an email run for cycle {cycle.pk}")


def email_run_start(*, cycle: Cycle, kind: str, user: Any) -> tuple[EmailRun, bool]:
    """Create the run and hand it to the worker once the row is committed."""
    run, created = email_run_create(cycle=cycle, kind=kind, user=user)
    if created:
        transaction.on_commit(lambda: email_run_send.enqueue(run_id=run.pk))
    return run, created


# --- Sending --------------------------------------------------------------------------------


def _progress_save(run: EmailRun, *fields: str) -> bool:
    """Write the counts; False when a page has stopped the run meanwhile (the worker stops)."""
    run.progressed_at = timezone.now()
    values = {field: getattr(run, field) for field in (*fields, "progressed_at")}
    if EmailRun.objects.filter(pk=run.pk, state=EmailRun.State.RUNNING).update(**values):
        return True
    # Stopped as stalled, yet this worker was alive: keep the counts true, leave the state.
    values.pop("progressed_at")
    EmailRun.objects.filter(pk=run.pk).update(**values)
    return False


def _recipients(run: EmailRun) -> list[int]:
    """Whom the run emails, in order: invitation ids, or leaders' user ids for a release."""
    cycle = run.cycle
    if run.kind == EmailRun.Kind.RELEASE:
        return release_notices_needing(cycle=cycle) if cycle.is_released else []
    return invitations_needing(kind=run.kind, cycle=cycle) if cycle.is_open else []


def _batch_send(run: EmailRun, ids: list[int]) -> BatchResult:
    if run.kind == EmailRun.Kind.RELEASE:
        return release_notices_batch_send(cycle=run.cycle, ids=ids, run=run)
    return invitations_batch_send(kind=run.kind, cycle=run.cycle, ids=ids, run=run)


def email_run_execute(run: EmailRun) -> EmailRun:
    """Send the run batch by batch; record progress as it goes; audit at the end.

    Idempotent: a run found already running is the retry of an attempt whose worker died (the
    sweeper requeued its task, :mod:`assessments.workers`). It goes on from the counts recorded,
    settles the emails that attempt had claimed (counted as sent, never sent again) and sends to
    whoever still needs it.
    """
    picked = EmailRun.objects.filter(
        pk=run.pk, state__in=(EmailRun.State.QUEUED, EmailRun.State.RUNNING)
    ).update(state=EmailRun.State.RUNNING, progressed_at=timezone.now())
    if not picked:
        # Stopped by a page while it waited for a worker; HR was offered to send again.
        logger.info("Email run %s is no longer queued: not sent", run.pk)
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    try:
        ids = _recipients(run)
        in_flight = InvitationSend.objects.filter(run=run).count()
        run.total = run.processed + len(ids) - in_flight
        if not _progress_save(run, "total"):
            return run
        broken_in_a_row = 0
        for number, start in enumerate(range(0, len(ids), BATCH_SIZE), start=1):
            batch = ids[start : start + BATCH_SIZE]
            result = _batch_send(run, batch)  # commits email by email, counting ``sent``
            run.refresh_from_db(fields=["sent"])
            run.skipped += result.skipped
            if result.error:
                run.failures.append(
                    {"batch": number, "people": result.not_sent, "error": result.error}
                )
            alive = _progress_save(run, "skipped", "failures")
            if not alive:
                return run
            broken_in_a_row = broken_in_a_row + 1 if result.broken else 0
            remaining = len(ids) - start - len(batch)
            if broken_in_a_row >= BROKEN_BATCHES_BEFORE_STOPPING and remaining:
                run.failures.append(
                    {"batch": None, "people": remaining, "reason": REASON_SERVER_FAILING}
                )
                run.state = EmailRun.State.FAILED
                break
        else:
            run.state = EmailRun.State.DONE
    except Exception as error:
        logger.exception("Email run %s failed", run.pk)
        run.failures.append(
            {"batch": None, "people": run.remaining, "error": error_describe(error)}
        )
        run.state = EmailRun.State.FAILED
    run.finished_at = run.progressed_at = timezone.now()
    run.save(update_fields=["state", "failures", "finished_at", "progressed_at"])
    run.audit()
    return run


@task()
def email_run_send(run_id: int) -> None:
    """The worker's entry point: send email run ``run_id``."""
    run = EmailRun.objects.select_related("cycle", "requested_by").filter(pk=run_id).first()
    if run is None:  # its cycle was deleted while it waited
        return
    email_run_execute(run)


def emails_send_now(*, cycle: Cycle, kind: str, actor: Any) -> SendResult:
    """Send in this process, through the same run (``send_reminders`` from cron, tests).

    Raises :class:`EmailRunBusy` when a run of this kind is already queued or running.
    """
    if not (cycle.is_released if kind == EmailRun.Kind.RELEASE else cycle.is_open):
        return SendResult(sent=0)
    run, created = email_run_create(cycle=cycle, kind=kind, user=actor)
    if not created:
        raise EmailRunBusy(run)
    run = email_run_execute(run)
    return SendResult(sent=run.sent, skipped=run.skipped, not_sent=run.not_sent)


def invitations_send(*, cycle: Cycle, actor: Any) -> SendResult:
    """Email every invitation of an open cycle that has not been emailed yet, now."""
    return emails_send_now(cycle=cycle, kind=EmailRun.Kind.INVITATION, actor=actor)


def reminders_send(*, cycle: Cycle, actor: Any) -> SendResult:
    """Remind everyone in an open cycle who has not submitted and is due a reminder, now."""
    return emails_send_now(cycle=cycle, kind=EmailRun.Kind.REMINDER, actor=actor)


# --- For the cycle page ---------------------------------------------------------------------


def email_run_summary(run: EmailRun) -> str:
    """What the run did, in a sentence: "312 invitations sent, 4 skipped."."""
    if run.state == EmailRun.State.QUEUED:
        return _("Waiting for the background worker…")
    if run.kind == EmailRun.Kind.INVITATION:
        sent = ngettext("%d invitation sent", "%d invitations sent", run.sent) % run.sent
    elif run.kind == EmailRun.Kind.RELEASE:
        sent = ngettext("%d leader emailed", "%d leaders emailed", run.sent) % run.sent
    else:
        sent = ngettext("%d reminder sent", "%d reminders sent", run.sent) % run.sent
    if run.state == EmailRun.State.RUNNING:
        values = {"done": run.processed, "total": run.total}
        if run.kind == EmailRun.Kind.RELEASE:
            return (
                ngettext(
                    "%(done)d of %(total)d leader done…",
                    "%(done)d of %(total)d leaders done…",
                    run.total,
                )
                % values
            )
        if run.kind == EmailRun.Kind.INVITATION:
            return (
                ngettext(
                    "%(done)d of %(total)d invitation done…",
                    "%(done)d of %(total)d invitations done…",
                    run.total,
                )
                % values
            )
        return (
            ngettext(
                "%(done)d of %(total)d reminder done…",
                "%(done)d of %(total)d reminders done…",
                run.total,
            )
            % values
        )
    parts = [sent]
    if run.skipped:
        parts.append(_("%d skipped") % run.skipped)
    if run.not_sent:
        parts.append(_("%d not sent") % run.not_sent)
    return ", ".join(parts) + "."
