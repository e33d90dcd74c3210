"""The respondent's survey, without HTTP: links, steps, answers in progress, and submitting.

Anonymous by construction (DESIGN.md): answers in progress are kept against the invitation as
drafts; :func:`submission_create` turns them into a :class:`Submission` in one transaction that
locks the invitation, and deletes the drafts. Nothing it writes refers back to the invitation,
and nothing here logs an id, a token or an email.

A step is one pillar. It is complete when every rating statement has an answer, where "can't say"
is an answer (stored as ``None``): explicit, so that "skipped by mistake" and "don't know" never
look the same, and never a burden, since "can't say" is always one tap away.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import SmallIntegerField, TextField, Value
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    Answer,
    Comment,
    Cycle,
    DraftAnswer,
    DraftComment,
    Invitation,
    Role,
    SharedLink,
    Submission,
    Team,
    token_hash,
    token_new,
)
from leadership.prepared import PreparedDelete, PreparedQuery, PreparedUpdate

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from django.db.models import Model, QuerySet
    from django.utils.functional import Promise

    from leadership.models import Pillar, Question

_Row = TypeVar("_Row", bound="Model")

# Why a survey cannot be answered right now; the views map each to a friendly page.
UNKNOWN = "unknown"
NOT_OPEN = "not_open"
CLOSED = "closed"
SUBMITTED = "submitted"

ERROR_UNKNOWN_LINK = _(
    "We don't recognise this survey link. Check that you copied all of it, or ask HR for a new one."
)
ERROR_NOT_OPEN = _("This survey has not opened yet. Please come back once it opens.")
ERROR_CLOSED = _("This survey has closed, so it no longer takes answers.")
ERROR_ALREADY_SUBMITTED = _("These answers have already been submitted. Thank you!")
ERROR_QUESTION_UNKNOWN = _("One of the answers refers to a statement that is not in this survey.")
ERROR_VALUE_INVALID = _("Please pick one of the answers shown.")
ERROR_COMMENT_UNKNOWN = _("That comment box is not part of this survey.")
ERROR_COMMENT_TOO_LONG = _("This comment is too long. Please shorten it.")
ERROR_COMMENT_INVALID = _("This comment contains characters we cannot store.")
ERROR_FIELD_UNKNOWN = _("The form contained a field we do not know.")
ERROR_STEP_INCOMPLETE = _(
    "Please choose an answer for every statement on this step. “Can't say” counts as an answer."
)
ERROR_SAVE_UNAVAILABLE = _(
    "Not saved: this survey no longer takes answers here. Reload the page to see why."
)
ERROR_SURVEY_INCOMPLETE = _(
    "Some steps still have statements without an answer. Finish them, then submit."
)

PROBLEM_MESSAGES: dict[str, Promise] = {
    UNKNOWN: ERROR_UNKNOWN_LINK,
    NOT_OPEN: ERROR_NOT_OPEN,
    CLOSED: ERROR_CLOSED,
    SUBMITTED: ERROR_ALREADY_SUBMITTED,
}

# Form field names: one radio group per statement, one text box per pillar.
ANSWER_PREFIX = "q-"
COMMENT_PREFIX = "c-"
CANT_SAY = "na"
# Fields that belong to the page itself rather than to the answers.
FORM_FIELDS = frozenset({"csrfmiddlewaretoken", "go"})


class SurveyError(Exception):
    """A refusal with a message for the respondent; ``problem`` is set when the whole survey is
    unavailable (one of UNKNOWN, NOT_OPEN, CLOSED, SUBMITTED)."""

    def __init__(self, message: Promise | str, *, problem: str = "", field: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.problem = problem
        self.field = field


# --- Links ----------------------------------------------------------------------------------


def _one(rows: QuerySet[_Row]) -> _Row | None:
    """The row a unique filter picks, or None: no ORDER BY (``first()`` would sort by the model's
    default ordering, joining teams, for a single row)."""
    found = list(rows.order_by()[:1])
    return found[0] if found else None


def invitation_problem(invitation: Invitation, *, now: dt.datetime | None = None) -> str:
    """Why this invitation cannot take answers now, or "" when it can."""
    if invitation.is_submitted:
        return SUBMITTED
    return cycle_problem(invitation.cycle, now=now)


def cycle_problem(cycle: Cycle, *, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if cycle.accepts_answers(now):
        return ""
    if cycle.state == Cycle.State.DRAFT:
        return NOT_OPEN
    if cycle.state == Cycle.State.OPEN and cycle.opens_at and now < cycle.opens_at:
        return NOT_OPEN
    return CLOSED


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation behind a personal link, whatever its state (None when unknown)."""
    if not token or len(token) > 200:
        return None
    invitations = Invitation.objects.select_related("cycle", "team")
    return _one(invitations.filter(token_hash=token_hash(token)))


