"""Write every team's PDF report of a cycle, and the organisation's, into a folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.models import Cycle
from assessments.reports import content
from assessments.reports.pdf import PAGE_SIZES
from assessments.results.access import report_for_viewer


class Command(BaseCommand):
    help = (
        "Render one PDF per team of a cycle plus the organisation PDF into --output. "
        "Exits non-zero when any report fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cycle", required=True, help="the cycle's name (or slug)")
        parser.add_argument("--output", required=True, type=Path, help="folder to write into")
        parser.add_argument("--team", help="only this team (name or slug); no organisation PDF")
        parser.add_argument("--page-size", choices=sorted(PAGE_SIZES), default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        cycle = (
            Cycle.objects.filter(name=options["cycle"]).first()
            or Cycle.objects.filter(slug=options["cycle"]).first()
        )
        if cycle is None:
            raise CommandError(f"No cycle named {options['cycle']!r}.")
        report = report_for_viewer(cycle=cycle, user=None, detail=True)
        if not report.scores_visible:
            raise CommandError("Scores are not available while the cycle is open.")
        teams = list(report.teams)
        wanted = options.get("team")
        if wanted:
            teams = [t for t in teams if wanted in (t.name, t.slug)]
            if not teams:
                raise CommandError(f"No team {wanted!r} in {cycle.name}.")
        output: Path = options["output"]
        output.mkdir(parents=True, exist_ok=True)
        size = options.get("page_size")
        failures: list[str] = []
        for team in teams:
            name = content.report_filename(cycle_name=cycle.name, team_name=team.name)
            try:
                data = content.team_report_render(report=report, team=team, page_size=size)
            except Exception as error:  # report every failure, then fail the command
                failures.append(f"{team.name}: {type(error).__name__}: {error}")
                self.stderr.write(f"FAILED {team.name}: {error}")
                continue
            (output / name).write_bytes(data)
            self.stdout.write(f"{output / name}")
        if not wanted:
            name = content.report_filename(cycle_name=cycle.name, team_name="organisation")
            try:
                data = content.org_report_render(report=report, page_size=size)
            except Exception as error:
                failures.append(f"organisation: {type(error).__name__}: {error}")
                self.stderr.write(f"FAILED organisation: {error}")
            else:
                (output / name).write_bytes(data)
                self.stdout.write(f"{output / name}")
        if failures:
            raise CommandError(f"{len(failures)} report(s) failed: " + "; ".join(failures))
