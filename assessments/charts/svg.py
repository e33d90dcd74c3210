"""Charts for PDFs, drawn on the server as SVG strings (WeasyPrint runs no JavaScript).

Same colours as the web charts (:mod:`assessments.charts.palette`). Every chart carries a
``<title>`` that WeasyPrint turns into the figure's alternative text in the tagged PDF: the chart's
name followed by what it shows (the ``desc`` argument). There is no ``<desc>`` element: WeasyPrint
does not read it, and every element inside an inline SVG costs style matching on each render.
Templates also print the figures beside each chart, so nothing is only in a picture.

All text is XML-escaped here; the result is safe to mark as safe in a template.

Reports place charts with :func:`as_image`, as ``<img>`` elements carrying the SVG in a ``data:``
URL, rather than inline: WeasyPrint then parses each chart with its XML parser, outside the
document's style cascade and box tree. Legends are not drawn here but printed as HTML text
(``templates/assessments/pdf/_legend.html``): WeasyPrint lays SVG text out letter by letter.
Charts keep their text short for the same reason.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from assessments.charts import palette
from assessments.charts.browser import heat_colour, scale_colours
from assessments.results.rounding import figure_round

if TYPE_CHECKING:
    from collections.abc import Sequence

FONT = "Inter, sans-serif"
INK = "#161a2b"
MUTED = "#5f667d"
GRID = "#d5d9e6"


@dataclass(frozen=True)
class RadarSeries:
    """One polygon on a radar: values on the percent scale (0–100), ``None`` where missing."""

    label: str
    values: Sequence[float | None]
    colour: str
    dash: str = ""  # an SVG stroke-dasharray, e.g. "5 3"
    fill: bool = False
    marker: str = "circle"  # circle (filled), square or diamond (hollow, larger)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    """A coordinate or size for the SVG: one decimal, always with a point (SVG's own syntax,
    whatever the reader's language: "12,5" in a German report would break every shape)."""
    text = str(figure_round(value, 1))
    return text[:-2] if text.endswith(".0") else text


def alt_text(title: str, desc: str) -> str:
    """The chart's text equivalent: its name, then what it shows."""
    if not desc or desc == title:
        return title
    return f"{title}: {desc}" if title else desc


def _svg_open(*, width: float, height: float, title: str, desc: str, css_class: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{_e(css_class)}" role="img" '
        f'width="{_num(width)}" height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'font-family="{FONT}"><title>{_e(alt_text(title, desc))}</title>'
    )


def as_image(svg: str) -> str:
    """The chart as an ``<img>`` with a ``data:`` URL; its ``<title>`` becomes the ``alt`` text.

    The class of the ``<svg>`` moves to the ``<img>``, so a stylesheet can size it.
    """
    alt = svg.partition("<title>")[2].partition("</title>")[0]
    css_class = svg.partition(' class="')[2].partition('"')[0]
    return f'<img class="{css_class}" alt="{alt}" src="data:image/svg+xml,{quote(svg, safe="")}">'


def _wrap(label: str, width: int = 16) -> list[str]:
    """Split a label into at most two lines at a space near the middle."""
    if len(label) <= width or " " not in label:
        return [label]
    words = label.split(" ")
    best = min(
        range(1, len(words)),
        key=lambda i: abs(len(" ".join(words[:i])) - len(" ".join(words[i:]))),
    )
    return [" ".join(words[:best]), " ".join(words[best:])]


# The spread chart's labels: about as many semi-bold 8.5 px characters as fit in its 142 px.
SPREAD_LABEL_CHARS = 26
SPREAD_LEADING = 10.0


def label_lines(label: str, width: int) -> list[str]:
    """A label on lines of at most ``width`` characters, broken at spaces (a longer word on a
    line of its own, whole): every word of it is kept."""
    return textwrap.wrap(label, width, break_long_words=False, break_on_hyphens=False) or [""]


def _lines_text(
    lines: Sequence[str], *, x: float, y: float, size: float, leading: float, anchor: str
) -> str:
    """A semi-bold label of one or more lines, the first line's baseline at ``y``."""
    tspans = "".join(
        f'<tspan x="{_num(x)}" dy="{0 if index == 0 else _num(leading)}">{_e(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" font-weight="600" '
        f'fill="{INK}" text-anchor="{anchor}">{tspans}</text>'
    )


def scale_colour(fraction: float) -> str:
    """A colour on the diverging scale for a fraction 0–1 (low → high), as on the dashboards."""
    return heat_colour(pct=100 * min(1.0, max(0.0, fraction)))


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    colour = colour.lstrip("#")
    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ink_on(colour: str) -> str:
    """Dark or white text, whichever contrasts more with the background (WCAG luminance)."""
    background = _luminance(colour)
    on_white = 1.05 / (background + 0.05)
    on_ink = (background + 0.05) / (_luminance(INK) + 0.05)
    return "#ffffff" if on_white > on_ink else INK


def point_colours(points: int) -> list[str]:
    """One colour per scale point, lowest first, spread over the diverging scale."""
    if points < 2:
        return [palette.SCALE[-1]] * points
    return scale_colours(points)


# --- Radar ----------------------------------------------------------------------------------


def radar_svg(
    *,
    axes: Sequence[str],
    series: Sequence[RadarSeries],
    title: str,
    desc: str,
    size: float = 360,
) -> str:
    """A radar (spider) chart on the percent scale with rings at 25, 50, 75 and 100."""
    n = len(axes)
    margin_x, margin_y = 92.0, 40.0
    radius = size / 2 - margin_x
    width = size
    height = 2 * radius + 2 * margin_y
    cx, cy = width / 2, height / 2
    parts = [_svg_open(width=width, height=height, title=title, desc=desc, css_class="chart")]
    if n < 3:
        parts.append("</svg>")
        return "".join(parts)

    def point(i: int, pct: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(100.0, pct)) / 100
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    for ring in (25, 50, 75, 100):
        points = " ".join(f"{_num(x)},{_num(y)}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(
            f'<polygon points="{points}" fill="none" stroke="{GRID}" '
            f'stroke-width="{1 if ring == 100 else 0.6}"/>'
        )
    for i in range(n):
        x, y = point(i, 100)
        parts.append(
            f'<line x1="{_num(cx)}" y1="{_num(cy)}" x2="{_num(x)}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
        )
    for ring in (50, 100):
        x, y = point(0, ring)
        parts.append(
            f'<text x="{_num(x + 3)}" y="{_num(y + 9)}" font-size="7" fill="{MUTED}">{ring}</text>'
        )
    for i, axis in enumerate(axes):
        x, y = point(i, 100)
        angle = -math.pi / 2 + 2 * math.pi * i / n
        dx, dy = math.cos(angle), math.sin(angle)
        anchor = "middle" if abs(dx) < 0.3 else ("start" if dx > 0 else "end")
        lx, ly = x + dx * 10, y + dy * 10
        lines = _wrap(axis)
        if dy < -0.3:
            ly -= 11 * (len(lines) - 1) + 2
        elif dy > 0.3:
            ly += 9
        else:
            ly -= 5.5 * (len(lines) - 1) - 3
        parts.append(_lines_text(lines, x=lx, y=ly, size=9.5, leading=11, anchor=anchor))
    for s in series:
        present = [(i, v) for i, v in enumerate(s.values) if v is not None]
        if not present:
            continue
        coords = [point(i, v) for i, v in present]
        dash = f' stroke-dasharray="{_e(s.dash)}"' if s.dash else ""
        fill = f'fill="{_e(s.colour)}" fill-opacity="0.14"' if s.fill else 'fill="none"'
        if len(present) == n:
            pts = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
            parts.append(
                f'<polygon points="{pts}" {fill} stroke="{_e(s.colour)}" '
                f'stroke-width="2" stroke-linejoin="round"{dash}/>'
            )
        for x, y in coords:
            parts.append(_marker(s, x, y))
    parts.append("</svg>")
    return "".join(parts)


def _marker(series: RadarSeries, x: float, y: float) -> str:
    """A point of a series. Hollow squares and diamonds drawn larger than the filled circle, so
    where the lines coincide (a self-rating equal to the team's) every series stays visible."""
    colour = _e(series.colour)
    if series.marker == "square":
        return (
            f'<rect x="{_num(x - 4)}" y="{_num(y - 4)}" width="8" height="8" fill="none" '
            f'stroke="{colour}" stroke-width="1.4"/>'
        )
    if series.marker == "diamond":
        return (
            f'<polygon points="{_num(x)},{_num(y - 6)} {_num(x + 6)},{_num(y)} {_num(x)},'
            f'{_num(y + 6)} {_num(x - 6)},{_num(y)}" fill="none" stroke="{colour}" '
            f'stroke-width="1.2"/>'
        )
    return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.8" fill="{colour}"/>'


# --- Distribution -----------------------------------------------------------------------------


def distribution_svg(
    *,
    counts: Sequence[int],
    labels: Sequence[str],
    title: str,
    width: float = 220,
    height: float = 16,
) -> str:
    """One stacked horizontal bar: the share of answers on each scale point, lowest on the left.

    Segments wide enough show their count; the alternative text lists every point's count.
    """
    total = sum(counts)
    desc = "; ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=False))
    parts = [_svg_open(width=width, height=height, title=title, desc=desc, css_class="bar")]
    if total == 0:
        parts.append(
            f'<rect x="0" y="0" width="{_num(width)}" height="{_num(height)}" rx="3" '
            f'fill="{palette.SUPPRESSED}"/></svg>'
        )
        return "".join(parts)
    colours = point_colours(len(counts))
    x = 0.0
    for count, colour in zip(counts, colours, strict=True):
        if not count:
            continue
        w = width * count / total
        parts.append(
            f'<rect x="{_num(x)}" y="0" width="{_num(w)}" height="{_num(height)}" fill="{colour}"/>'
        )
        if w >= 11:
            parts.append(
                f'<text x="{_num(x + w / 2)}" y="{_num(height / 2 + 3.3)}" font-size="8.5" '
                f'text-anchor="middle" fill="{ink_on(colour)}">{count}</text>'
            )
        x += w
    parts.append("</svg>")
    return "".join(parts)


# --- Heatmap ----------------------------------------------------------------------------------


def heatmap_svg(
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    title: str,
    desc: str,
    hidden_label: str = "—",
    cell_width: float = 74,
    cell_height: float = 24,
    label_width: float = 150,
) -> str:
    """Teams × pillars on the percent scale; ``None`` cells (suppressed) are grey with a dash."""
    header = 30.0
    width = label_width + cell_width * len(columns)
    height = header + cell_height * len(rows)
    parts = [_svg_open(width=width, height=height, title=title, desc=desc, css_class="heatmap")]
    for j, column in enumerate(columns):
        x = label_width + cell_width * j + cell_width / 2
        lines = _wrap(column, 12)
        y = header - 6 - 10 * (len(lines) - 1)
        parts.append(_lines_text(lines, x=x, y=y, size=8.5, leading=10, anchor="middle"))
    for i, row in enumerate(rows):
        y = header + cell_height * i
        label = row if len(row) <= 26 else row[:25] + "…"
        parts.append(
            f'<text x="{_num(label_width - 8)}" y="{_num(y + cell_height / 2 + 3.3)}" '
            f'font-size="9" text-anchor="end" fill="{INK}">{_e(label)}</text>'
        )
        for j in range(len(columns)):
            value = values[i][j] if j < len(values[i]) else None
            x = label_width + cell_width * j
            colour = palette.SUPPRESSED if value is None else scale_colour(value / 100)
            text = hidden_label if value is None else f"{value:.0f}"
            parts.append(
                f'<rect x="{_num(x + 1)}" y="{_num(y + 1)}" width="{_num(cell_width - 2)}" '
                f'height="{_num(cell_height - 2)}" rx="3" fill="{colour}"/>'
                f'<text x="{_num(x + cell_width / 2)}" y="{_num(y + cell_height / 2 + 3.3)}" '
                f'font-size="9" text-anchor="middle" '
                f'fill="{MUTED if value is None else ink_on(colour)}">{_e(text)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


# --- Spread (box plot) ------------------------------------------------------------------------


@dataclass(frozen=True)
class SpreadRow:
    """One pillar's spread of team scores on 0–100: lowest, quartiles, median, highest."""

    label: str
    low: float | None
    q1: float | None
    median: float | None
    q3: float | None
    high: float | None


def spread_svg(
    *,
    rows: Sequence[SpreadRow],
    title: str,
    desc: str,
    width: float = 480,
    row_height: float = 26,
    label_width: float = 150,
) -> str:
    """A box plot per row: a whisker from the lowest to the highest team, a box from the first
    to the third quartile, a bar at the median. Few elements, whatever the number of teams.

    A pillar's name is wrapped onto as many lines as it needs (never cut); its row grows with it.
    """
    top = 16.0
    plot = width - label_width - 12
    labels = [label_lines(row.label, SPREAD_LABEL_CHARS) for row in rows]
    heights = [max(row_height, SPREAD_LEADING * len(lines) + 8) for lines in labels]
    height = top + sum(heights) + 4
    parts = [_svg_open(width=width, height=height, title=title, desc=desc, css_class="spread")]

    def x(pct: float) -> float:
        return label_width + plot * max(0.0, min(100.0, pct)) / 100

    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{_num(x(tick))}" y1="{_num(top - 4)}" x2="{_num(x(tick))}" '
            f'y2="{_num(height - 4)}" stroke="{GRID}" stroke-width="0.6"/>'
            f'<text x="{_num(x(tick))}" y="{_num(top - 7)}" font-size="7" fill="{MUTED}" '
            f'text-anchor="middle">{tick}</text>'
        )
    row_top = top
    for row, lines, row_h in zip(rows, labels, heights, strict=True):
        mid = row_top + row_h / 2
        row_top += row_h
        first = mid + 3 - SPREAD_LEADING * (len(lines) - 1) / 2
        parts.append(
            _lines_text(
                lines, x=label_width - 8, y=first, size=8.5, leading=SPREAD_LEADING, anchor="end"
            )
        )
        if row.low is None or row.q1 is None or row.median is None:
            continue
        if row.q3 is None or row.high is None:
            continue
        parts.append(
            f'<line x1="{_num(x(row.low))}" y1="{_num(mid)}" x2="{_num(x(row.high))}" '
            f'y2="{_num(mid)}" stroke="{MUTED}" stroke-width="1"/>'
            f'<rect x="{_num(x(row.q1))}" y="{_num(mid - 7)}" '
            f'width="{_num(max(1.0, x(row.q3) - x(row.q1)))}" height="14" rx="2" '
            f'fill="{palette.TEAM}" fill-opacity="0.18" stroke="{palette.TEAM}" stroke-width="1"/>'
            f'<line x1="{_num(x(row.median))}" y1="{_num(mid - 7)}" x2="{_num(x(row.median))}" '
            f'y2="{_num(mid + 7)}" stroke="{palette.TEAM}" stroke-width="2.2"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