def _attnames(model: type[Model], used: set[str]) -> tuple[str, ...]:
    """The ``used`` fields in the model's own order, which ``Model.from_db`` expects."""
    names = tuple(field.attname for field in model._meta.concrete_fields if field.attname in used)
    if len(names) != len(used):
        raise ValueError(f"{model.__name__} has no field {sorted(used - set(names))}")
    return names


# The columns the respondent's pages use, and only those: every survey request reads them, and
# on SQLite the cost of a read grows with the length of its SQL. Any other field of these objects
# is deferred, so touching one costs an extra query (the query-count tests would show it).
_INVITATION_FIELDS = _attnames(Invitation, {"id", "cycle_id", "team_id", "role", "state"})
_CYCLE_FIELDS = _attnames(
    Cycle,
    {
        "id",
        "name",
        "state",
        "opens_at",
        "closes_at",
        "min_group_size",
        "comment_min_group_size",
        "created_at",
    },
)
_TEAM_FIELDS = _attnames(Team, {"id", "name"})


def _invitation_row(invitations: QuerySet[Invitation]) -> QuerySet[Any]:
    return invitations.order_by().values_list(
        *_INVITATION_FIELDS,
        *(f"cycle__{name}" for name in _CYCLE_FIELDS),
        *(f"team__{name}" for name in _TEAM_FIELDS),
    )[:1]


# Every survey request reads its invitation with the cycle and team (what select_related would
# fetch) and then its drafts: the same three reads each time, so Django compiles them once.
_invitation_read = PreparedQuery(
    lambda invitation_id: _invitation_row(Invitation.objects.filter(pk=invitation_id))
)
# Submitting reads it locked: SELECT … FOR UPDATE on PostgreSQL (SQLite's IMMEDIATE transaction
# already holds the write lock).
_invitation_lock = PreparedQuery(
    lambda invitation_id: _invitation_row(
        Invitation.objects.select_for_update(of=("self",)).filter(pk=invitation_id)
    )
)
# Both in one statement for the pages, which always want both: (question, value, None) for an
# answer, (pillar, None, text) for a comment; a comment's text is never NULL.
_drafts_read = PreparedQuery(
    lambda answers_of, comments_of: (
        DraftAnswer.objects.filter(invitation_id=answers_of)
        .order_by()
        .values_list("question_id", "value", Value(None, output_field=TextField()))
        .union(
            DraftComment.objects.filter(invitation_id=comments_of)
            .order_by()
            .values_list("pillar_id", Value(None, output_field=SmallIntegerField()), "text"),
            all=True,
        )
    ),
    kinds=(int, int),
)


def _invitation_get(invitation_id: int, *, lock: bool = False) -> Invitation | None:
    """The invitation with its cycle and team, as ``select_related("cycle", "team")`` with
    ``only()`` of the fields above gives it; ``lock`` (inside a transaction) locks its row until
    the transaction ends."""
    rows = (_invitation_lock if lock else _invitation_read).rows(invitation_id)
    if not rows:
        return None
    row = rows[0]
    cycle_at = len(_INVITATION_FIELDS)
    team_at = cycle_at + len(_CYCLE_FIELDS)
    invitation = Invitation.from_db(DEFAULT_DB_ALIAS, _INVITATION_FIELDS, row[:cycle_at])
    invitation.cycle = Cycle.from_db(DEFAULT_DB_ALIAS, _CYCLE_FIELDS, row[cycle_at:team_at])
    invitation.team = Team.from_db(DEFAULT_DB_ALIAS, _TEAM_FIELDS, row[team_at:])
    return invitation


def invitation_open(*, invitation_id: int) -> Invitation:
    """The invitation, only while it can take answers; raises :class:`SurveyError` otherwise."""
    invitation = _invitation_get(invitation_id)
    if invitation is None:
        raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
    problem = invitation_problem(invitation)
    if problem:
        raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
    return invitation


def invitation_start(*, invitation: Invitation) -> None:
    """Mark a pending invitation as started (a single conditional UPDATE, safe to repeat)."""
    if invitation.state == Invitation.State.PENDING:
        Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
            state=Invitation.State.STARTED
        )
        invitation.state = Invitation.State.STARTED


