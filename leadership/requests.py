"""The request our views see, as the type checker sees it: Django's, with ``request.htmx``.

django-htmx's middleware sets ``request.htmx`` on every request (``settings.MIDDLEWARE``); views
that read it annotate their request with :class:`HtmxHttpRequest` (django-htmx's own advice).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
