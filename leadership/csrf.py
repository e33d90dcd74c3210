"""Pages that keep their address to themselves, and Django's CSRF protection that serves them.

A respondent's survey pages carry a session-scoped key in their address, so they are sent with
``Referrer-Policy: no-referrer`` and are never cached (:func:`address_hidden`). Under that policy
browsers send ``Origin: null`` with every POST, even a same-origin one, and no Referer, so
Django's origin check would refuse every answer a respondent saves. The CSRF middleware here
accepts ``Origin: null`` for those views only; the CSRF token check still runs in full for them
(a cross-site page cannot read the token, and the SameSite=Lax cookies do not travel with its
POST), and its refusal page hides its address too. Every other view gets Django's checks
unchanged.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks
from django.middleware import csrf
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

_MARK = "csrf_origin_may_be_hidden"
_PATH = "leadership.csrf.CsrfViewMiddleware"
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def hide_address(response: HttpResponse) -> HttpResponse:
    """No Referer leaves the page and no cache keeps it."""
    response["Referrer-Policy"] = "no-referrer"
    if response.has_header("Cache-Control") or response.has_header("Expires"):
        add_never_cache_headers(response)
    else:  # what add_never_cache_headers writes here, without parsing an absent header
        response["Cache-Control"] = _NEVER_CACHE
        response["Expires"] = http_date()
    return response


def address_hidden(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view's pages hide their address (:func:`hide_address`), so their POSTs carry
    ``Origin: null``, which :class:`CsrfViewMiddleware` accepts for them."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return hide_address(view(request, *args, **kwargs))

    setattr(wrapped, _MARK, True)
    return wrapped


class CsrfViewMiddleware(csrf.CsrfViewMiddleware):
    def process_view(
        self,
        request: HttpRequest,
        callback: Callable[..., Any],
        callback_args: tuple[Any, ...],
        callback_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        request.csrf_origin_may_be_hidden = getattr(callback, _MARK, False)
        return super().process_view(request, callback, callback_args, callback_kwargs)

    def _origin_verified(self, request: HttpRequest) -> bool:
        if request.META.get("HTTP_ORIGIN") == "null" and getattr(
            request, "csrf_origin_may_be_hidden", False
        ):
            return True
        return super()._origin_verified(request)

    def _reject(self, request: HttpRequest, reason: str) -> HttpResponse:
        response = super()._reject(request, reason)
        if getattr(request, "csrf_origin_may_be_hidden", False):
            hide_address(response)
        return response


@checks.register(checks.Tags.security, deploy=True)
def csrf_middleware_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """Django's own checks look for its middleware by class name: security.W003 (silenced in
    settings) that it is installed, security.W016 that its cookie is secure. These two look for
    the subclass that stands in for it."""
    if _PATH not in settings.MIDDLEWARE:
        return [
            checks.Warning(
                f"{_PATH} is not in MIDDLEWARE: no view is protected against cross-site requests.",
                id="pillars.W003",
            )
        ]
    if not settings.CSRF_USE_SESSIONS and settings.CSRF_COOKIE_SECURE is not True:
        return [
            checks.Warning(
                "CSRF_COOKIE_SECURE is not True: the CSRF cookie would travel over plain HTTP.",
                id="pillars.W016",
            )
        ]
    return []
