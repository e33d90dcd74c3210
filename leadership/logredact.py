"""Secrets in URLs never reach a log: survey links, shared links and password-reset links.

A survey link (``/s/<token>/``) or a team's shared link (``/t/<token>/``) is the respondent's key:
whoever reads it in a log could open the person's saved answers and submit them. Django logs
request paths (runserver's request lines, "Not Found: /s/…" warnings) and gunicorn's access log
writes the path, so every log the project configures passes through :func:`redact`:

- :class:`RedactingFilter` on the LOGGING handlers (leadership/settings.py);
- ``RedactingLogger`` in deploy/gunicorn.conf.py for gunicorn's access and error lines;
- docs/deploy.md gives nginx a ``map`` that logs the redacted path instead of ``$request``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

# The path segment after these prefixes is a secret. Password-reset links carry the user's id and
# a one-time token (Django swaps the token for "set-password" after the first request).
_SECRET_PATH = re.compile(
    r"(?P<prefix>/(?:s|t)/|/accounts/reset/[^/\s\"']+/)(?P<secret>[^/\s\"'?#]+)"
)


def redact(text: str) -> str:
    """``text`` with every secret URL segment replaced by ``[redacted]``."""
    if "/s/" not in text and "/t/" not in text and "/reset/" not in text:
        return text
    return _SECRET_PATH.sub(
        lambda m: m["prefix"] + (m["secret"] if m["secret"] == "set-password" else REDACTED),
        text,
    )


class RedactingFilter(logging.Filter):
    """Rewrites a record's message with :func:`redact` before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to judge
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        # Django's request logging attaches the request; its path is not printed by our
        # formatter, but a handler that did (mail_admins, Sentry) would get the clean one.
        request: Any = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            record.request = _RequestView(request)
        return True


class _RequestView:
    """The attached request with its secret path segments redacted, for handlers that show it."""

    def __init__(self, request: Any) -> None:
        self._request = request

    @property
    def path(self) -> str:
        return redact(self._request.path)

    def get_full_path(self) -> str:
        return redact(self._request.get_full_path())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)
