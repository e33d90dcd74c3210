"""Production settings: `check --deploy` is clean, and a weak SECRET_KEY stops the server."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[1]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    # Nothing from the test run (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE) leaks in.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env.update(
        {
            "PILLARS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
            "ALLOWED_HOSTS": "pillars.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://pillars.example.com",
            "DJANGO_SETTINGS_MODULE": "leadership.settings",
        }
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.clockless
def test_check_deploy_reports_no_warnings_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output


def _deploy_warnings() -> set[str]:
    messages = checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)
    return {message.id for message in messages}


def test_djangos_own_csrf_deploy_checks_see_the_middleware_and_its_cookie():
    """Django's stock CsrfViewMiddleware is installed, so its own checks (security.W003: the
    middleware is missing, security.W016: its cookie is not secure) work and nothing silences
    them."""
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
    assert not settings.SILENCED_SYSTEM_CHECKS
    with override_settings(CSRF_COOKIE_SECURE=True):
        assert not {"security.W003", "security.W016"} & _deploy_warnings()
    without = [name for name in settings.MIDDLEWARE if not name.endswith("CsrfViewMiddleware")]
    with override_settings(MIDDLEWARE=without, CSRF_COOKIE_SECURE=True):
        assert "security.W003" in _deploy_warnings()
    with override_settings(CSRF_COOKIE_SECURE=False, CSRF_USE_SESSIONS=False):
        assert "security.W016" in _deploy_warnings()


def test_production_refuses_a_short_secret_key(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY="too-short-but-random-Xy7"), "check")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr


def test_production_refuses_a_long_key_with_few_distinct_characters(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY="ab" * 40), "check")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr


def test_production_refuses_the_development_key(tmp_path):
    dev_key = "django-insecure-development-only-key-not-for-production-use-000000"
    result = manage(production_env(tmp_path, SECRET_KEY=dev_key), "check")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak for production" in result.stderr


@pytest.mark.clockless
def test_production_cookies_are_secure_host_prefixed_and_hsts_lasts_a_year(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.DEBUG, "
        "s.STORAGES['staticfiles']['BACKEND'].rsplit('.', 1)[-1], "
        "s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1], "
        "s.DATABASES['default']['CONN_MAX_AGE'] > 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        str(60 * 60 * 24 * 365),
        "False",
        "CompressedManifestStaticFilesStorage",
        "DatabaseCache",
        "True",
    ]
