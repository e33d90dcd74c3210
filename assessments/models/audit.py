"""The audit log of HR actions: who did what, when. Never what a respondent answered.

Re-exported by :mod:`assessments.models`; it imports no other module of the app, so any model
(an email run auditing its own end) can record an event without an import circle.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Who did what, when — HR actions only, never what a respondent answered."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=60)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    @classmethod
    def record(
        cls, *, actor: Any, action: str, target: object = "", detail: dict[str, Any] | None = None
    ) -> AuditEvent:
        """Record one HR action. ``actor`` is a user (or None for the system / a command)."""
        user = actor if getattr(actor, "is_authenticated", False) else None
        return cls.objects.create(
            actor=user,
            actor_label=user.get_username() if user else "system",
            action=action,
            target=str(target)[:200],
            detail=detail or {},
        )


def audit_requested_record(sender: Any, **kwargs: Any) -> None:
    """Receiver of :data:`leadership.audit.audit_requested`: the bank's edits, recorded."""
    AuditEvent.record(
        actor=kwargs.get("actor"),
        action=kwargs["action"],
        target=kwargs.get("target", ""),
        detail=kwargs.get("detail"),
    )
