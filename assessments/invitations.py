"""Invitation and reminder emails.

Only token hashes are stored, so every email carries a fresh token: sending rotates the
invitation's token, and the link in the newest email is the one that works. The rotation and the
email go together — a batch's new hashes are written in the same transaction that hands the batch
to the email backend, so a failed send leaves the earlier links working.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from assessments.audit import audit_record
from assessments.cycles import invitation_token_rotate, survey_path
from assessments.models import Cycle, Invitation, Role, token_hash, token_new

if TYPE_CHECKING:
    from django.db.models import QuerySet

BATCH_SIZE = 100


@dataclass(frozen=True)
class SendResult:
    sent: int
    skipped: int = 0


def survey_url(token: str) -> str:
    """The absolute link a person clicks in an email."""
    return f"{settings.SITE_URL}{survey_path(token)}"


def reminder_interval() -> dt.timedelta:
    return dt.timedelta(hours=settings.PILLARS_REMINDER_INTERVAL_HOURS)


def invitations_unsent(*, cycle: Cycle) -> QuerySet[Invitation]:
    """Invitations with an address that have never been emailed and are not submitted."""
    return (
        Invitation.objects.filter(cycle=cycle, sent_at__isnull=True, email__isnull=False)
        .exclude(email="")
        .exclude(state=Invitation.State.SUBMITTED)
    )


def reminders_due(*, cycle: Cycle, now: dt.datetime | None = None) -> QuerySet[Invitation]:
    """Invitations not submitted, already invited, and not contacted within the interval."""
    cutoff = (now or timezone.now()) - reminder_interval()
    return (
        Invitation.objects.filter(cycle=cycle, sent_at__isnull=False, email__isnull=False)
        .exclude(email="")
        .exclude(state=Invitation.State.SUBMITTED)
        .filter(sent_at__lte=cutoff)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
    )


def _message(*, kind: str, invitation: Invitation, token: str) -> EmailMessage:
    context = {
        "cycle": invitation.cycle,
        "team": invitation.team,
        "is_self": invitation.role == Role.SELF,
        "link": survey_url(token),
        "closes_at": invitation.cycle.closes_at,
        "min_group_size": invitation.cycle.min_group_size,
    }
    subject = render_to_string(f"assessments/email/{kind}_subject.txt", context)
    body = render_to_string(f"assessments/email/{kind}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )


def _send(*, kind: str, invitations: list[Invitation], now: dt.datetime) -> int:
    """Rotate tokens and email one batch inside one transaction."""
    connection = get_connection()
    messages = []
    with transaction.atomic():
        for invitation in invitations:
            token = token_new()
            invitation.token_hash = token_hash(token)
            if kind == "invitation":
                invitation.sent_at = now
            else:
                invitation.reminded_at = now
                invitation.reminder_count += 1
            messages.append(_message(kind=kind, invitation=invitation, token=token))
        fields = (
            ["token_hash", "sent_at"]
            if kind == "invitation"
            else ["token_hash", "reminded_at", "reminder_count"]
        )
        Invitation.objects.bulk_update(invitations, fields)
        # Raises on failure, which rolls the new hashes back: the old links keep working.
        sent = connection.send_messages(messages) or 0
    return sent


def _send_all(
    *, kind: str, queryset: QuerySet[Invitation], actor: Any, cycle: Cycle, limit: int | None
) -> SendResult:
    now = timezone.now()
    ids = list(queryset.order_by("team__name", "email").values_list("pk", flat=True)[:limit])
    sent = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = list(
            Invitation.objects.filter(pk__in=ids[start : start + BATCH_SIZE])
            # Re-check inside the batch: someone may have submitted since the list was made.
            .exclude(state=Invitation.State.SUBMITTED)
            .select_related("cycle", "team")
        )
        if batch:
            sent += _send(kind=kind, invitations=batch, now=now)
    audit_record(
        actor=actor,
        action=f"{kind}s.send",
        target=cycle,
        detail={"cycle": cycle.pk, "sent": sent},
    )
    return SendResult(sent=sent, skipped=len(ids) - sent)


def invitations_send(*, cycle: Cycle, actor: Any, limit: int | None = None) -> SendResult:
    """Email every invitation of an open cycle that has not been emailed yet."""
    if cycle.state != Cycle.State.OPEN:
        return SendResult(sent=0)
    return _send_all(
        kind="invitation",
        queryset=invitations_unsent(cycle=cycle),
        actor=actor,
        cycle=cycle,
        limit=limit,
    )


def reminders_send(*, cycle: Cycle, actor: Any, limit: int | None = None) -> SendResult:
    """Remind everyone in an open cycle who has not submitted and is due a reminder."""
    if cycle.state != Cycle.State.OPEN:
        return SendResult(sent=0)
    return _send_all(
        kind="reminder", queryset=reminders_due(cycle=cycle), actor=actor, cycle=cycle, limit=limit
    )


def invitation_link_rotate(*, invitation: Invitation, actor: Any) -> str:
    """A fresh link for one invitation, for HR to copy; the earlier link stops working."""
    token = invitation_token_rotate(invitation=invitation)
    audit_record(
        actor=actor,
        action="invitation.link",
        target=f"{invitation.cycle} / {invitation.team}",
        detail={"invitation": invitation.pk},
    )
    return token
