"""Two app servers and two workers on one PostgreSQL, taking submissions (issue 16).

``run()`` makes a fresh PostgreSQL database at 127.0.0.1 (it refuses any other host, and a
database whose name lacks "bench": it drops the database it is given), migrates, loads the bank
and opens a cycle of ``BENCH_CLUSTER_RATE × BENCH_CLUSTER_SECONDS`` invitations (teams of 10).
Then, in a child process:

- two gunicorn instances (``deploy/gunicorn.conf.py``, ``BENCH_CLUSTER_WEB_WORKERS`` processes
  each) on two free ports, stateless: sessions, cache and rate limits in the database, no file of
  their own; two ``manage.py run_worker`` processes;
- respondents arriving at a bounded rate (``BENCH_CLUSTER_RATE`` a second for
  ``BENCH_CLUSTER_SECONDS``), each answering the whole survey as a browser does
  (:mod:`benchmarks.cluster_client`), every click on the other server; a share
  (``BENCH_CLUSTER_ANSWERED``, half by default) answered on an earlier visit, so their link
  resumes at the review page and they submit; one in ten presses submit twice at once on both
  servers, one in ten opens their link again afterwards;
- meanwhile the workers send an email run (``BENCH_CLUSTER_EMAILS`` invitations of another
  cycle, file email backend), and at the end the cycle is closed and a worker computes its
  results.

It checks zero errors and zero 5xx, every invitation submitted exactly once (submissions,
answers per submission, no drafts left), each double submit answered once with the clear
refusal, every email sent once and each task run once; and prints latency p50/p95/p99 per
endpoint beside a floor (a trivial view through the same gunicorns, sampled during the load).

    python -m benchmarks cluster
    BENCH_CLUSTER_RATE=2 BENCH_CLUSTER_SECONDS=10 python -m benchmarks cluster   # a quick run
    BENCH_CLUSTER_RATE=20 BENCH_CLUSTER_ANSWERED=1 python -m benchmarks cluster  # a submit peak

Everything is bounded in time (``BENCH_CLUSTER_TIMEOUT``), and every process it starts is
stopped by its process group, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from benchmarks.cluster_client import Browser, FlowError, Tally, respondent_walk

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pillars_cluster_bench"
RATE = float(os.environ.get("BENCH_CLUSTER_RATE", "4"))
SECONDS = float(os.environ.get("BENCH_CLUSTER_SECONDS", "60"))
EMAILS = int(os.environ.get("BENCH_CLUSTER_EMAILS", "2000"))
# The share of respondents who answered on an earlier visit and now only submit.
ANSWERED = float(os.environ.get("BENCH_CLUSTER_ANSWERED", "0.5"))
WEB_WORKERS = int(os.environ.get("BENCH_CLUSTER_WEB_WORKERS", "2"))
CLIENTS = int(os.environ.get("BENCH_CLUSTER_CLIENTS", "48"))
TIMEOUT = int(os.environ.get("BENCH_CLUSTER_TIMEOUT", "1200"))
MAX_RESPONDENTS = 50_000
TEAM_SIZE = 10
TWICE_EVERY, REPLAY_EVERY, COMMENT_EVERY = 10, 10, 4
FLOOR_EVERY = 0.1  # seconds between two floor requests during the load
READY_SECONDS = 90  # for a server or a worker's task


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme.startswith("postgres") and parts.hostname in ("127.0.0.1", "localhost")


def run() -> None:
    url = os.environ.get("BENCH_CLUSTER_DATABASE_URL", DEFAULT_URL)
    name = urlsplit(url).path.lstrip("/")
    if not _local(url) or "bench" not in name:
        raise SystemExit(
            "The cluster benchmark drops and recreates its database: PostgreSQL at 127.0.0.1 "
            f"only, and a database named …bench… ({url})."
        )
    respondents = round(RATE * SECONDS)
    if not 1 <= respondents <= MAX_RESPONDENTS:
        raise SystemExit(f"BENCH_CLUSTER_RATE × BENCH_CLUSTER_SECONDS: 1 to {MAX_RESPONDENTS:,}.")
    print(
        f"\n== cluster benchmark: 2 gunicorns × {WEB_WORKERS} workers, 2 task workers, "
        f"{respondents:,} respondents at {RATE:g}/s, on {name} ==",
        flush=True,
    )
    _database_fresh(url)
    with tempfile.TemporaryDirectory(prefix="pillars-cluster-") as folder:
        env = cluster_env(url, Path(folder))
        child = subprocess.Popen([sys.executable, "-m", "benchmarks.cluster"], cwd=ROOT, env=env)
        try:
            code = child.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            # SIGTERM first: the child stops its servers and workers on the way out.
            child.terminate()
            try:
                child.wait(timeout=90)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            raise RuntimeError(f"the cluster benchmark ran past {TIMEOUT} s") from None
        if code:
            raise RuntimeError(f"the cluster benchmark failed (exit code {code})")


def _database_fresh(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    server = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    )
    name = parts.path.lstrip("/")
    with server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{name}"')


def cluster_env(url: str, folder: Path) -> dict[str, str]:
    """The environment of every process of the cluster: production-like sharing (sessions, the
    cache and rate limits in the database), emails and media in ``folder``."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
        "PILLARS_ENV": "development",
        "DEBUG": "0",
        "CACHE_IN_DATABASE": "1",
        "CONN_MAX_AGE": "600",
        # Errors only: a double submit's refusal (409) is expected, a 5xx is logged.
        "LOG_LEVEL": "ERROR",
        "GUNICORN_ACCESS_LOG": "",
        "WEB_CONCURRENCY": str(WEB_WORKERS),
        # Every respondent comes from 127.0.0.1: lift the per-address limits.
        "PILLARS_RATELIMIT_SUBMIT": "1000000/60",
        "PILLARS_RATELIMIT_TOKEN": "1000000/60",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(folder / "mail"),
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "PILLARS_REPORT_FILES": "0",
        "PILLARS_WORKER_BEAT_SECONDS": "2",
    }


