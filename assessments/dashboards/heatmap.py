"""HR's heatmap of teams × pillars, built from an anonymity-filtered :class:`CycleReport`.

One row per team, grouped by department with the department's roll-up first, and the whole
organisation at the foot. Everything a cell prints (its figure, colour, hover text) is worked
out here once, so the template tag in ``templatetags/dashboard_rows.py`` only joins strings: an
organisation of 1,000 teams has 5,000 cells, too many for template nodes or translation calls
per cell. Like :mod:`assessments.dashboards.pages` it applies no anonymity rule itself: whatever the
report withholds is hidden here too, with the report's reason.

A released cycle's stored report never changes, and :mod:`assessments.results.stored` hands out
the same report object until its stored row changes; :func:`heatmap` keeps the heatmaps of such
a report for as long as that object lives, so a repeated page view skips the building.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.charts import browser
from assessments.results.report import suppressed_reason_text
from assessments.results.rounding import PERCENT_PLACES, figure_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from assessments.results.report import CycleReport, Rollup, TeamResult

METRIC_MEAN = "mean"
METRIC_FAVOURABLE = "favourable"
METRICS = (METRIC_MEAN, METRIC_FAVOURABLE)


@dataclass(frozen=True)
class HeatCell:
    text: str
    style: str
    suppressed: bool
    title: str
    short: str = ""  # what a hidden cell shows; ``title`` says it in full


@dataclass(frozen=True)
class HeatRow:
    kind: str  # "team", "department", "organisation"
    name: str
    slug: str
    n: int
    invited: int
    response_rate: float | None
    suppressed: bool
    suppressed_text: str
    cells: tuple[HeatCell, ...]
    url: str = ""  # a team's dashboard; a department's own heatmap

    @property
    def response_pct(self) -> float | None:
        return None if self.response_rate is None else 100 * self.response_rate


@dataclass(frozen=True)
class HeatGroup:
    """A department's roll-up row and its teams (or the teams without a department)."""

    rollup: HeatRow | None
    teams: tuple[HeatRow, ...]

    @property
    def rows(self) -> tuple[HeatRow, ...]:
        return (self.rollup, *self.teams) if self.rollup else self.teams


@dataclass(frozen=True)
class Heatmap:
    pillars: tuple[str, ...]
    groups: tuple[HeatGroup, ...]
    organisation: HeatRow | None
    metric: str
    min_group_size: int
    any_suppressed: bool
    hidden_text: str

    @property
    def organisation_rows(self) -> tuple[HeatRow, ...]:
        return (self.organisation,) if self.organisation else ()


@functools.lru_cache(maxsize=1024)
def _tenth_style(tenths: int) -> str:
    return browser.heat_cell_style(pct=tenths / 10)


def _style(pct: float) -> str:
    # The style at the nearest tenth of a percent: a cache of at most 1,001 styles instead of an
    # interpolation and contrast check per cell. Each is still a heat_cell_style (readable
    # text); the colour moves by less than a channel unit, and where the text turns white the
    # switch moves by at most 0.05 percent.
    return _tenth_style(round(pct * 10))


def _cell_maker(*, metric: str, k: int, hidden: str) -> Callable[..., HeatCell]:
    """A cell builder for one heatmap: the words of hidden and empty cells are translated once
    per heatmap, not once per cell."""
    hidden_cells: dict[str, HeatCell] = {}

    def hidden_cell(reason: str) -> HeatCell:
        cell = hidden_cells.get(reason)
        if cell is None:
            if hidden:
                cell = HeatCell("", "", True, suppressed_reason_text(hidden), "…")
            elif reason in ("too_few", "few_answers") or not reason:
                title = _("Fewer than %(k)d responses") % {"k": k}
                cell = HeatCell("", "", True, title, _("n < %(k)d") % {"k": k})
            else:
                cell = HeatCell("", "", True, suppressed_reason_text(reason), _("hidden"))
            hidden_cells[reason] = cell
        return cell

    not_computable = HeatCell(text="–", style="", suppressed=False, title=_("Not computable"))
    favourable = metric == METRIC_FAVOURABLE

    def cell(
        *,
        mean: float | None,
        percent: float | None,
        favourable_pct: float | None,
        suppressed: bool,
        reason: str,
    ) -> HeatCell:
        if hidden or suppressed or (mean is None and favourable_pct is None):
            return hidden_cell(reason)
        if favourable:
            if favourable_pct is None:
                return not_computable
            text = f"{figure_text(favourable_pct, PERCENT_PLACES)}%"
            return HeatCell(text, _style(favourable_pct), False, "")
        if mean is None:
            return not_computable
        style = _style(percent if percent is not None else 50)
        return HeatCell(figure_text(mean, 1), style, False, "")

    return cell


def _team_row(
    *, team: TeamResult, cell: Callable[..., HeatCell], reason_text: Callable[[str], str], url: str
) -> HeatRow:
    hidden, reason = team.suppressed, team.suppressed_reason
    return HeatRow(
        kind="team",
        name=team.name,
        slug=team.slug,
        n=team.n,
        invited=team.invited,
        response_rate=team.response_rate,
        suppressed=hidden,
        suppressed_text=reason_text(reason),
        cells=tuple(
            cell(
                mean=p.mean,
                percent=p.percent,
                favourable_pct=p.favourable_pct,
                suppressed=hidden or p.suppressed,
                reason=reason or p.suppressed_reason,
            )
            for p in team.pillars
        ),
        url=url,
    )


