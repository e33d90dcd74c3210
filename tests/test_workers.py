"""Tasks that survive a dead worker: heartbeats, the sweeper that requeues lost tasks, and two
real worker processes on PostgreSQL, one killed with SIGKILL mid-zip and mid-email-run."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments.hr.cycles import cycle_open
from assessments.hr.email_runs import email_run_start
from assessments.models import EmailRun, Invitation, InvitationSend, ReportJob, WorkerBeat
from assessments.reports.jobs import report_job_start
from assessments.reports.ready import report_files_task
from assessments.results.stored import results_compute
from assessments.schedule import JOBS
from assessments.workers import LOST_EXCEPTION, tasks_requeue_lost, worker_beat
from tests import email_backends
from tests.builders import (
    draft_cycle_make,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    roster_team_make,
)

LOST = dt.timedelta(seconds=61)


def claimed_task(worker_id: str) -> DBTaskResult:
    result = report_files_task.enqueue(cycle_id=1)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim(worker_id)
    return task


@pytest.mark.django_db
def test_the_scheduler_runs_the_sweeper_every_minute():
    assert "lost tasks" in [job.name for job in JOBS]


@pytest.mark.django_db
def test_a_task_whose_worker_stopped_beating_is_requeued_then_failed_after_three_tries():
    now = timezone.now()
    task = claimed_task("w1")
    worker_beat(worker_id="w1", now=now)
    assert tasks_requeue_lost(now=now + dt.timedelta(seconds=30)) == 0  # still alive
    assert tasks_requeue_lost(now=now + LOST) == 1
    task.refresh_from_db()
    assert (task.status, task.started_at) == (TaskResultStatus.READY, None)
    for attempt in ("w2", "w3"):
        task.claim(attempt)
        worker_beat(worker_id=attempt, now=now)
        assert tasks_requeue_lost(now=now + LOST) == 1
        task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == LOST_EXCEPTION
    assert task.worker_ids == ["w1", "w2", "w3"]


@pytest.mark.django_db
def test_tasks_of_live_workers_and_of_workers_without_a_heartbeat_are_left_alone():
    now = timezone.now()
    alive = claimed_task("alive")
    worker_beat(worker_id="alive", now=now + LOST)
    unknown = claimed_task("plain-db-worker")  # started without run_worker: nothing says it died
    assert tasks_requeue_lost(now=now + LOST) == 0
    for task in (alive, unknown):
        task.refresh_from_db()
        assert task.status == TaskResultStatus.RUNNING


@pytest.mark.django_db(transaction=True)  # the heartbeat thread writes on its own connection
def test_a_worker_that_stops_cleanly_is_forgotten_and_old_rows_are_deleted():
    call_command("run_worker", batch=True, worker_id="clean", verbosity=0)
    assert not WorkerBeat.objects.filter(worker_id="clean").exists()
    worker_beat(worker_id="dead", now=timezone.now() - dt.timedelta(days=2))
    tasks_requeue_lost(now=timezone.now())
    assert not WorkerBeat.objects.exists()


# --- Two real workers on PostgreSQL --------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: two worker processes claiming tasks from one queue "
    "(SELECT … FOR UPDATE SKIP LOCKED) is the multi-server set-up this pins",
)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


class Workers:
    """Two ``run_worker`` processes on the test database, by worker id."""

    def __init__(self, mail_folder: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMAIL_BACKEND": email_backends.SLOW_FILE_PATH,
            "EMAIL_FILE_PATH": str(mail_folder),
            "PILLARS_TEST_MAIL_SECONDS": "0.02",
            "PILLARS_WORKER_BEAT_SECONDS": "0.5",
            "PILLARS_REPORT_FILES": "0",
        }
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, worker_id: str) -> None:
        self.processes[worker_id] = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_worker",
                "--worker-id",
                worker_id,
                "--interval",
                "0.2",
                "--verbosity",
                "0",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
        )

    def kill(self, worker_id: str) -> None:
        process = self.processes.pop(worker_id)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def claimer(task_path: str) -> str:
    def running() -> str | None:
        task = DBTaskResult.objects.filter(task_path__endswith=task_path).first()
        if task and task.status == TaskResultStatus.RUNNING and task.worker_ids:
            return task.worker_ids[-1]
        return None

    return wait_for(running, seconds=60, what=f"a worker to claim {task_path}")


def sweep_after_silence() -> None:
    """What the scheduler's minute does, once the killed worker has been silent long enough."""
    with override_settings(PILLARS_WORKER_LOST_SECONDS=2):
        wait_for(lambda: tasks_requeue_lost(now=timezone.now()), seconds=30, what="the sweeper")


