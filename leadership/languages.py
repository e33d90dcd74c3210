"""Which language a person reads: the languages the site speaks, and the choice for each reader.

Every string in code and templates goes through Django's translation functions; the question bank
carries its own wording per language (``Question.translations``, ``Pillar.translations``). A
respondent reads the language of their invitation (set by HR per person or per team, else the
organisation's ``PILLARS_LANGUAGE``); a signed-in leader or HR person reads the language chosen on
their account (:class:`leadership.models.Profile`), else the organisation's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.utils import translation

from leadership.models import BANK_LANGUAGE, Profile

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

__all__ = ["BANK_LANGUAGE"]

ViewT = TypeVar("ViewT")

# Where a signed-in person's language is kept for their session (set again when they change it).
ACCOUNT_LANGUAGE_SESSION_KEY = "pillars_account_language"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def language_choices() -> list[tuple[str, str]]:
    """Each language named in itself ("Deutsch", not "German"), as a switch should offer it."""
    return [(code, translation.get_language_info(code)["name_local"]) for code in language_codes()]


def language_valid(code: object) -> bool:
    return isinstance(code, str) and code in language_codes()


def language_default() -> str:
    """The organisation's language: what anyone without a choice of their own reads."""
    return settings.PILLARS_LANGUAGE


def language_of(*choices: str | None) -> str:
    """The first valid of ``choices`` (most specific first), else the organisation's."""
    for choice in choices:
        if language_valid(choice):
            return str(choice)
    return language_default()


def user_language(user: Any) -> str:
    """The language a signed-in person chose on their account, else the organisation's."""
    if user is None or not getattr(user, "is_authenticated", False):
        return language_default()
    chosen = Profile.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language_of(chosen)


def account_language_remember(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """On sign-in: keep the account's language in the new session, written with the sign-in
    itself, so no later page reads the account for it or writes the session for it."""
    if request is not None and hasattr(request, "session"):
        request.session[ACCOUNT_LANGUAGE_SESSION_KEY] = user_language(user)


def language_own(view: ViewT) -> ViewT:
    """Marks a view that picks its language itself (the survey's, from the invitation): the
    middleware leaves it alone and reads no account for it."""
    view.language_own = True  # type: ignore[attr-defined]
    return view


class AccountLanguageMiddleware:
    """After authentication: a signed-in person's pages in the language of their account.

    Django's ``LocaleMiddleware`` (before it) has picked a language from the browser for pages
    without an account (sign-in, password reset). Views marked :func:`language_own` (the
    survey's) activate the invitation's language themselves; for them no session or account is
    read here, so a respondent's request does no more work than before.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], *args: Any) -> None:
        if getattr(view_func, "language_own", False):
            return
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Kept in the session since sign-in (which reads the session anyway): no query.
            kept = request.session.get(ACCOUNT_LANGUAGE_SESSION_KEY)
            language = (
                kept if isinstance(kept, str) and language_valid(kept) else user_language(user)
            )
            translation.activate(language)
            request.LANGUAGE_CODE = language
