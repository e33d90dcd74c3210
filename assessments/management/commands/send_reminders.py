"""Remind everyone in an open cycle who has not answered yet — for cron.

Reminders reach only invitations that are not submitted and were not contacted within
PILLARS_REMINDER_INTERVAL_HOURS, so running this every hour is safe. It sends in this process,
through the same email run as HR's button (so it never runs beside one; see
assessments/hr/email_runs.py), without waiting for the background worker.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from assessments.hr.email_runs import EmailRunBusy, invitations_send, reminders_send
from assessments.hr.invitations import reminders_due
from assessments.models import Cycle


class Command(BaseCommand):
    help = "Email reminders to the people of an open cycle who have not submitted yet."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--cycle", required=True, help="the cycle's name, e.g. “2026 Q4”")
        parser.add_argument(
            "--invite",
            action="store_true",
            help="also send the first invitation to anyone not emailed yet",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only say how many reminders are due"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = Cycle.objects.filter(name=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"No cycle named “{options['cycle']}”.")
        if not cycle.is_open:
            raise CommandError(f"Cycle “{cycle.name}” is {cycle.state}, not open.")
        if options["dry_run"]:
            self.stdout.write(f"{reminders_due(cycle=cycle).count()} reminders due.")
            return
        try:
            if options["invite"]:
                invited = invitations_send(cycle=cycle, actor=None)
                self.stdout.write(f"{invited.sent} invitations sent.")
                self._not_sent(invited.not_sent)
            result = reminders_send(cycle=cycle, actor=None)
        except EmailRunBusy as busy:
            raise CommandError(
                f"{busy.run.get_kind_display()} of “{cycle.name}” are being sent already "
                f"(run {busy.run.pk}, {busy.run.state}): try again when it has finished."
            ) from busy
        self.stdout.write(self.style.SUCCESS(f"{result.sent} reminders sent."))
        self._not_sent(result.not_sent)

    def _not_sent(self, count: int) -> None:
        if count:
            self.stderr.write(
                f"{count} not sent because of mail errors (see the cycle's page); "
                "their earlier links still work."
            )
