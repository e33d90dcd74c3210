"""The landing page."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """HR: the cycles with live response rates. A leader: their teams, counts, own survey."""
    from assessments.home import home_hr, home_leader
    from leadership.roles import user_is_hr

    if user_is_hr(request.user):
        template = "leadership/home.html#hr-cycles" if request.htmx else "leadership/home.html"
        return render(request, template, home_hr())
    return render(request, "leadership/home.html", home_leader(user=request.user))
