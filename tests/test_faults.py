"""Faults: kill -9 the server in the middle of a burst of submits, restart it, count.

A real gunicorn (deploy/gunicorn.conf.py) serves a copy of the test database. Respondents with
saved answers submit through the real survey URLs, many at once; after some of them have been
told "thank you", the whole server (master and workers) is killed with SIGKILL. After a restart:
every acknowledged submission is there, no submission is partial, submitted invitations and
submissions agree, and the respondents who got no answer can simply submit again.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

from assessments.models import (
    Cycle,
    DraftAnswer,
    DraftComment,
    Invitation,
    Role,
    Team,
    token_hash,
    token_new,
)

ROOT = Path(__file__).resolve().parents[1]
RESPONDENTS = 32
KILL_AFTER_ACKNOWLEDGED = 8
CONCURRENCY = 8

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="runs a server on a SQLite copy"),
]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None  # let a 302 come back as the answer


@dataclass
class Respondent:
    invitation_id: int
    token: str
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    key: str = ""
    csrf: str = ""

    def opener(self) -> urllib.request.OpenerDirector:
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, url: str, data: bytes | None = None) -> tuple[int, str, str]:
        try:
            with self.opener().open(urllib.request.Request(url, data=data), timeout=20) as r:
                return r.status, r.headers.get("Location", ""), r.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def enter(self, base: str) -> None:
        """Follow the link and open the review page, as a browser would before submitting."""
        status, location, _ = self.request(f"{base}/s/{self.token}/")
        assert status == 302, status
        self.key = location.rstrip("/").split("/")[-1]
        status, _, page = self.request(f"{base}/survey/{self.key}/review/")
        assert status == 200, status
        self.csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    def submit(self, base: str) -> int:
        body = f"csrfmiddlewaretoken={self.csrf}".encode()
        status, location, _ = self.request(f"{base}/survey/{self.key}/submit/", data=body)
        if status == 302:
            assert location.endswith("/thanks/"), location
        return status


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn in its own process group, so SIGKILL reaches the master and every worker."""

    def __init__(self, database: Path, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": "",
            "SQLITE_PATH": str(database),
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "GUNICORN_ACCESS_LOG": "",
            "PILLARS_RATELIMIT_SUBMIT": "100000/60",  # the burst comes from one address
            "DJANGO_SETTINGS_MODULE": "leadership.settings",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not become healthy:\n" + self.log.read_text()[-3000:])

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)


def respondents_make(bank, count: int) -> tuple[list[Respondent], int, int]:
    """An open cycle and ``count`` invitations with every statement and comment box saved."""
    team = Team.objects.create(name="Platform", slug="platform")
    cycle = Cycle.objects.create(name="2026 Q4", slug="2026-q4", bank=bank, state="open")
    cycle.questions.set(bank.questions.current())
    cycle.teams.set([team])
    ratings = list(cycle.questions.ratings())
    pillars = {q.pillar_id for q in cycle.questions.comments()} or {ratings[0].pillar_id}
    respondents = []
    for number in range(count):
        token = token_new()
        invitation = Invitation.objects.create(
            cycle=cycle,
            team=team,
            role=Role.MEMBER,
            email=f"person{number}@example.com",
            token_hash=token_hash(token),
        )
        DraftAnswer.objects.bulk_create(
            DraftAnswer(invitation=invitation, question=q, value=1 + number % 5) for q in ratings
        )
        DraftComment.objects.bulk_create(
            DraftComment(invitation=invitation, pillar_id=p, text=f"Comment {number}")
            for p in pillars
        )
        respondents.append(Respondent(invitation_id=invitation.pk, token=token))
    return respondents, len(ratings), len(pillars)


def database_copy(target: Path) -> None:
    """A consistent copy of the test database (schema and data), via SQLite's backup API."""
    connection.close()
    source = sqlite3.connect(connection.settings_dict["NAME"])
    copy = sqlite3.connect(target)
    source.backup(copy)
    copy.close()
    source.close()


