"""The dashboards' bulk output, joined in Python: rows of their largest tables
(``{% heat_rows group.rows %}`` for HR's heatmap, ``{% item_rows card %}`` for a team's answers
per question) and the charts' figures (``{% chart_data figure id %}``).

A thousand teams make five thousand heatmap cells; as template nodes (an include, conditions,
filters and a translation per cell) they cost most of a second, and a team's forty questions
were half of its page's template nodes. Here each row is one string built from the view
objects of :mod:`assessments.dashboards.heatmap` and :mod:`assessments.dashboards.pages`, every
value escaped; the words shared by all rows are translated once per call. ``chart_data`` prints what
``|json_script`` does, escaping with three ``str.replace`` calls instead of a per-character
``str.translate`` over each figure.
"""

from __future__ import annotations

import json
from html import escape  # Django's escape() is this, behind a lazy-string wrapper
from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from assessments.results.rounding import PERCENT_PLACES, figure_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from assessments.dashboards.heatmap import HeatCell, HeatRow
    from assessments.dashboards.pages import PillarCard

register = template.Library()


def _percent(value: float) -> str:
    # Rounds as |floatformat:0 does: the one rounding rule.
    return figure_text(value, PERCENT_PLACES)


def _cell_html(cell: HeatCell) -> str:
    if cell.suppressed:
        title = escape(cell.title)
        return (
            f'<td class="num heat heat-suppressed" title="{title}">'
            f'<span aria-hidden="true">{escape(cell.short)}</span>'
            f'<span class="sr-only">{title}</span></td>'
        )
    title = f' title="{escape(cell.title)}"' if cell.title else ""
    return f'<td class="num heat" style="{escape(cell.style)}"{title}>{escape(cell.text)}</td>'


def _responses_html(row: HeatRow, responded: str) -> str:
    invited = f'<span class="muted"> / {row.invited}</span>' if row.invited else ""
    html = f'<span class="responses">{row.n}{invited}</span>'
    if row.response_pct is not None:
        rate = _percent(row.response_pct)
        html += (
            f'<span class="rate-bar" aria-hidden="true"><span style="width: {rate}%"></span>'
            f'</span><span class="sr-only">{escape(responded % {"rate": rate})}</span>'
        )
    return html


@register.simple_tag
def heat_rows(rows: Sequence[HeatRow]) -> SafeString:
    """``<tr>`` per row: a department's roll-up, a team (linked to its dashboard), or the whole
    organisation."""
    responded = _("%(rate)s%% responded")
    all_teams = escape(_("all teams"))
    organisation = escape(_("Whole organisation"))
    # Cells repeat (hidden ones, and a figure in a colour): each distinct one is built once.
    built: dict[tuple[str, str, str, bool, str], str] = {}
    parts = []
    for row in rows:
        if row.kind == "team":
            opening = '<tr><th scope="row" class="heat-team">'
            name = f'<a href="{escape(row.url)}">{escape(row.name)}</a>'
        elif row.kind == "organisation":
            opening = '<tr class="heat-org"><th scope="row">'
            name = organisation
        else:
            opening = '<tr class="heat-rollup"><th scope="row">'
            name = escape(row.name)
            if row.url:
                name = f'<a href="{escape(row.url)}">{name}</a>'
            name += f' <span class="muted small">{all_teams}</span>'
        row_cells = []
        for cell in row.cells:
            key = (cell.text, cell.style, cell.title, cell.suppressed, cell.short)
            html = built.get(key)
            if html is None:
                html = built[key] = _cell_html(cell)
            row_cells.append(html)
        parts.append(
            f'{opening}{name}</th><td class="num">{_responses_html(row, responded)}</td>'
            f"{''.join(row_cells)}</tr>\n"
        )
    return mark_safe("".join(parts))  # every value above is escaped


@register.simple_tag
def item_rows(card: PillarCard) -> SafeString:
    """``<tr>`` per question of a pillar card: the share of each answer, "can't say", average."""
    negative = ""
    parts = []
    for row in card.items:
        note = ""
        if row.item.reverse_scored:
            if not negative:
                negative = escape(_("(negatively worded: disagreeing counts as favourable)"))
            note = f' <span class="muted small">{negative}</span>'
        shares = "".join(f'<td class="num">{escape(text)}%</td>' for text in row.share_texts)
        parts.append(
            f'<tr><th scope="row">{escape(row.item.text)}{note}</th>{shares}'
            f'<td class="num">{row.item.cant_say or 0}</td>'
            f'<td class="num">{escape(row.mean_text)}</td></tr>\n'
        )
    return mark_safe("".join(parts))  # every value above is escaped


@register.simple_tag
def chart_data(figure: dict[str, Any], element_id: str) -> SafeString:
    """A figure for static/js/charts.js, as ``{{ figure|json_script:element_id }}`` prints it."""
    text = (
        json.dumps(figure, default=str)  # default: a lazy translation is a string
        .replace("&", "\\u0026")
        .replace("<", "\\u003C")
        .replace(">", "\\u003E")
    )
    return mark_safe(  # escaped above: the JSON cannot close the element
        f'<script id="{escape(element_id)}" type="application/json">{text}</script>'
    )
