"""Import a question bank from CSV: all or nothing, bad cells named by row and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadership.audit import audit_send
from leadership.bank.io import bank_import, bank_parse
from leadership.csvfiles import CsvImportError
from leadership.management.commands.load_bank import _summary_line


class Command(BaseCommand):
    help = "Import a question bank from a CSV file (see README for the columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", required=True, help="The bank's name.")
        parser.add_argument("--description", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            spec = bank_parse(data=path.read_bytes())
        except CsvImportError as error:
            raise CommandError("Nothing was imported.\n" + "\n".join(error.lines())) from error
        summary = bank_import(name=options["name"], spec=spec, description=options["description"])
        audit_send(
            actor=None,
            action="bank.import",
            target=summary.bank.name,
            detail={
                "created": summary.created,
                "versioned": summary.versioned,
                "updated": summary.updated,
                "retired": summary.retired,
            },
        )
        self.stdout.write(_summary_line(summary))
