"""The client's address behind a known number of proxies, for lockouts and rate limits.

``X-Forwarded-For`` is a list each proxy appends to, so only its last
``PILLARS_TRUSTED_PROXY_COUNT`` entries were written by proxies we run; anything further left was
sent by the client and may be forged. With no trusted proxy the socket address is the answer.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.PILLARS_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    # With too high a count the entry is the client's own text: take it only if it is an address.
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The username axes counts failures against, case-folded so "Ana@" and "ana@" add up."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username") if source else None
    return username.strip().casefold() if isinstance(username, str) else username


def axes_client_ip(request: HttpRequest) -> str | None:
    """The address for django-axes, which stores it in an IP column: None when unknown."""
    address = client_ip(request)
    return None if address == "unknown" else address
