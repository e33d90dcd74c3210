"""Invitation and reminder emails.

Only token hashes are stored, so every email carries a fresh token: sending rotates the
invitation's token, and the link in the newest email is the one that works. The rotation and the
email go together — a batch is read locked, emailed one message at a time, and only the people
whose email the server took get their new hash, in the same transaction, so a failed send leaves
the earlier links of everyone not emailed working.

HR's buttons do not send from the web request: they start an email run
(:mod:`assessments.hr.email_runs`) that a background worker sends batch by batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import smtplib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from assessments.hr.cycles import survey_path
from assessments.models import (
    AuditEvent,
    Cycle,
    EmailRun,
    Invitation,
    Role,
    cycle_open_q,
    token_hash,
    token_new,
)
from leadership.languages import language_of

if TYPE_CHECKING:
    from django.db.models import QuerySet

logger = logging.getLogger(__name__)


def survey_url(token: str) -> str:
    """The absolute link a person clicks in an email."""
    return f"{settings.SITE_URL}{survey_path(token)}"


def reminder_interval() -> dt.timedelta:
    return dt.timedelta(hours=settings.PILLARS_REMINDER_INTERVAL_HOURS)


def invitations_unsent(*, cycle: Cycle) -> QuerySet[Invitation]:
    """Invitations with an address that have never been emailed.

    Someone who has already answered (through a link HR gave them before the emails went out)
    is emailed too: skipping them would show HR who they are ("not sent", "1 skipped"). Their
    link says "already submitted"; nothing else happens.
    """
    return Invitation.objects.filter(
        cycle=cycle, sent_at__isnull=True, email__isnull=False
    ).exclude(email="")


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


def _message(
    *, kind: str, invitation: Invitation, token: str, minutes: int, replaces: bool = False
) -> EmailMessage:
    context = {
        "minutes": minutes,
        "replaces": replaces,
        "cycle": invitation.cycle,
        "team": invitation.team,
        "is_self": invitation.role == Role.SELF,
        "link": survey_url(token),
        "closes_at": invitation.cycle.closes_at,
        "min_group_size": invitation.cycle.min_group_size,
    }
    # In the survey's language: the invitation's, which the respondent may have switched.
    with translation.override(language_of(invitation.language)):
        subject = render_to_string(f"assessments/email/{kind}_subject.txt", context)
        body = render_to_string(f"assessments/email/{kind}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email or ""],  # only invitations with an address are emailed
    )


def _needing(kind: str, *, cycle: Cycle, now: dt.datetime) -> QuerySet[Invitation]:
    if kind == EmailRun.Kind.INVITATION:
        return invitations_unsent(cycle=cycle)
    return reminders_due(cycle=cycle, now=now)


def invitations_needing(*, kind: str, cycle: Cycle) -> list[int]:
    """The ids of the invitations that need this email now, in the order they are sent."""
    queryset = _needing(kind, cycle=cycle, now=timezone.now())
    return list(queryset.order_by("team__name", "email", "pk").values_list("pk", flat=True))


_ADDRESS = re.compile(r"[^\s<>'\"(),;:\[\]]+@[^\s<>'\"(),;:\[\]]+")


def error_describe(error: BaseException) -> str:
    """The error for HR's page, without the addresses an SMTP error may quote."""
    return _ADDRESS.sub("[address]", f"{type(error).__name__}: {error}")[:300]


@dataclass(frozen=True)
class BatchResult:
    sent: int
    skipped: int  # no longer needed the email: submitted, emailed by another run, cycle closed
    not_sent: int = 0  # an error kept them from it; their earlier link still works
    error: str = ""
    # The mail server failed (not one refused address): the rest of the batch was not tried.
    broken: bool = False


def invitations_batch_send(
    *, kind: str, cycle: Cycle, ids: list[int], now: dt.datetime | None = None
) -> BatchResult:
    """Email the invitations among ``ids`` that still need this email, in one transaction.

    The rows are read locked and checked again (not emailed yet / due a reminder, not submitted,
    cycle open), so two runs started together never email a person twice and nobody is reminded
    within the interval. Messages go out one at a time; a person's new token is written only once
    the mail server has taken their email, so whoever is not sent keeps a working earlier link.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitations = list(
            _needing(kind, cycle=cycle, now=now)
            .filter(cycle_open_q(now=now, prefix="cycle__"), pk__in=ids)
            .select_related("cycle", "team")
            .select_for_update(of=("self",))
            .order_by("pk")
        )
        connection = get_connection()
        minutes = cycle.answer_minutes() if invitations else 0  # what the survey's intro says
        done: list[Invitation] = []
        refused: list[str] = []
        error: BaseException | None = None
        try:
            connection.open()
            for invitation in invitations:
                token = token_new()
                message = _message(kind=kind, invitation=invitation, token=token, minutes=minutes)
                try:
                    accepted = connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as refusal:
                    # One bad address must not hold back everyone after it.
                    refused.append(error_describe(refusal))
                    continue
                if not accepted:
                    raise smtplib.SMTPException("the mail server did not take the message")
                invitation.token_hash = token_hash(token)
                if kind == EmailRun.Kind.INVITATION:
                    invitation.sent_at = now
                else:
                    invitation.reminded_at = now
                    invitation.reminder_count += 1
                done.append(invitation)
        except Exception as failure:  # the server is down, refuses us, or hung up
            logger.warning("Sending %ss of cycle %s failed: %s", kind, cycle.pk, failure)
            error = failure
        finally:
            with contextlib.suppress(Exception):
                connection.close()
        fields = (
            ["token_hash", "sent_at"]
            if kind == EmailRun.Kind.INVITATION
            else ["token_hash", "reminded_at", "reminder_count"]
        )
        Invitation.objects.bulk_update(done, fields)
    described = error_describe(error) if error else ""
    if refused:
        addresses = ngettext(
            "the mail server refused %d address",
            "the mail server refused %d addresses",
            len(refused),
        ) % len(refused)
        described = "; ".join(filter(None, [described, f"{addresses} ({refused[0]})"]))
    return BatchResult(
        sent=len(done),
        skipped=len(ids) - len(invitations),
        not_sent=len(invitations) - len(done),
        error=described,
        broken=error is not None,
    )


class LinkNotSent(Exception):
    """The mail server did not take the email; the person's earlier link still works."""


def invitation_link_email(
    *, invitation: Invitation, actor: Any, now: dt.datetime | None = None
) -> None:
    """Email the person a fresh personal link; earlier links for them stop working.

    HR never sees the link, and the same thing happens whether or not the person has answered
    (their link then says so, to them): a link shown to HR would let HR open it and see "already
    submitted". Raises :class:`LinkNotSent` when the mail server refuses it; nothing changes then.
    """
    now = now or timezone.now()
    token = token_new()
    message = _message(
        kind=EmailRun.Kind.INVITATION,
        invitation=invitation,
        token=token,
        minutes=invitation.cycle.answer_minutes(),
        replaces=True,
    )
    try:
        message.send()
    except Exception as failure:  # SMTP refused or unreachable
        raise LinkNotSent(error_describe(failure)) from failure
    Invitation.objects.filter(pk=invitation.pk).update(
        token_hash=token_hash(token), sent_at=Coalesce("sent_at", Value(now))
    )
    AuditEvent.record(
        actor=actor,
        action="invitation.link",
        target=f"{invitation.cycle} / {invitation.team}",
        detail={"invitation": invitation.pk},
    )
