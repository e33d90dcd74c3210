"""The respondent's survey, without HTTP: links, answers in progress, and submitting (what the
steps show is in :mod:`assessments.survey.steps`).

Anonymous by construction (DESIGN.md): answers in progress are kept against the invitation as
drafts; :func:`submission_create` turns them into a :class:`Submission` in one transaction that
locks the invitation, and deletes the drafts. Nothing it writes refers back to the invitation,
and nothing here logs an id, a token or an email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    CLOSED,
    NOT_OPEN,
    SUBMITTED,
    Answer,
    Comment,
    DraftAnswer,
    DraftComment,
    Invitation,
    Role,
    SharedLink,
    Submission,
    token_hash,
    token_new,
)
from assessments.survey.steps import (
    ANSWER_PREFIX,
    CANT_SAY,
    COMMENT_PREFIX,
    Survey,
    cycle_layout,
    layout_languages,
    steps_layout,
)
from leadership.languages import language_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.utils.functional import Promise


# Why a survey cannot be answered right now; the views map each to a friendly page. An
# invitation or a cycle says which of the others applies (``Invitation.problem()``).
UNKNOWN = "unknown"
SHARED_FULL = "shared_full"

ERROR_UNKNOWN_LINK = _(
    "We don't recognise this survey link. Check that you copied all of it, or ask HR for a new one."
)
ERROR_NOT_OPEN = _("This survey has not opened yet. Please come back once it opens.")
ERROR_CLOSED = _("This survey has closed, so it no longer takes answers.")
ERROR_ALREADY_SUBMITTED = _("These answers have already been submitted. Thank you!")
ERROR_SHARED_FULL = _(
    "This team link has taken all the answers HR planned for it. If you have not answered yet, "
    "ask HR for a link of your own."
)
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
    SHARED_FULL: ERROR_SHARED_FULL,
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


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation behind a personal link, whatever its state (None when unknown)."""
    if not token or len(token) > 200:
        return None
    invitations = Invitation.objects.select_related("cycle", "team")
    try:
        return invitations.get(token_hash=token_hash(token))
    except Invitation.DoesNotExist:
        return None


# The columns a survey request reads, and only those: any other field of these objects is
# deferred, so touching one costs an extra query (the query-count tests would show it). Saving
# answers and submitting need the invitation's state and its cycle's schedule (and the cycle's
# identity, the key of its cached layout); the pages add the names they show. Every column and
# join left out is work the ORM does not do on each autosave and submit.
_ANSWER_FIELDS = (
    "id",
    "cycle_id",
    "team_id",
    "role",
    "state",
    "shared_link_id",
    "language",
    "cycle__id",
    "cycle__recorded_state",
    "cycle__opens_at",
    "cycle__closes_at",
    "cycle__timezone",
    "cycle__created_at",
)
_PAGE_FIELDS = (
    *_ANSWER_FIELDS,
    "cycle__name",
    "cycle__min_group_size",
    "cycle__comment_min_group_size",
    "team__id",
    "team__name",
)


def _invitation_get(
    invitation_id: int, *, lock: bool = False, page: bool = False
) -> Invitation | None:
    """The invitation with its cycle (and its team, for a ``page``), in one query; ``lock``
    (inside a transaction) locks its row until the transaction ends: SELECT … FOR UPDATE on
    PostgreSQL (SQLite's IMMEDIATE transaction already holds the write lock)."""
    if page:
        invitations = Invitation.objects.select_related("cycle", "team").only(*_PAGE_FIELDS)
    else:
        invitations = Invitation.objects.select_related("cycle").only(*_ANSWER_FIELDS)
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    try:
        return invitations.get(pk=invitation_id)
    except Invitation.DoesNotExist:
        return None


def invitation_open(*, invitation_id: int, page: bool = True) -> Invitation:
    """The invitation, only while it can take answers; raises :class:`SurveyError` otherwise.
    Without ``page`` (an autosave) its team is not read."""
    invitation = _invitation_get(invitation_id, page=page)
    if invitation is None:
        raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
    problem = invitation.problem()
    if problem:
        raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
    return invitation


def invitation_language_set(*, invitation: Invitation, language: str) -> bool:
    """The respondent's own choice of language for this survey and its reminders; False (and
    nothing changes) for a language the cycle's questions are not all translated into.

    Nothing records the change but the invitation's own column, which no page, export or log
    of HR's or a leader's shows: a choice of language must not point at a respondent.
    """
    if language not in layout_languages(cycle_layout(invitation.cycle)):
        return False
    Invitation.objects.filter(pk=invitation.pk).update(language=language)
    invitation.language = language
    return True


