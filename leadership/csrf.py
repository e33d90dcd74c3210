"""Django's CSRF protection, also for pages served with ``Referrer-Policy: no-referrer``.

Under that policy browsers send ``Origin: null`` with every POST, even a same-origin one, and no
Referer, so Django's origin check would refuse every answer a respondent saves. Views marked with
:func:`origin_may_be_hidden` accept ``Origin: null``; the CSRF token check still runs in full for
them: a cross-site page cannot read the token, and the SameSite=Lax cookies do not travel with
its POST. Every other view gets Django's checks unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks
from django.middleware import csrf

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

_MARK = "csrf_origin_may_be_hidden"
_PATH = "leadership.csrf.CsrfViewMiddleware"


def origin_may_be_hidden(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view whose pages hide their address (``Referrer-Policy: no-referrer``)."""
    setattr(view, _MARK, True)
    return view


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


@checks.register(checks.Tags.security, deploy=True)
def csrf_middleware_check(**kwargs: Any) -> list[checks.CheckMessage]:
    """Django's own check (security.W003, silenced in settings) looks for its class by name; this
    one looks for the subclass that stands in for it."""
    if _PATH in settings.MIDDLEWARE:
        return []
    return [
        checks.Warning(
            f"{_PATH} is not in MIDDLEWARE: no view is protected against cross-site requests.",
            id="pillars.W003",
        )
    ]
