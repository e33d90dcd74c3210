"""Rate limits on the token links, the submits and password resets, shared by every app server.

Counts live in the database (:class:`leadership.models.RateCount`), one row per client address
and window, so every app server and worker shares them whatever cache is configured. Counting a
request is one atomic statement: an INSERT that, when the window's row exists, adds one to it
instead and returns the new count (``INSERT … ON CONFLICT … DO UPDATE … RETURNING``, on SQLite
and PostgreSQL alike), so two app servers never both get the last request of a window. Rows of
windows long over are deleted when a new window's row is created.

Client addresses are hashed before they become keys, so the table holds no IP addresses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, router, transaction
from django.shortcuts import render
from django.utils import timezone

from leadership.clientip import client_ip
from leadership.models import RateCount

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractContextManager

    from django.http import HttpRequest, HttpResponse
    from django.http.response import HttpResponseBase

TOO_MANY_REQUESTS = 429
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"30/60"``: 30 requests per 60 seconds."""
        limit, _, window = text.partition("/")
        rate = cls(limit=int(limit), window=int(window or 60))
        if rate.limit < 1 or rate.window < 1:
            raise ValueError(f"A rate needs a positive limit and window, not {text!r}.")
        return rate


def _bucket(*, scope: str, ident: str, rate: Rate, now: float | None) -> str:
    window_number = int((time.time() if now is None else now) // rate.window)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{ident}".encode()).hexdigest()[:24]
    return f"{scope}:{digest}:{rate.window}:{window_number}"


def _guard(using: str) -> AbstractContextManager[Any]:
    """Inside a transaction (a caller's, a test's) a failing statement must not spoil it: run
    in a savepoint there; otherwise each statement commits on its own."""
    in_transaction = connections[using].in_atomic_block
    return transaction.atomic(using=using) if in_transaction else nullcontext()


def _count(bucket: str, *, expires_at: dt.datetime) -> int:
    """Add one to the bucket's count in one statement and return the new count."""
    using = router.db_for_write(RateCount)
    connection = connections[using]
    quote = connection.ops.quote_name
    table = quote(RateCount._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({quote('bucket')}, {quote('hits')}, {quote('expires_at')}) "
        f"VALUES (%s, 1, %s) ON CONFLICT ({quote('bucket')}) "
        f"DO UPDATE SET {quote('hits')} = {table}.{quote('hits')} + 1 RETURNING {quote('hits')}"
    )
    params = [bucket, connection.ops.adapt_datetimefield_value(expires_at)]
    with _guard(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        (hits,) = cursor.fetchone()
    if hits == 1:  # a new window: clear away the windows long over
        with _guard(using):
            RateCount.objects.filter(expires_at__lt=timezone.now()).delete()
    return hits


def ratelimit_hit(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> bool:
    """Count one request; True when it is within the limit of the current window."""
    bucket = _bucket(scope=scope, ident=ident, rate=rate, now=now)
    # Kept a window longer than it counts, by the real clock (``now`` may be a test's).
    real_now = timezone.now()
    hits = _count(bucket, expires_at=real_now + dt.timedelta(seconds=2 * rate.window))
    return hits <= rate.limit


def _safely(check: Callable[..., bool], *, default: bool = False, **kwargs: Any) -> bool:
    """A broken count (a missing table, a database error) must not stop respondents: let them
    in."""
    try:
        return check(**kwargs)
    except Exception:
        logger.exception("rate limit check failed; the request is let through")
        return default


TOO_MANY_TEMPLATE = "assessments/too_many_requests.html"


def _too_many(request: HttpRequest, rate: Rate, template: str = TOO_MANY_TEMPLATE) -> HttpResponse:
    response = render(
        request,
        template,
        {"window_minutes": max(1, round(rate.window / 60))},
        status=TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(rate.window)
    return response


def ratelimit(
    scope: str,
    *,
    setting: str,
    failures_only: bool = False,
    methods: tuple[str, ...] = (),
    template: str = TOO_MANY_TEMPLATE,
) -> Callable[[Callable[..., HttpResponseBase]], Callable[..., HttpResponseBase]]:
    """Limit a view per client address to the rate in ``settings.<setting>`` (``"n/seconds"``).

    ``failures_only`` counts only responses of 400 and above, and refuses only those — for token
    links, where guessing shows up as "not found": once an address has had too many, its wrong
    links get "too many requests" instead of "not found", while a valid link always opens (one
    person mistyping behind an office's single address never locks colleagues out).
    ``methods`` limits only those methods (all when empty). ``template`` is the page that says
    "too many requests" (the default speaks to respondents).
    """

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if methods and request.method not in methods:
                return view(request, *args, **kwargs)
            rate = Rate.parse(getattr(settings, setting))
            ident = client_ip(request)
            if failures_only:
                response = view(request, *args, **kwargs)
                if response.status_code < 400:
                    return response
                if not _safely(ratelimit_hit, scope=scope, ident=ident, rate=rate, default=True):
                    return _too_many(request, rate, template)
                return response
            if not _safely(ratelimit_hit, scope=scope, ident=ident, rate=rate, default=True):
                return _too_many(request, rate, template)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