def invitation_start(*, invitation: Invitation) -> None:
    """Mark a pending invitation as started (a single conditional UPDATE, safe to repeat)."""
    if invitation.state == Invitation.State.PENDING:
        Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
            state=Invitation.State.STARTED
        )
        invitation.state = Invitation.State.STARTED


def shared_link_by_token(*, token: str) -> SharedLink | None:
    """The active shared link behind a token (None when unknown)."""
    if not token or len(token) > 200:
        return None
    links = SharedLink.objects.select_related("cycle", "team")
    return links.filter(token_hash=token_hash(token), active=True).first()


def shared_link_visit(*, link: SharedLink) -> Invitation:
    """A visit to a team's shared link: a row of its own (no email, no token anyone knows), which
    no count of invitations includes — the visitor reaches it through their session.

    Refused when the cycle does not take answers, or the link has taken its headcount.
    """
    problem = link.cycle.problem()
    if problem:
        raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
    if link.is_full:
        raise SurveyError(ERROR_SHARED_FULL, problem=SHARED_FULL)
    return Invitation.objects.create(
        cycle=link.cycle,
        team=link.team,
        role=Role.MEMBER,
        email=None,
        token_hash=token_hash(token_new()),
        state=Invitation.State.STARTED,
        shared_link=link,
        language=language_of(link.team.language),
    )


def _drafts(invitation_id: int) -> tuple[dict[int, int | None], dict[int, str]]:
    """The invitation's saved answers (question → value) and comments (pillar → text)."""
    answers = DraftAnswer.objects.filter(invitation_id=invitation_id)
    comments = DraftComment.objects.filter(invitation_id=invitation_id)
    return (
        dict(answers.values_list("question_id", "value")),
        dict(comments.values_list("pillar_id", "text")),
    )


def survey_build(*, invitation: Invitation) -> Survey:
    """The invitation's survey, with the answers and comments saved so far."""
    answers, comments = _drafts(invitation.pk)
    layout = cycle_layout(invitation.cycle)
    return Survey(
        invitation=invitation,
        layouts=steps_layout(layout, role=invitation.role),
        answers=answers,
        comments=comments,
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


def drafts_save(*, invitation_id: int, drafts: DraftInput) -> None:
    """Validate everything, then save it all in one transaction; on any error nothing is written.

    The invitation is read once, under its row lock, as a submit takes it: a submit on another
    server that commits first leaves this save nothing to write (an answer or comment saved after
    it would stay behind, tied to the invitation and its email), and the two never deadlock on
    PostgreSQL (an upsert holding a draft row while waiting for the invitation, the submit the
    reverse). Raises :class:`SurveyError` when the survey is unavailable or a value is refused.
    """
    empty = [pillar for pillar, text in drafts.comments.items() if not text.strip()]
    filled = {pillar: text for pillar, text in drafts.comments.items() if text.strip()}
    with transaction.atomic():
        invitation = _invitation_get(invitation_id, lock=True)
        if invitation is None:
            raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
        problem = invitation.problem()
        if problem:
            raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
        _validate(invitation, drafts)
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
    now = timezone.now()
    with transaction.atomic():
        invitation = _invitation_get(invitation_id, lock=True)
        if invitation is None:
            raise SurveyError(ERROR_UNKNOWN_LINK, problem=UNKNOWN)
        problem = invitation.problem(now)
        if problem:
            raise SurveyError(PROBLEM_MESSAGES[problem], problem=problem)
        answers, comments = _drafts(invitation.pk)
        required = set(cycle_layout(invitation.cycle).scales)
        if not required <= answers.keys():
            raise SurveyError(ERROR_SURVEY_INCOMPLETE)
        # A shared link takes at most its headcount: one conditional UPDATE, so two visitors
        # submitting at the same moment never both take the last place.
        if invitation.shared_link_id is not None and not SharedLink.objects.filter(
            pk=invitation.shared_link_id, submitted__lt=F("headcount")
        ).update(submitted=F("submitted") + 1):
            raise SurveyError(ERROR_SHARED_FULL, problem=SHARED_FULL)
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
        DraftAnswer.objects.filter(invitation_id=invitation.pk).delete()
        # Comments are optional, and most respondents leave none: no rows read, none to delete.
        # (No autosave can add one meanwhile: it takes the invitation's row lock first, on
        # PostgreSQL, or this transaction's write lock, on SQLite, then finds it submitted.)
        if comments:
            DraftComment.objects.filter(invitation_id=invitation.pk).delete()
        Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.SUBMITTED)
