"""The respondent's pages: thin views over :mod:`assessments.survey.flow`.

A link's token is exchanged at once for an entry in the session, under a random key that is not
the token, and the browser is redirected to ``survey/<key>/``: server logs never hold tokens. After
submitting, the session entry forgets the invitation and only remembers "done".

Survey pages are never cached, and like every page they send ``Referrer-Policy: same-origin``
(``SECURE_REFERRER_POLICY``): their posts carry the page's Origin for Django's CSRF check, and no
other origin learns their address. The two addresses that carry a token send ``no-referrer``
instead (:func:`_no_referrer`).
"""

from __future__ import annotations

import secrets
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import Invitation, Role, answer_minutes
from assessments.survey import flow
from assessments.survey.steps import CANT_SAY, COMMENT_PREFIX
from assessments.templatetags.survey_items import survey_items_html
from leadership.languages import language_choices, language_of, language_own, language_valid
from leadership.ratelimit import ratelimit

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from assessments.survey.steps import Step, Survey

SESSION_KEY = "pillars_survey"
# Session key → language of that survey, so its pages (the thank-you page, a refusal) stay in
# the respondent's language after the session forgets the invitation.
LANGUAGE_SESSION_KEY = "pillars_survey_language"
MARKER_SALT = "assessments.survey.shared-marker"
MARKER_MAX_AGE = 365 * 24 * 3600
LEADER_ON_TEAM_LINK = "leader_on_team_link"
SHARED_DONE = "shared_done"
SESSION_LOST = "session_lost"

# One status per reason a survey page cannot be shown.
PROBLEM_STATUS = {
    flow.UNKNOWN: 404,
    flow.NOT_OPEN: 403,
    flow.CLOSED: 410,
    flow.SUBMITTED: 200,
    flow.SHARED_FULL: 409,
    SHARED_DONE: 200,
    LEADER_ON_TEAM_LINK: 403,
    SESSION_LOST: 403,
}


