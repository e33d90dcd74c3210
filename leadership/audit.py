"""HR's actions on the question bank, recorded in the audit log.

The audit log (``AuditEvent``) belongs to ``assessments``, and ``leadership/`` never imports
``assessments/`` (LAYOUT.md): so the bank says what happened through this signal, and
``assessments`` records it (``AssessmentsConfig.ready`` connects the receiver).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# Sent with actor (a user, or None for a command), action, target and detail.
audit_requested = Signal()


def audit_send(
    *, actor: Any, action: str, target: object = "", detail: dict[str, Any] | None = None
) -> None:
    """Record one HR action on the bank in the audit log."""
    audit_requested.send(
        sender=None, actor=actor, action=action, target=target, detail=detail or {}
    )