def shared_link_visit(*, token: str) -> Invitation:
    """A visit to a team's shared link: a fresh member invitation that only this visit knows.

    Its own token is random and never shown: the visitor reaches it through their session.
    """
    link = None
    if token and len(token) <= 200:
        link = _one(
            SharedLink.objects.select_related("cycle", "team").filter(token_hash=token_hash(token))
        )
    if link is None or not link.active:
        raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
    problem = cycle_problem(link.cycle)
    if problem:
        raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
    return Invitation.objects.create(
        cycle=link.cycle,
        team=link.team,
        role=Role.MEMBER,
        email=None,
        token_hash=token_hash(token_new()),
        state=Invitation.State.STARTED,
    )


# --- The survey's structure -----------------------------------------------------------------


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
    # Shared by every survey of the same cycle layout and dropped with it: presentation keeps
    # pages rendered once per step there (see survey_views).
    page_cache: dict[tuple[object, ...], object] = field(default_factory=dict, repr=False)

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
    pages: dict[tuple[object, ...], object]


# A cycle's questions are a fixed set of versions once it is open, so each process keeps them
# (and their translated steps) for a short while instead of reading them on every request.
_LAYOUT_TTL = 30.0
_layout_cache: dict[tuple[int, object], tuple[float, _CycleLayout]] = {}


def _cycle_layout(cycle: Cycle) -> _CycleLayout:
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
        pages={},
    )
    if len(_layout_cache) > 64:
        _layout_cache.clear()
    _layout_cache[cache_key] = (now + _LAYOUT_TTL, layout)
    return layout


def _steps_layout(layout: _CycleLayout, *, role: str) -> tuple[_StepLayout, ...]:
    is_self = role == Role.SELF
    layout_key = (is_self, get_language())
    steps = layout.steps.get(layout_key)
    if steps is None:
        steps = layout.steps[layout_key] = _steps_build(layout.questions, role=role)
    return steps


def _steps_build(questions: tuple[Question, ...], *, role: str) -> tuple[_StepLayout, ...]:
    cant_say_label = str(_("Can't say"))
    # Labels are translated once per distinct scale, not once per statement.
    translated: dict[tuple[int, int, str], tuple[str, ...]] = {}
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
        scale = (question.scale_min, question.scale_max, repr(question.scale_labels))
        labels = translated.get(scale)
        if labels is None:
            labels = translated[scale] = tuple(question.labels())
        statements[question.pillar_id].append(
            Statement(
                question_id=question.pk,
                field=f"{ANSWER_PREFIX}{question.pk}",
                text=question.wording_for(role),
                help_text=question.help_text,
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
                comment_help=comment.help_text if comment else "",
            )
        )
    return tuple(steps)


def _drafts(invitation_id: int) -> tuple[dict[int, int | None], dict[int, str]]:
    """The invitation's saved answers (question → value) and comments (pillar → text)."""
    answers: dict[int, int | None] = {}
    comments: dict[int, str] = {}
    for key, value, text in _drafts_read.rows(invitation_id, invitation_id):
        if text is None:
            answers[key] = value
        else:
            comments[key] = text
    return answers, comments


def survey_build(*, invitation: Invitation) -> Survey:
    """The invitation's survey, with the answers and comments saved so far."""
    answers, comments = _drafts(invitation.pk)
    cycle_layout = _cycle_layout(invitation.cycle)
    return Survey(
        invitation=invitation,
        layouts=_steps_layout(cycle_layout, role=invitation.role),
        answers=answers,
        comments=comments,
        page_cache=cycle_layout.pages,
    )


# --- Answers in progress --------------------------------------------------------------------


@dataclass
class DraftInput:
    """Answers and comments parsed from a form: question id → value (None = can't say), pillar
    id → text."""

    answers: dict[int, int | None] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)


def _parse_id(name: str, prefix: str) -> int:
    raw = name[len(prefix) :]
    if not raw.isdigit() or len(raw) > 18:
        raise SurveyError(ERROR_FIELD_UNKNOWN, field=name)
    return int(raw)


def draft_input_parse(data: Mapping[str, str]) -> DraftInput:
    """Read ``q-<question id>`` and ``c-<pillar id>`` fields; anything else is refused."""
    parsed = DraftInput()
    for name, raw in data.items():
        if name in FORM_FIELDS:
            continue
        if name.startswith(ANSWER_PREFIX):
            question_id = _parse_id(name, ANSWER_PREFIX)
            if raw == CANT_SAY:
                parsed.answers[question_id] = None
            elif raw.lstrip("-").isdigit() and len(raw) <= 6:
                parsed.answers[question_id] = int(raw)
            else:
                raise SurveyError(ERROR_VALUE_INVALID, field=name)
        elif name.startswith(COMMENT_PREFIX):
            parsed.comments[_parse_id(name, COMMENT_PREFIX)] = raw
        else:
            raise SurveyError(ERROR_FIELD_UNKNOWN, field=name)
    return parsed


