"""Rate limits on the token links and the submits, shared by every app server.

Counts live in Django's default cache. A limit of *n* requests per window is *n* numbered slots;
a request is allowed when it claims a free slot with ``cache.add``, which is atomic on every
backend that can be shared between processes (the database cache, Redis, Memcached) — unlike
``cache.incr``, which the database cache implements as read-then-write. So two app servers
never both get the last slot. Production needs that cache shared: ``CACHE_IN_DATABASE`` (the
default with ``PILLARS_ENV=production``) or a Redis/Memcached ``CACHES`` entry; the local-memory
cache of development counts per process.

Client addresses are hashed before they become cache keys, so the cache holds no IP addresses.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from leadership.clientip import client_ip

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

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
    return f"ratelimit:{scope}:{digest}:{rate.window}:{window_number}"


def ratelimit_hit(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> bool:
    """Count one request; True when it is within the limit of the current window."""
    bucket = _bucket(scope=scope, ident=ident, rate=rate, now=now)
    timeout = rate.window * 2
    # The hint only saves queries; correctness comes from each slot being added once.
    start = min(int(cache.get(bucket, 0)), rate.limit)
    for slot in range(start, rate.limit):
        if cache.add(f"{bucket}:{slot}", 1, timeout):
            cache.set(bucket, slot + 1, timeout)
            return True
    return False


def ratelimit_exhausted(*, scope: str, ident: str, rate: Rate, now: float | None = None) -> bool:
    """True when the current window's last slot is taken, without counting a request."""
    bucket = _bucket(scope=scope, ident=ident, rate=rate, now=now)
    return cache.get(f"{bucket}:{rate.limit - 1}") is not None


def _safely(check: Callable[..., bool], *, default: bool = False, **kwargs: Any) -> bool:
    """A broken cache (a missing table, Redis down) must not stop respondents: let them in."""
    try:
        return check(**kwargs)
    except Exception:
        logger.exception("rate limit check failed; the request is let through")
        return default


def _too_many(request: HttpRequest, rate: Rate) -> HttpResponse:
    response = render(
        request,
        "assessments/too_many_requests.html",
        {"window_minutes": max(1, round(rate.window / 60))},
        status=TOO_MANY_REQUESTS,
    )
    response["Retry-After"] = str(rate.window)
    return response


def ratelimit(
    scope: str, *, setting: str, failures_only: bool = False, methods: tuple[str, ...] = ()
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Limit a view per client address to the rate in ``settings.<setting>`` (``"n/seconds"``).

    ``failures_only`` counts only responses of 400 and above — for token links, where guessing
    shows up as "not found" while a whole office opening its real links at once stays welcome.
    ``methods`` limits only those methods (all when empty).
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if methods and request.method not in methods:
                return view(request, *args, **kwargs)
            rate = Rate.parse(getattr(settings, setting))
            ident = client_ip(request)
            if failures_only:
                if _safely(ratelimit_exhausted, scope=scope, ident=ident, rate=rate):
                    return _too_many(request, rate)
                response = view(request, *args, **kwargs)
                if response.status_code >= 400:
                    _safely(ratelimit_hit, scope=scope, ident=ident, rate=rate, default=True)
                return response
            if not _safely(ratelimit_hit, scope=scope, ident=ident, rate=rate, default=True):
                return _too_many(request, rate)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
