"""Chart colours, shared by the Plotly charts on the page and the SVG charts in PDFs.

The same values are the CSS custom properties in static/css/app.css (--team, --self, --org, --p1…).
"""

from __future__ import annotations

TEAM = "#3b3fd8"
SELF = "#e07b00"
ORG = "#7a8199"
PILLARS = ("#3b3fd8", "#0f8a7e", "#b04fc0", "#d9822b", "#2f80c2")
# Diverging scale for heatmaps and distributions, low → high (5 steps; interpolate for others).
SCALE = ("#c2410c", "#f59e6b", "#e5e7eb", "#7c9cf0", "#3b3fd8")
SUPPRESSED = "#eef0f6"


def pillar_colour(index: int) -> str:
    return PILLARS[index % len(PILLARS)]
