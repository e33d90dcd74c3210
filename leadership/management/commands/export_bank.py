"""Write a question bank as CSV (the format import_bank reads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadership.bank.io import bank_export
from leadership.models import DEFAULT_BANK_NAME, QuestionBank


class Command(BaseCommand):
    help = "Export a question bank's active questions as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default=DEFAULT_BANK_NAME, help="The bank's name.")
        parser.add_argument("--output", type=Path, help="File to write (default: stdout).")

    def handle(self, *args: Any, **options: Any) -> None:
        bank = QuestionBank.objects.filter(name=options["name"]).first()
        if bank is None:
            raise CommandError(f"No bank named “{options['name']}”.")
        text = bank_export(bank=bank)
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
