"""Downloads at once (issue 14): stored PDFs through gunicorn, and how soon they are ready.

Called by :mod:`benchmarks.pdfs` in its child process (Django set up on the scratch SQLite file);
kept apart from the rendering figures there, which measure the CPU of one PDF.

- ``stored_downloads``: the worker stores the demo cycle's PDFs; gunicorn (2 workers, a free
  local port) serves a team PDF to a signed-in HR session ``BENCH_DOWNLOADS`` times; p50 and p95
  beside a floor measured the same way in the same run: ``/healthz`` (one database query).
  Goal: p95 < 200 ms.
- ``ready_after_release``: ``BENCH_READY_TEAMS`` teams (1,000) released; two ``run_worker``
  processes render every team's PDF and the organisation's; the time until all are stored, and
  the workers' CPU per PDF. Goal: within 8 minutes. Bounded by ``BENCH_READY_LIMIT`` seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOWNLOADS = int(os.environ.get("BENCH_DOWNLOADS", "200"))
READY_TEAMS = int(os.environ.get("BENCH_READY_TEAMS", "1000"))
READY_LIMIT = float(os.environ.get("BENCH_READY_LIMIT", "1800"))
READY_RESPONDENTS = 4
WORKERS = 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _quantiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _hr_session_cookie() -> str:
    """A signed-in HR session, made through Django's session store as a login would."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
        load_backend,
    )
    from django.contrib.auth.models import Group
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(
        username="bench-hr", defaults={"email": "bench-hr@example.com"}
    )
    user.groups.add(Group.objects.get_or_create(name=settings.HR_GROUP_NAME)[0])
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend a login records: the first that can read a user back (axes' only counts).
    session[BACKEND_SESSION_KEY] = next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _timed_gets(url: str, *, cookie: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        request = urllib.request.Request(url, headers={"Cookie": cookie})
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            assert response.status == 200, response.status
        samples.append(time.perf_counter() - started)
    return samples


def stored_downloads(*, cycle: Any) -> None:
    from django.urls import reverse

    from assessments.models import ReportFile
    from assessments.reports.ready import report_files_render
    from assessments.results.access import report_for_viewer

    report_files_render(cycle=cycle)
    team = next(t for t in report_for_viewer(cycle=cycle, user=None).teams if not t.suppressed)
    assert ReportFile.objects.filter(cycle=cycle, team_id=team.team_id).exists()
    cookie = _hr_session_cookie()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "leadership.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        pdf_url = base + reverse("assessments:team-report-pdf", args=[cycle.pk, team.team_id])
        _timed_gets(pdf_url, cookie=cookie, count=10)  # warm-up: both gunicorn workers
        _timed_gets(f"{base}/healthz", cookie=cookie, count=10)
        pdf = _timed_gets(pdf_url, cookie=cookie, count=DOWNLOADS)
        floor = _timed_gets(f"{base}/healthz", cookie=cookie, count=DOWNLOADS)
    finally:
        server.terminate()
        server.wait(timeout=30)
    pdf_p50, pdf_p95 = _quantiles(pdf)
    floor_p50, floor_p95 = _quantiles(floor)
    print(
        f"stored team PDF through gunicorn ({DOWNLOADS} downloads, HR session): "
        f"p50 {pdf_p50 * 1000:.1f} ms, p95 {pdf_p95 * 1000:.1f} ms; floor /healthz: "
        f"p50 {floor_p50 * 1000:.1f} ms, p95 {floor_p95 * 1000:.1f} ms "
        f"(goal p95 < 200 ms: {'met' if pdf_p95 < 0.2 else 'NOT met'})",
        flush=True,
    )


def _seed_closed_cycle(*, teams: int) -> Any:
    """``teams`` teams of ``READY_RESPONDENTS`` members each, answered, in a closed cycle."""
    import random

    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Answer, Cycle, Role, Submission, Team
    from leadership.models import QuestionBank

    rng = random.Random(7)
    bank = QuestionBank.objects.order_by("pk").first()
    now = timezone.now()
    with transaction.atomic():
        made = Team.objects.bulk_create(
            Team(name=f"Ready {i:04d}", slug=f"ready-{i:04d}") for i in range(1, teams + 1)
        )
        cycle = Cycle.objects.create(
            name="Ready bench",
            slug="ready-bench",
            bank=bank,
            state=Cycle.State.CLOSED,
            opens_at=now - dt.timedelta(days=20),
            closes_at=now - dt.timedelta(days=1),
        )
        questions = list(bank.questions.current().in_survey_order())
        cycle.questions.set(questions)
        cycle.teams.set(made)
        ratings = [q for q in questions if q.is_rating]
        submissions = Submission.objects.bulk_create(
            Submission(cycle=cycle, team=team, role=Role.MEMBER, submitted_on=now.date())
            for team in made
            for _ in range(READY_RESPONDENTS)
        )
        Answer.objects.bulk_create(
            (
                Answer(submission=s, question=q, value=rng.randint(q.scale_min, q.scale_max))
                for s in submissions
                for q in ratings
            ),
            batch_size=5000,
        )
    return cycle


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ready_after_release(*, teams: int = READY_TEAMS) -> None:
    from django.db import connection

    from assessments.hr.cycles import cycle_release
    from assessments.models import ReportFile
    from assessments.results.stored import cycle_report

    started_seed = time.perf_counter()
    cycle = _seed_closed_cycle(teams=teams)
    seeded = time.perf_counter() - started_seed
    env = {**os.environ, "PILLARS_WORKER_BEAT_SECONDS": "5"}
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.5", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
        )
        for _ in range(WORKERS)
    ]
    try:
        time.sleep(3)  # the workers are up and polling before the release
        cpu_before = sum(_cpu_seconds(w.pid) for w in workers)
        started = time.perf_counter()
        cycle_release(cycle=cycle, actor=None)
        cycle_report(cycle, detail=False)  # the results of the release (the worker's, in time)
        expected = teams + 1
        stored = 0
        while time.perf_counter() - started < READY_LIMIT:
            stored = ReportFile.objects.filter(cycle=cycle).count()
            if stored >= expected:
                break
            time.sleep(1)
        elapsed = time.perf_counter() - started
        cpu = sum(_cpu_seconds(w.pid) for w in workers) - cpu_before
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        connection.close()
    per_pdf = cpu / max(stored, 1)
    done = "all" if stored >= expected else f"only {stored} of"
    print(
        f"{done} {expected} PDFs ({teams} teams and the organisation) ready "
        f"{elapsed:.0f} s after release on {WORKERS} workers (seeded in {seeded:.0f} s); "
        f"worker CPU {per_pdf * 1000:.0f} ms per PDF, {cpu:.0f} s in all "
        f"(goal within 8 minutes: {'met' if stored >= expected and elapsed < 480 else 'NOT met'})",
        flush=True,
    )
