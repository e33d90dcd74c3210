"""Tasks that survive a dead worker: heartbeats, and a sweeper that requeues lost tasks.

django-tasks' database backend marks a task RUNNING when a worker claims it and never looks at
it again: a worker killed mid-task (a deploy, the OOM killer, a lost machine) leaves it running
for ever. So a worker started with ``manage.py run_worker`` (``db_worker`` plus a heartbeat)
writes a :class:`~assessments.models.WorkerBeat` row every ``PILLARS_WORKER_BEAT_SECONDS``, from a
thread of its own, under the id django-tasks records on the tasks it claims.

The scheduler's ``lost tasks`` job (:func:`tasks_requeue_lost`, in :mod:`assessments.schedule`)
finds RUNNING tasks whose worker has not beaten for ``PILLARS_WORKER_LOST_SECONDS`` and puts
them back in the queue, up to ``PILLARS_TASK_MAX_ATTEMPTS`` claims in all; then marks them failed
(``WorkerLost``). A task whose worker never beat (a plain ``db_worker``) is left alone: nothing
says it died. Every task is written to be run again: a zip is rebuilt from the start, the PDFs
already stored are kept, an email run settles what it had in flight and emails nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments.models import WorkerBeat

logger = logging.getLogger(__name__)

# Rows of workers that stopped beating are kept this long (for the sweeper), then deleted.
BEATS_KEPT = dt.timedelta(days=1)
LOST_EXCEPTION = "assessments.workers.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped beating, as many times as a task may be tried."""


def worker_beat(*, worker_id: str, now: dt.datetime | None = None) -> None:
    """Say that worker ``worker_id`` is alive (registering it the first time)."""
    now = now or timezone.now()
    updated = WorkerBeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerBeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
            },
        )


class Heartbeat(threading.Thread):
    """Beats for ``worker_id`` until :meth:`stop`; its own database connection, closed after."""

    def __init__(self, *, worker_id: str, seconds: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.seconds = seconds
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                try:
                    close_old_connections()
                    worker_beat(worker_id=self.worker_id)
                except Exception:  # a database blip: beat again next time
                    logger.exception("Worker %s could not record its heartbeat", self.worker_id)
                self.stopping.wait(self.seconds)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop beating and forget the worker: it stopped cleanly, with no task left running."""
        self.stopping.set()
        self.join(timeout=self.seconds + 5)
        WorkerBeat.objects.filter(worker_id=self.worker_id).delete()


def heartbeat_start(*, worker_id: str) -> Heartbeat:
    """Record the first beat now (so the worker is known before it claims anything) and go on
    beating from a thread."""
    worker_beat(worker_id=worker_id)
    beat = Heartbeat(worker_id=worker_id, seconds=settings.PILLARS_WORKER_BEAT_SECONDS)
    beat.start()
    return beat


def tasks_requeue_lost(*, now: dt.datetime) -> int:
    """Requeue (or, past the attempts allowed, fail) the RUNNING tasks of workers that stopped
    beating; delete the rows of workers dead for a day. Returns how many tasks were touched.

    Each change is one conditional UPDATE on the task as it was read (still running, same
    start), so a task that finished or was claimed again meanwhile is left as it is.
    """
    cutoff = now - dt.timedelta(seconds=settings.PILLARS_WORKER_LOST_SECONDS)
    lost = set(WorkerBeat.objects.filter(beat_at__lt=cutoff).values_list("worker_id", flat=True))
    touched = 0
    if lost:
        for task in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
            worker = task.worker_ids[-1] if task.worker_ids else None
            if worker not in lost:
                continue
            attempts = len(task.worker_ids)
            same = DBTaskResult.objects.filter(
                pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
            )
            if attempts < settings.PILLARS_TASK_MAX_ATTEMPTS:
                changed = same.update(status=TaskResultStatus.READY, started_at=None)
                verb = "requeued"
            else:
                changed = same.update(
                    status=TaskResultStatus.FAILED,
                    finished_at=now,
                    exception_class_path=LOST_EXCEPTION,
                    traceback=(
                        f"WorkerLost: the worker stopped beating {attempts} times "
                        f"(last {worker}); not tried again."
                    ),
                )
                verb = "failed"
            if changed:
                touched += 1
                logger.warning(
                    "Task %s (%s) %s: worker %s stopped beating (attempt %s of %s)",
                    task.pk,
                    task.task_path,
                    verb,
                    worker,
                    attempts,
                    settings.PILLARS_TASK_MAX_ATTEMPTS,
                )
    WorkerBeat.objects.filter(beat_at__lt=now - BEATS_KEPT).delete()
    return touched
