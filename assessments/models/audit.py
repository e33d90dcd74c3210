"""The audit log of HR actions: who did what, when. Never what a respondent answered."""

from __future__ import annotations

from typing import Any

from assessments.models import AuditEvent


def audit_record(
    *, actor: Any, action: str, target: object = "", detail: dict[str, Any] | None = None
) -> AuditEvent:
    """Record one HR action. ``actor`` is a user (or None for the system / a command)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_label=user.get_username() if user else "system",
        action=action,
        target=str(target)[:200],
        detail=detail or {},
    )


def audit_requested_record(sender: Any, **kwargs: Any) -> None:
    """Receiver of :data:`leadership.audit.audit_requested`: the bank's edits, recorded."""
    audit_record(
        actor=kwargs.get("actor"),
        action=kwargs["action"],
        target=kwargs.get("target", ""),
        detail=kwargs.get("detail"),
    )
