"""Delete what the retention settings say must go (run daily: cron or a systemd timer)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from assessments.privacy.retention import retention_apply
from leadership.uploads import uploads_sweep


class Command(BaseCommand):
    help = (
        "Delete raw answers of released cycles older than PILLARS_RETENTION_MONTHS (keeping "
        "their stored results) and strip invitations of cycles that ended more than "
        "PILLARS_INVITATION_PURGE_DAYS ago; delete sign-in records older than "
        "PILLARS_SIGNIN_LOG_DAYS and report zips older than PILLARS_REPORT_ZIP_DAYS or replaced "
        "by a newer zip, and uploaded imports left unconfirmed past PILLARS_UPLOAD_KEEP_MINUTES."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, help="Override PILLARS_RETENTION_MONTHS.")
        parser.add_argument(
            "--purge-days", type=int, help="Override PILLARS_INVITATION_PURGE_DAYS."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Only report what would be deleted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        summary = retention_apply(
            months=options["months"], purge_days=options["purge_days"], dry_run=options["dry_run"]
        )
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(
            f"{verb}: {summary.submissions_deleted} submissions ({summary.answers_deleted} "
            f"answers, {summary.comments_deleted} comments) of "
            f"{len(summary.cycles_purged)} cycles{': ' if summary.cycles_purged else ''}"
            f"{', '.join(summary.cycles_purged)}."
        )
        self.stdout.write(
            f"{verb} personal data of {summary.invitations_purged} invitations and "
            f"{summary.drafts_deleted} unsent answers; {summary.sign_in_records_deleted} "
            "old sign-in records."
        )
        self.stdout.write(
            f"{verb} {summary.report_zips_deleted} report zips (older than "
            f"{settings.PILLARS_REPORT_ZIP_DAYS} days, replaced by a newer zip, or left "
            "without a job)."
        )
        uploads = uploads_sweep(dry_run=options["dry_run"])
        self.stdout.write(
            f"{verb} {uploads} uploaded import files left unconfirmed for more than "
            f"{settings.PILLARS_UPLOAD_KEEP_MINUTES} minutes."
        )
        for name in summary.report_zips_kept_on_error:
            self.stderr.write(f"Could not delete the report zip {name}; the next run retries.")
        for name in summary.unreleased_kept:
            self.stderr.write(
                f"Kept the answers of “{name}”: it is past retention but was never released. "
                "Release it (its results are then stored) or delete the cycle."
            )
