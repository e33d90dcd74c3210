"""Server-drawn SVG charts for the PDFs: well-formed, titled, escaped, in the shared colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import unquote

from assessments.charts import palette
from assessments.charts.svg import (
    RadarSeries,
    as_image,
    distribution_svg,
    heatmap_svg,
    point_colours,
    radar_svg,
    scale_colour,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_radar_is_well_formed_svg_titled_with_its_name_and_figures_in_the_palette_colours():
    svg = radar_svg(
        axes=["Strategic Clarity", "Trust", "People Development", "Execution", "Learning"],
        series=[
            RadarSeries("Team", [80, 70, 60, 50, 40], palette.TEAM, fill=True),
            RadarSeries("Self", [90, 80, 70, 60, 50], palette.SELF, dash="5 3"),
            RadarSeries("Organisation median", [60, 60, 60, 60, 60], palette.ORG, dash="2 2"),
        ],
        title="Team radar",
        desc="Team 80, 70, 60, 50, 40",
    )
    root = parse(svg)
    # The title is what WeasyPrint makes the figure's alternative text: name, then figures.
    assert root.find(f"{SVG}title").text == "Team radar: Team 80, 70, 60, 50, 40"
    assert root.find(f"{SVG}desc") is None
    strokes = {p.get("stroke") for p in root.iter(f"{SVG}polygon")}
    assert {palette.TEAM, palette.SELF, palette.ORG} <= strokes


def test_radar_skips_a_series_without_values_and_draws_partial_ones_as_points():
    svg = radar_svg(
        axes=["A", "B", "C"],
        series=[
            RadarSeries("Self", [None, None, None], palette.SELF),
            RadarSeries("Team", [50, None, 70], palette.TEAM),
        ],
        title="t",
        desc="d",
    )
    root = parse(svg)
    assert palette.SELF not in svg
    assert len(list(root.iter(f"{SVG}circle"))) == 2


def test_chart_text_is_escaped_so_a_team_name_cannot_inject_markup():
    name = '<script>alert(1)</script>"&'
    svg = heatmap_svg(rows=[name], columns=["Trust"], values=[[55.0]], title=name, desc=name)
    root = parse(svg)
    assert "<script>" not in svg
    assert root.find(f"{SVG}title").text == name


def test_heatmap_shows_suppressed_cells_grey_with_a_dash_and_values_rounded():
    svg = heatmap_svg(
        rows=["Platform", "Sales South"],
        columns=["Trust", "Clarity"],
        values=[[81.25, 40.0], [None, None]],
        title="Heatmap",
        desc="d",
    )
    texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert "81" in texts
    assert texts.count("—") == 2
    assert palette.SUPPRESSED in svg


def test_distribution_bar_labels_its_segments_and_lists_every_point_in_its_title():
    labels = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]
    svg = distribution_svg(counts=[0, 1, 2, 5, 4], labels=labels, title="Answers")
    root = parse(svg)
    assert root.find(f"{SVG}title").text == (
        "Answers: Strongly disagree: 0; Disagree: 1; Neutral: 2; Agree: 5; Strongly agree: 4"
    )
    assert len(list(root.iter(f"{SVG}rect"))) == 4  # empty points draw nothing
    assert [t.text for t in root.iter(f"{SVG}text")] == ["1", "2", "5", "4"]


def test_scale_colours_run_from_the_palette_low_end_to_its_high_end():
    assert scale_colour(0) == palette.SCALE[0]
    assert scale_colour(1) == palette.SCALE[-1]
    assert point_colours(5) == list(palette.SCALE)
    assert len(point_colours(7)) == 7


class _ImgAttributes(HTMLParser):
    def handle_starttag(self, tag, attrs):
        self.tag, self.attrs = tag, dict(attrs)


def test_a_chart_as_image_keeps_its_class_its_title_as_alt_and_its_markup_in_a_data_url():
    name = 'Team "A" <b>&'
    svg = heatmap_svg(rows=[name], columns=["Trust"], values=[[55.0]], title=name, desc="")
    tag = as_image(svg)
    img = _ImgAttributes()
    img.feed(tag)
    assert img.tag == "img"
    assert img.attrs["class"] == "heatmap"
    assert img.attrs["alt"] == name  # escaped in the markup, the same text once parsed
    prefix = "data:image/svg+xml,"
    assert img.attrs["src"].startswith(prefix)
    assert unquote(img.attrs["src"][len(prefix) :]) == svg
    assert "<b>" not in tag
    assert '"A"' not in tag
