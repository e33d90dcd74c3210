"""Import answers from a wide CSV into a new, released cycle (see README, "Management commands")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.imports.responses import responses_import, responses_parse
from assessments.models import Cycle
from leadership.csvfiles import CsvImportError
from leadership.models import QuestionBank


class Command(BaseCommand):
    help = (
        "Import answers from a CSV (one row per respondent, one column per question code, "
        "a team column) into a new cycle, closed and released. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--bank", required=True, help="The question bank's name.")
        parser.add_argument("--cycle", required=True, help="The new cycle's name.")
        parser.add_argument("--team-column", default="team")
        parser.add_argument("--role-column", default="role")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        bank = QuestionBank.objects.filter(name=options["bank"]).first()
        if bank is None:
            raise CommandError(f"No question bank called “{options['bank']}”.")
        if Cycle.objects.filter(name=options["cycle"]).exists():
            raise CommandError(
                f"A cycle called “{options['cycle']}” already exists; choose another name."
            )
        try:
            parsed = responses_parse(
                data=path.read_bytes(),
                bank=bank,
                team_column=options["team_column"],
                role_column=options["role_column"],
            )
        except CsvImportError as error:
            raise CommandError("Nothing was imported.\n" + "\n".join(error.lines())) from error
        summary = responses_import(parsed=parsed, bank=bank, cycle_name=options["cycle"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Cycle “{summary.cycle.name}” ({summary.cycle.slug}): {summary.submissions} "
                f"responses, {summary.answers} answers, {summary.teams_created} new teams; "
                "closed and released."
            )
        )
