"""Who is who: HR (the HR group or a superuser) and leaders (users who lead a team)."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest
    from django.http.response import HttpResponseBase


def user_is_hr(user: Any) -> bool:
    """True for members of the HR group and for superusers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_pillars_is_hr", None)
    if cached is None:
        cached = user.groups.filter(name=settings.HR_GROUP_NAME).exists()
        user._pillars_is_hr = cached
    return cached


def hr_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Signed-in HR only; anyone else signed in gets a 404 so nothing leaks that it exists."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not user_is_hr(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