@pytest.fixture
def workers(tmp_path):
    # A media folder of the test's own, so the files found there are this test's.
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        running = Workers(tmp_path / "mail")
        running.start("worker-a")
        running.start("worker-b")
        yield running
        running.stop_all()


def emailed_addresses(folder: Path) -> list[str]:
    addresses = []
    for path in folder.glob("*.log"):
        addresses += re.findall(r"^To: (\S+)$", path.read_text(), flags=re.MULTILINE)
    return addresses


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_email_run_leaves_the_run_to_the_other_and_nobody_gets_two(
    bank, workers, tmp_path
):
    members = 150
    team = roster_team_make("Alpha", members=members)
    cycle = draft_cycle_make(bank, [team], closes_at=timezone.now() + dt.timedelta(days=10))
    cycle_open(cycle=cycle, actor=None)
    total = Invitation.objects.filter(cycle=cycle).exclude(email="").count()
    run, _ = email_run_start(cycle=cycle, kind=EmailRun.Kind.INVITATION, user=None)

    victim = claimer("email_run_send")
    wait_for(lambda: EmailRun.objects.get(pk=run.pk).sent >= 30, seconds=60, what="30 emails sent")
    workers.kill(victim)
    sent_before = EmailRun.objects.get(pk=run.pk).sent
    assert sent_before < total  # killed mid-run
    sweep_after_silence()

    run = wait_for(
        lambda: EmailRun.objects.filter(pk=run.pk, state=EmailRun.State.DONE).first(),
        seconds=120,
        what="the run to finish on the other worker",
    )
    # The run is saved done a moment before the worker records its task as successful.
    task = wait_for(
        lambda: DBTaskResult.objects.filter(
            task_path__endswith="email_run_send", status=TaskResultStatus.SUCCESSFUL
        ).first(),
        seconds=30,
        what="the task to be recorded as successful",
    )
    assert task.worker_ids[0] == victim
    assert task.worker_ids[-1] != victim
    addresses = emailed_addresses(tmp_path / "mail")
    # Nobody twice; everybody once, but for the one email the kill may have caught in flight
    # (counted as sent, never sent again: at most once).
    assert len(addresses) == len(set(addresses))
    assert total - 1 <= len(addresses) <= total
    assert (run.total, run.sent, run.skipped, run.not_sent) == (total, total, 0, 0)
    assert not Invitation.objects.filter(cycle=cycle, sent_at__isnull=True).exists()
    assert not InvitationSend.objects.exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_zip_leaves_the_zip_to_the_other_and_one_zip_is_made(
    bank, workers, hr_user
):
    cycle = report_cycle_make(bank)
    teams = 6
    for number in range(teams):
        team = report_team_make(cycle, f"Team {number + 1}")
        report_answers_add(cycle, team, values=[5, 4, 4, 3])
    results_compute(cycle)  # the worker's part at release: a zip reads stored results
    job = report_job_start(cycle=cycle, user=hr_user)

    victim = claimer("report_job_run")
    wait_for(lambda: ReportJob.objects.get(pk=job.pk).done >= 2, seconds=120, what="two PDFs")
    workers.kill(victim)
    assert ReportJob.objects.get(pk=job.pk).state == ReportJob.State.RUNNING
    sweep_after_silence()

    job = wait_for(
        lambda: ReportJob.objects.filter(pk=job.pk, state=ReportJob.State.DONE).first(),
        seconds=240,
        what="the zip to finish on the other worker",
    )
    assert (job.done, job.total, job.failures) == (teams + 1, teams + 1, [])
    with job.file.open("rb") as handle:
        names = zipfile.ZipFile(io.BytesIO(handle.read())).namelist()
    assert len(names) == teams + 1 == len(set(names))
    _, files = job.file.storage.listdir("reports")
    assert files == [Path(job.file.name).name]  # one zip: the killed attempt left none
