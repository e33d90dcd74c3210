"""Load the default question bank shipped in leadership/data (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from leadership.bank.io import bank_import, bank_parse
from leadership.csvfiles import CsvImportError
from leadership.models import DEFAULT_BANK_NAME

DEFAULT_BANK_FILE = Path(__file__).resolve().parents[2] / "data" / "default_bank.csv"


class Command(BaseCommand):
    help = (
        "Load (or update) the default five-pillar question bank. Running it twice changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = bank_parse(data=DEFAULT_BANK_FILE.read_bytes())
        except CsvImportError as error:
            raise CommandError(str(error)) from error
        summary = bank_import(name=DEFAULT_BANK_NAME, spec=spec)
        self.stdout.write(_summary_line(summary))


def _summary_line(summary: Any) -> str:
    if not summary.changed:
        return f"Bank “{summary.bank.name}” is up to date ({summary.unchanged} questions)."
    return (
        f"Bank “{summary.bank.name}”: {summary.created} created, {summary.versioned} new versions, "
        f"{summary.updated} updated, {summary.retired} retired, {summary.unchanged} unchanged."
    )
