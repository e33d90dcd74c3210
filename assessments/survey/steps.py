"""What a survey shows: its steps, the statements in them, and a respondent's answers so far.

A cycle's questions are a fixed set of versions once it opens, so their layout (which statements,
in which step, with which wording and translated labels) is built once per process, role and
language and kept for a short while; a respondent's survey only adds their saved answers to it.

A step is one pillar. It is complete when every rating statement has an answer, where "can't say"
is an answer (stored as ``None``): explicit, so that "skipped by mistake" and "don't know" never
look the same, and never a burden, since "can't say" is always one tap away.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.models import Role
from leadership.languages import language_codes
from leadership.models import translations_missing

if TYPE_CHECKING:
    from assessments.models import Cycle, Invitation
    from leadership.models import Pillar, Question

# Form field names: one radio group per statement, one text box per pillar.
ANSWER_PREFIX = "q-"
COMMENT_PREFIX = "c-"
CANT_SAY = "na"


@dataclass(frozen=True, slots=True)
class Statement:
    """A rating statement as a step shows it, before any answer: the same for every respondent
    of a cycle in one role and language."""

    question_id: int
    field: str
    text: str
    help_text: str
    points: tuple[int, ...]
    labels: tuple[str, ...]
    cant_say_label: str
    number: int


@dataclass(slots=True)
class Item:
    """A statement with this respondent's answer so far (``value`` None means "can't say")."""

    statement: Statement
    answered: bool
    value: int | None

    @property
    def question_id(self) -> int:
        return self.statement.question_id

    @property
    def field(self) -> str:
        return self.statement.field

    @property
    def text(self) -> str:
        return self.statement.text

    @property
    def number(self) -> int:
        return self.statement.number

    @property
    def answer_label(self) -> str:
        if not self.answered:
            return ""
        statement = self.statement
        if self.value is None:
            return statement.cant_say_label
        if self.value in statement.points:
            return statement.labels[statement.points.index(self.value)]
        return str(self.value)


@dataclass(slots=True)
class Step:
    number: int
    pillar: Pillar
    items: list[Item]
    comment_field: str = ""
    comment_prompt: str = ""
    comment_help: str = ""
    comment: str = ""

    @property
    def answered(self) -> int:
        return sum(1 for item in self.items if item.answered)

    @property
    def complete(self) -> bool:
        return self.answered == len(self.items)

    @property
    def missing(self) -> list[Item]:
        return [item for item in self.items if not item.answered]


@dataclass
class Survey:
    """The invitation's survey with the answers and comments saved so far. Its steps are built
    when first asked for; a page that shows one step builds only that one."""

    invitation: Invitation
    layouts: tuple[_StepLayout, ...]
    answers: dict[int, int | None]  # question id → value (None: can't say)
    comments: dict[int, str]  # pillar id → text

    @cached_property
    def steps(self) -> list[Step]:
        return [self._step_build(number) for number in range(1, len(self.layouts) + 1)]

    @property
    def steps_total(self) -> int:
        return len(self.layouts)

    @property
    def cycle(self) -> Cycle:
        return self.invitation.cycle

    @property
    def is_self(self) -> bool:
        return self.invitation.role == Role.SELF

    @property
    def total_items(self) -> int:
        return sum(len(layout.statements) for layout in self.layouts)

    @property
    def answered_items(self) -> int:
        return sum(
            statement.question_id in self.answers
            for layout in self.layouts
            for statement in layout.statements
        )

    @property
    def started(self) -> bool:
        return self.answered_items > 0 or any(self.comments.values())

    @property
    def complete(self) -> bool:
        return all(step.complete for step in self.steps)

    @property
    def resume_step(self) -> int | None:
        """The first step with an unanswered statement; None when only the review is left."""
        for step in self.steps:
            if not step.complete:
                return step.number
        return None

    def step(self, number: int) -> Step | None:
        if not 1 <= number <= len(self.layouts):
            return None
        if "steps" in self.__dict__:
            return self.steps[number - 1]
        return self._step_build(number)

    def _step_build(self, number: int) -> Step:
        layout = self.layouts[number - 1]
        answers = self.answers
        step = Step(
            number=number,
            pillar=layout.pillar,
            items=[
                Item(
                    statement=statement,
                    answered=statement.question_id in answers,
                    value=answers.get(statement.question_id),
                )
                for statement in layout.statements
            ],
        )
        if layout.comment_pillar is not None:
            step.comment_field = f"{COMMENT_PREFIX}{layout.comment_pillar}"
            step.comment_prompt = layout.comment_prompt
            step.comment_help = layout.comment_help
            step.comment = self.comments.get(layout.comment_pillar, "")
        return step


