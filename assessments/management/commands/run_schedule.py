"""Wake every minute and start what is due (automatic reminders, …): see assessments/schedule.py.

Run one beside the workers (``make run`` does; docs/deploy.md has a systemd unit). Running one on
every server is safe: each job claims what it starts in the database. ``--once`` runs the jobs
once and exits, for cron (``* * * * *``) and tests.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from assessments.schedule import schedule_run_once

TICK_SECONDS = 60


class Command(BaseCommand):
    help = "Start scheduled work when it is due (automatic reminders), every minute."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="run the jobs once and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        if options["once"]:
            self._tick(always_report=True)
            return
        self.stopping = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        if self.verbosity >= 1:
            self.stdout.write("Scheduler running: the jobs run at the start of every minute.")
        while not self.stopping:
            # A process that lives for months must not use a connection the server has dropped.
            close_old_connections()
            self._tick(always_report=False)
            close_old_connections()
            self._sleep_to_next_minute()

    def _tick(self, *, always_report: bool) -> None:
        now = timezone.now()
        for result in schedule_run_once(now=now):
            if result.error:
                self.stderr.write(f"{now:%Y-%m-%d %H:%M} {result.name}: failed: {result.error}")
            elif (result.started or always_report) and self.verbosity >= 1:
                self.stdout.write(f"{now:%Y-%m-%d %H:%M} {result.name}: {result.started} started")

    def _sleep_to_next_minute(self) -> None:
        # Wake at the start of the next minute, checking for a stop every second.
        deadline = (time.time() // TICK_SECONDS + 1) * TICK_SECONDS
        while not self.stopping and time.time() < deadline:
            time.sleep(min(1.0, max(deadline - time.time(), 0)))

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
