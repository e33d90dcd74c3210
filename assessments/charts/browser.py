"""Plotly figures for the dashboards, as plain dicts ready for ``json_script``.

Inputs are plain sequences (labels, percent-scale values, counts) taken from the results
dataclasses, so this module knows nothing of the ORM or of pandas. static/js/charts.js finds
each ``data-chart`` element and hands its figure to ``Plotly.newPlot``. Colours come from
:mod:`assessments.charts.palette`, shared with the SVG charts in the PDFs.

Every chart on a page has a data table next to it (visible or in a ``<details>``): the figures
here are a picture of numbers the page also prints.
"""

from __future__ import annotations

import functools
import textwrap
from typing import TYPE_CHECKING, Any

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from assessments.charts import palette

if TYPE_CHECKING:
    from collections.abc import Sequence

Figure = dict[str, Any]

FONT = {"family": "Inter, system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}
INK = "#161a2b"
GRID = "#e2e5ef"
WHITE = "#ffffff"
WCAG_AA = 4.5


@functools.lru_cache(maxsize=1024)
def _wrap(text: str, width: int) -> str:
    """Plotly labels do not wrap themselves; break long ones with <br>. (Cached: the same
    question texts are wrapped on every dashboard.)"""
    # Whole words only: a German compound ("Kontinuierliches") stays in one piece.
    return "<br>".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _rounded(values: Sequence[float | None]) -> list[float | None]:
    return [None if value is None else round(value, 1) for value in values]


def _base_layout(**extra: Any) -> Figure:
    return {
        "font": {**FONT, "color": INK},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12},
        "hoverlabel": {"font": FONT},
        # Plotly's decimal and thousands marks, as the reader's language writes numbers.
        "separators": get_format("DECIMAL_SEPARATOR") + get_format("THOUSAND_SEPARATOR"),
        **extra,
    }


def radar_figure(
    *,
    labels: Sequence[str],
    team: Sequence[float | None],
    self_scores: Sequence[float | None] | None = None,
    org: Sequence[float | None] | None = None,
) -> Figure:
    """Team, self and organisation-median traces on the 0–100 percent scale.

    The polygon is closed by repeating the first point. A missing value (a suppressed pillar, a
    leader who did not self-assess) leaves a gap instead of pretending to be zero.
    """
    theta = [_wrap(label, 14) for label in labels]
    theta_closed = [*theta, theta[0]] if theta else []

    def trace(name: str, values: Sequence[float | None], colour: str, **style: Any) -> Figure:
        r = _rounded(values)
        return {
            "type": "scatterpolar",
            "name": name,
            "r": [*r, r[0]] if r else [],
            "theta": theta_closed,
            "mode": "lines+markers",
            "line": {"color": colour, "width": 2.5, **style.pop("line", {})},
            "marker": {"color": colour, "size": 7},
            "hovertemplate": "%{theta}: %{r:.0f}<extra>" + name + "</extra>",
            **style,
        }

    data = []
    if org is not None and any(value is not None for value in org):
        data.append(trace(_("Organisation median"), org, palette.ORG, line={"dash": "dot"}))
    if self_scores is not None and any(value is not None for value in self_scores):
        data.append(trace(_("Your self-assessment"), self_scores, palette.SELF))
    data.append(
        trace(_("Your team"), team, palette.TEAM, fill="toself", fillcolor="rgba(59,63,216,0.14)")
    )
    return {
        "data": data,
        "layout": _base_layout(
            height=420,
            margin={"l": 70, "r": 70, "t": 50, "b": 40},
            polar={
                "bgcolor": "rgba(0,0,0,0)",
                "radialaxis": {
                    "range": [0, 100],
                    "tickvals": [25, 50, 75, 100],
                    "ticksuffix": "",
                    "gridcolor": GRID,
                    "linecolor": GRID,
                    "tickfont": {"size": 10, "color": "#5f667d"},
                    # Between the first two spokes (clockwise from the top), not on a trace.
                    "angle": 126,
                },
                "angularaxis": {
                    "direction": "clockwise",
                    "rotation": 90,
                    "gridcolor": GRID,
                    "linecolor": GRID,
                },
            },
        ),
    }


def scale_colours(points: int) -> list[str]:
    """``points`` colours from the low end of the diverging scale to the high end."""
    if points == len(palette.SCALE):
        return list(palette.SCALE)
    return [heat_colour(pct=100 * i / (points - 1)) for i in range(points)]


