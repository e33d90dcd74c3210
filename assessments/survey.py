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
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
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
    token_hash,
    token_new,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from django.utils.functional import Promise

    from leadership.models import Pillar, Question

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
    return (
        Invitation.objects.select_related("cycle", "team")
        .filter(token_hash=token_hash(token))
        .first()
    )


def invitation_open(*, invitation_id: int) -> Invitation:
    """The invitation, only while it can take answers; raises :class:`SurveyError` otherwise."""
    invitation = Invitation.objects.select_related("cycle", "team").filter(pk=invitation_id).first()
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
        link = (
            SharedLink.objects.select_related("cycle", "team")
            .filter(token_hash=token_hash(token))
            .first()
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


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    checked: bool
    point: int | None = None


@dataclass
class Item:
    question_id: int
    field: str
    text: str
    help_text: str
    points: list[int]
    labels: list[str]
    cant_say: Option
    answered: bool
    value: int | None
    number: int

    @property
    def options(self) -> list[Option]:
        # Built on demand: a page shows the options of one step only.
        return [
            Option(
                value=str(point),
                label=label,
                checked=self.answered and self.value == point,
                point=point,
            )
            for point, label in zip(self.points, self.labels, strict=True)
        ]

    @property
    def answer_label(self) -> str:
        if not self.answered:
            return ""
        if self.value is None:
            return self.cant_say.label
        if self.value in self.points:
            return self.labels[self.points.index(self.value)]
        return str(self.value)


@dataclass
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
    invitation: Invitation
    steps: list[Step] = field(default_factory=list)

    @property
    def cycle(self) -> Cycle:
        return self.invitation.cycle

    @property
    def is_self(self) -> bool:
        return self.invitation.role == Role.SELF

    @property
    def total_items(self) -> int:
        return sum(len(step.items) for step in self.steps)

    @property
    def answered_items(self) -> int:
        return sum(step.answered for step in self.steps)

    @property
    def started(self) -> bool:
        return self.answered_items > 0 or any(step.comment for step in self.steps)

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
        if 1 <= number <= len(self.steps):
            return self.steps[number - 1]
        return None


# A cycle's questions are a fixed set of versions once it is open, so each process keeps them
# for a short while instead of reading and translating them on every page.
_QUESTIONS_TTL = 30.0
_questions_cache: dict[tuple[int, object], tuple[float, list[Question]]] = {}


def _cycle_questions(cycle: Cycle) -> list[Question]:
    now = time.monotonic()
    # created_at too: a rolled-back test database hands out the same ids again.
    cache_key = (cycle.pk, cycle.created_at)
    cached = _questions_cache.get(cache_key)
    if cached is None or cached[0] < now:
        questions = list(cycle.questions.in_survey_order())
        if len(_questions_cache) > 64:
            _questions_cache.clear()
        _questions_cache[cache_key] = (now + _QUESTIONS_TTL, questions)
        return questions
    return cached[1]


def survey_build(*, invitation: Invitation) -> Survey:
    """Every step of the invitation's survey, with the answers and comments saved so far."""
    role = invitation.role
    answers = dict(invitation.drafts.values_list("question_id", "value"))
    comments = dict(invitation.draft_comments.values_list("pillar_id", "text"))
    cant_say_label = str(_("Can't say"))
    # Labels are translated once per distinct scale, not once per statement.
    translated: dict[tuple[int, int, str], list[str]] = {}
    steps: dict[int, Step] = {}
    number = 0
    for question in _cycle_questions(invitation.cycle):
        step = steps.get(question.pillar_id)
        if step is None:
            step = steps[question.pillar_id] = Step(
                number=len(steps) + 1, pillar=question.pillar, items=[]
            )
        if not question.is_rating:
            if not step.comment_field:
                step.comment_field = f"{COMMENT_PREFIX}{question.pillar_id}"
                step.comment_prompt = question.wording_for(role)
                step.comment_help = question.help_text
                step.comment = comments.get(question.pillar_id, "")
            continue
        number += 1
        answered = question.pk in answers
        value = answers.get(question.pk)
        scale = (question.scale_min, question.scale_max, repr(question.scale_labels))
        labels = translated.get(scale)
        if labels is None:
            labels = translated[scale] = question.labels()
        step.items.append(
            Item(
                question_id=question.pk,
                field=f"{ANSWER_PREFIX}{question.pk}",
                text=question.wording_for(role),
                help_text=question.help_text,
                points=question.scale_points,
                labels=labels,
                cant_say=Option(
                    value=CANT_SAY, label=cant_say_label, checked=answered and value is None
                ),
                answered=answered,
                value=value,
                number=number,
            )
        )
    return Survey(invitation=invitation, steps=list(steps.values()))


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
    cycle_questions = invitation.cycle.questions
    if drafts.answers:
        scales = {
            row["pk"]: (row["scale_min"], row["scale_max"])
            for row in cycle_questions.ratings()
            .filter(pk__in=list(drafts.answers))
            .values("pk", "scale_min", "scale_max")
        }
        for question_id, value in drafts.answers.items():
            name = f"{ANSWER_PREFIX}{question_id}"
            if question_id not in scales:
                raise SurveyError(ERROR_QUESTION_UNKNOWN, field=name)
            low, high = scales[question_id]
            if value is not None and not low <= value <= high:
                raise SurveyError(ERROR_VALUE_INVALID, field=name)
    if drafts.comments:
        pillars = set(
            cycle_questions.comments()
            .filter(pillar_id__in=list(drafts.comments))
            .values_list("pillar_id", flat=True)
        )
        limit = settings.PILLARS_MAX_COMMENT_LENGTH
        for pillar_id, text in drafts.comments.items():
            name = f"{COMMENT_PREFIX}{pillar_id}"
            if pillar_id not in pillars:
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


def submission_create(*, invitation_id: int) -> None:
    """Turn the invitation's saved answers into an anonymous submission, exactly once.

    One transaction: lock the invitation (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
    IMMEDIATE transaction already holds the write lock), refuse if it is already submitted,
    create the submission (date only) with its answers and comments, delete the drafts, mark the
    invitation submitted. Returns nothing, so no caller can log or keep the submission's id.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("cycle")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None:
            raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
        problem = invitation_problem(invitation)
        if problem:
            raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
        answers = dict(
            DraftAnswer.objects.filter(invitation_id=invitation.pk).values_list(
                "question_id", "value"
            )
        )
        required = {
            question.pk for question in _cycle_questions(invitation.cycle) if question.is_rating
        }
        if not required <= answers.keys():
            raise SurveyError(ERROR_SURVEY_INCOMPLETE)
        comments = list(
            DraftComment.objects.filter(invitation_id=invitation.pk).values_list(
                "pillar_id", "text"
            )
        )
        submission = Submission.objects.create(
            cycle_id=invitation.cycle_id,
            team_id=invitation.team_id,
            role=invitation.role,
            submitted_on=timezone.localdate(),
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question_id=question, value=answers[question])
            for question in sorted(required)
        )
        if comments:
            Comment.objects.bulk_create(
                Comment(submission=submission, pillar_id=pillar, text=text)
                for pillar, text in comments
            )
        DraftAnswer.objects.filter(invitation_id=invitation.pk).delete()
        DraftComment.objects.filter(invitation_id=invitation.pk).delete()
        Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.SUBMITTED)
