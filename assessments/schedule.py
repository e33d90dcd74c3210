"""The scheduler: small jobs that wake every minute and hand what is due to the worker.

django-tasks runs what it is given but schedules nothing, so ``manage.py run_schedule`` (started
by ``make run`` beside the worker; a systemd unit in docs/deploy.md; ``--once`` for cron and
tests) calls each job of :data:`JOBS` once a minute with the current time. A job looks for what
is due, claims it in the database so that a second scheduler on another server does not do it
again, enqueues the work, and returns how many things it started. It must be quick: the real work
is the worker's.

To add a job, write ``def something_start_due(*, now: datetime) -> int`` where its feature lives
and add it to :data:`JOBS`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assessments.actions.nudges import nudges_start_due
from assessments.hr.auto_reminders import reminders_start_due
from assessments.results.stored import results_start_due
from assessments.workers import tasks_requeue_lost

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[..., int]  # run(now=…) -> how many things it started


JOBS: list[Job] = [
    Job("reminders", reminders_start_due),
    Job("results", results_start_due),
    Job("nudges", nudges_start_due),
    Job("lost tasks", tasks_requeue_lost),
]


@dataclass(frozen=True)
class JobResult:
    name: str
    started: int
    error: str = ""


def schedule_run_once(*, now: dt.datetime, jobs: list[Job] | None = None) -> list[JobResult]:
    """Run every job for the minute ``now``; one failing job does not stop the others."""
    results = []
    for job in JOBS if jobs is None else jobs:
        try:
            results.append(JobResult(job.name, job.run(now=now)))
        except Exception as error:
            logger.exception("Scheduled job %s failed", job.name)
            results.append(JobResult(job.name, 0, f"{type(error).__name__}: {error}"))
    return results
