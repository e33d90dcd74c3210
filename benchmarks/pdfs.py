"""PDF reports: one team PDF beside a floor, 100 team PDFs on 2 worker processes, and (in
benchmarks/pdf_downloads.py) stored PDFs: downloads through gunicorn, ready after release.

``run()`` seeds the demo organisation into a scratch SQLite file (in a child process, since
Django's settings are fixed at start-up) and prints:

- one team report (Platform, the demo's latest released cycle), median of several renders after a
  warm-up, beside a floor measured in the same run: a document of trivial content with the same
  number of pages, rendered through the same path (the report stylesheet with its @page rules and
  running heads, the page size sheet, the font configuration and the PDF/UA variant). Goal: ≤ 1.3 ×
  the floor and < 0.5 s. Compared on CPU time (``time.process_time``), since wall time on a shared
  machine mostly measures the other processes; wall time is printed beside it.
- a reference between the two: the report's own text (read back from its PDF with ``pdftotext``)
  as plain paragraphs, one section per page, through the same path. No layout can print the
  report's words for less, so it shows how much of the gap to the floor is the text itself.
- 100 team reports rendered by 2 worker processes (the demo's reportable teams, round robin),
  wall time, the workers' CPU time per PDF and each worker's peak resident memory. Goal: < 30 s.
- the organisation report of a cycle of 1,000 teams (``BENCH_ORG_TEAMS``; "Company 1" …, in 20
  departments, every 40th team too small to show) seeded into the same database: the time to
  compute its results, CPU and pages of the PDF, and whether every team's name is in its text
  (``pdftotext``).

    python -m benchmarks pdfs
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SINGLE_RUNS = int(os.environ.get("BENCH_PDF_RUNS", "5"))
BULK_PDFS = int(os.environ.get("BENCH_PDF_COUNT", "100"))
ORG_TEAMS = int(os.environ.get("BENCH_ORG_TEAMS", "1000"))
WORKERS = 2


def run() -> None:
    scratch = Path(tempfile.gettempdir()) / f"pillars_bench_pdf_{os.getpid()}.sqlite3"
    env = {**os.environ, "PILLARS_ENV": "development", "DEBUG": "0", "SQLITE_PATH": str(scratch)}
    env.pop("DATABASE_URL", None)
    print("\n== PDF benchmark ==", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "benchmarks.pdfs"], cwd=ROOT, env=env, check=True)
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{scratch}{suffix}").unlink(missing_ok=True)


# --- The child process ----------------------------------------------------------------------


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadership.settings")
    import django

    django.setup()


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_worker_report: Any = None


def _worker_init(pickled: bytes) -> None:
    global _worker_report  # one report per worker process
    import pickle

    _setup()  # before unpickling: the report's values may name Django models' choices
    _worker_report = pickle.loads(pickled)


def _worker_render(team_id: int) -> tuple[int, float, float]:
    from assessments.reports import content

    team = _worker_report.team(team_id)
    started = time.process_time()
    data = content.team_report_render(report=_worker_report, team=team)
    return len(data), _peak_rss_mb(), time.process_time() - started


def _floor_pdf(pages: int) -> bytes:
    """Trivial content, same rendering path: stylesheet, page size, font, PDF/UA, fetcher."""
    from assessments.reports import pdf

    cover = '<section class="cover"><h1>Floor</h1><p class="cycle-name">Floor</p></section>'
    body = "".join(
        f'<section class="page"><h2>Page {n}</h2><p>Floor.</p></section>' for n in range(1, pages)
    )
    html = f'<!doctype html><html lang="en"><title>Floor</title><body>{cover}{body}</body></html>'
    return pdf.html_to_pdf(html)


def _text_only_html(data: bytes) -> str:
    """The report's text as plain paragraphs, a section per page: what its words alone cost."""
    from html import escape

    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    body = "".join(
        '<section class="page">'
        + "".join(f"<p>{escape(line.strip())}</p>" for line in page.splitlines() if line.strip())
        + "</section>"
        for page in pages
    )
    return f'<!doctype html><html lang="en"><title>Text</title><body>{body}</body></html>'


def _timed(function: Any, runs: int) -> tuple[float, float]:
    """Median CPU seconds and median wall seconds of ``runs`` calls."""
    cpu, wall = [], []
    for _ in range(runs):
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        function()
        cpu.append(time.process_time() - cpu_started)
        wall.append(time.perf_counter() - wall_started)
    return statistics.median(cpu), statistics.median(wall)