def database_state(path: Path) -> dict[str, object]:
    with sqlite3.connect(path, timeout=30) as db:

        def scalar(sql: str) -> int:
            return db.execute(sql).fetchone()[0]

        return {
            "submissions": scalar("SELECT COUNT(*) FROM assessments_submission"),
            "submitted_invitations": scalar(
                "SELECT COUNT(*) FROM assessments_invitation WHERE state = 'submitted'"
            ),
            "answers_per_submission": {
                n
                for (n,) in db.execute(
                    "SELECT COUNT(a.id) FROM assessments_submission s LEFT JOIN "
                    "assessments_answer a ON a.submission_id = s.id GROUP BY s.id"
                )
            },
            "comments_per_submission": {
                n
                for (n,) in db.execute(
                    "SELECT COUNT(c.id) FROM assessments_submission s LEFT JOIN "
                    "assessments_comment c ON c.submission_id = s.id GROUP BY s.id"
                )
            },
            "submitted_ids": {
                pk
                for (pk,) in db.execute(
                    "SELECT id FROM assessments_invitation WHERE state = 'submitted'"
                )
            },
            "drafts_of_submitted": scalar(
                "SELECT COUNT(*) FROM assessments_draftanswer d JOIN assessments_invitation i "
                "ON i.id = d.invitation_id WHERE i.state = 'submitted'"
            ),
            "drafts_per_waiting": {
                n
                for (n,) in db.execute(
                    "SELECT COUNT(d.id) FROM assessments_invitation i LEFT JOIN "
                    "assessments_draftanswer d ON d.invitation_id = i.id "
                    "WHERE i.state != 'submitted' GROUP BY i.id"
                )
            },
            "integrity": scalar("PRAGMA integrity_check"),
        }


@pytest.mark.django_db(transaction=True)
@pytest.mark.clockless
def test_killing_the_server_mid_burst_loses_no_acknowledged_submission_and_leaves_none_partial(
    bank, tmp_path
):
    respondents, n_ratings, n_comments = respondents_make(bank, RESPONDENTS)
    database = tmp_path / "pillars.sqlite3"
    database_copy(database)
    server = Server(database, tmp_path / "gunicorn.log")
    server.start()
    try:
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            list(pool.map(lambda respondent: respondent.enter(server.base), respondents))

        acknowledged: list[Respondent] = []
        lock = threading.Lock()
        killed = threading.Event()

        def submit(respondent: Respondent) -> None:
            if killed.is_set():
                return
            try:
                status = respondent.submit(server.base)
            except OSError:  # connection reset or refused: the server is gone
                return
            if status == 302:
                with lock:
                    acknowledged.append(respondent)
                    if len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED and not killed.is_set():
                        killed.set()
                        server.kill()

        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            list(pool.map(submit, respondents))
        assert killed.is_set(), "the burst ended before the kill"
        assert KILL_AFTER_ACKNOWLEDGED <= len(acknowledged) < RESPONDENTS

        server.start()  # same database, as after a crash
        state = database_state(database)
        assert state["integrity"] == "ok"
        # Every respondent who was told "thank you" has their submission stored …
        assert {r.invitation_id for r in acknowledged} <= state["submitted_ids"]
        # … submissions and submitted invitations agree, so nothing was half done …
        assert state["submissions"] == state["submitted_invitations"]
        assert state["answers_per_submission"] <= {n_ratings}
        assert state["comments_per_submission"] <= {n_comments}
        assert state["drafts_of_submitted"] == 0
        # … and whoever was not submitted still has every saved answer.
        assert state["drafts_per_waiting"] <= {n_ratings}

        # The others submit again after the restart: each gets "thank you" or "already submitted".
        waiting = [r for r in respondents if r not in acknowledged]
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            retried = set(pool.map(lambda respondent: respondent.submit(server.base), waiting))
        assert retried <= {302, 409}
        final = database_state(database)
        assert final["submissions"] == final["submitted_invitations"] == RESPONDENTS
        assert final["answers_per_submission"] == {n_ratings}
        assert final["comments_per_submission"] == {n_comments}
    finally:
        server.stop()