# --- Seeding (inside a process with Django set up) ------------------------------------------


@dataclass
class Seeded:
    cycle: Any
    tokens: list[str]
    answered: list[bool]  # by respondent: every answer saved on an earlier visit
    email_cycle: Any = None


def _answered(index: int, share: float) -> bool:
    """Spread evenly: with a share of 0.5, every other respondent."""
    return int((index + 1) * share) > int(index * share)


def cluster_seed(*, respondents: int, emails: int, answered: float = 0.0) -> Seeded:
    """An open cycle of ``respondents`` invitations (teams of ``TEAM_SIZE``) whose tokens the
    respondents use, a share ``answered`` of them with every answer saved already; and another
    cycle of ``emails`` invitations nobody was emailed yet, for the workers' email run (sending
    rotates tokens, so it has a cycle of its own)."""
    import datetime as dt
    import random

    from django.db import transaction
    from django.utils import timezone

    from assessments.models import (
        Cycle,
        DraftAnswer,
        Invitation,
        Role,
        Team,
        token_hash,
        token_new,
    )
    from leadership.models import DEFAULT_BANK_NAME, QuestionBank

    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    now = timezone.now()

    def cycle_new(name: str, count: int) -> tuple[Any, list[str]]:
        slug = name.lower().replace(" ", "-")
        teams = Team.objects.bulk_create(
            Team(name=f"{name} team {t:05d}", slug=f"{slug}-{t:05d}")
            for t in range(max(1, -(-count // TEAM_SIZE)))
        )
        cycle = Cycle.objects.create(
            name=name,
            slug=slug,
            bank=bank,
            recorded_state=Cycle.State.OPEN,
            opens_at=now - dt.timedelta(days=1),
            closes_at=now + dt.timedelta(days=14),
        )
        cycle.questions.set(bank.questions.current())
        cycle.teams.set(teams)
        tokens = [token_new() for _ in range(count)]
        Invitation.objects.bulk_create(
            (
                Invitation(
                    cycle=cycle,
                    team=teams[i // TEAM_SIZE],
                    role=Role.MEMBER,
                    email=f"{slug}-{i}@example.com",
                    token_hash=token_hash(token),
                    sent_at=now if name == "Cluster" else None,
                )
                for i, token in enumerate(tokens)
            ),
            batch_size=2000,
        )
        return cycle, tokens

    rng = random.Random(16)
    done_before = [_answered(i, answered) for i in range(respondents)]
    with transaction.atomic():
        cycle, tokens = cycle_new("Cluster", respondents)
        ratings = [q for q in cycle.questions.all() if q.is_rating]
        by_hash = dict(Invitation.objects.filter(cycle=cycle).values_list("token_hash", "pk"))
        earlier = [
            by_hash[token_hash(token)]
            for token, before in zip(tokens, done_before, strict=True)
            if before
        ]
        DraftAnswer.objects.bulk_create(
            (
                DraftAnswer(
                    invitation_id=pk,
                    question=question,
                    value=rng.randint(question.scale_min, question.scale_max),
                )
                for pk in earlier
                for question in ratings
            ),
            batch_size=5000,
        )
        Invitation.objects.filter(pk__in=earlier).update(state=Invitation.State.STARTED)
        email_cycle = cycle_new("Cluster emails", emails)[0] if emails else None
    return Seeded(cycle=cycle, tokens=tokens, answered=done_before, email_cycle=email_cycle)


# --- The processes --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """Two gunicorns and two workers; each in its own process group, so stopping one stops
    gunicorn's worker processes too."""

    env: dict[str, str]
    web_workers: int = WEB_WORKERS
    ports: list[int] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def logs(self) -> Path:
        return Path(self.env["MEDIA_ROOT"]).parent / "logs"

    def start(self) -> None:
        for folder in ("EMAIL_FILE_PATH", "MEDIA_ROOT", "STATIC_ROOT"):
            Path(self.env[folder]).mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            port = _free_port()
            env = {
                **self.env,
                "BIND": f"127.0.0.1:{port}",
                "WEB_CONCURRENCY": str(self.web_workers),
            }
            self._spawn(
                [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"],
                env,
                f"gunicorn-{port}",
            )
            self.ports.append(port)
        for letter in "ab":
            self._spawn(
                [
                    sys.executable,
                    "manage.py",
                    "run_worker",
                    "--worker-id",
                    f"cluster-worker-{letter}",
                    "--interval",
                    "0.2",
                    "--verbosity",
                    "0",
                ],
                self.env,
                f"worker-{letter}",
            )
        deadline = time.monotonic() + READY_SECONDS
        for port in self.ports:
            while True:
                self._alive()
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"gunicorn on port {port} did not start") from None
                    time.sleep(0.2)

    def _spawn(self, command: list[str], env: dict[str, str], log: str) -> None:
        with open(self.logs / f"{log}.log", "wb") as output:
            self.processes.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def errors_logged(self) -> list[str]:
        """The lines the servers and workers logged at ERROR or worse, and tracebacks."""
        lines = []
        for path in sorted(self.logs.glob("*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                    lines.append(f"{path.stem}: {line[:200]}")
        return lines

    def _alive(self) -> None:
        for process in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[1:3]} exited with {process.returncode}")

    def cpu_seconds(self) -> float:
        """CPU used so far by the gunicorns (masters and their workers) and the task workers."""
        groups = {process.pid for process in self.processes}
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in groups:  # the process group: fields[2] is pgrp
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.processes.clear()


@contextlib.contextmanager
def cluster_running(env: dict[str, str], *, web_workers: int = WEB_WORKERS) -> Iterator[Cluster]:
    cluster = Cluster(env=env, web_workers=web_workers)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


# --- The load -------------------------------------------------------------------------------


@dataclass
class Load:
    tally: Tally
    floor: Tally
    seconds: float
    started: int
    late: float  # the most any respondent started after their planned moment


def load_drive(
    ports: list[int],
    tokens: list[str],
    *,
    rate: float,
    clients: int,
    answered: list[bool] | None = None,
) -> Load:
    """Respondent ``i`` starts at ``i / rate`` seconds (an open schedule: the server's pace does
    not slow the arrivals), on a pool of ``clients`` threads; a floor thread meanwhile asks both
    servers for a trivial view. Bounded: a respondent not started within twice the planned time
    (plus a minute) is counted as an error, and every request has a 30 s timeout."""
    tally, floor = Tally(), Tally()
    planned = len(tokens) / rate
    deadline = time.monotonic() + 2 * planned + 60
    done = threading.Event()
    lateness: list[float] = [0.0]
    started_count = [0]
    started = time.perf_counter()

    def respondent(index: int) -> None:
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if time.monotonic() > deadline:
            tally.error("not started", 0, "past the deadline")
            return
        with tally.lock:
            lateness[0] = max(lateness[0], -delay)
            started_count[0] += 1
        browser = Browser(ports, tally, first=index)
        with contextlib.suppress(FlowError):  # recorded in the tally
            respondent_walk(
                browser,
                tokens[index],
                seed=index,
                submit_twice=index % TWICE_EVERY == 1,
                replay=index % REPLAY_EVERY == 5,
                comment=index % COMMENT_EVERY == 0,
                answered_before=bool(answered and answered[index]),
            )

    def floor_loop() -> None:
        browser = Browser(ports, floor)
        while not done.wait(FLOOR_EVERY):
            with contextlib.suppress(FlowError):
                browser.request("GET", "/bench/trivial/", "floor: trivial view", expect=200)

    sampler = threading.Thread(target=floor_loop, daemon=True)
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            list(pool.map(respondent, range(len(tokens))))
    finally:
        done.set()
        sampler.join(timeout=35)
    return Load(
        tally=tally,
        floor=floor,
        seconds=time.perf_counter() - started,
        started=started_count[0],
        late=lateness[0],
    )


# --- Checks ---------------------------------------------------------------------------------


def submissions_check(*, cycle: Any, invitations: int) -> list[str]:
    """What must hold after the load: every invitation submitted exactly once."""
    from django.db.models import Count

    from assessments.models import (
        Answer,
        DraftAnswer,
        DraftComment,
        Invitation,
        Submission,
    )
    from assessments.survey.steps import cycle_layout

    problems = []
    submitted = Invitation.objects.filter(cycle=cycle, state=Invitation.State.SUBMITTED).count()
    submissions = Submission.objects.filter(cycle=cycle).count()
    if not submitted == submissions == invitations:
        problems.append(
            f"{invitations} invitations, {submitted} marked submitted, {submissions} submissions"
        )
    required = len(cycle_layout(cycle).scales)
    answers = Answer.objects.filter(submission__cycle=cycle)
    shapes = answers.values("submission").annotate(
        n=Count("id"), questions=Count("question", distinct=True)
    )
    wrong = [row for row in shapes if not row["n"] == row["questions"] == required]
    if wrong or len(shapes) != submissions:
        problems.append(f"{len(wrong)} submissions without exactly one answer per question")
    drafts = DraftAnswer.objects.filter(invitation__cycle=cycle).count()
    drafts += DraftComment.objects.filter(invitation__cycle=cycle).count()
    if drafts:
        problems.append(f"{drafts} answers in progress left behind after submitting")
    return problems


def tasks_check() -> list[str]:
    """Every task finished, successfully, each once."""
    from collections import Counter

    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    problems = []
    rows = list(DBTaskResult.objects.values_list("task_path", "status"))
    unfinished = [path for path, status in rows if status != TaskResultStatus.SUCCESSFUL]
    if unfinished:
        problems.append(f"tasks not successful: {Counter(unfinished)}")
    twice = {path: n for path, n in Counter(path for path, _ in rows).items() if n > 1}
    if twice:
        problems.append(f"tasks enqueued more than once: {twice}")
    return problems


def tasks_summary() -> str:
    from django.db.models import Count
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.values("task_path", "status").annotate(n=Count("id"))
    return ", ".join(
        f"{row['task_path'].rsplit('.', 1)[-1]} {row['status'].lower()} ×{row['n']}"
        for row in rows.order_by("task_path", "status")
    )


def _wait(condition: Any, *, seconds: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"timed out after {seconds:.0f} s waiting for {what}")


def _quantile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def latency_table(load: Load) -> list[str]:
    rows = [("endpoint", "count", "p50", "p95", "p99")]
    for tally in (load.tally, load.floor):
        for endpoint, samples in sorted(tally.latencies.items()):
            rows.append(
                (
                    endpoint,
                    f"{len(samples)}",
                    f"{statistics.median(samples) * 1000:.1f}",
                    f"{_quantile(samples, 0.95):.1f}",
                    f"{_quantile(samples, 0.99):.1f}",
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]


def _emailed(folder: Path) -> list[str]:
    import re

    addresses: list[str] = []
    for path in folder.glob("*.log"):
        addresses += re.findall(r"^To: (\S+)$", path.read_text(), flags=re.MULTILINE)
    return addresses


# --- The child process ----------------------------------------------------------------------


def _stopped(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")  # so the cluster is stopped on the way out


def main() -> None:
    import django

    signal.signal(signal.SIGTERM, _stopped)

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from assessments.hr.cycles import cycle_close
    from assessments.hr.email_runs import email_run_start
    from assessments.models import EmailRun
    from assessments.results.stored import results_are_ready

    if connection.vendor != "postgresql" or not _local(os.environ["DATABASE_URL"]):
        raise SystemExit("PostgreSQL at 127.0.0.1 only.")
    load_avg = os.getloadavg()
    print(f"load average at start: {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("load_bank", verbosity=0, stdout=quiet)
    respondents = round(RATE * SECONDS)
    seeded = cluster_seed(respondents=respondents, emails=EMAILS, answered=ANSWERED)
    print(
        f"database made, migrated and seeded ({respondents:,} invitations to answer, "
        f"{EMAILS:,} to email) in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    mail = Path(os.environ["EMAIL_FILE_PATH"])
    problems: list[str] = []
    with cluster_running(dict(os.environ)) as cluster:
        print(
            f"2 gunicorns on ports {cluster.ports}, 2 workers: up after "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        cpu_before = cluster.cpu_seconds()
        run = None
        if seeded.email_cycle is not None:
            run, _ = email_run_start(
                cycle=seeded.email_cycle, kind=EmailRun.Kind.INVITATION, user=None
            )
        client_cpu = time.process_time()
        load = load_drive(
            cluster.ports, seeded.tokens, rate=RATE, clients=CLIENTS, answered=seeded.answered
        )
        client_cpu = time.process_time() - client_cpu
        cluster_cpu = cluster.cpu_seconds() - cpu_before
        load_avg = os.getloadavg()
        closing = time.perf_counter()
        cycle_close(cycle=seeded.cycle, actor=None)
        _wait(lambda: results_are_ready(seeded.cycle), seconds=READY_SECONDS, what="the results")
        results_s = time.perf_counter() - closing
        if run is not None:
            _wait(
                lambda: EmailRun.objects.get(pk=run.pk).state == EmailRun.State.DONE,
                seconds=TIMEOUT / 2,
                what="the email run",
            )
            run.refresh_from_db()
            emailed = _emailed(mail)
            if not (len(emailed) == len(set(emailed)) == EMAILS == run.sent):
                problems.append(
                    f"email run: {run.sent} counted, {len(emailed)} emailed, "
                    f"{len(set(emailed))} people, of {EMAILS}"
                )
        # The worker records a task as done a moment after its work is saved.
        with contextlib.suppress(RuntimeError):
            _wait(lambda: not tasks_check(), seconds=30, what="tasks recorded")
        stopping = time.perf_counter()
    problems += [f"logged: {line}" for line in cluster.errors_logged()[:10]]
    print(f"(cluster stopped in {time.perf_counter() - stopping:.1f} s)")

    tally = load.tally
    problems += [
        f"{endpoint}: HTTP {status} {note}" for endpoint, status, note in tally.errors[:10]
    ]
    problems += submissions_check(cycle=seeded.cycle, invitations=respondents)
    problems += tasks_check()
    print(
        f"{load.started:,} respondents in {load.seconds:.1f} s "
        f"({tally.outcomes['submitted'] / load.seconds:.1f} submits/s, planned {RATE:g}/s; "
        f"latest start {load.late:.1f} s behind plan); {tally.requests:,} requests, "
        f"{len(tally.errors)} errors, {tally.server_errors} 5xx"
    )
    for outcome, count in sorted(tally.outcomes.items()):
        print(f"  {outcome}: {count:,}")
    print("latency in ms, each endpoint beside the floor (a trivial view, same gunicorns):")
    for line in latency_table(load):
        print(f"  {line}")
    print(
        f"CPU during the load: servers and workers {cluster_cpu:.0f} s "
        f"({1000 * cluster_cpu / max(tally.requests, 1):.1f} ms a request), the client "
        f"{client_cpu:.0f} s ({client_cpu / load.seconds:.0%} of a core); load average at the "
        f"end of the load: {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}, "
        f"{os.cpu_count()} cores"
    )
    if run is not None:
        took = (run.finished_at - run.created_at).total_seconds() if run.finished_at else 0.0
        print(
            f"email run on the workers, during the load: {run.sent:,} invitations emailed, "
            f"each once, in {took:.1f} s ({run.sent / max(took, 0.001):,.0f}/s)"
        )
    print(f"cycle closed: results computed by a worker {results_s:.1f} s later")
    print(f"tasks run by the workers: {tasks_summary()}")
    if problems:
        print("PROBLEMS:")
        for problem in problems:
            print(f"  {problem}")
        raise SystemExit(1)
    print("zero errors, zero duplicates: every invitation submitted exactly once", flush=True)


if __name__ == "__main__":
    main()
