"""Scale: 10,000 teams, 100,000 respondents and ~3.5M answers on PostgreSQL (issue 16).

``run()`` starts a child process on a PostgreSQL database at 127.0.0.1 (it refuses any other
host: the benchmark flushes the database it is given) and prints, each beside a floor measured
in the same run:

- seeding (COPY) of the organisation, and of a second one of 1,000 teams for comparison;
- the worker's recompute: the real ``db_worker`` in its own process takes the enqueued results
  task; its wall time (goal < 60 s) and peak memory (``getrusage``, goal < 2 GB), beside one SQL
  aggregation of the same answers;
- the organisation dashboard, cold (no parsed report kept in the process, the heatmap built
  afresh; goal < 100 ms): its default first page of 50 teams, and a filtered and sorted page (one
  department, sorted by a pillar's favourable share, highest first) and a name search; and a team
  dashboard (goal p95 < 50 ms, and within 20 % of the same page at 1,000 teams), through
  Django's test client, beside a trivial view through the same client and a one-row SELECT;
- an email run of invitations (``BENCH_EMAILS``, default 100,000) with the locmem backend: its
  throughput, beside the bare backend's.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pillars_scale_bench \
        python -m benchmarks scale
    BENCH_TEAMS=1000 BENCH_EMAILS=10000 python -m benchmarks scale     # a quick run

Bounded: at most ``MAX_TEAMS`` teams, and the child is stopped after ``BENCH_TIMEOUT`` seconds.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pillars_scale_bench"
TEAMS = int(os.environ.get("BENCH_TEAMS", "10000"))
EMAILS = int(os.environ.get("BENCH_EMAILS", "100000"))
TIMEOUT = int(os.environ.get("BENCH_TIMEOUT", "3600"))
MAX_TEAMS = 20_000
COMPARE_TEAMS = 1000  # the smaller organisation a team's page is compared with
RESPONDENTS_PER_TEAM = 10  # on average: 100,000 respondents at 10,000 teams
SEED = 20261


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.startswith("postgres") and parts.hostname in ("127.0.0.1", "localhost")


def run() -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if not _local(url):
        raise SystemExit(
            f"The scale benchmark flushes its database: PostgreSQL at 127.0.0.1 only ({url})."
        )
    if not 1 <= TEAMS <= MAX_TEAMS:
        raise SystemExit(f"BENCH_TEAMS must be between 1 and {MAX_TEAMS}.")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "PILLARS_ENV": "development",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        # The worker's recompute alone: with stored PDFs on, its batch run would go on to render
        # every team's PDF (issue 14), hours at 10,000 teams, and time that instead.
        "PILLARS_REPORT_FILES": "0",
    }
    print(f"\n== scale benchmark: {TEAMS:,} teams on {urlsplit(url).path[1:]} ==", flush=True)
    subprocess.run(
        [sys.executable, "-m", "benchmarks.scale"], cwd=ROOT, env=env, check=True, timeout=TIMEOUT
    )


# --- inside the child process ---------------------------------------------------------------


def _setup() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql" or not _local(os.environ["DATABASE_URL"]):
        raise SystemExit("PostgreSQL at 127.0.0.1 only.")
    setup_test_environment()  # the test client's host; email goes to the locmem outbox
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_bank", verbosity=0)


def _org_seed(*, teams: int, tag: str, days_ago: int) -> dict[str, Any]:
    """A released cycle of ``teams`` teams (50 a department) with about 10 respondents each."""
    import datetime as dt

    import numpy as np
    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Answer, Comment, Cycle, Role, Submission, Team
    from benchmarks.dashboards import _insert
    from leadership.models import DEFAULT_BANK_NAME, QuestionBank

    rng = np.random.default_rng(SEED + teams)
    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    questions = list(bank.questions.current().in_survey_order())
    ratings = [q.pk for q in questions if q.is_rating]
    pillars = sorted({q.pillar_id for q in questions})
    sizes = rng.integers(5, 2 * RESPONDENTS_PER_TEAM - 4, size=teams)
    sizes[0] = RESPONDENTS_PER_TEAM  # the team whose page is timed, the same size in both
    started = time.perf_counter()
    with transaction.atomic():
        n_depts = max(1, teams // 50)
        departments = Team.objects.bulk_create(
            Team(name=f"{tag} department {d:03d}", slug=f"{tag}-dept-{d:03d}", is_department=True)
            for d in range(n_depts)
        )
        made = Team.objects.bulk_create(
            (
                Team(
                    name=f"{tag} team {t:05d}",
                    slug=f"{tag}-team-{t:05d}",
                    parent=departments[t % n_depts],
                )
                for t in range(teams)
            ),
            batch_size=2000,
        )
        now = timezone.now()
        cycle = Cycle.objects.create(
            name=f"{tag} cycle",
            slug=f"{tag}-cycle",
            bank=bank,
            recorded_state=Cycle.State.RELEASED,
            opens_at=now - dt.timedelta(days=days_ago),
            closes_at=now - dt.timedelta(days=days_ago - 20),
            released_at=now - dt.timedelta(days=days_ago - 21),
        )
        cycle.questions.set(questions)
        cycle.teams.set(made)
        first = (Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        team_of = np.repeat([t.pk for t in made], sizes)
        ids = np.arange(first, first + len(team_of))
        _insert(
            Submission._meta.db_table,
            ("id", "cycle_id", "team_id", "role", "submitted_on"),
            (
                (int(i), cycle.pk, int(t), Role.MEMBER, dt.date(2026, 3, 1))
                for i, t in zip(ids, team_of, strict=True)
            ),
        )
        base = rng.uniform(2.0, 4.6, len(ids))
        values = np.clip(
            np.round(base[:, None] + rng.normal(0, 0.8, (len(ids), len(ratings)))), 1, 5
        )
        skipped = rng.random(values.shape) < 0.03

        def answer_rows() -> Iterable[tuple]:
            for i, submission in enumerate(ids.tolist()):
                row, gaps = values[i].tolist(), skipped[i].tolist()
                for j, question in enumerate(ratings):
                    yield (submission, question, None if gaps[j] else int(row[j]))

        _insert(Answer._meta.db_table, ("submission_id", "question_id", "value"), answer_rows())
        _insert(
            Comment._meta.db_table,
            ("submission_id", "pillar_id", "text"),
            (
                (int(s), pillars[k % len(pillars)], f"Comment {k}")
                for k, s in enumerate(ids[::5].tolist())
            ),
        )
    return {
        "cycle": cycle,
        "team": made[0],
        "respondents": len(ids),
        "answers": len(ids) * len(ratings) - int(skipped.sum()),
        "seconds": time.perf_counter() - started,
    }


def _invitations_seed(count: int) -> Any:
    """An open cycle over the first teams with ``count`` invitations nobody was emailed yet."""
    import datetime as dt
    import hashlib

    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Cycle, Invitation, Role, Team
    from benchmarks.dashboards import _insert
    from leadership.models import DEFAULT_BANK_NAME, QuestionBank

    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    teams = list(
        Team.objects.filter(is_department=False).order_by("pk").values_list("pk", flat=True)
    )
    now = timezone.now()
    with transaction.atomic():
        cycle = Cycle.objects.create(
            name="Email run",
            slug="email-run",
            bank=bank,
            recorded_state=Cycle.State.OPEN,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=20),
        )
        cycle.questions.set(bank.questions.current())
        cycle.teams.set(teams)
        _insert(
            Invitation._meta.db_table,
            (
                "cycle_id",
                "team_id",
                "role",
                "email",
                "token_hash",
                "state",
                "created_at",
                "reminder_count",
                "language",
            ),
            (
                (
                    cycle.pk,
                    teams[i % len(teams)],
                    Role.MEMBER,
                    f"person{i}@example.com",
                    hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
                    Invitation.State.PENDING,
                    now,
                    0,
                    "",  # the organisation's language
                )
                for i in range(count)
            ),
        )
    return cycle


def _worker_compute(cycle_ids: list[int]) -> tuple[float, float, float]:
    """Enqueue the results tasks and let the real worker, in its own process, run them:
    (wall seconds, the worker's CPU seconds, its peak resident memory in MB). On a busy machine
    wall time mostly measures waiting for a core; CPU time (the worker's, not PostgreSQL's) is
    what the work costs."""
    from django.conf import settings

    from assessments.results.stored import results_compute_task

    for cycle_id in cycle_ids:
        results_compute_task.using(backend=settings.PILLARS_RESULTS_TASKS_BACKEND).enqueue(
            cycle_id=cycle_id
        )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--queue-name",
            "default",
            "--verbosity",
            "0",
        ],
        cwd=ROOT,
        env=os.environ,
        check=True,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, after.ru_maxrss / 1024


CPU_MS: dict[int, float] = {}  # id(timings) -> the median CPU ms of the same calls


def _timed(fn: Callable[[], Any], *, repeat: int) -> list[float]:
    """Wall ms of each call; the median CPU ms (this process's) is kept in CPU_MS."""
    fn()
    timings, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    CPU_MS[id(timings)] = statistics.median(cpu)
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _row(label: str, timings: list[float], floor: list[float], goal: str) -> tuple[str, ...]:
    return (
        label,
        f"{statistics.median(timings):.1f}",
        f"{_p95(timings):.1f}",
        f"{CPU_MS[id(timings)]:.1f}",
        f"{statistics.median(floor):.1f}",
        goal,
    )


def main() -> None:
    _setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core import mail
    from django.core.mail import EmailMessage, get_connection
    from django.db import connection
    from django.test import Client

    from assessments.hr.email_runs import invitations_send
    from assessments.models import Team
    from assessments.results.stored import results_are_ready, results_cache_clear
    from benchmarks.dashboards import _floor

    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores"
    )
    hr = get_user_model().objects.create_user(username="scale-hr@example.com", password="x")
    hr.groups.add(Group.objects.get_or_create(name=settings.HR_GROUP_NAME)[0])
    large = _org_seed(teams=TEAMS, tag="large", days_ago=60)
    print(
        f"seeded {TEAMS:,} teams, {large['respondents']:,} respondents, "
        f"{large['answers']:,} answers "
        f"in {large['seconds']:.1f} s (COPY)",
        flush=True,
    )
    small = _org_seed(teams=COMPARE_TEAMS, tag="small", days_ago=200)
    print(f"seeded {COMPARE_TEAMS:,} teams for comparison in {small['seconds']:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    # The worker: the smaller (earlier) cycle first, as trends need it; then the large one.
    small_s, small_cpu, _ = _worker_compute([small["cycle"].pk])
    large_s, large_cpu, peak_mb = _worker_compute([large["cycle"].pk])
    if not (results_are_ready(large["cycle"]) and results_are_ready(small["cycle"])):
        raise SystemExit("The worker did not store the results.")
    sql_floor = _timed(_floor(large["cycle"].pk), repeat=1)

    client = Client()
    client.force_login(hr)
    trivial = _timed(lambda: client.get("/bench/trivial/"), repeat=50)

    def one_row() -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM assessments_cycle WHERE id = %s", [large["cycle"].pk])
            return cursor.fetchone()

    select = _timed(one_row, repeat=50)
    org_url = f"/organisation/?cycle={large['cycle'].slug}"
    department = Team.objects.get(slug="large-dept-007")
    pillar = (
        large["cycle"].questions.order_by("pillar__order").values_list("pillar__key", flat=True)[0]
    )
    org_urls = {
        "first page": org_url,
        "department, by a pillar": (
            f"{org_url}&department={department.pk}&sort={pillar}&order=desc&metric=favourable"
        ),
        "name search, page 2": f"{org_url}&q=team+0&page=2",
    }

    def org_cold(url: str) -> Any:
        results_cache_clear()  # no parsed report kept: the head is read and parsed again
        return client.get(url)

    pages = {}
    for name, url in (
        ("large", f"/results/{large['cycle'].slug}/{large['team'].slug}/"),
        ("small", f"/results/{small['cycle'].slug}/{small['team'].slug}/"),
    ):
        response = client.get(url)
        if response.status_code != 200 or b"being prepared" in response.content:
            raise SystemExit(f"{url} is not ready: HTTP {response.status_code}")
        pages[name] = _timed(lambda url=url: client.get(url), repeat=100)
    org: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    for name, url in org_urls.items():
        response = client.get(url)
        if response.status_code != 200 or b"being prepared" in response.content:
            raise SystemExit(f"The organisation page is not ready: {url}")
        sizes[name] = len(response.content)
        org[name] = _timed(lambda url=url: org_cold(url), repeat=20)

    rows = [
        (
            f"worker recompute, {TEAMS:,} teams (s)",
            f"{large_s:.1f}",
            "",
            f"{large_cpu:.1f}",
            f"{statistics.median(sql_floor) / 1000:.1f}",
            "< 60 s",
        ),
        (
            f"worker recompute, {COMPARE_TEAMS:,} teams (s)",
            f"{small_s:.1f}",
            "",
            f"{small_cpu:.1f}",
            "",
            "",
        ),
        ("worker peak memory (MB)", f"{peak_mb:.0f}", "", "", "", "< 2048 MB"),
        *(
            _row(
                f"org dashboard cold, {name}, {TEAMS:,} teams ({sizes[name] / 1000:.0f} kB)",
                timings,
                trivial,
                "< 100 ms",
            )
            for name, timings in org.items()
        ),
        _row(f"team dashboard, {TEAMS:,} teams", pages["large"], trivial, "p95 < 50 ms"),
        _row(f"team dashboard, {COMPARE_TEAMS:,} teams", pages["small"], trivial, ""),
        _row("one-row SELECT (floor)", select, select, ""),
    ]
    ratio = statistics.median(pages["large"]) / statistics.median(pages["small"])
    header = ("measurement", "median", "p95", "CPU", "floor", "goal")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(
        "times in ms unless said (CPU: median CPU of this process; the worker: its own CPU s); "
        "floor: the worker's beside one SQL aggregation of the answers, "
        "pages' beside a trivial view through the same client"
    )
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(
        f"team page at {TEAMS:,} / at {COMPARE_TEAMS:,} teams: {ratio:.2f} (goal ≤ 1.20)",
        flush=True,
    )

    if EMAILS:
        cycle = _invitations_seed(EMAILS)
        mail.outbox = []
        started = time.perf_counter()
        sent = invitations_send(cycle=cycle, actor=hr)
        seconds = time.perf_counter() - started
        count = len(mail.outbox)
        mail.outbox = []
        bare = get_connection()
        messages = [
            EmailMessage("s", "b", "from@example.com", ["to@example.com"]) for _ in range(2000)
        ]
        bare_started = time.perf_counter()
        bare.send_messages(messages)
        bare_rate = len(messages) / (time.perf_counter() - bare_started)
        print(
            f"email run: {count:,} invitations emailed in {seconds:.1f} s = "
            f"{count / seconds:,.0f}/s ({sent}); the bare locmem backend: {bare_rate:,.0f}/s"
        )
    load = os.getloadavg()
    print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
