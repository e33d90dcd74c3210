"""``/healthz`` for load balancers: is this process up and can it reach its database?

It is answered by the first middleware, before host validation, the HTTPS redirect, sessions and
the login lockout, because load balancers probe backends by address over plain HTTP. It reveals
nothing but "ok" or "unavailable", and its requests are kept out of the logs.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import DatabaseError, connection
from django.http import JsonResponse

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

HEALTH_PATH = "/healthz"
logger = logging.getLogger(__name__)


def health(request: HttpRequest) -> JsonResponse:
    """200 ``{"status": "ok"}`` when a trivial query succeeds, otherwise 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        # One line per failing probe would flood the log while the database is down; the
        # load balancer already reports the outage, so keep it at debug level.
        logger.debug("health check: database unavailable", exc_info=True)
        response = JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    else:
        response = JsonResponse({"status": "ok", "database": "ok"})
    response["Cache-Control"] = "no-store"
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == HEALTH_PATH and request.method in {"GET", "HEAD"}:
            return health(request)
        return self.get_response(request)


class HealthCheckLogFilter(logging.Filter):
    """Drops log records about ``/healthz`` (runserver and gunicorn access lines, 503s)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True
        return HEALTH_PATH not in message