def _rollup_row(
    *,
    rollup: Rollup,
    keys: Sequence[str],
    cell: Callable[..., HeatCell],
    reason_text: Callable[[str], str],
    url: str = "",
) -> HeatRow:
    cells = []
    for key in keys:
        p = rollup.pillar(key)
        cells.append(
            cell(
                mean=p.mean if p else None,
                percent=p.percent if p else None,
                favourable_pct=p.favourable_pct if p else None,
                suppressed=rollup.suppressed or (p is None or p.suppressed),
                reason=rollup.suppressed_reason or (p.suppressed_reason if p else ""),
            )
        )
    return HeatRow(
        kind=rollup.kind,
        name=rollup.name,
        slug=rollup.slug,
        n=rollup.n,
        invited=rollup.invited,
        response_rate=rollup.response_rate,
        suppressed=rollup.suppressed,
        suppressed_text=reason_text(rollup.suppressed_reason),
        cells=tuple(cells),
        url=url,
    )


def _build(*, report: CycleReport, metric: str, department_id: int | None) -> Heatmap:
    keys = [p.key for p in report.pillars]
    k = report.min_group_size
    hidden = "" if report.scores_visible else report.hidden_reason
    cell = _cell_maker(metric=metric, k=k, hidden=hidden)
    reason_text = functools.cache(suppressed_reason_text)
    # One reverse() per page, not per team: the team's slug is the last part of its URL.
    placeholder = "team-slug"
    team_url = reverse("assessments:team-dashboard", args=[report.cycle_slug, placeholder])
    team_prefix, team_suffix = team_url.rsplit(placeholder, 1)
    org_url = reverse("assessments:org-dashboard")

    def department_url(rollup: Rollup) -> str:
        if department_id is not None or rollup.team_id is None:
            return ""  # already this department's heatmap
        query: dict[str, str | int] = {
            "cycle": report.cycle_slug,
            "department": rollup.team_id,
            "metric": metric,
        }
        return f"{org_url}?{urlencode(query)}"

    groups: list[HeatGroup] = []
    departments = {d.team_id: d for d in report.departments}
    by_department: dict[int | None, list[TeamResult]] = {}
    for team in report.teams:
        by_department.setdefault(team.department_id, []).append(team)
    order = [d.team_id for d in report.departments if d.team_id in by_department]
    order += [key for key in by_department if key not in order]
    for key in order:
        if department_id is not None and key != department_id:
            continue
        rollup = departments.get(key)
        groups.append(
            HeatGroup(
                rollup=_rollup_row(
                    rollup=rollup,
                    keys=keys,
                    cell=cell,
                    reason_text=reason_text,
                    url=department_url(rollup),
                )
                if rollup
                else None,
                teams=tuple(
                    _team_row(
                        team=team,
                        cell=cell,
                        reason_text=reason_text,
                        url=f"{team_prefix}{quote(team.slug)}{team_suffix}",
                    )
                    for team in by_department[key]
                ),
            )
        )
    organisation = (
        _rollup_row(rollup=report.organisation, keys=keys, cell=cell, reason_text=reason_text)
        if department_id is None
        else None
    )
    rows = [row for group in groups for row in group.rows]
    return Heatmap(
        pillars=tuple(p.name for p in report.pillars),
        groups=tuple(groups),
        organisation=organisation,
        metric=metric,
        min_group_size=k,
        any_suppressed=any(cell.suppressed for row in rows for cell in row.cells),
        hidden_text=reason_text(hidden),
    )


class _PerReport:
    """Heatmaps kept beside the report object they were built from, while it lives.

    A heatmap is a pure function of a frozen report, the metric, the department and the
    language, so it may be kept as long as the report object is. Keyed by the object's identity,
    never by its contents: the stored-results LRU hands out one object per stored row (a new
    nonce per write), so a recomputed report is a new object and its heatmaps are built afresh,
    and once the LRU drops a report, its heatmaps go at the next store. A viewer's filtered copy
    is a new object per request and gains nothing, but loses nothing either.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[int, tuple[weakref.ref[CycleReport], dict[tuple, Heatmap]]] = (
            OrderedDict()
        )
        self.lock = threading.Lock()

    def get(self, report: CycleReport, key: tuple) -> Heatmap | None:
        with self.lock:
            entry = self.items.get(id(report))
            if entry is None or entry[0]() is not report:
                return None
            self.items.move_to_end(id(report))
            return entry[1].get(key)

    def put(self, report: CycleReport, key: tuple, value: Heatmap) -> None:
        with self.lock:
            for ident in [i for i, (ref, _maps) in self.items.items() if ref() is None]:
                del self.items[ident]  # its report is gone; the id may be reused
            entry = self.items.get(id(report))
            if entry is None or entry[0]() is not report:
                entry = (weakref.ref(report), {})
                self.items[id(report)] = entry
            entry[1][key] = value
            self.items.move_to_end(id(report))
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_heatmaps = _PerReport(16)


def heatmap(*, report: CycleReport, metric: str, department_id: int | None = None) -> Heatmap:
    """Teams × pillars grouped by department, each department headed by its roll-up."""
    key = (metric, department_id, get_language())
    built = _heatmaps.get(report, key)
    if built is None:
        built = _build(report=report, metric=metric, department_id=department_id)
        _heatmaps.put(report, key, built)
    return built
