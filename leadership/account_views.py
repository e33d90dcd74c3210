"""The account pages: the language a person reads, and Django's password reset views with a
request form that only counts and enqueues.

The reset form answers the same for every address — an account or not, a password or not — and
does the same work in the request for each: it only hands the address to the worker
(:func:`leadership.accounts.password_reset_send`), which looks it up and emails the account if
there is one. So neither the page nor its timing says whether an address has an account.
Requests are rate limited per client address (the decorator on the view) and per email address
(in the form; the count is kept for any address, so it says nothing either).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from leadership.accounts import password_reset_send
from leadership.languages import ACCOUNT_LANGUAGE_SESSION_KEY, language_choices, user_language
from leadership.models import Profile
from leadership.ratelimit import Rate, ratelimit, ratelimit_hit

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse
    from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)


class ResetRequestForm(PasswordResetForm):
    """Django's form, but the request only counts and enqueues: the worker looks the address up."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        email = self.cleaned_data["email"].strip().lower()
        rate = Rate.parse(settings.PILLARS_RATELIMIT_PASSWORD_RESET_ADDRESS)
        try:
            allowed = ratelimit_hit(scope="password-reset-address", ident=email, rate=rate)
        except Exception:
            logger.exception("password reset rate limit failed; the request is let through")
            allowed = True
        if not allowed:
            # The same answer as ever: the page must not tell an address's requests apart.
            logger.info("Password reset emails to one address over the limit: not sent")
            return
        password_reset_send.enqueue(email=email)


_reset_view = auth_views.PasswordResetView.as_view(
    form_class=ResetRequestForm,
    success_url=reverse_lazy("password_reset_done"),
)


@ratelimit(
    "password-reset",
    setting="PILLARS_RATELIMIT_PASSWORD_RESET",
    methods=("POST",),
    template="registration/too_many_requests.html",
)
def password_reset(request: HttpRequest) -> HttpResponseBase:
    """ "Forgot your password?": always answers "if there is an account, an email is on its way"."""
    return _reset_view(request)


password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    success_url=reverse_lazy("password_reset_complete")
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)


@login_required
@require_http_methods(["GET", "POST"])
def account_language(request: HttpRequest) -> HttpResponse:
    """A leader's or HR person's language: their pages, PDFs, downloads and emails."""
    form = LanguageForm(request.POST or None, initial={"language": user_language(request.user)})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        user = request.user
        assert user.is_authenticated  # login_required
        Profile.objects.update_or_create(user=user, defaults={"language": language})
        request.session[ACCOUNT_LANGUAGE_SESSION_KEY] = language
        translation.activate(language)
        messages.success(request, _("Your pages, reports and emails are now in this language."))
        return redirect("account-language")
    return render(request, "registration/language.html", {"form": form})
