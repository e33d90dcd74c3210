"""The read-only question bank."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from leadership.models import DEFAULT_BANK_NAME, Question, QuestionBank

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


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