def _entries(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return request.session.get(SESSION_KEY, {})


def _entry_add(request: HttpRequest, entry: dict[str, Any]) -> str:
    entries = _entries(request)
    for key, existing in entries.items():
        if existing == entry:
            return key
    key = secrets.token_urlsafe(12)
    entries[key] = entry
    request.session[SESSION_KEY] = entries
    return key


def _entry_for(invitation: Invitation, *, done: bool = False) -> dict[str, Any]:
    """A session entry: the invitation while in progress, only "done" afterwards; the leader's
    self-assessment (not anonymous by design) is marked so the pages can say so."""
    entry: dict[str, Any] = {"done": True} if done else {"invitation": invitation.pk}
    if invitation.role == Role.SELF:
        entry["self"] = True
    return entry


def _entry_done(request: HttpRequest, key: str) -> None:
    """Forget which invitation this key was: the session keeps only that it is done, and whether
    it was the leader's own self-assessment (not anonymous by design) for the thank-you page."""
    entries = _entries(request)
    # A member's entry becomes exactly {"done": True}, the same for everyone.
    entries[key] = (
        {"done": True, "self": True} if entries.get(key, {}).get("self") else {"done": True}
    )
    request.session[SESSION_KEY] = entries


def _language_use(request: HttpRequest, key: str, language: str | None = None) -> None:
    """This survey's pages in ``language`` (kept for the key), or in the one kept before."""
    languages = request.session.get(LANGUAGE_SESSION_KEY, {})
    if language is not None and language_valid(language) and languages.get(key) != language:
        languages[key] = language
        request.session[LANGUAGE_SESSION_KEY] = languages
    chosen = languages.get(key)
    if language_valid(chosen):
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


def _problem(request: HttpRequest, problem: str, *, status: int | None = None) -> HttpResponse:
    return render(
        request,
        "assessments/survey/unavailable.html",
        {"problem": problem, "message": flow.PROBLEM_MESSAGES.get(problem, "")},
        status=status or PROBLEM_STATUS[problem],
    )


def _invitation(request: HttpRequest, key: str, *, page: bool = True) -> Invitation | HttpResponse:
    """The invitation behind this session's key, or the page that explains why not; with its
    team only for a ``page`` that shows it. The pages are in the invitation's language."""
    _language_use(request, key)
    entry = _entries(request).get(key)
    if not entry:
        return _problem(request, SESSION_LOST)
    if entry.get("done"):
        return _problem(request, flow.SUBMITTED, status=409 if request.method == "POST" else 200)
    try:
        invitation = flow.invitation_open(invitation_id=entry["invitation"], page=page)
        _language_use(request, key, language_of(invitation.language))
        return invitation
    except flow.SurveyError as error:
        if error.problem == flow.SUBMITTED:
            _entry_done(request, key)
        status = 409 if error.problem == flow.SUBMITTED and request.method == "POST" else None
        return _problem(request, error.problem, status=status)


def _step_url(key: str, number: int | None) -> str:
    if number is None:
        return reverse("assessments:survey-review", args=[key])
    return reverse("assessments:survey-step", args=[key, number])


def _context(key: str, survey_: Survey, **extra: Any) -> dict[str, Any]:
    cycle = survey_.cycle
    return {
        "key": key,
        "survey": survey_,
        "cycle": cycle,
        "team": survey_.invitation.team,
        "is_self": survey_.is_self,
        "k": cycle.min_group_size,
        "comment_k": cycle.comment_min_group_size,
        "max_comment": settings.PILLARS_MAX_COMMENT_LENGTH,
        "steps_total": survey_.steps_total,
        "total": survey_.total_items,
        # The same figure the invitation email states.
        "minutes": answer_minutes(statements=survey_.total_items),
        **extra,
    }


# --- Entering through a link ----------------------------------------------------------------


def _no_referrer(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """For an address that carries a token: a page shown there (an unknown link, a shared link
    whose cycle has closed, too many wrong links) loads its styles and scripts without a Referer,
    so not even this site's own access logs get the token. These views take no posts, so
    Django's CSRF check never needs the Origin that no-referrer hides."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped


@language_own
@_no_referrer
@never_cache
@ratelimit("token", setting="PILLARS_RATELIMIT_TOKEN", failures_only=True)
@require_GET
def survey_start(request: HttpRequest, token: str) -> HttpResponse:
    invitation = flow.invitation_by_token(token=token)
    if invitation is None:
        return _problem(request, flow.UNKNOWN)
    _session_renew(request)
    if invitation.is_submitted:
        key = _entry_add(request, _entry_for(invitation, done=True))
    else:
        if not invitation.problem():
            flow.invitation_start(invitation=invitation)
        key = _entry_add(request, _entry_for(invitation))
    _language_use(request, key, language_of(invitation.language))
    return redirect("assessments:survey", key=key)


@language_own
@_no_referrer
@never_cache
@ratelimit("token", setting="PILLARS_RATELIMIT_TOKEN", failures_only=True)
@require_GET
def shared_start(request: HttpRequest, token: str) -> HttpResponse:
    link = flow.shared_link_by_token(token=token)
    if link is None:
        return _problem(request, flow.UNKNOWN)
    # One answer per browser: a browser that submitted through this link keeps a signed marker.
    if request.get_signed_cookie(_marker_name(link.pk), default=None, salt=MARKER_SALT):
        return _problem(request, SHARED_DONE)
    # The team's leader rates themself through their self-assessment, not the team's link.
    if request.user.is_authenticated and link.team.leaders.filter(pk=request.user.pk).exists():
        return _problem(request, LEADER_ON_TEAM_LINK)
    _session_renew(request)
    # Coming back through the same shared link resumes this browser's unfinished survey.
    shared = request.session.get(f"{SESSION_KEY}_shared", {})
    key = shared.get(str(link.pk))
    if key and _entries(request).get(key, {}).get("invitation"):
        return redirect("assessments:survey", key=key)
    try:
        invitation = flow.shared_link_visit(link=link)
    except flow.SurveyError as error:
        return _problem(request, error.problem)
    key = _entry_add(request, {"invitation": invitation.pk, "shared": link.pk})
    _language_use(request, key, invitation.language)
    shared[str(link.pk)] = key
    request.session[f"{SESSION_KEY}_shared"] = shared
    return redirect("assessments:survey", key=key)


def _session_renew(request: HttpRequest) -> None:
    """A new session key whenever a link is exchanged for a place in the session, so a key
    planted in the browser beforehand leads nowhere (issue 12, attack 9)."""
    request.session.cycle_key()


def _marker_name(link_id: int) -> str:
    return f"pillars_t{link_id}"


def _marker_set(response: HttpResponse, link_id: int) -> None:
    """This browser has answered through the shared link: signed, kept a year, sent back only to
    this site, never readable by scripts."""
    response.set_signed_cookie(
        _marker_name(link_id),
        "done",
        salt=MARKER_SALT,
        max_age=MARKER_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


# --- The survey -----------------------------------------------------------------------------


@language_own
@never_cache
@require_GET
def survey_intro(request: HttpRequest, key: str) -> HttpResponse:
    invitation = _invitation(request, key)
    if not isinstance(invitation, Invitation):
        return invitation
    survey_ = flow.survey_build(invitation=invitation)
    if survey_.started and "intro" not in request.GET:
        return redirect(_step_url(key, survey_.resume_step))
    first = _step_url(key, 1 if survey_.steps_total else None)
    languages = flow.layout_languages(flow.cycle_layout(invitation.cycle))
    context = _context(
        key,
        survey_,
        first_url=first,
        languages=[(code, name) for code, name in language_choices() if code in languages],
        language=translation.get_language(),
    )
    return render(request, "assessments/survey/intro.html", context)


@language_own
@never_cache
@require_POST
def survey_language(request: HttpRequest, key: str) -> HttpResponse:
    """The intro page's switch: this survey, its pages and its reminders in another language.

    Only the invitation and this browser's session keep the choice; it changes nothing anyone
    else sees (see docs/anonymity.md, "Language").
    """
    invitation = _invitation(request, key)
    if not isinstance(invitation, Invitation):
        return invitation
    language = request.POST.get("language", "")
    if flow.invitation_language_set(invitation=invitation, language=language):
        _language_use(request, key, language)
    return redirect(_intro_url(key))


def _drafts_from_post(request: HttpRequest, invitation_id: int) -> flow.SurveyError | None:
    try:
        drafts = flow.draft_input_parse(request.POST)
        flow.drafts_save(invitation_id=invitation_id, drafts=drafts)
    except flow.SurveyError as error:
        return error
    return None


@language_own
@never_cache
@require_http_methods(["GET", "POST"])
def survey_step(request: HttpRequest, key: str, number: int) -> HttpResponse:
    invitation = _invitation(request, key)
    if not isinstance(invitation, Invitation):
        return invitation
    error = None
    if request.method == "POST":
        error = _drafts_from_post(request, invitation.pk)
        if error and error.problem:
            if error.problem == flow.SUBMITTED:
                _entry_done(request, key)
            return _problem(
                request, error.problem, status=409 if error.problem == flow.SUBMITTED else None
            )
    survey_ = flow.survey_build(invitation=invitation)
    step = survey_.step(number)
    if step is None:
        return redirect(_step_url(key, survey_.resume_step))
    status = 200
    if request.method == "POST" and error is None:
        going = request.POST.get("go", "next")
        if going == "back":
            return redirect(_step_url(key, number - 1) if number > 1 else _intro_url(key))
        if step.complete:
            following = number + 1 if number < survey_.steps_total else None
            return redirect(_step_url(key, following))
        error = flow.SurveyError(flow.ERROR_STEP_INCOMPLETE)
    if error is not None:
        status = 422 if error.message == flow.ERROR_STEP_INCOMPLETE else 400
    progress = round(100 * survey_.answered_items / max(survey_.total_items, 1))
    other_answered = survey_.answered_items - step.answered
    show_missing = error is not None and error.message == flow.ERROR_STEP_INCOMPLETE
    if error is not None and request.method == "POST" and error.field.startswith(COMMENT_PREFIX):
        _posted_keep(step, request.POST)
    context = _context(
        key,
        survey_,
        step=step,
        items_html=survey_items_html(step.items, show_missing=show_missing),
        error=error,
        show_missing=show_missing,
        progress=progress,
        other_answered=other_answered,
    )
    return render(request, "assessments/survey/step.html", context, status=status)


def _posted_keep(step: Step, posted: Any) -> None:
    """Show what was posted on a step refused for its comment (too long: nothing was saved), so
    the respondent shortens their text rather than writes it again."""
    step.comment = posted.get(step.comment_field, step.comment)
    for item in step.items:
        raw = posted.get(item.field)
        if raw == CANT_SAY:
            item.answered, item.value = True, None
        elif raw is not None and raw.lstrip("-").isdigit() and int(raw) in item.statement.points:
            item.answered, item.value = True, int(raw)


def _intro_url(key: str) -> str:
    return reverse("assessments:survey", args=[key]) + "?intro=1"


_SAVE_STATUS = "assessments/survey/step.html#save-status"


# Marks the autosave's own answers, so the page's script puts only them in the status line and
# says something short for anything else (a proxy's error page, a CSRF refusal, a server error).
SAVE_STATUS_HEADER = "X-Save-Status"


def _save_status(context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The autosave's answer, the step's save-status partial. It shows nothing of the request
    (no token, no user), so it is rendered without one: no context processors run."""
    response = HttpResponse(render_to_string(_SAVE_STATUS, context), status=status)
    response[SAVE_STATUS_HEADER] = "1"
    return response


@language_own
@never_cache
@require_POST
def survey_autosave(request: HttpRequest, key: str) -> HttpResponse:
    """htmx: save what the step's form holds now and answer with the save status.

    The invitation is read once, locked, by the save itself (:func:`flow.drafts_save`); a survey
    that no longer takes answers gets the short "not saved" line with its page's status."""
    _language_use(request, key)
    entry = _entries(request).get(key)
    if not entry:
        return _save_unavailable(SESSION_LOST)
    if entry.get("done"):
        return _save_unavailable(flow.SUBMITTED)
    error = _drafts_from_post(request, entry["invitation"])
    if error is None:
        return _save_status({"saved": True})
    if error.problem == flow.SUBMITTED:
        _entry_done(request, key)
    if error.problem:
        return _save_unavailable(error.problem)
    return _save_status({"save_error": error.message}, status=400)


def _save_unavailable(problem: str) -> HttpResponse:
    """The autosave's "not saved" line when the survey no longer takes answers here, with the
    status its page would have (409 for one already submitted, as for any post)."""
    status = 409 if problem == flow.SUBMITTED else PROBLEM_STATUS[problem]
    return _save_status({"save_error": flow.ERROR_SAVE_UNAVAILABLE}, status=status)


@language_own
@never_cache
@require_GET
def survey_review(request: HttpRequest, key: str) -> HttpResponse:
    invitation = _invitation(request, key)
    if not isinstance(invitation, Invitation):
        return invitation
    survey_ = flow.survey_build(invitation=invitation)
    return render(
        request,
        "assessments/survey/review.html",
        _context(key, survey_, back_url=_step_url(key, survey_.steps_total or None)),
    )


@language_own
@never_cache
@ratelimit("submit", setting="PILLARS_RATELIMIT_SUBMIT")
@require_POST
def survey_submit(request: HttpRequest, key: str) -> HttpResponse:
    _language_use(request, key)
    entry = _entries(request).get(key)
    if not entry:
        return _problem(request, SESSION_LOST)
    if entry.get("done"):
        return _problem(request, flow.SUBMITTED, status=409)
    # submission_create reads and locks the invitation itself, checking everything
    # _invitation() would, so the common path reads it once.
    try:
        flow.submission_create(invitation_id=entry["invitation"])
    except flow.SurveyError as error:
        if error.problem == flow.SUBMITTED:
            _entry_done(request, key)
            return _problem(request, flow.SUBMITTED, status=409)
        if error.problem:
            return _problem(request, error.problem)
        invitation = _invitation(request, key)
        if not isinstance(invitation, Invitation):
            return invitation
        survey_ = flow.survey_build(invitation=invitation)
        context = _context(
            key,
            survey_,
            error=error,
            back_url=_step_url(key, survey_.steps_total or None),
        )
        return render(request, "assessments/survey/review.html", context, status=422)
    _entry_done(request, key)
    response = redirect("assessments:survey-thanks", key=key)
    if entry.get("shared"):
        _marker_set(response, entry["shared"])
    return response


@language_own
@never_cache
@require_GET
def survey_thanks(request: HttpRequest, key: str) -> HttpResponse:
    _language_use(request, key)
    entry = _entries(request).get(key)
    if not entry:
        return _problem(request, SESSION_LOST)
    if not entry.get("done"):
        return redirect("assessments:survey", key=key)
    return render(
        request, "assessments/survey/thanks.html", {"key": key, "is_self": entry.get("self")}
    )
