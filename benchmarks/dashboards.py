"""Dashboards at scale: 1,000 teams and about 1M answers in one released cycle.

``run()`` benchmarks SQLite (a scratch file) and, when ``BENCH_DATABASE_URL`` is set, PostgreSQL
— each in its own process, because Django's database settings are fixed at start-up. It prints,
per backend: computing the results from the raw answers, reading the organisation report (the
heatmap's data) and a 50-respondent team's report from stored results, the real dashboard pages
through Django's test client, and beside them a floor measured in the same run: one SQL
aggregation of the same answers (``AVG(value) GROUP BY team, pillar``) — what any page built
from raw answers would pay at least. SQL query counts are printed per step; tests assert they do
not grow with teams or respondents.

Goals: organisation heatmap < 100 ms, team dashboard p95 < 50 ms.

    python -m benchmarks dashboards
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/pillars_bench python -m benchmarks
    BENCH_TEAMS=200 BENCH_ANSWERS=200000 python -m benchmarks dashboards   # a quicker run
    BENCH_SQLITE_KEEP=/tmp/bench.sqlite3 python -m benchmarks dashboards    # seed once, reuse

With ``BENCH_SQLITE_KEEP`` the SQLite file is kept, and a later run with the same file and
``BENCH_TEAMS`` skips the slow seeding and measures the organisation already in it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

ROOT = Path(__file__).resolve().parents[1]
TEAMS = int(os.environ.get("BENCH_TEAMS", "1000"))
ANSWERS = int(os.environ.get("BENCH_ANSWERS", "1000000"))
BIG_TEAM = 50  # respondents in the team whose dashboard is timed
SEED = 20260


def run() -> None:
    """Benchmark SQLite, then PostgreSQL when ``BENCH_DATABASE_URL`` is set."""
    backends = [("sqlite", {})]
    if os.environ.get("BENCH_DATABASE_URL"):
        backends.append(("postgresql", {"DATABASE_URL": os.environ["BENCH_DATABASE_URL"]}))
    for name, extra in backends:
        env = {**os.environ, **extra, "PILLARS_ENV": "development", "DEBUG": "0"}
        keep = name == "sqlite" and bool(os.environ.get("BENCH_SQLITE_KEEP"))
        if name == "sqlite":
            env.pop("DATABASE_URL", None)
            scratch = Path(tempfile.gettempdir()) / f"pillars_bench_{os.getpid()}.sqlite3"
            if keep:
                scratch = Path(os.environ["BENCH_SQLITE_KEEP"])
                env["BENCH_REUSE"] = "1"
            env["SQLITE_PATH"] = str(scratch)
        print(f"\n== dashboards benchmark on {name} ==", flush=True)
        try:
            subprocess.run(
                [sys.executable, "-m", "benchmarks.dashboards"], cwd=ROOT, env=env, check=True
            )
        finally:
            if name == "sqlite" and not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{scratch}{suffix}").unlink(missing_ok=True)


# --- inside the child process ---------------------------------------------------------------


def _setup() -> bool:
    """Migrate and load the bank; True when a kept, already seeded database is reused."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadership.settings")
    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host, and no e-mail leaves
    call_command("migrate", verbosity=0)
    if os.environ.get("BENCH_REUSE"):
        from assessments.models import Cycle

        cycle = Cycle.objects.filter(slug="bench-2026").first()
        if cycle is not None and cycle.teams.count() == TEAMS:
            return True
    call_command("flush", interactive=False, verbosity=0)
    call_command("load_bank", verbosity=0)
    return False


def _seeded() -> dict[str, Any]:
    """What :func:`_seed` returned, read back from a kept database."""
    from django.contrib.auth import get_user_model

    from assessments.models import Answer, Cycle, Submission

    cycle = Cycle.objects.get(slug="bench-2026")
    return {
        "cycle": cycle,
        "hr": get_user_model().objects.get(username="bench-hr@example.com"),
        "big": cycle.teams.get(slug="team-0000"),
        "answers": Answer.objects.count(),
        "submissions": Submission.objects.filter(cycle=cycle).count(),
        "seconds": 0.0,
    }


