"""The landing page and the read-only question bank."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from leadership.models import DEFAULT_BANK_NAME, Question, QuestionBank

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


@login_required
def bank_detail(request: HttpRequest, bank_id: int | None = None) -> HttpResponse:
    banks = QuestionBank.objects.all()
    if bank_id is None:
        bank = banks.filter(name=DEFAULT_BANK_NAME).first() or banks.first()
    else:
        bank = get_object_or_404(QuestionBank, pk=bank_id)
    pillars = []
    if bank is not None:
        questions = Question.objects.current().order_by("order", "code")
        pillars = bank.pillars.prefetch_related(
            Prefetch("questions", queryset=questions, to_attr="current_questions")
        )
    return render(
        request,
        "leadership/bank_detail.html",
        {"bank": bank, "banks": banks, "pillars": pillars},
    )
