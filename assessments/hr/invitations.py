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
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
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
    InvitationSend,
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
    # Emails of a killed attempt counted as sent when they were claimed (see the run's retry).
    settled: int = 0


def _claim(
    *, kind: str, cycle: Cycle, pk: int, now: dt.datetime, run: EmailRun | None
) -> tuple[Invitation, str] | None:
    """Lock the invitation, check that it still needs this email, and record (committed) that
    it is about to be sent, with the new token's hash and the run's count; None to skip it."""
    token = token_new()
    with transaction.atomic():
        invitation = (
            _needing(kind, cycle=cycle, now=now)
            .filter(cycle_open_q(now=now, prefix="cycle__"), pk=pk)
            .select_related("cycle", "team")
            .select_for_update(of=("self",))
            .first()
        )
        if invitation is None:
            return None
        try:
            with transaction.atomic():
                InvitationSend.objects.create(
                    run=run, invitation=invitation, kind=kind, token_hash=token_hash(token)
                )
        except IntegrityError:  # another run has this person's email in flight
            return None
        if run is not None:
            EmailRun.objects.filter(pk=run.pk).update(sent=F("sent") + 1, progressed_at=now)
    return invitation, token


def _confirm(invitation: Invitation, *, kind: str, token_hash_value: str, now: dt.datetime) -> None:
    """The mail server took the email: its token is the one that works; the claim goes."""
    values: dict[str, Any] = {"token_hash": token_hash_value}
    if kind == EmailRun.Kind.INVITATION:
        values["sent_at"] = now
    else:
        values["reminded_at"] = now
        values["reminder_count"] = F("reminder_count") + 1
    with transaction.atomic():
        Invitation.objects.filter(pk=invitation.pk).update(**values)
        InvitationSend.objects.filter(invitation=invitation, kind=kind).delete()


def _release(invitation: Invitation, *, kind: str, run: EmailRun | None) -> None:
    """The email did not go out: no claim, no count; the earlier link keeps working."""
    with transaction.atomic():
        InvitationSend.objects.filter(invitation=invitation, kind=kind).delete()
        if run is not None:
            EmailRun.objects.filter(pk=run.pk).update(sent=F("sent") - 1)


def invitation_sends_settle(*, kind: str, ids: list[int], run: EmailRun | None) -> set[int]:
    """Claims left by an attempt that died between recording an email and confirming it.

    Whether the mail server took that email is unknown; sending it again could give the person
    two, so it counts as sent (it was counted when claimed) and its token becomes the working one:
    at most once. Only the claims of ``run`` itself or of runs that have finished are settled;
    another live run's are left to it. Returns the invitation ids settled.
    """
    claims = InvitationSend.objects.filter(kind=kind, invitation_id__in=ids).select_related("run")
    settled = set()
    for claim in claims:
        mine = run is not None and claim.run_id == run.pk
        if not (mine or claim.run is None or claim.run.is_finished):
            continue
        _confirm(
            claim.invitation, kind=kind, token_hash_value=claim.token_hash, now=claim.created_at
        )
        settled.add(claim.invitation_id)
    return settled


def invitations_batch_send(
    *,
    kind: str,
    cycle: Cycle,
    ids: list[int],
    now: dt.datetime | None = None,
    run: EmailRun | None = None,
) -> BatchResult:
    """Email the invitations among ``ids`` that still need this email, one at a time.

    Each person's row is locked and checked again (not emailed yet / due a reminder, not
    submitted, cycle open) and a claim is committed (:class:`~assessments.models.InvitationSend`,
    with ``run``'s count) before their email goes out; once the mail server has taken it their new
    token is written and the claim deleted. So two runs never email a person twice, a worker
    killed mid-run leaves a claim its retry settles instead of emailing again
    (:func:`invitation_sends_settle`), and whoever is not sent keeps a working earlier link. No
    transaction is open while the mail server is talked to.
    """
    now = now or timezone.now()
    settled = invitation_sends_settle(kind=kind, ids=ids, run=run)
    connection = get_connection()
    sent = skipped = tried = 0
    refused: list[str] = []
    error: BaseException | None = None
    minutes: int | None = None  # what the survey's intro says, read once
    opened = False
    failed_now = 0  # the message the mail server failed on (counted in ``tried``)
    try:
        for pk in ids:
            if pk in settled:
                tried += 1
                continue
            claimed = _claim(kind=kind, cycle=cycle, pk=pk, now=now, run=run)
            if claimed is None:
                skipped += 1
                tried += 1
                continue
            invitation, token = claimed
            if minutes is None:
                minutes = cycle.answer_minutes()
            message = _message(kind=kind, invitation=invitation, token=token, minutes=minutes)
            tried += 1
            try:
                if not opened:
                    connection.open()
                    opened = True
                accepted = connection.send_messages([message])
                if not accepted:
                    raise smtplib.SMTPException("the mail server did not take the message")
            except smtplib.SMTPRecipientsRefused as refusal:
                # One bad address must not hold back everyone after it.
                _release(invitation, kind=kind, run=run)
                refused.append(error_describe(refusal))
                continue
            except Exception:
                _release(invitation, kind=kind, run=run)
                failed_now = 1
                raise
            _confirm(invitation, kind=kind, token_hash_value=token_hash(token), now=now)
            sent += 1
    except Exception as failure:  # the server is down, refuses us, or hung up
        logger.warning("Sending %ss of cycle %s failed: %s", kind, cycle.pk, failure)
        error = failure
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    described = error_describe(error) if error else ""
    if refused:
        addresses = ngettext(
            "the mail server refused %d address",
            "the mail server refused %d addresses",
            len(refused),
        ) % len(refused)
        described = "; ".join(filter(None, [described, f"{addresses} ({refused[0]})"]))
    not_sent = len(refused) + failed_now + (len(ids) - tried)
    return BatchResult(
        sent=sent,
        skipped=skipped,
        not_sent=not_sent,
        error=described,
        broken=error is not None,
        settled=len(settled),
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
