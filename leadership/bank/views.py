"""The question bank: everyone signed in reads it; HR edits it, question by question.

Every edit is a real form posted to its own URL; with htmx, moving or retiring a question swaps
just its pillar's card (the ``pillar`` partial of the bank page).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from leadership.bank import edits
from leadership.bank.forms import (
    PillarForm,
    QuestionForm,
    question_initial,
    translations_initial,
)
from leadership.models import DEFAULT_BANK_NAME, Pillar, Question, QuestionBank
from leadership.roles import hr_required, user_is_hr

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.http import HttpRequest, HttpResponse

    from leadership.requests import HtmxHttpRequest

STEPS = {"up": -1, "down": 1}


def _pillars(bank: QuestionBank, *, retired: bool) -> Sequence[Pillar]:
    """The bank's pillars with their current questions (and how many cycles used each), and,
    for HR, the questions retired from each."""
    current = (
        Question.objects.current().annotate(cycle_count=Count("cycles")).order_by("order", "code")
    )
    pillars = list(
        bank.pillars.order_by("order", "key").prefetch_related(
            Prefetch("questions", queryset=current, to_attr="current_questions")
        )
    )
    if retired:
        active = set(bank.questions.current().values_list("code", flat=True))
        latest: dict[str, Question] = {}
        for question in bank.questions.filter(active=False).order_by("code", "-version"):
            if question.code not in active:
                latest.setdefault(question.code, question)
        for pillar in pillars:
            pillar.retired_questions = [  # type: ignore[attr-defined]
                q for q in latest.values() if q.pillar_id == pillar.pk
            ]
    return pillars


def _bank_url(bank: QuestionBank, anchor: str = "") -> str:
    url = reverse("leadership:bank-detail", args=[bank.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
def bank_detail(request: HttpRequest, bank_id: int | None = None) -> HttpResponse:
    banks = QuestionBank.objects.all()
    if bank_id is None:
        bank = banks.filter(name=DEFAULT_BANK_NAME).first() or banks.first()
    else:
        bank = get_object_or_404(QuestionBank, pk=bank_id)
    can_edit = user_is_hr(request.user)
    pillars = _pillars(bank, retired=can_edit) if bank is not None else []
    return render(
        request,
        "leadership/bank_detail.html",
        {"bank": bank, "banks": banks, "pillars": pillars, "can_edit": can_edit},
    )


def _pillar_card(request: HtmxHttpRequest, pillar: Pillar) -> HttpResponse:
    """After a move or a retirement: the pillar's card for htmx, else the bank page."""
    if not request.htmx:
        return redirect(_bank_url(pillar.bank, f"pillar-{pillar.key}"))
    pillars = {p.pk: p for p in _pillars(pillar.bank, retired=True)}
    return render(
        request,
        "leadership/bank_detail.html#pillar",
        {"bank": pillar.bank, "pillar": pillars[pillar.pk], "can_edit": True},
    )


# --- Questions ------------------------------------------------------------------------------


def _question_page(request: HttpRequest, form: QuestionForm, **context: Any) -> HttpResponse:
    return render(
        request,
        "leadership/question_form.html",
        {"form": form, "bank": form.bank, **context},
        status=400 if form.is_bound and form.errors else 200,
    )