@dataclass(frozen=True)
class _StepLayout:
    """What a step shows before any answer: the same for every respondent of a cycle and role."""

    pillar: Pillar
    statements: tuple[Statement, ...]
    comment_pillar: int | None = None
    comment_prompt: str = ""
    comment_help: str = ""


@dataclass(frozen=True)
class _CycleLayout:
    questions: tuple[Question, ...]
    # question id → (lowest, highest) point, for the rating statements
    scales: dict[int, tuple[int, int]]
    comment_pillars: frozenset[int]
    # (is self, language) → steps, built on first use
    steps: dict[tuple[bool, str | None], tuple[_StepLayout, ...]]


# A cycle's questions are a fixed set of versions once it is open, so each process keeps them
# (and their translated steps) for a short while instead of reading them on every request.
_LAYOUT_TTL = 30.0
_layout_cache: dict[tuple[int, object], tuple[float, _CycleLayout]] = {}


def cycle_layout(cycle: Cycle) -> _CycleLayout:
    now = time.monotonic()
    # created_at too: a rolled-back test database hands out the same ids again.
    cache_key = (cycle.pk, cycle.created_at)
    cached = _layout_cache.get(cache_key)
    if cached is not None and cached[0] >= now:
        return cached[1]
    questions = tuple(cycle.questions.in_survey_order())
    layout = _CycleLayout(
        questions=questions,
        scales={q.pk: (q.scale_min, q.scale_max) for q in questions if q.is_rating},
        comment_pillars=frozenset(q.pillar_id for q in questions if not q.is_rating),
        steps={},
    )
    if len(_layout_cache) > 64:
        _layout_cache.clear()
    _layout_cache[cache_key] = (now + _LAYOUT_TTL, layout)
    return layout


def layout_languages(layout: _CycleLayout) -> list[str]:
    """The site's languages in which every question of the cycle is translated: those a
    respondent may switch to."""
    return [
        code
        for code in language_codes()
        if not translations_missing(layout.questions, language=code)
    ]


def steps_layout(layout: _CycleLayout, *, role: str) -> tuple[_StepLayout, ...]:
    is_self = role == Role.SELF
    layout_key = (is_self, get_language())
    steps = layout.steps.get(layout_key)
    if steps is None:
        steps = layout.steps[layout_key] = _steps_build(layout.questions, role=role)
    return steps


def _steps_build(questions: tuple[Question, ...], *, role: str) -> tuple[_StepLayout, ...]:
    cant_say_label = str(_("Can't say"))
    # Labels are translated once per distinct scale, not once per statement.
    translated: dict[tuple[int, int, str, str], tuple[str, ...]] = {}
    pillars: dict[int, Pillar] = {}
    statements: dict[int, list[Statement]] = {}
    comments: dict[int, Question] = {}
    number = 0
    for question in questions:
        if question.pillar_id not in pillars:
            pillars[question.pillar_id] = question.pillar
            statements[question.pillar_id] = []
        if not question.is_rating:
            comments.setdefault(question.pillar_id, question)
            continue
        number += 1
        scale = (
            question.scale_min,
            question.scale_max,
            repr(question.scale_labels),
            repr(question.labels()),
        )
        labels = translated.get(scale)
        if labels is None:
            labels = translated[scale] = tuple(question.labels())
        statements[question.pillar_id].append(
            Statement(
                question_id=question.pk,
                field=f"{ANSWER_PREFIX}{question.pk}",
                text=question.wording_for(role),
                help_text=question.local_help_text,
                points=tuple(question.scale_points),
                labels=labels,
                cant_say_label=cant_say_label,
                number=number,
            )
        )
    steps = []
    for pillar_id, pillar in pillars.items():
        comment = comments.get(pillar_id)
        steps.append(
            _StepLayout(
                pillar=pillar,
                statements=tuple(statements[pillar_id]),
                comment_pillar=pillar_id if comment else None,
                comment_prompt=comment.wording_for(role) if comment else "",
                comment_help=comment.local_help_text if comment else "",
            )
        )
    return tuple(steps)