def _validate(invitation: Invitation, drafts: DraftInput) -> None:
    layout = _cycle_layout(invitation.cycle)
    for question_id, value in drafts.answers.items():
        name = f"{ANSWER_PREFIX}{question_id}"
        scale = layout.scales.get(question_id)
        if scale is None:
            raise SurveyError(ERROR_QUESTION_UNKNOWN, field=name)
        if value is not None and not scale[0] <= value <= scale[1]:
            raise SurveyError(ERROR_VALUE_INVALID, field=name)
    limit = settings.PILLARS_MAX_COMMENT_LENGTH
    for pillar_id, text in drafts.comments.items():
        name = f"{COMMENT_PREFIX}{pillar_id}"
        if pillar_id not in layout.comment_pillars:
            raise SurveyError(ERROR_COMMENT_UNKNOWN, field=name)
        if len(text) > limit:
            raise SurveyError(ERROR_COMMENT_TOO_LONG, field=name)
        # NUL cannot be stored in PostgreSQL text; lone surrogates cannot be encoded.
        if "\x00" in text or not _encodable(text):
            raise SurveyError(ERROR_COMMENT_INVALID, field=name)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def drafts_save(*, invitation: Invitation, drafts: DraftInput) -> None:
    """Validate everything, then save it all in one transaction; on any error nothing is written.

    Raises :class:`SurveyError` when the survey is unavailable or a value is refused.
    """
    problem = invitation_problem(invitation)
    if problem:
        raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
    _validate(invitation, drafts)
    empty = [pillar for pillar, text in drafts.comments.items() if not text.strip()]
    filled = {pillar: text for pillar, text in drafts.comments.items() if text.strip()}
    if not (drafts.answers or drafts.comments):
        return
    with transaction.atomic():
        if drafts.answers:
            DraftAnswer.objects.bulk_create(
                [
                    DraftAnswer(invitation_id=invitation.pk, question_id=question, value=value)
                    for question, value in drafts.answers.items()
                ],
                update_conflicts=True,
                unique_fields=["invitation", "question"],
                update_fields=["value"],
            )
        if filled:
            DraftComment.objects.bulk_create(
                [
                    DraftComment(invitation_id=invitation.pk, pillar_id=pillar, text=text)
                    for pillar, text in filled.items()
                ],
                update_conflicts=True,
                unique_fields=["invitation", "pillar"],
                update_fields=["text"],
            )
        if empty:
            DraftComment.objects.filter(invitation_id=invitation.pk, pillar_id__in=empty).delete()


# --- Submitting -----------------------------------------------------------------------------


# Every submit ends with the same three writes, so Django compiles them once.
_draft_answers_clear = PreparedDelete(
    lambda invitation_id: DraftAnswer.objects.filter(invitation_id=invitation_id)
)
_draft_comments_clear = PreparedDelete(
    lambda invitation_id: DraftComment.objects.filter(invitation_id=invitation_id)
)
_invitation_submitted = PreparedUpdate(
    lambda invitation_id: Invitation.objects.filter(pk=invitation_id),
    values={"state": Invitation.State.SUBMITTED},
)


def submission_create(*, invitation_id: int) -> None:
    """Turn the invitation's saved answers into an anonymous submission, exactly once.

    One transaction: lock the invitation (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
    IMMEDIATE transaction already holds the write lock), refuse if it is already submitted,
    create the submission (date only) with its answers and comments, delete the drafts, mark the
    invitation submitted. Returns nothing, so no caller can log or keep the submission's id.
    """
    with transaction.atomic():
        invitation = _invitation_get(invitation_id, lock=True)
        if invitation is None:
            raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
        problem = invitation_problem(invitation)
        if problem:
            raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
        answers, comments = _drafts(invitation.pk)
        required = set(_cycle_layout(invitation.cycle).scales)
        if not required <= answers.keys():
            raise SurveyError(ERROR_SURVEY_INCOMPLETE)
        submission = Submission.objects.create(
            cycle_id=invitation.cycle_id,
            team_id=invitation.team_id,
            role=invitation.role,
            submitted_on=timezone.localdate(),
        )
        Answer.objects.bulk_create(
            Answer(submission_id=submission.pk, question_id=question, value=answers[question])
            for question in sorted(required)
        )
        if comments:
            Comment.objects.bulk_create(
                Comment(submission_id=submission.pk, pillar_id=pillar, text=text)
                for pillar, text in comments.items()
            )
        _draft_answers_clear.run(invitation.pk)
        _draft_comments_clear.run(invitation.pk)
        _invitation_submitted.run(invitation.pk)