def _pages(data: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def _main() -> None:
    _setup()
    import multiprocessing

    from django.core.management import call_command

    from assessments.models import Cycle
    from assessments.reports import content, pdf
    from assessments.results.access import report_for_viewer

    with open(os.devnull, "w") as quiet:
        call_command("migrate", verbosity=0)
        call_command("load_bank", verbosity=0, stdout=quiet)
        call_command("seed_demo", verbosity=0, stdout=quiet)
    cycle = Cycle.objects.released().order_by("-opens_at").first()  # the demo's latest
    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    platform = next(t for t in report.teams if t.name == "Platform")

    # One team PDF beside the floor (both warmed up: fonts and stylesheet are built once).
    data = content.team_report_render(report=report, team=platform)
    pages = _pages(data)
    _floor_pdf(pages)
    team_cpu, team_wall = _timed(
        lambda: content.team_report_render(report=report, team=platform), SINGLE_RUNS
    )
    floor_cpu, floor_wall = _timed(lambda: _floor_pdf(pages), SINGLE_RUNS)
    text_html = _text_only_html(data)
    text_cpu, _ = _timed(lambda: pdf.html_to_pdf(text_html), SINGLE_RUNS)
    ratio = team_cpu / floor_cpu
    print(
        f"one team PDF ({pages} pages): CPU {team_cpu * 1000:.0f} ms, "
        f"wall {team_wall * 1000:.0f} ms "
        f"(median of {SINGLE_RUNS}); floor, a trivial {pages}-page document: "
        f"CPU {floor_cpu * 1000:.0f} ms, wall {floor_wall * 1000:.0f} ms; "
        f"CPU ratio {ratio:.1f}x (goal <= 1.3x and < 500 ms: "
        f"{'met' if ratio <= 1.3 and team_cpu < 0.5 else 'NOT met'})",
        flush=True,
    )
    print(
        f"  reference: the report's text alone, as plain paragraphs on {pages} pages: "
        f"CPU {text_cpu * 1000:.0f} ms ({text_cpu / floor_cpu:.1f}x the floor)",
        flush=True,
    )

    # 100 team PDFs on 2 worker processes.
    shown = [t.team_id for t in report.teams if not t.suppressed]
    jobs = [shown[i % len(shown)] for i in range(BULK_PDFS)]
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    import pickle

    pickled = pickle.dumps(report)
    with context.Pool(WORKERS, initializer=_worker_init, initargs=(pickled,)) as pool:
        results = pool.map(_worker_render, jobs, chunksize=1)
        peaks = pool.map(_worker_peak, range(WORKERS * 4), chunksize=1)
    elapsed = time.perf_counter() - started
    total_mb = sum(size for size, _, _ in results) / 1e6
    cpu_each = statistics.median(cpu for _, _, cpu in results)
    print(
        f"{BULK_PDFS} team PDFs on {WORKERS} workers: {elapsed:.1f} s wall "
        f"({elapsed / BULK_PDFS * 1000:.0f} ms per PDF, median CPU {cpu_each * 1000:.0f} ms "
        f"per PDF in a worker, {total_mb:.1f} MB of PDF; "
        f"goal < 30 s: {'met' if elapsed < 30 else 'NOT met'})",
        flush=True,
    )
    by_worker: dict[int, float] = {}
    for pid, peak in peaks:
        by_worker[pid] = max(peak, by_worker.get(pid, 0.0))
    for pid, peak in sorted(by_worker.items()):
        print(f"  worker {pid}: peak RSS {peak:.0f} MB", flush=True)
    print(f"  parent: peak RSS {_peak_rss_mb():.0f} MB", flush=True)
    _organisation_of_many_teams()


def _big_cycle_seed(teams: int) -> Any:
    """A released cycle of ``teams`` teams, 3–6 member answers each (2 for every 40th)."""
    import datetime as dt
    import random

    from django.db import transaction
    from django.utils import timezone

    from assessments.models import Answer, Cycle, Role, Submission, Team
    from leadership.models import DEFAULT_BANK_NAME, QuestionBank

    rng = random.Random(7)
    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    questions = list(bank.questions.current().in_survey_order())
    ratings = [q for q in questions if q.is_rating]
    with transaction.atomic():
        departments = Team.objects.bulk_create(
            Team(name=f"Division {d}", slug=f"division-{d}", is_department=True)
            for d in range(1, 21)
        )
        made = Team.objects.bulk_create(
            Team(name=f"Company {t}", slug=f"company-{t}", parent=departments[t % 20])
            for t in range(1, teams + 1)
        )
        cycle = Cycle.objects.create(
            name="Bench org",
            slug="bench-org",
            bank=bank,
            recorded_state=Cycle.State.RELEASED,
            opens_at=timezone.now() - dt.timedelta(days=30),
            released_at=timezone.now(),
        )
        cycle.questions.set(questions)
        cycle.teams.set(made)
        submissions = Submission.objects.bulk_create(
            Submission(cycle=cycle, team=team, role=Role.MEMBER, submitted_on=dt.date(2026, 3, 1))
            for index, team in enumerate(made, start=1)
            for _ in range(2 if index % 40 == 0 else rng.randint(3, 6))
        )
        Answer.objects.bulk_create(
            (
                Answer(submission=submission, question=question, value=rng.randint(2, 5))
                for submission in submissions
                for question in ratings
            ),
            batch_size=5000,
        )
    return cycle


def _organisation_of_many_teams() -> None:
    from assessments.reports import content
    from assessments.results.access import report_for_viewer
    from assessments.results.stored import cycle_report

    cycle = _big_cycle_seed(ORG_TEAMS)
    started = time.perf_counter()
    # The worker's job since results are computed there: a reader alone finds them "being
    # prepared", every team hidden (and the stored downloads below found no team to fetch).
    cycle_report(cycle, detail=False)
    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    computed = time.perf_counter() - started
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    data = content.org_report_render(report=report)
    cpu, wall = time.process_time() - cpu_started, time.perf_counter() - wall_started
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    named = set(re.findall(r"Company \d+", " ".join(text.split())))
    missing = [t.name for t in report.teams if t.name not in named]
    hidden = sum(1 for t in report.teams if t.suppressed)
    print(
        f"organisation PDF of {len(report.teams)} teams ({hidden} hidden): results computed in "
        f"{computed:.1f} s; PDF CPU {cpu:.1f} s, wall {wall:.1f} s, {_pages(data)} pages, "
        f"{len(data) / 1e6:.1f} MB; every team's name in its text: "
        f"{'yes' if not missing else f'NO, {len(missing)} missing'}",
        flush=True,
    )

    # Downloads at once (issue 14): stored PDFs, in benchmarks/pdf_downloads.py.
    from benchmarks import pdf_downloads

    pdf_downloads.stored_downloads(cycle=cycle)
    pdf_downloads.ready_after_release()


def _worker_peak(_: int) -> tuple[int, float]:
    time.sleep(0.05)  # let each worker take some of these
    return os.getpid(), _peak_rss_mb()


if __name__ == "__main__":
    _main()
