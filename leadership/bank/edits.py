"""HR's edits of a question bank in the browser: questions and pillars, one at a time.

A question that a cycle has used changes by a new version (:meth:`Question.revise`), never in
place: the cycles that used the old wording keep it, and later cycles ask the new one. Draft
cycles have asked nobody yet, so they follow the bank: after every edit a draft of the bank
takes the bank's current questions. Order and pillar names are labels, not meaning: they change
in place, for every cycle. Every edit is recorded in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from leadership.audit import audit_send
from leadership.models import Pillar, Question, QuestionBank

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True)
class QuestionChange:
    question: Question  # the version that carries the question now
    versioned: bool  # a new version was made; the cycles that used the old one keep it
    changed: bool


def _cycle_model() -> Any:
    """``assessments.Cycle``, reached through the relation rather than imported (leadership/
    does not import assessments/)."""
    return Question._meta.get_field("cycles").related_model


def question_cycles(question: Question) -> list[Any]:
    """The cycles that include this version of the question (and so keep its wording)."""
    return list(question.cycles.order_by("-created_at"))


def bank_drafts_follow(*, bank: QuestionBank) -> int:
    """Draft cycles of ``bank`` take its current questions; returns how many drafts there are."""
    current = list(bank.questions.current())
    drafts = _cycle_model().objects.drafts().filter(bank=bank)
    for cycle in drafts:
        cycle.questions.set(current)
    return len(drafts)


def _audit(actor: Any, action: str, target: object, **detail: Any) -> None:
    audit_send(actor=actor, action=action, target=target, detail=detail)


def code_suggest(*, pillar: Pillar) -> str:
    """A free code for a new question of ``pillar``, in the style of its others (CL07)."""
    codes = list(pillar.bank.questions.values_list("code", flat=True))
    mine = [c for c in pillar.questions.values_list("code", flat=True) if c[:2].isalpha()]
    prefix = mine[0][:2].upper() if mine else pillar.key[:2].upper()
    number = 1
    while f"{prefix}{number:02}" in codes:
        number += 1
    return f"{prefix}{number:02}"


@transaction.atomic
def question_add(*, bank: QuestionBank, actor: Any, code: str, **fields: Any) -> Question:
    pillar: Pillar = fields["pillar"]
    last = pillar.questions.current().aggregate(last=Max("order"))["last"] or 0
    question = Question.objects.create(bank=bank, code=code, order=last + 1, **fields)
    bank_drafts_follow(bank=bank)
    _audit(actor, "bank.question.add", question, bank=bank.pk, code=code)
    return question


@transaction.atomic
def question_change(*, question: Question, actor: Any, **fields: Any) -> QuestionChange:
    """Apply the form's ``fields``: in place while no cycle used the question, else as a new
    version."""
    changes = {name: value for name, value in fields.items() if getattr(question, name) != value}
    if not changes:
        return QuestionChange(question=question, versioned=False, changed=False)
    before = question.version
    result = question.revise(**changes)
    versioned = result.pk != question.pk
    bank_drafts_follow(bank=question.bank)
    _audit(
        actor,
        "bank.question.version" if versioned else "bank.question.edit",
        result,
        code=result.code,
        version=result.version,
        previous_version=before,
        fields=sorted(changes),
    )
    return QuestionChange(question=result, versioned=versioned, changed=True)


@transaction.atomic
def question_retire(*, question: Question, actor: Any) -> None:
    """Out of the bank from now on; the cycles that used it keep it."""
    Question.objects.filter(pk=question.pk).update(active=False)
    question.active = False
    bank_drafts_follow(bank=question.bank)
    _audit(actor, "bank.question.retire", question, code=question.code)


@transaction.atomic
def question_restore(*, question: Question, actor: Any) -> bool:
    """Back in the bank, unless another version of its code is there already."""
    if question.bank.questions.current().filter(code=question.code).exists():
        return False
    Question.objects.filter(pk=question.pk).update(active=True)
    question.active = True
    bank_drafts_follow(bank=question.bank)
    _audit(actor, "bank.question.restore", question, code=question.code)
    return True


def _renumber(rows: Sequence[Any], model: Any) -> None:
    for number, row in enumerate(rows, start=1):
        if row.order != number:
            model.objects.filter(pk=row.pk).update(order=number)
            row.order = number


@transaction.atomic
def question_move(*, question: Question, actor: Any, step: int) -> bool:
    """One place up (``step`` −1) or down (+1) among its pillar's questions; False at an end."""
    rows = list(question.pillar.questions.current().order_by("order", "code"))
    at = next(i for i, row in enumerate(rows) if row.pk == question.pk)
    to = at + step
    if not 0 <= to < len(rows):
        return False
    rows[at], rows[to] = rows[to], rows[at]
    _renumber(rows, Question)
    _audit(actor, "bank.question.move", question, code=question.code, position=to + 1)
    return True


@transaction.atomic
def pillar_add(
    *,
    bank: QuestionBank,
    actor: Any,
    key: str,
    name: str,
    description: str,
    translations: dict[str, Any] | None = None,
    direction: str = Pillar.Direction.HIGHER,
) -> Pillar:
    last = bank.pillars.aggregate(last=Max("order"))["last"] or 0
    pillar = Pillar.objects.create(
        bank=bank,
        key=key,
        name=name,
        description=description,
        order=last + 1,
        translations=translations or {},
        direction=direction,
    )
    _audit(actor, "bank.pillar.add", pillar, bank=bank.pk, key=key)
    return pillar


@transaction.atomic
def pillar_change(
    *,
    pillar: Pillar,
    actor: Any,
    name: str,
    description: str,
    translations: dict[str, Any] | None = None,
    direction: str | None = None,
) -> bool:
    """Rename, redescribe or turn a pillar, in any language (``translations`` or ``direction``
    None: unchanged)."""
    translations = pillar.translations if translations is None else translations
    direction = direction or pillar.direction
    if (pillar.name, pillar.description, pillar.translations, pillar.direction) == (
        name,
        description,
        translations,
        direction,
    ):
        return False
    before = pillar.name
    pillar.name, pillar.description = name, description
    pillar.translations, pillar.direction = translations, direction
    pillar.save(update_fields=["name", "description", "translations", "direction"])
    _audit(actor, "bank.pillar.edit", pillar, key=pillar.key, name_before=before)
    return True


@transaction.atomic
def pillar_move(*, pillar: Pillar, actor: Any, step: int) -> bool:
    rows = list(pillar.bank.pillars.order_by("order", "key"))
    at = next(i for i, row in enumerate(rows) if row.pk == pillar.pk)
    to = at + step
    if not 0 <= to < len(rows):
        return False
    rows[at], rows[to] = rows[to], rows[at]
    _renumber(rows, Pillar)
    _audit(actor, "bank.pillar.move", pillar, key=pillar.key, position=to + 1)
    return True
