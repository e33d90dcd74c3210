"""Sign-in: guessing is locked out (django-axes), sessions end, passwords must be strong."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse

from leadership.clientip import client_ip

LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings):
    # Dozens of sign-ins here: a fast hasher keeps the file quick; lockouts don't depend on it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def attempt(client, username: str, password: str, address: str = "203.0.113.5"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_wrong_passwords_up_to_the_limit_only_show_the_form_again(client, leader_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, leader_a.username, "wrong-password-guess")
        assert response.status_code == 200
        assert "That email or password is not right" in response.content.decode()


@pytest.mark.django_db
def test_too_many_wrong_passwords_lock_the_account_from_that_address(client, leader_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, leader_a.username, "wrong-password-guess")
    response = attempt(client, leader_a.username, "a-long-test-password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many sign-in attempts" in page
    assert "15 minutes" in page
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_does_not_stop_the_same_person_signing_in_from_elsewhere(client, leader_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, leader_a.username, "wrong-password-guess", address="203.0.113.5")
    response = attempt(client, leader_a.username, "a-long-test-password", address="198.51.100.9")
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.django_db
def test_changing_the_case_of_the_username_does_not_buy_more_guesses(client, leader_a):
    for index in range(settings.AXES_FAILURE_LIMIT):
        name = leader_a.username.upper() if index % 2 else leader_a.username
        attempt(client, name, "wrong-password-guess")
    assert attempt(client, leader_a.username, "a-long-test-password").status_code == 429


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_count_of_failures(client, leader_a):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, leader_a.username, "wrong-password-guess")
    assert attempt(client, leader_a.username, "a-long-test-password").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, leader_a.username, "wrong-password-guess")
    assert attempt(client, leader_a.username, "a-long-test-password").status_code == 302


@pytest.mark.django_db
def test_the_test_clients_login_still_works_with_the_lockout_backend(client, leader_a):
    assert client.login(username=leader_a.username, password="a-long-test-password")
    assert client.get(reverse("home")).status_code == 200


def test_sessions_end_with_the_browser_and_after_eight_hours_at_most():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY is True


@pytest.mark.django_db
def test_short_common_or_numeric_passwords_are_refused():
    for weak in ("short-pw", "password1234", "123456789012345"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("correct-horse-battery-staple")


class FakeRequest:
    def __init__(self, remote: str, forwarded: str = "") -> None:
        self.META = {"REMOTE_ADDR": remote}
        if forwarded:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@override_settings(PILLARS_TRUSTED_PROXY_COUNT=0)
def test_without_a_trusted_proxy_the_socket_address_is_the_client():
    assert client_ip(FakeRequest("203.0.113.5", "1.2.3.4")) == "203.0.113.5"


@override_settings(PILLARS_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_a_forged_forwarded_for_entry_is_ignored():
    # The client sent "1.2.3.4" itself; nginx appended the real address it saw.
    request = FakeRequest("10.0.0.2", "1.2.3.4, 203.0.113.5")
    assert client_ip(request) == "203.0.113.5"
    assert client_ip(FakeRequest("10.0.0.2")) == "10.0.0.2"


@override_settings(PILLARS_TRUSTED_PROXY_COUNT=2)
def test_a_forwarded_entry_that_is_not_an_address_is_never_used():
    request = FakeRequest("10.0.0.2", "<script>, 10.0.0.3")
    assert client_ip(request) == "10.0.0.2"
