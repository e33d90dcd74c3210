"""The sign-in lockout backend: django-axes, for sign-ins that come through a web request."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend


class LoginLockoutBackend(AxesStandaloneBackend):
    """Refuses locked-out web sign-ins; leaves sign-ins from code alone.

    Every web sign-in (the login page, the admin) passes its request, so it is counted and can be
    locked out. ``authenticate()`` without a request comes from code — Django's test client, a
    shell — where there is no address to lock and axes would raise instead of answering.
    """

    def authenticate(self, request: Any, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)
