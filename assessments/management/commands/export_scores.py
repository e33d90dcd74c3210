"""Export a cycle's anonymity-safe scores as JSON or CSV (see README, "Management commands")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from assessments.models import Cycle
from assessments.reports.score_document import score_csv, score_document
from assessments.results.access import report_for_viewer


class Command(BaseCommand):
    help = "Export a cycle's scores document (JSON) or one row per team and pillar (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", required=True, help="The cycle's name or slug.")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument("--output", type=Path, help="Write to this file instead of stdout.")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["cycle"]
        cycle = Cycle.objects.filter(Q(name=name) | Q(slug=name)).first()
        if cycle is None:
            raise CommandError(f"No cycle called “{name}”.")
        report = report_for_viewer(cycle=cycle, user=None, detail=False)
        if not report.scores_visible:
            self.stderr.write(
                f"Cycle “{cycle.name}” is {cycle.state}: scores are exported once it has "
                "closed; the counts are there, every score is null."
            )
        document = score_document(report=report)
        if options["format"] == "json":
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        else:
            text = score_csv(document=document)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
