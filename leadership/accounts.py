"""Accounts for leaders and HR: the set-your-password email, and Django's password reset.

Leaders get an account when HR adds them to a team (by hand or by CSV import), without a usable
password. Each new account is emailed a link to set one — Django's own password-reset link
(:class:`~django.contrib.auth.tokens.PasswordResetTokenGenerator`): it works once, stops working
when the password is set or after ``PASSWORD_RESET_TIMEOUT``, and leads to Django's
``PasswordResetConfirmView``. HR can send it again from the team's page, and anyone can ask for one
from the sign-in page ("Forgot your password?").

The pages are Django's auth views (:mod:`leadership.account_views`); the reset request only hands
the address to :func:`password_reset_send`, run by the worker, which looks it up.

Single sign-on later: accounts are keyed by email (``username`` = email), which is what an
OpenID Connect or SAML backend matches on; see the README.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from leadership.languages import user_language

# Which email a link comes in: a new account's welcome, or an asked-for reset.
WELCOME = "welcome"
RESET = "reset"


def password_link(user: Any) -> str:
    """The absolute link that lets ``user`` set a new password (Django's reset link)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


def password_email_send(*, user: Any, kind: str = WELCOME) -> int:
    """Email ``user`` a link to set their password now; returns 1 if the server took it.

    Raises what the mail backend raises, so a caller in a request can say it failed.
    """
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    context = {
        "user": user,
        "name": user.first_name,
        "link": password_link(user),
        "signin": f"{settings.SITE_URL}{reverse('login')}",
        "days": max(1, hours // 24),
        "hours": hours,
        "username": user.get_username(),
    }
    with translation.override(user_language(user)):
        subject = render_to_string(f"registration/password_{kind}_subject.txt", context)
        body = render_to_string(f"registration/password_{kind}_email.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )
    return message.send()


@task()
def account_welcome_send(user_id: int) -> None:
    """The worker's task: email a new account its set-your-password link (once it exists)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None or user.has_usable_password():
        return  # gone, or they set a password meanwhile
    password_email_send(user=user, kind=WELCOME)


def account_welcome_enqueue(user: Any) -> None:
    """Send the new account its welcome email from the worker, once the account is committed
    (a team import of a thousand leaders must not email from the web request)."""
    if not user.email:
        return
    transaction.on_commit(lambda: account_welcome_send.enqueue(user_id=user.pk))


def _reset_users(email: str) -> list[Any]:
    """Active accounts with this address, with a password or not yet (a leader who lost their
    welcome email asks here too)."""
    users = get_user_model().objects.filter(email__iexact=email, is_active=True)
    return [user for user in users if user.email.lower() == email.lower()]


@task()
def password_reset_send(email: str) -> None:
    """The worker's task: email a reset link to each account with ``email``, if there is one."""
    for user in _reset_users(email):
        password_email_send(user=user, kind=RESET)
