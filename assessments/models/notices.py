"""What was sent once and must not be sent twice: leaders told that results are out, and the
automatic reminders the scheduler has claimed. Re-exported by :mod:`assessments.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReleaseNotice(models.Model):
    """A leader was emailed that a cycle's results are released (one row per cycle and leader).

    Written in the same transaction as the email is handed to the mail server, so sending again
    (a failed batch, a second run) reaches only the leaders without a row.
    """

    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="release_notices"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "user"], name="release_notice_one_per_leader")
        ]


class ReminderClaim(models.Model):
    """A planned automatic reminder (cycle, time) that a scheduler has taken on.

    The unique constraint is the claim: of two schedulers (two servers) that find the same
    reminder due in the same minute, one inserts the row and starts the reminder run; the other's
    insert fails and it moves on. A new closing time plans new times, which are claimed afresh;
    nobody is reminded twice within ``PILLARS_REMINDER_INTERVAL_HOURS`` all the same, because the
    run itself skips whoever was contacted within it.
    """

    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="reminder_claims"
    )
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(auto_now_add=True)
    run = models.ForeignKey(
        "assessments.EmailRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "due_at"], name="reminder_claim_once")
        ]