def distribution_figure(
    *,
    items: Sequence[str],
    counts: Sequence[Sequence[int]],
    point_labels: Sequence[str],
) -> Figure:
    """Stacked horizontal bars: each item's answers as shares of those who answered it.

    ``counts`` holds one row per item with one count per scale point, lowest first. Items are
    listed top to bottom in the order given.
    """
    shares: list[list[float]] = []
    for row in counts:
        answered = sum(row)
        shares.append([100 * c / answered if answered else 0.0 for c in row])
    y = [_wrap(item, 38) for item in items]
    colours = scale_colours(len(point_labels))
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "name": point_labels[index],
            "y": y,
            "x": [round(row[index], 1) for row in shares],
            "marker": {"color": colours[index], "line": {"color": WHITE, "width": 1}},
            "hovertemplate": "%{x:.0f}%<extra>" + point_labels[index] + "</extra>",
        }
        for index in range(len(point_labels))
    ]
    return {
        "data": data,
        "layout": _base_layout(
            barmode="stack",
            height=max(220, 58 * len(items) + 90),
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
            xaxis={
                "range": [0, 100],
                "ticksuffix": "%",
                "gridcolor": GRID,
                "zeroline": False,
                "fixedrange": True,
            },
            yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
            legend={
                "orientation": "h",
                "x": 0,
                "y": -0.08,
                "yanchor": "top",
                "traceorder": "normal",
                "font": {"size": 11},
            },
            bargap=0.35,
        ),
    }


def trend_figure(
    *, cycles: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]]
) -> Figure:
    """One line per pillar across the team's released cycles, on the percent scale."""
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": list(cycles),
            "y": _rounded(values),
            "line": {"color": palette.pillar_colour(index), "width": 2.5},
            "marker": {"size": 8},
            "connectgaps": False,
            "hovertemplate": "%{x}: %{y:.0f}<extra>" + name + "</extra>",
        }
        for index, (name, values) in enumerate(series)
    ]
    return {
        "data": data,
        "layout": _base_layout(
            height=320,
            margin={"l": 40, "r": 16, "t": 16, "b": 40},
            xaxis={"type": "category", "gridcolor": GRID, "fixedrange": True},
            yaxis={"range": [0, 100], "gridcolor": GRID, "fixedrange": True, "dtick": 25},
            legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"},
        ),
    }


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


@functools.cache
def _stops_rgb(stops: tuple[str, ...]) -> tuple[tuple[int, int, int], ...]:
    return tuple(_hex_rgb(stop) for stop in stops)


def heat_colour(*, pct: float) -> str:
    """The diverging scale's colour at ``pct`` (0–100), interpolated between its stops."""
    stops = _stops_rgb(palette.SCALE)  # parsed once: a heatmap asks thousands of times
    position = max(0.0, min(100.0, pct)) / 100 * (len(stops) - 1)
    low = min(int(position), len(stops) - 2)
    fraction = position - low
    (r1, g1, b1), (r2, g2, b2) = stops[low], stops[low + 1]
    r, g, b = (r1 + (r2 - r1) * fraction, g1 + (g2 - g1) * fraction, b1 + (b2 - b1) * fraction)
    return f"#{round(r):02x}{round(g):02x}{round(b):02x}"


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _hex_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _darker(colour: str, amount: float) -> str:
    rgb = (round(channel * (1 - amount)) for channel in _hex_rgb(colour))
    return "#" + "".join(f"{channel:02x}" for channel in rgb)


def heat_cell_style(*, pct: float | None) -> str:
    """Inline CSS for a heatmap cell: background from the scale, text colour for contrast.

    The text is white or ink, whichever contrasts more; where neither reaches WCAG AA (4.5:1,
    a band in the middle blues), the background is darkened just enough for white text.
    ``None`` (a suppressed or empty cell) gets no colour: the template hatches it.
    """
    if pct is None:
        return ""
    return _readable_style(heat_colour(pct=pct))


@functools.lru_cache(maxsize=2048)
def _readable_style(colour: str) -> str:
    # Keyed by the colour, not the percent: a heatmap of thousands of cells has a few hundred
    # distinct colours, and the contrast search costs more than the interpolation.
    background = colour
    text = WHITE if contrast_ratio(background, WHITE) > contrast_ratio(background, INK) else INK
    amount = 0.0
    while contrast_ratio(background, text) < WCAG_AA and amount < 0.5:
        text = WHITE
        amount += 0.04
        background = _darker(colour, amount)
    return f"background:{background};color:{text}"
