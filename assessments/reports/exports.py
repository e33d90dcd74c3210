"""CSV and XLSX exports of a cycle's scores, safe to open in a spreadsheet.

Both writers pass every cell through :func:`cell_safe`: a text cell that starts with ``=``,
``+``, ``-``, ``@``, a tab, a carriage return or NUL gets a leading ``'`` so a spreadsheet shows
it as text instead of running it as a formula (OWASP ASVS 1.2.10, "CSV injection"). Numbers stay
numbers. Suppressed groups have empty cells and ``suppressed`` set, never a figure.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assessments.reports.score_document import (
    READABLE_PLACES,
    ROW_FIELDS,
    score_document,
    score_rows_readable,
)
from leadership.csvwrite import cell_safe, csv_text

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assessments.results.report import CycleReport

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("scores", "comments")
COMMENT_FIELDS = ("cycle", "team", "pillar", "pillar_name", "comment")
# The header a person reads for each field, in their language; in English the field names
# themselves, the names export_scores and the API use.
COLUMN_LABELS = {
    "cycle": pgettext_lazy("export column", "cycle"),
    "team": pgettext_lazy("export column", "team"),
    "team_n": pgettext_lazy("export column", "team_n"),
    "suppressed": pgettext_lazy("export column", "suppressed"),
    "pillar": pgettext_lazy("export column", "pillar"),
    "pillar_name": pgettext_lazy("export column", "pillar_name"),
    "n": pgettext_lazy("export column", "n"),
    "mean": pgettext_lazy("export column", "mean"),
    "sd": pgettext_lazy("export column", "sd"),
    "ci_low": pgettext_lazy("export column", "ci_low"),
    "ci_high": pgettext_lazy("export column", "ci_high"),
    "rwg": pgettext_lazy("export column", "rwg"),
    "favourable_pct": pgettext_lazy("export column", "favourable_pct"),
    "self": pgettext_lazy("export column", "self"),
    "comment": pgettext_lazy("export column", "comment"),
}


@dataclass
class Table:
    """Rows of plain values under named columns: what both writers take.

    ``places`` gives the decimals a column is rounded to, so a spreadsheet shows 3.80 as the
    pages do rather than 3.8.
    """

    columns: list[str]
    rows: list[Sequence[Any]] = field(default_factory=list)
    title: str = "Scores"
    places: dict[str, int] = field(default_factory=dict)

    @property
    def headers(self) -> list[str]:
        """The header row in the active language (``columns`` stay the field names)."""
        return [str(COLUMN_LABELS.get(column, column)) for column in self.columns]


def table_to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM (so Excel reads accents), comma-separated, every cell made safe."""
    return csv_text([table.headers, *table.rows]).encode("utf-8-sig")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, str):
        # XML cannot hold most control characters (openpyxl refuses them). Drop them first, so
        # that "\x01=..." cannot turn into a formula once the \x01 is gone.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return cell_safe(value)


def table_to_xlsx(table: Table) -> bytes:
    """One worksheet, a bold frozen header row, every cell made safe."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one worksheet
    sheet.title = _xlsx_value(table.title)[:31] or "Sheet"
    sheet.append([_xlsx_value(column) for column in table.headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_xlsx_value(value) for value in row])
    for index, column in enumerate(table.columns, start=1):
        if column in table.places:
            number_format = "0" if not table.places[column] else "0." + "0" * table.places[column]
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
    columns = sheet.iter_cols(min_row=1, max_row=min(sheet.max_row, 200))
    for index, cells in enumerate(columns, start=1):
        longest = max((len(str(cell.value)) for cell in cells if cell.value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(48, max(8, longest + 2))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def scores_table(report: CycleReport) -> Table:
    """The ``export_scores`` rows (same fields), one per team and pillar.

    ``suppressed`` is set where the team *or that pillar* is withheld; its figures are empty.
    """
    rows = score_rows_readable(document=score_document(report=report))
    withheld = [team.suppressed or p.suppressed for team in report.teams for p in team.pillars]
    table = Table(columns=list(ROW_FIELDS), title=str(_("Scores")), places=READABLE_PLACES)
    for row, hidden in zip(rows, withheld, strict=True):
        table.rows.append([hidden if name == "suppressed" else row[name] for name in ROW_FIELDS])
    return table


def comments_table(report: CycleReport) -> Table:
    """Comments of the teams that reach the comment threshold, in the report's shuffled order."""
    table = Table(columns=list(COMMENT_FIELDS), title=str(_("Comments")))
    names = {pillar.key: pillar.name for pillar in report.pillars}
    for team in report.teams:
        if not team.comments_shown:
            continue
        for pillar in team.pillars:
            for comment in pillar.comments:
                table.rows.append(
                    [report.cycle_name, team.name, pillar.key, names.get(pillar.key, ""), comment]
                )
    return table
