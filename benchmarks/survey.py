"""The survey under load: page GET, autosave POST and final submit, each beside its floor.

``run()`` builds a scratch database (SQLite in WAL mode; PostgreSQL too when
``BENCH_DATABASE_URL`` is set) in a child process, serves the app with gunicorn on
127.0.0.1:8201 (or ``BENCH_PORT``; ``benchmarks.settings`` adds the floor views, which
production URLs never carry), and drives it from a thread pool, bounded in time and count, over
loopback only:

- survey step GET            vs a trivial view              goal ≥ 0.3 × floor
- autosave POST (one answer) vs a view doing one INSERT     goal ≥ 0.5 × floor
- submit POST                vs a view inserting 1 + N rows goal ≥ 0.5 × floor
- submit at a steady 50/s                                   goal p99 < 300 ms

Each measure and its floor run in alternating slices (``BENCH_ROUNDS``, 4 by default), so a
change in the machine's pace during the run falls on both alike. Beside throughput it prints the
server's CPU milliseconds per request (gunicorn's processes, read from /proc; with PostgreSQL
the database server's own CPU is not included) and the floor/measure ratio of those: on a shared
machine other people's load moves req/s from one second to the next, while CPU per request stays
put. It also prints how busy the load-generating process was, so a client-bound floor shows.

    python -m benchmarks survey
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).resolve().parents[1]
HOST, PORT = "127.0.0.1", int(os.environ.get("BENCH_PORT", "8201"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
# A bound on the count as well as the time; high enough that time is what ends a slice (slices
# of equal length, so their ramp-up and tail weigh the same on a measure and its floor).
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "20000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
SUBMIT_POOL = int(os.environ.get("BENCH_SUBMITS", "1500"))
RATE = 50.0
RATE_SECONDS = 6.0
# The least share of its floor's throughput each measure must reach (issue 17): a page renders a
# template, which a trivial view does not, so its goal is lower.
GOAL_RATIOS = {"survey step GET": 0.3, "autosave POST": 0.5, "submit POST": 0.5}
GOAL_P99_MS = 300.0


# --- The parent: database, gunicorn, load ---------------------------------------------------


@dataclass
class Figures:
    name: str
    count: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # seconds, all gunicorn processes
    client_cpu: float = 0.0  # seconds, this process

    @classmethod
    def sum(cls, slices: list[Figures]) -> Figures:
        """One measure's figures over several slices of time."""
        return cls(
            name=slices[0].name,
            count=sum(part.count for part in slices),
            errors=sum(part.errors for part in slices),
            seconds=sum(part.seconds for part in slices),
            latencies=[latency for part in slices for latency in part.latencies],
            server_cpu=sum(part.server_cpu for part in slices),
            client_cpu=sum(part.client_cpu for part in slices),
        )

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per answered request."""
        return 1000 * self.server_cpu / self.count if self.count else float("nan")

    @property
    def client_share(self) -> float:
        """The load generator's CPU as a share of one core: near 1, the client is the limit."""
        return self.client_cpu / self.seconds if self.seconds else 0.0

    @property
    def rps(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run() -> None:
    targets = [("SQLite", None)]
    if os.environ.get("BENCH_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["BENCH_DATABASE_URL"]))
    for label, database_url in targets:
        print(
            f"\n== Survey benchmark: {label}, gunicorn {WORKERS} workers, "
            f"{CONCURRENCY} clients, ≤{SECONDS:g}s per measure in {ROUNDS} slices "
            "alternating with its floor's ==",
            flush=True,
        )
        _run_one(database_url)


def _run_one(database_url: str | None) -> None:
    scratch = Path(tempfile.gettempdir()) / f"pillars_bench_survey_{os.getpid()}.sqlite3"
    env = {
        **os.environ,
        "PILLARS_ENV": "development",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "SQLITE_PATH": str(scratch),
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "ERROR",
        # One client address drives all the load: lift the per-address limits.
        "PILLARS_RATELIMIT_SUBMIT": "1000000/60",
        "PILLARS_RATELIMIT_TOKEN": "1000000/60",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    fixture_path = Path(tempfile.gettempdir()) / f"pillars_bench_survey_{os.getpid()}.json"
    server = None
    try:
        subprocess.run(
            [sys.executable, "-m", "benchmarks.survey", "--fixture", str(fixture_path)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        fixture = json.loads(fixture_path.read_text())
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "leadership.wsgi:application",
                "--bind",
                f"{HOST}:{PORT}",
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
                "--graceful-timeout",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_ready()
        _measure_all(fixture, server.pid)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        fixture_path.unlink(missing_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


def _wait_ready() -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if _request("GET", "/bench/trivial/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not start on {HOST}:{PORT}")


def _request(
    method: str, path: str, *, body: str = "", headers: dict[str, str] | None = None
) -> tuple[int, float]:
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _server_cpu(master: int) -> float:
    """CPU seconds used so far by gunicorn's master and its workers (0 where /proc is missing)."""
    total = 0
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else ():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command: state, ppid, …; utime and stime are fields 14 and 15 of stat.
        if int(entry.name) == master or int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def _measured(master: int, measure: Callable[[], Figures]) -> Figures:
    server, client = _server_cpu(master), time.process_time()
    figures = measure()
    figures.server_cpu = _server_cpu(master) - server
    figures.client_cpu = time.process_time() - client
    return figures


class _Tally:
    """Latencies of the requests answered with the expected status, and a count of the rest."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0
        self._lock = threading.Lock()

    def send(
        self, method: str, path: str, body: str, headers: dict[str, str], expected: int
    ) -> None:
        try:
            status, elapsed = _request(method, path, body=body, headers=headers)
        except OSError:
            status, elapsed = 0, 0.0
        with self._lock:
            if status == expected:
                self.latencies.append(elapsed)
            else:
                self.errors += 1


def _closed_loop(
    name: str,
    make: Callable[[int], tuple[str, str, str, dict[str, str], int]],
    indexes: range,
    seconds: float,
) -> Figures:
    """CONCURRENCY clients, each sending its next request as soon as the last one returns, for
    at most ``seconds`` and at most one request per index."""
    lock = threading.Lock()
    counter = iter(indexes)
    tally = _Tally()
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            tally.send(*make(index))

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for _ in range(CONCURRENCY):
            pool.submit(client)
    seconds = time.perf_counter() - started
    return Figures(name, len(tally.latencies), tally.errors, seconds, tally.latencies)


def _paired(
    master: int,
    measure: tuple[str, Callable, int],
    floor: tuple[str, Callable, int],
) -> tuple[Figures, Figures]:
    """A measure and its floor, each ``(name, make, most requests)``, in ROUNDS alternating
    slices, each bounded by SECONDS / ROUNDS and by its share of the requests: when the machine's
    pace changes (other tenants of a shared host), the change falls on both alike instead of on
    whichever ran in that moment. Each side's figures are the sums over its slices."""
    sides = []
    for name, make, most in (measure, floor):
        most = min(most, MAX_REQUESTS)
        share = max(1, most // ROUNDS)
        ranges = [range(at, min(at + share, most)) for at in range(0, most, share)]
        sides.append((name, make, ranges))
    slices: tuple[list[Figures], list[Figures]] = ([], [])
    for round_ in range(ROUNDS):
        for (name, make, ranges), taken in zip(sides, slices, strict=True):
            if round_ < len(ranges):
                taken.append(_slice(master, name, make, ranges[round_]))
    return Figures.sum(slices[0]), Figures.sum(slices[1])


def _slice(master: int, name: str, make: Callable, indexes: range) -> Figures:
    return _measured(master, lambda: _closed_loop(name, make, indexes, SECONDS / ROUNDS))


def _open_loop(
    name: str, make: Callable[[int], tuple[str, str, str, dict[str, str], int]], count: int
) -> Figures:
    """Requests started on a fixed schedule (RATE per second), whatever the server's pace."""
    tally = _Tally()
    started = time.perf_counter()

    def one(index: int) -> None:
        delay = started + index / RATE - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        tally.send(*make(index))

    with ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(one, range(count)))
    seconds = time.perf_counter() - started
    return Figures(name, len(tally.latencies), tally.errors, seconds, tally.latencies)


def _measure_all(fixture: dict, master: int) -> None:
    csrf = secrets.token_hex(16)
    form = "application/x-www-form-urlencoded"
    browsing = fixture["browsing"]
    submits = fixture["submits"]
    floor = fixture["floor"]
    many_body = urllib.parse.urlencode(
        [("cycle", floor["cycle"]), ("team", floor["team"])]
        + [("q", pk) for pk in fixture["questions"]]
    )
    one_body = urllib.parse.urlencode({"cycle": floor["cycle"], "team": floor["team"]})

    def cookies(session_key: str) -> dict[str, str]:
        return {"Cookie": f"sessionid={session_key}; csrftoken={csrf}"}

    def page(index: int):
        session_key, key = browsing[index % len(browsing)]
        return "GET", f"/survey/{key}/step/2/", "", cookies(session_key), 200

    def autosave(index: int):
        session_key, key = browsing[index % len(browsing)]
        question = fixture["questions"][index % len(fixture["questions"])]
        body = f"q-{question}={1 + index % 5}"
        headers = {**cookies(session_key), "X-CSRFToken": csrf, "Content-Type": form}
        return "POST", f"/survey/{key}/save/", body, headers, 200

    def submit_from(offset: int):
        def submit(index: int):
            session_key, key = submits[offset + index]
            headers = {**cookies(session_key), "X-CSRFToken": csrf, "Content-Type": form}
            return "POST", f"/survey/{key}/submit/", "", headers, 302

        return submit

    def trivial(index: int):
        return "GET", "/bench/trivial/", "", {}, 200

    def insert(index: int):
        return "POST", "/bench/insert/", one_body, {"Content-Type": form}, 200

    def insert_many(index: int):
        return "POST", "/bench/insert-many/", many_body, {"Content-Type": form}, 200

    # Warm every worker's connections, templates and caches first.
    _closed_loop("warm-up", page, range(4 * WORKERS), SECONDS)
    _closed_loop("warm-up", trivial, range(4 * WORKERS), SECONDS)

    rated = int(RATE * RATE_SECONDS)
    closed_submits = len(submits) - rated

    most = MAX_REQUESTS
    many = f"1+{len(fixture['questions'])} INSERTs"
    rows = [
        _paired(master, ("survey step GET", page, most), ("trivial view", trivial, most)),
        _paired(master, ("autosave POST", autosave, most), ("one INSERT", insert, most)),
        _paired(master, ("submit POST", submit_from(0), closed_submits), (many, insert_many, most)),
    ]
    steady = _measured(
        master, lambda: _open_loop(f"submit at {RATE:g}/s", submit_from(closed_submits), rated)
    )

    header = (
        f"{'measure':<18}{'req/s':>7}{'p50':>7}{'p99':>7}{'err':>4}{'cpu':>6}{'cli':>5}   "
        f"{'floor':<14}{'req/s':>7}{'p99':>7}{'cpu':>6}{'cli':>5}{'ratio':>7}{'cpu r.':>7}  goal"
    )
    print(header)
    print("-" * len(header))
    for measured, floor_figures in rows:
        ratio = measured.rps / floor_figures.rps if floor_figures.rps else 0.0
        cpu_ratio = floor_figures.cpu_ms / measured.cpu_ms if measured.cpu_ms else 0.0
        goal = GOAL_RATIOS[measured.name]
        verdict = "ok" if ratio >= goal and not measured.errors else "MISSED"
        print(
            f"{measured.name:<18}{measured.rps:>7.0f}{measured.percentile(0.5):>7.1f}"
            f"{measured.percentile(0.99):>7.1f}{measured.errors:>4}{measured.cpu_ms:>6.1f}"
            f"{measured.client_share:>5.0%}   "
            f"{floor_figures.name:<14}{floor_figures.rps:>7.0f}{floor_figures.percentile(0.99):>7.1f}"
            f"{floor_figures.cpu_ms:>6.1f}{floor_figures.client_share:>5.0%}"
            f"{ratio:>7.2f}{cpu_ratio:>7.2f}  ≥{goal} {verdict}"
        )
    p99 = steady.percentile(0.99)
    verdict = "ok" if p99 < GOAL_P99_MS and not steady.errors else "MISSED"
    print(
        f"{steady.name:<18}{steady.rps:>7.0f}{steady.percentile(0.5):>7.1f}{p99:>7.1f}"
        f"{steady.errors:>4}{steady.cpu_ms:>6.1f}{steady.client_share:>5.0%}   "
        f"{'':<14}{'':>7}{'':>7}{'':>6}{'':>5}{'':>7}{'':>7}  p99<{GOAL_P99_MS:g}ms {verdict}"
    )
    print(
        "(latencies in ms; err = responses other than the expected status; cpu = server CPU ms "
        "per request; cli = load generator's CPU, share of one core; ratio = req/s over the "
        "floor's; cpu r. = floor's CPU per request over the measure's)",
        flush=True,
    )


# --- The child: a scratch database with invitations, drafts and sessions --------------------


def _fixture(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from assessments.models import (
        Cycle,
        DraftAnswer,
        DraftComment,
        Invitation,
        Team,
        token_hash,
        token_new,
    )
    from assessments.survey.views import SESSION_KEY
    from leadership.models import DEFAULT_BANK_NAME, QuestionBank

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # for CACHE_IN_DATABASE=1, as in production
    call_command("load_bank", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    questions = list(bank.questions.current())
    ratings = [question for question in questions if question.is_rating]
    stamp = secrets.token_hex(4)
    team = Team.objects.create(name=f"Bench {stamp}", slug=f"bench-{stamp}")
    now = timezone.now()

    def cycle_new(name: str) -> Cycle:
        cycle = Cycle.objects.create(
            name=f"{name} {stamp}",
            slug=f"{name}-{stamp}",
            bank=bank,
            recorded_state=Cycle.State.OPEN,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=1),
        )
        cycle.questions.set(questions)
        cycle.teams.set([team])
        return cycle

    cycle = cycle_new("bench")
    floor_cycle = cycle_new("bench-floor")

    def invitations(count: int, *, drafts: bool) -> list[tuple[str, str]]:
        rows = Invitation.objects.bulk_create(
            Invitation(cycle=cycle, team=team, token_hash=token_hash(token_new()), state="started")
            for _ in range(count)
        )
        if drafts:
            DraftAnswer.objects.bulk_create(
                (
                    DraftAnswer(invitation=invitation, question=question, value=4)
                    for invitation in rows
                    for question in ratings
                ),
                batch_size=5000,
            )
            DraftComment.objects.bulk_create(
                DraftComment(invitation=invitation, pillar=ratings[0].pillar, text="Benchmark")
                for invitation in rows
            )
        sessions, pairs = [], []
        expiry = now + dt.timedelta(hours=8)
        for invitation in rows:
            key = secrets.token_urlsafe(12)
            session_key = secrets.token_hex(16)
            data = SessionStore().encode({SESSION_KEY: {key: {"invitation": invitation.pk}}})
            sessions.append(Session(session_key=session_key, session_data=data, expire_date=expiry))
            pairs.append((session_key, key))
        Session.objects.bulk_create(sessions, batch_size=2000)
        return pairs

    fixture = {
        "browsing": invitations(200, drafts=False),
        "submits": invitations(SUBMIT_POOL + int(RATE * RATE_SECONDS), drafts=True),
        "questions": [question.pk for question in ratings],
        "floor": {"cycle": floor_cycle.pk, "team": team.pk},
    }
    path.write_text(json.dumps(fixture))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fixture":
        _fixture(Path(sys.argv[2]))
    else:
        run()
