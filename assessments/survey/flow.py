"""The respondent's survey, without HTTP: links, answers in progress, and submitting (what the
steps show is in :mod:`assessments.survey.steps`).

Anonymous by construction (DESIGN.md): answers in progress are kept against the invitation as
drafts; :func:`submission_create` turns them into a :class:`Submission` in one transaction that
locks the invitation, and deletes the drafts. Nothing it writes refers back to the invitation,
and nothing here logs an id, a token or an email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import SmallIntegerField, TextField, Value
from django.utils import timezone
from django.utils.formats import number_format
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
from assessments.survey.steps import (
    ANSWER_PREFIX,
    CANT_SAY,
    COMMENT_PREFIX,
    Survey,
    cycle_layout,
    steps_layout,
)
from leadership.prepared import PreparedDelete, PreparedQuery, PreparedUpdate

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from django.db.models import Model, QuerySet
    from django.utils.functional import Promise


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
ERROR_COMMENT_TOO_LONG = _(
    "Not saved: a comment can have at most %(limit)s characters, and this one has %(length)s. "
    "Shorten it and it saves."
)
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

# Form field names (one radio group per statement, one text box per pillar) are in steps.py;
# these belong to the page itself rather than to the answers.
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
    state = cycle.state_at(now)
    if state == Cycle.State.DRAFT:
        return NOT_OPEN
    if state == Cycle.State.OPEN and cycle.opens_at and now < cycle.opens_at:
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
        "recorded_state",
        "opens_at",
        "closes_at",
        "timezone",
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
    layout = cycle_layout(invitation.cycle)
    return Survey(
        invitation=invitation,
        layouts=steps_layout(layout, role=invitation.role),
        answers=answers,
        comments=comments,
        page_cache=layout.pages,
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
    layout = cycle_layout(invitation.cycle)
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
        length = comment_length(text)
        if length > limit:
            # Refused whole, never cut: a comment saved shorter than written would lose its end
            # while the page said "Saved".
            message = ERROR_COMMENT_TOO_LONG % {
                "limit": number_format(limit, force_grouping=True),
                "length": number_format(length, force_grouping=True),
            }
            raise SurveyError(message, field=name)
        # NUL cannot be stored in PostgreSQL text; lone surrogates cannot be encoded.
        if "\x00" in text or not _encodable(text):
            raise SurveyError(ERROR_COMMENT_INVALID, field=name)


def comment_length(text: str) -> int:
    """A comment's length as the page's counter counts it: browsers send a line break as CR LF
    but count it as one character."""
    return len(text) - text.count("\r\n")


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
    now = timezone.now()
    with transaction.atomic():
        invitation = _invitation_get(invitation_id, lock=True)
        if invitation is None:
            raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
        problem = invitation_problem(invitation, now=now)
        if problem:
            raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
        answers, comments = _drafts(invitation.pk)
        required = set(cycle_layout(invitation.cycle).scales)
        if not required <= answers.keys():
            raise SurveyError(ERROR_SURVEY_INCOMPLETE)
        submission = Submission.objects.create(
            cycle_id=invitation.cycle_id,
            team_id=invitation.team_id,
            role=invitation.role,
            submitted_on=invitation.cycle.local_date(now),
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
