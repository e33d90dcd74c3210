"""Signs of life of the worker processes, and what a worker was doing when it died.

Re-exported by :mod:`assessments.models`; see :mod:`assessments.workers`.
"""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A running worker (``manage.py run_worker``): its id as django-tasks records it on the
    tasks it claims, and when it last said it was alive. Deleted when the worker stops cleanly;
    a row whose beat is old belongs to a worker that died (SIGKILL, OOM, a lost machine)."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)


class InvitationSend(models.Model):
    """An invitation or reminder email about to be handed to the mail server.

    Written and committed before the email goes out, and replaced by the invitation's own record
    (new token, ``sent_at``/``reminded_at``) once the server took it; so a worker killed between
    the two leaves this row, and the retry counts that person as emailed instead of emailing them
    again (at most once: a kill just before the hand-over costs that person this email, never
    gives them two). It names the invitation, not the address, and lives only while in flight.
    """

    run = models.ForeignKey(
        "assessments.EmailRun", on_delete=models.CASCADE, null=True, related_name="+"
    )
    invitation = models.ForeignKey(
        "assessments.Invitation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=10)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "kind"], name="invitation_send_once")
        ]