@hr_required
def question_new(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = get_object_or_404(QuestionBank, pk=bank_id)
    pillar = bank.pillars.filter(pk=request.GET.get("pillar") or 0).first() or (
        bank.pillars.order_by("order").first()
    )
    initial = {"kind": Question.Kind.RATING, "scale_min": 1, "scale_max": 5}
    if pillar is not None:
        initial |= {"pillar": pillar.pk, "code": edits.code_suggest(pillar=pillar)}
    form = QuestionForm(request.POST or None, bank=bank, initial=initial)
    if request.method == "POST" and form.is_valid():
        question = edits.question_add(
            bank=bank,
            actor=request.user,
            code=form.cleaned_data["code"],
            **form.question_fields(),
        )
        messages.success(request, _("Question %(code)s added.") % {"code": question.code})
        return redirect(_bank_url(bank, f"q-{question.code}"))
    return _question_page(request, form)


@hr_required
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    question = get_object_or_404(Question.objects.select_related("bank", "pillar"), pk=question_id)
    if not question.active:
        return redirect(_bank_url(question.bank, f"pillar-{question.pillar.key}"))
    form = QuestionForm(
        request.POST or None,
        bank=question.bank,
        question=question,
        initial=question_initial(question),
    )
    if request.method == "POST" and form.is_valid():
        change = edits.question_change(
            question=question, actor=request.user, **form.question_fields()
        )
        if change.versioned:
            messages.success(
                request,
                _(
                    "Saved as version %(new)s of %(code)s. Cycles that used version %(old)s keep "
                    "its wording; new cycles ask the new one."
                )
                % {"new": change.question.version, "old": question.version, "code": question.code},
            )
        elif change.changed:
            messages.success(request, _("Question %(code)s saved.") % {"code": question.code})
        else:
            messages.info(request, _("Nothing to save: the question is as it was."))
        return redirect(_bank_url(question.bank, f"q-{question.code}"))
    return _question_page(request, form, question=question, cycles=edits.question_cycles(question))


def _question_post(question_id: int) -> Question:
    return get_object_or_404(Question.objects.select_related("bank", "pillar"), pk=question_id)


@require_POST
@hr_required
def question_move(request: HtmxHttpRequest, question_id: int, direction: str) -> HttpResponse:
    question = _question_post(question_id)
    if direction in STEPS and question.active:
        edits.question_move(question=question, actor=request.user, step=STEPS[direction])
    return _pillar_card(request, question.pillar)


@require_POST
@hr_required
def question_retire(request: HtmxHttpRequest, question_id: int) -> HttpResponse:
    question = _question_post(question_id)
    if question.active:
        edits.question_retire(question=question, actor=request.user)
        if not request.htmx:
            messages.success(
                request,
                _("%(code)s is retired: new cycles leave it out; cycles that used it keep it.")
                % {"code": question.code},
            )
    return _pillar_card(request, question.pillar)


@require_POST
@hr_required
def question_restore(request: HtmxHttpRequest, question_id: int) -> HttpResponse:
    question = _question_post(question_id)
    if not question.active and not edits.question_restore(question=question, actor=request.user):
        messages.error(request, _("%(code)s is already in the bank.") % {"code": question.code})
    return _pillar_card(request, question.pillar)


# --- Pillars --------------------------------------------------------------------------------


@hr_required
def pillar_new(request: HttpRequest, bank_id: int) -> HttpResponse:
    bank = get_object_or_404(QuestionBank, pk=bank_id)
    form = PillarForm(request.POST or None, bank=bank)
    if request.method == "POST" and form.is_valid():
        pillar = edits.pillar_add(
            bank=bank,
            actor=request.user,
            key=form.cleaned_data["key"],
            name=form.cleaned_data["name"].strip(),
            description=form.cleaned_data["description"].strip(),
            translations=form.translations_cleaned(),
            direction=form.cleaned_data["direction"] or Pillar.Direction.HIGHER,
        )
        messages.success(request, _("Pillar “%(name)s” added.") % {"name": pillar.name})
        return redirect(_bank_url(bank, f"pillar-{pillar.key}"))
    return render(
        request,
        "leadership/pillar_form.html",
        {"form": form, "bank": bank},
        status=400 if form.is_bound and form.errors else 200,
    )


@hr_required
def pillar_edit(request: HttpRequest, pillar_id: int) -> HttpResponse:
    pillar = get_object_or_404(Pillar.objects.select_related("bank"), pk=pillar_id)
    form = PillarForm(
        request.POST or None,
        bank=pillar.bank,
        pillar=pillar,
        initial={
            "name": pillar.name,
            "description": pillar.description,
            **translations_initial(pillar.translations, PillarForm.translated),
            "direction": pillar.direction,
        },
    )
    if request.method == "POST" and form.is_valid():
        edits.pillar_change(
            pillar=pillar,
            actor=request.user,
            name=form.cleaned_data["name"].strip(),
            description=form.cleaned_data["description"].strip(),
            translations=form.translations_cleaned(stored=pillar.translations),
            direction=form.cleaned_data["direction"] or None,
        )
        messages.success(request, _("Pillar “%(name)s” saved.") % {"name": pillar.name})
        return redirect(_bank_url(pillar.bank, f"pillar-{pillar.key}"))
    return render(
        request,
        "leadership/pillar_form.html",
        {"form": form, "bank": pillar.bank, "pillar": pillar},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@hr_required
def pillar_move(request: HttpRequest, pillar_id: int, direction: str) -> HttpResponse:
    pillar = get_object_or_404(Pillar.objects.select_related("bank"), pk=pillar_id)
    if direction in STEPS:
        edits.pillar_move(pillar=pillar, actor=request.user, step=STEPS[direction])
    return redirect(_bank_url(pillar.bank, f"pillar-{pillar.key}"))
