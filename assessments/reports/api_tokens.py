"""Bearer tokens of the scores API: issued to an HR user for a number of days, listed, revoked.

Only a token's SHA-256 hash is stored; the token itself is shown once, when it is issued. A token
answers for its user while it is neither expired nor revoked and the user is an active member of
HR; every use updates ``last_used_at`` (at most once a minute, so a BI tool polling the API does
not write on every request). Issuing and revoking are audited.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import ApiToken, AuditEvent, token_hash, token_new
from leadership.roles import user_is_hr

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DAYS_MIN, DAYS_MAX = 1, 365
LAST_USE_RESOLUTION = dt.timedelta(minutes=1)
ERROR_NOT_HR = _("API tokens are for HR users only: this user is not in the HR group.")
ERROR_DAYS = _("A token lasts between %(low)s and %(high)s days.") % {
    "low": DAYS_MIN,
    "high": DAYS_MAX,
}


class ApiTokenError(Exception):
    """A refused token action; the message is for people."""


def api_token_days_default() -> int:
    return min(DAYS_MAX, max(DAYS_MIN, settings.PILLARS_API_TOKEN_DAYS))


def api_token_issue(
    *, user: Any, name: str, days: int | None = None, actor: Any
) -> tuple[ApiToken, str]:
    """A new token for ``user`` lasting ``days`` (default PILLARS_API_TOKEN_DAYS); returns the
    row and the token, which is never stored or shown again."""
    if not user_is_hr(user):
        raise ApiTokenError(ERROR_NOT_HR)
    days = api_token_days_default() if days is None else days
    if not DAYS_MIN <= days <= DAYS_MAX:
        raise ApiTokenError(ERROR_DAYS)
    token = token_new()
    expires_at = timezone.now() + dt.timedelta(days=days)
    row = ApiToken.objects.create(
        user=user,
        name=name.strip()[:80],
        token_hash=token_hash(token),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    AuditEvent.record(
        actor=actor,
        action="api_token.create",
        target=user.get_username(),
        detail={"token": row.pk, "name": row.name, "expires_at": expires_at.isoformat()},
    )
    return row, token


def api_token_revoke(*, row: ApiToken, actor: Any) -> bool:
    """Revoke the token now; False when it was revoked already."""
    changed = ApiToken.objects.filter(pk=row.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        row.refresh_from_db(fields=["revoked_at"])
        AuditEvent.record(
            actor=actor,
            action="api_token.revoke",
            target=row.user.get_username(),
            detail={"token": row.pk, "name": row.name},
        )
    return bool(changed)


def api_token_user(*, token: str, now: dt.datetime | None = None) -> AbstractBaseUser | None:
    """The active HR user a presented token answers for, or None."""
    if not token or len(token) > 200:
        return None
    now = now or timezone.now()
    row = (
        ApiToken.objects.active(now)
        .select_related("user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if row is None or not row.user.is_active or not user_is_hr(row.user):
        return None
    if row.last_used_at is None or row.last_used_at <= now - LAST_USE_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user
