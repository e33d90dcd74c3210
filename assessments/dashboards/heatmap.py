"""HR's heatmap of teams × pillars: one page of rows from :mod:`assessments.results.listing`.

A page of teams (or of departments), headed by the filtered department's own roll-up, with the
whole organisation at the foot when no department is chosen. Everything a cell prints (its
figure, colour, hover text) is worked out here once, so the template tag in
``templatetags/dashboard_tags.py`` only joins strings. Like :mod:`assessments.dashboards.pages`
it applies no anonymity rule itself: whatever the stored rows withhold is hidden here too, with
their reason, and it totals nothing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments.charts import browser
from assessments.results.listing import METRIC_FAVOURABLE, METRIC_MEAN, METRICS
from assessments.results.report import Rollup, TeamResult, suppressed_reason_text
from assessments.results.rounding import HEATMAP_SCORE_PLACES, PERCENT_PLACES, figure_text

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from assessments.results.report import CycleReport

__all__ = ["METRICS", "METRIC_FAVOURABLE", "METRIC_MEAN", "Heatmap", "heatmap_page"]


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
        return HeatCell(figure_text(mean, HEATMAP_SCORE_PLACES), style, False, "")

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


def heatmap_page(
    *,
    report: CycleReport,
    rows: Sequence[TeamResult | Rollup],
    metric: str,
    department: Rollup | None,
    department_url: Callable[[Rollup], str],
) -> Heatmap:
    """One page of rows: teams (linked to their dashboards) or departments (linked to their own
    page of teams), the chosen department's roll-up first, the organisation at the foot when no
    department is chosen. ``report``: the stored head (pillars, the organisation's roll-up)."""
    keys = [p.key for p in report.pillars]
    k = report.min_group_size
    hidden = "" if report.scores_visible else report.hidden_reason
    cell = _cell_maker(metric=metric, k=k, hidden=hidden)
    reason_text = functools.cache(suppressed_reason_text)
    # One reverse() per page, not per team: the team's slug is the last part of its URL.
    placeholder = "team-slug"
    team_url = reverse("assessments:team-dashboard", args=[report.cycle_slug, placeholder])
    team_prefix, team_suffix = team_url.rsplit(placeholder, 1)
    built: list[HeatRow] = []
    for row in rows:
        if isinstance(row, TeamResult):
            url = f"{team_prefix}{quote(row.slug)}{team_suffix}"
            built.append(_team_row(team=row, cell=cell, reason_text=reason_text, url=url))
        else:
            built.append(
                _rollup_row(
                    rollup=row,
                    keys=keys,
                    cell=cell,
                    reason_text=reason_text,
                    url=department_url(row),
                )
            )
    head = (
        _rollup_row(rollup=department, keys=keys, cell=cell, reason_text=reason_text)
        if department is not None
        else None
    )
    organisation = (
        _rollup_row(rollup=report.organisation, keys=keys, cell=cell, reason_text=reason_text)
        if department is None
        else None
    )
    shown = [*built, *([head] if head else []), *([organisation] if organisation else [])]
    return Heatmap(
        pillars=tuple(p.name for p in report.pillars),
        groups=(HeatGroup(rollup=head, teams=tuple(built)),),
        organisation=organisation,
        metric=metric,
        min_group_size=k,
        any_suppressed=any(c.suppressed for row in shown for c in row.cells),
        hidden_text=reason_text(hidden),
    )
