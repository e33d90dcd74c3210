"""No log the project configures ever holds a survey, shared or password-reset link's secret.

A log reader who found ``/s/<token>/`` could open the person's saved answers and submit them
(issue 12, attack 5). The tests walk a survey the way a respondent does and then read what Django's
logging, runserver and gunicorn (with deploy/gunicorn.conf.py) wrote.
"""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from assessments.hr.cycles import shared_link_rotate
from leadership.logredact import RedactingFilter, redact
from tests.builders import invitation_make, led_team_make, open_cycle_make

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("line", "clean"),
    [
        ("GET /s/Abc-123_xyz/ HTTP/1.1", "GET /s/[redacted]/ HTTP/1.1"),
        ("Not Found: /s/not-a-real-link/", "Not Found: /s/[redacted]/"),
        ('"GET /t/ShAr3d/ HTTP/1.1" 302', '"GET /t/[redacted]/ HTTP/1.1" 302'),
        ("/accounts/reset/MQ/cs3-1f2e/", "/accounts/reset/MQ/[redacted]/"),
        ("/accounts/reset/MQ/set-password/", "/accounts/reset/MQ/set-password/"),
        ("GET /survey/k3y/2/ HTTP/1.1", "GET /survey/k3y/2/ HTTP/1.1"),
        ("GET /results/2026-q3/platform/", "GET /results/2026-q3/platform/"),
    ],
)
def test_redact_replaces_only_the_secret_segment(line, clean):
    assert redact(line) == clean


def _configured_console() -> logging.Handler:
    """The handler settings.LOGGING gives the root logger (the one with our filter)."""
    for handler in logging.getLogger().handlers:
        if any(isinstance(f, RedactingFilter) for f in handler.filters):
            return handler
    raise AssertionError("settings.LOGGING has no handler with the redacting filter")


@pytest.mark.django_db
def test_django_s_own_request_logging_never_writes_a_token(client, bank):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team)
    shared = shared_link_rotate(cycle=cycle, team=team, actor=None)
    handler = _configured_console()
    stream = io.StringIO()
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(stream)
    try:
        client.get(reverse("assessments:survey-start", args=[token]), follow=True)
        client.get("/s/a-token-that-does-not-exist/")
        client.get(reverse("assessments:shared-start", args=[shared]), follow=True)
        logging.getLogger("django.request").warning("Not Found: %s", f"/s/{token}/")
    finally:
        handler.setStream(previous)
    written = stream.getvalue()
    assert "/s/[redacted]/" in written
    assert token not in written
    assert "a-token-that-does-not-exist" not in written
    assert shared not in written


# --- Real servers: gunicorn with the deploy settings, and runserver --------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_env(port: int) -> dict[str, str]:
    """The test database for a server in another process."""
    db = connection.settings_dict
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "PILLARS_ENV": "development"}
    if db["ENGINE"].endswith("sqlite3"):
        env |= {"DATABASE_URL": "", "SQLITE_PATH": str(db["NAME"])}
    else:
        user = db.get("USER") or "postgres"
        env["DATABASE_URL"] = (
            f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/"
            f"{db['NAME']}"
        )
    return env


def _wait(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server stopped at start-up")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


def _walk(port: int, *, token: str, shared: str) -> None:
    """A respondent opens their link (and follows it), a stranger tries a wrong one, a team
    member opens the shared link."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    base = f"http://127.0.0.1:{port}"
    for path in (f"/s/{token}/", "/s/a-token-that-does-not-exist/", f"/t/{shared}/"):
        try:
            status = opener.open(base + path, timeout=10).status
        except urllib.error.HTTPError as error:
            status = error.code
        assert status == (404 if "does-not-exist" in path else 200), path


@pytest.fixture
def links(transactional_db, bank):
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team)
    return token, shared_link_rotate(cycle=cycle, team=team, actor=None)


@pytest.mark.slow
@pytest.mark.clockless
def test_gunicorn_with_the_deploy_settings_logs_no_token(links, tmp_path):
    token, shared = links
    port, log = _free_port(), tmp_path / "access.log"
    env = _server_env(port) | {"GUNICORN_ACCESS_LOG": str(log), "WEB_CONCURRENCY": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(port, process)
        _walk(port, token=token, shared=shared)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    access = log.read_text()
    assert access.count("/s/[redacted]/") == 2, access
    assert "/t/[redacted]/" in access
    assert '"GET /survey/' in access  # the redirect's token-free address is logged as it is
    for secret in (token, shared, "a-token-that-does-not-exist"):
        assert secret not in access
        assert secret not in output


@pytest.mark.slow
@pytest.mark.clockless
def test_runserver_logs_no_token(links):
    token, shared = links
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=_server_env(port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait(port, process)
        _walk(port, token=token, shared=shared)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode()
    assert "/s/[redacted]/" in output, output
    for secret in (token, shared, "a-token-that-does-not-exist"):
        assert secret not in output