def _insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Bulk insert plain rows: COPY on PostgreSQL, executemany on SQLite."""
    import itertools

    from django.db import connection

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, 50_000)):
            cursor.executemany(sql, chunk)


def _seed() -> dict[str, Any]:
    import datetime as dt

    import numpy as np
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from assessments.models import Answer, Comment, Cycle, Role, Submission, Team
    from leadership.models import DEFAULT_BANK_NAME, QuestionBank

    rng = np.random.default_rng(SEED)
    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    questions = list(bank.questions.current().in_survey_order())
    ratings = [q for q in questions if q.is_rating]
    pillars = sorted({q.pillar_id for q in questions})
    per_respondent = len(ratings)
    members_total = ANSWERS // per_respondent - TEAMS  # one self-assessment per team
    sizes = rng.integers(5, 51, size=TEAMS)
    sizes = np.maximum(3, np.round(sizes * members_total / sizes.sum())).astype(int)
    sizes[0] = BIG_TEAM
    started = time.perf_counter()
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=settings.HR_GROUP_NAME)
        hr = get_user_model().objects.create_user(username="bench-hr@example.com", password="x")
        hr.groups.add(group)
        n_depts = max(1, TEAMS // 50)
        departments = Team.objects.bulk_create(
            Team(name=f"Department {d:02d}", slug=f"department-{d:02d}", is_department=True)
            for d in range(n_depts)
        )
        teams = Team.objects.bulk_create(
            Team(name=f"Team {t:04d}", slug=f"team-{t:04d}", parent=departments[t % n_depts])
            for t in range(TEAMS)
        )
        cycle = Cycle.objects.create(
            name="Bench 2026",
            slug="bench-2026",
            bank=bank,
            recorded_state=Cycle.State.RELEASED,
            opens_at=timezone.now() - dt.timedelta(days=30),
            released_at=timezone.now(),
        )
        cycle.questions.set(questions)
        cycle.teams.set(teams)
        submission_rows = []
        next_id = (Submission.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        levels = {}
        for team, size in zip(teams, sizes, strict=True):
            for role, count in ((Role.MEMBER, int(size)), (Role.SELF, 1)):
                for _ in range(count):
                    submission_rows.append((next_id, cycle.pk, team.pk, role, dt.date(2026, 3, 1)))
                    levels[next_id] = rng.uniform(2.0, 4.6)
                    next_id += 1
        _insert(
            Submission._meta.db_table,
            ("id", "cycle_id", "team_id", "role", "submitted_on"),
            submission_rows,
        )
        submission_ids = np.array([row[0] for row in submission_rows])
        base = np.array([levels[s] for s in submission_ids])
        values = np.clip(
            np.round(base[:, None] + rng.normal(0, 0.8, (len(submission_ids), per_respondent))),
            1,
            5,
        ).astype(int)
        skipped = rng.random(values.shape) < 0.03
        question_ids = [q.pk for q in ratings]

        def answer_rows() -> Iterable[tuple]:
            for i, submission_id in enumerate(submission_ids.tolist()):
                row_values = values[i].tolist()
                row_skipped = skipped[i].tolist()
                for j, question_id in enumerate(question_ids):
                    yield (submission_id, question_id, None if row_skipped[j] else row_values[j])

        _insert(Answer._meta.db_table, ("submission_id", "question_id", "value"), answer_rows())
        comment_rows = [
            (int(s), pillars[int(rng.integers(len(pillars)))], f"Comment {i}")
            for i, s in enumerate(submission_ids[::5].tolist())
        ]
        _insert(Comment._meta.db_table, ("submission_id", "pillar_id", "text"), comment_rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    answers = Answer.objects.count()
    return {
        "cycle": cycle,
        "hr": hr,
        "big": teams[0],
        "answers": answers,
        "submissions": len(submission_rows),
        "seconds": time.perf_counter() - started,
    }


def _time(fn: Callable[[], Any], *, repeat: int) -> tuple[list[float], int, float]:
    """Wall milliseconds of each call, the SQL queries of one call, the median CPU ms.

    CPU time is the process's, per call: on a busy machine wall
    time mostly measures waiting for a core. With SQLite the database runs inside this process,
    so CPU time covers the queries too; with PostgreSQL it covers only Django and Python.
    """
    from django.db import connection

    fn()  # warm: imports, caches, the stored row's pages
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # An execute wrapper, not connection.queries: each test-client request resets those.
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        fn()
    timings = []
    cpu = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return timings, len(queries), statistics.median(cpu)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _floor_sql(cycle_id: int, team_id: int | None) -> tuple[str, list[Any]]:
    sql = (
        "SELECT s.team_id, q.pillar_id, AVG(a.value) "
        "FROM assessments_answer a "
        "JOIN assessments_submission s ON s.id = a.submission_id "
        "JOIN leadership_question q ON q.id = a.question_id "
        "WHERE s.cycle_id = %s AND s.role = 'member'"
    )
    params: list[Any] = [cycle_id]
    if team_id is not None:
        sql += " AND s.team_id = %s"
        params.append(team_id)
    return sql + " GROUP BY s.team_id, q.pillar_id", params


def _floor(cycle_id: int, team_id: int | None = None) -> Callable[[], Any]:
    from django.db import connection

    sql, params = _floor_sql(cycle_id, team_id)

    def query() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return query


def main() -> None:
    reused = _setup()
    from django.db import connection
    from django.test import Client

    from assessments.models import CycleResult
    from assessments.results import aggregation
    from assessments.results.access import report_for_viewer
    from assessments.results.stored import cycle_report, results_cache_clear

    seeded = _seeded() if reused else _seed()
    cycle, hr, big = seeded["cycle"], seeded["hr"], seeded["big"]
    print(
        f"{'reused' if reused else 'seeded'} {TEAMS} teams, {seeded['submissions']:,} submissions, "
        f"{seeded['answers']:,} answers in {seeded['seconds']:.1f} s ({connection.vendor})",
        flush=True,
    )
    rows: list[tuple[str, ...]] = []

    def add(
        label: str,
        measured: tuple[list[float], int, float],
        floor: tuple[list[float], int, float] | None,
        goal: str,
    ) -> None:
        timings, queries, cpu = measured
        rows.append(
            (
                label,
                f"{statistics.median(timings):.1f}",
                f"{_p95(timings):.1f}",
                f"{cpu:.1f}",
                str(queries),
                f"{statistics.median(floor[0]):.1f} / {floor[2]:.1f}" if floor else "",
                goal,
            )
        )

    started = time.perf_counter()
    report = cycle_report(cycle)
    compute_ms = (time.perf_counter() - started) * 1000
    size = len(str(CycleResult.objects.values_list("data", flat=True).get(cycle=cycle)))
    compute = _time(lambda: aggregation.cycle_compute(cycle), repeat=1)
    org_floor = _time(_floor(cycle.pk), repeat=3)
    add(f"compute from {seeded['answers']:,} raw answers", compute, org_floor, "seconds")
    rows.append(("compute + store (first read)", f"{compute_ms:.1f}", "", "", "", "", ""))

    org = _time(lambda: report_for_viewer(cycle=cycle, user=hr, detail=False), repeat=30)
    add("org report (heatmap data), stored", org, org_floor, "< 100 ms")
    team_floor = _time(_floor(cycle.pk, big.pk), repeat=50)
    team = _time(lambda: report_for_viewer(cycle=cycle, user=hr, team_id=big.pk), repeat=50)
    add(f"team report ({BIG_TEAM} respondents), stored", team, team_floor, "")

    client = Client()
    client.force_login(hr)
    pages = [
        ("org dashboard page", f"/organisation/?cycle={cycle.slug}", 15, org_floor, "< 100 ms"),
        (
            f"team dashboard page ({BIG_TEAM})",
            f"/results/{cycle.slug}/{big.slug}/",
            40,
            team_floor,
            "p95 < 50 ms",
        ),
    ]
    for label, url, repeat, floor, goal in pages:
        response = client.get(url)
        if response.status_code != 200:
            rows.append((label, f"HTTP {response.status_code}", "", "", "", "", "not measured"))
            continue
        add(label, _time(lambda url=url: client.get(url), repeat=repeat), floor, goal)

    # The org page when this process keeps no parsed report: the stored head is read and parsed
    # again, and the page of rows built afresh (the first view after a new stored row).
    def org_cold() -> Any:
        results_cache_clear()
        return client.get(pages[0][1])

    add(
        "org dashboard page, cold (heatmap rebuilt)",
        _time(org_cold, repeat=15),
        org_floor,
        "< 100 ms",
    )

    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    print(f"stored report: {size / 1e6:.1f} MB JSON; {len(report.teams)} teams")
    for row in [HEADER, tuple("-" * w for w in widths), *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


HEADER = (
    "measurement",
    "median ms",
    "p95 ms",
    "CPU ms",
    "queries",
    "SQL floor ms (wall / CPU)",
    "goal",
)


if __name__ == "__main__":
    main()
