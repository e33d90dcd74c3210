"""Subject access and erasure: everything Pillars holds about one email address.

What is linked to an email: the user account (if the address signs in), the teams it leads, team
memberships, invitations (cycle, team, role, when it was created and first emailed), the sign-in
records of django-axes, and the audit events of its own HR actions. What is never linked:
submitted answers and comments — a submission has no link to any invitation, email or token, so
there is nothing of them to export or to erase.

Nobody learns here whether the person has answered (issue 12): the lookup, the download and the
erasure say and do the same for someone who submitted, someone half-way and someone who never
started. So an invitation's state, its reminders (which go only to people who have not answered)
and its answers in progress are left out; the download says they exist and what happens to them.

Erasure deletes memberships, sign-in records and the account, and strips every invitation of its
email and token and deletes its answers in progress; the rows stay, without anything personal,
so response rates stay right. Audit events keep what was done but name the erased person as
"erased user". Looking up, downloading and erasing are audited, under a pseudonym (a hash of the
address), so the audit log does not re-identify whom it was about.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assessments.models import AuditEvent, Invitation, Team, TeamMember
from assessments.privacy.retention import invitations_anonymise

ERASED_LABEL = "erased user"
ERROR_SELF_ERASURE = _lazy("You cannot erase your own account while signed in with it.")


class ErasureRefused(Exception):
    pass


def subject_pseudonym(email: str) -> str:
    """How the audit log names a subject: stable per address, not readable at a glance."""
    digest = hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:12]
    return f"subject {digest}"


def _users(email: str) -> Any:
    return get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email))


def _signins(email: str) -> tuple[Any, Any, Any]:
    return (
        AccessAttempt.objects.filter(username__iexact=email),
        AccessLog.objects.filter(username__iexact=email),
        AccessFailureLog.objects.filter(username__iexact=email),
    )


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def subject_export(*, email: str) -> dict[str, Any]:
    """Everything held about ``email``, as JSON-ready data (no one's answers: none are linked)."""
    email = email.strip()
    users = list(_users(email).prefetch_related("groups"))
    invitations = (
        Invitation.objects.filter(email__iexact=email)
        .select_related("cycle", "team")
        .order_by("created_at", "pk")
    )
    attempts, logins, failures = _signins(email)
    return {
        "email": email,
        "exported_at": timezone.now().isoformat(),
        "about": _(
            "Answers and comments are anonymous: once submitted they are not linked to any "
            "email, invitation or account, so they cannot be part of this export."
        ),
        "about_invitations": _(
            "An invitation also holds its answers in progress until they are submitted (then "
            "they leave it, unlinked) or until the invitation data of its cycle is purged, and "
            "when it was last reminded. They are not listed, so that this export never tells "
            "whether the person has answered; erasure deletes them."
        ),
        "accounts": [
            {
                "username": user.get_username(),
                "name": user.get_full_name(),
                "email": user.email,
                "active": user.is_active,
                "joined": _when(user.date_joined),
                "last_login": _when(user.last_login),
                "groups": [group.name for group in user.groups.all()],
                "teams_led": list(
                    Team.objects.filter(leaders=user)
                    .order_by("name")
                    .values_list("name", flat=True)
                ),
            }
            for user in users
        ],
        "team_memberships": [
            {"team": m.team.name, "department": m.team.parent.name if m.team.parent else ""}
            for m in TeamMember.objects.filter(email__iexact=email).select_related("team__parent")
        ],
        "invitations": [
            {
                "cycle": i.cycle.name,
                "team": i.team.name,
                "role": i.role,
                "created": _when(i.created_at),
                "sent": _when(i.sent_at),
            }
            for i in invitations
        ],
        "audit_events_as_actor": [
            {"when": _when(e.created_at), "action": e.action, "target": e.target}
            for e in AuditEvent.objects.filter(
                Q(actor__in=users) | Q(actor_label__iexact=email)
            ).order_by("created_at")
        ],
        "sign_in_records": sorted(
            [
                {
                    "when": _when(a.attempt_time),
                    "kind": "failed attempts",
                    "address": a.ip_address,
                    "browser": a.user_agent,
                    "count": a.failures_since_start,
                }
                for a in attempts
            ]
            + [
                {
                    "when": _when(a.attempt_time),
                    "kind": "signed in",
                    "address": a.ip_address,
                    "browser": a.user_agent,
                    "signed_out": _when(a.logout_time),
                }
                for a in logins
            ]
            + [
                {
                    "when": _when(a.attempt_time),
                    "kind": "failed",
                    "address": a.ip_address,
                    "browser": a.user_agent,
                }
                for a in failures
            ],
            key=lambda record: record["when"] or "",
        ),
    }


def subject_export_record(*, email: str, actor: Any) -> dict[str, Any]:
    data = subject_export(email=email)
    AuditEvent.record(actor=actor, action="privacy.export", target=subject_pseudonym(email))
    return data


def subject_lookup_record(*, email: str, actor: Any) -> dict[str, Any]:
    """What the lookup page shows; every lookup is audited (HR looking a person up repeatedly
    is itself worth seeing)."""
    data = subject_export(email=email)
    AuditEvent.record(actor=actor, action="privacy.lookup", target=subject_pseudonym(email))
    return data


@dataclass(frozen=True)
class ErasureSummary:
    """What an erasure did, the same for someone who answered and someone who did not."""

    accounts: int
    memberships: int
    invitations_anonymised: int
    sign_in_records: int

    @property
    def total(self) -> int:
        return self.accounts + self.memberships + self.invitations_anonymised + self.sign_in_records


def subject_erase(*, email: str, actor: Any) -> ErasureSummary:
    """Delete (or strip) everything held about ``email``; all or nothing, and audited."""
    email = email.strip()
    users = list(_users(email))
    if actor is not None and any(user.pk == getattr(actor, "pk", None) for user in users):
        raise ErasureRefused(ERROR_SELF_ERASURE)
    with transaction.atomic():
        # Every invitation alike, whatever its state: stripped, its answers in progress deleted.
        anonymised, _drafts = invitations_anonymise(Invitation.objects.filter(email__iexact=email))
        memberships = TeamMember.objects.filter(email__iexact=email).delete()[0]
        signins = sum(records.delete()[0] for records in _signins(email))
        AuditEvent.objects.filter(Q(actor__in=users) | Q(actor_label__iexact=email)).update(
            actor_label=ERASED_LABEL
        )
        for user in users:
            user.delete()
        summary = ErasureSummary(
            accounts=len(users),
            memberships=memberships,
            invitations_anonymised=anonymised,
            sign_in_records=signins,
        )
        AuditEvent.record(
            actor=actor,
            action="privacy.erase",
            target=subject_pseudonym(email),
            detail={
                "accounts": summary.accounts,
                "memberships": summary.memberships,
                "invitations_anonymised": summary.invitations_anonymised,
                "sign_in_records": summary.sign_in_records,
            },
        )
    return summary
