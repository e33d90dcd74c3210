"""Automatic reminders: the scheduler's job that starts a cycle's planned reminder when it is due.

A cycle plans reminders in whole days before its close (``Cycle.reminder_days``);
:meth:`Cycle.reminder_due_at` says which planned time, if any, is due at a given minute. Each
due (cycle, time) is claimed once with a :class:`~assessments.models.ReminderClaim` row (a unique
constraint), so two schedulers on two servers never start it twice; the claim starts an ordinary
reminder run, which the worker sends to the people who have not submitted and were not emailed
within ``PILLARS_REMINDER_INTERVAL_HOURS``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from assessments.hr.email_runs import email_run_start
from assessments.models import AuditEvent, Cycle, EmailRun, ReminderClaim

if TYPE_CHECKING:
    import datetime as dt

logger = logging.getLogger(__name__)


def reminder_claim(*, cycle: Cycle, due_at: dt.datetime) -> ReminderClaim | None:
    """Claim the reminder planned for ``due_at`` and start its run; None when another scheduler
    claimed it first (or this one did, a minute ago)."""
    try:
        with transaction.atomic():
            claim = ReminderClaim.objects.create(cycle=cycle, due_at=due_at)
            run, _created = email_run_start(cycle=cycle, kind=EmailRun.Kind.REMINDER, user=None)
            claim.run = run
            claim.save(update_fields=["run"])
            AuditEvent.record(
                actor=None,
                action="reminders.scheduled",
                target=cycle,
                detail={"cycle": cycle.pk, "due_at": due_at.isoformat(), "run": run.pk},
            )
    except IntegrityError:
        return None
    return claim


def reminders_start_due(*, now: dt.datetime) -> int:
    """The scheduler's job: start every automatic reminder due at ``now``; returns how many."""
    started = 0
    cycles = Cycle.objects.open(now).filter(closes_at__isnull=False).exclude(reminder_days=[])
    for cycle in cycles:
        due_at = cycle.reminder_due_at(now)
        if due_at is not None and reminder_claim(cycle=cycle, due_at=due_at) is not None:
            logger.info("Automatic reminder of cycle %s due at %s started", cycle.pk, due_at)
            started += 1
    return started
