"""Run a background worker that records a heartbeat: django-tasks' ``db_worker`` plus signs of
life, so the scheduler can requeue what it was doing if it dies (assessments/workers.py).

``make run``, the Procfile and the systemd unit in docs/deploy.md start workers this way.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string

from assessments.workers import heartbeat_start

WORKER_ID_LENGTH = 32


class Command(BaseCommand):
    help = "Run a background task worker (db_worker) that records a heartbeat."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queue-name", default="default")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="run what is queued, then exit")
        parser.add_argument("--max-tasks", type=int, default=None)
        parser.add_argument("--worker-id", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = options["worker_id"] or get_random_string(WORKER_ID_LENGTH)
        beat = heartbeat_start(worker_id=worker_id)
        try:
            call_command(
                "db_worker",
                queue_name=options["queue_name"],
                interval=options["interval"],
                batch=options["batch"],
                max_tasks=options["max_tasks"],
                worker_id=worker_id,
                reload=False,
                startup_delay=not options["batch"],
                verbosity=options["verbosity"],
            )
        finally:
            beat.stop()
