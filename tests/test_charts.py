"""Plotly figure dicts for the dashboards: plain data in, JSON-ready dicts out."""

from __future__ import annotations

import json

from django.utils.html import json_script

from assessments.charts import palette
from assessments.charts.browser import (
    distribution_figure,
    heat_cell_style,
    heat_colour,
    radar_figure,
    scale_colours,
    trend_figure,
)
from assessments.templatetags.dashboard_tags import chart_data


def test_the_radar_closes_its_polygon_and_draws_team_self_and_org_in_palette_colours():
    figure = radar_figure(
        labels=["Clarity", "Trust", "Growth"],
        team=[50.0, 75.0, 62.5],
        self_scores=[60.0, 70.0, 80.0],
        org=[55.0, 65.0, 60.0],
    )
    colours = [trace["line"]["color"] for trace in figure["data"]]
    assert colours == [palette.ORG, palette.SELF, palette.TEAM]
    team = figure["data"][-1]
    assert team["r"] == [50.0, 75.0, 62.5, 50.0]
    assert team["theta"][0] == team["theta"][-1] == "Clarity"
    assert figure["layout"]["polar"]["radialaxis"]["range"] == [0, 100]
    json.dumps(figure)


def test_the_radar_leaves_out_a_self_trace_when_the_leader_did_not_self_assess():
    figure = radar_figure(labels=["A", "B", "C"], team=[1, 2, 3], self_scores=[None] * 3)
    assert [trace["line"]["color"] for trace in figure["data"]] == [palette.TEAM]


def test_a_suppressed_pillar_is_a_gap_in_the_radar_not_a_zero():
    figure = radar_figure(labels=["A", "B", "C"], team=[40.0, None, 60.0])
    assert figure["data"][0]["r"] == [40.0, None, 60.0, 40.0]


def test_item_distributions_are_stacked_shares_of_the_answers_per_scale_point():
    figure = distribution_figure(
        items=["First item", "Second item"],
        counts=[[0, 1, 1, 2, 0], [0, 0, 0, 0, 0]],
        point_labels=["1", "2", "3", "4", "5"],
    )
    assert figure["layout"]["barmode"] == "stack"
    assert [trace["x"][0] for trace in figure["data"]] == [0.0, 25.0, 25.0, 50.0, 0.0]
    assert [trace["x"][1] for trace in figure["data"]] == [0.0] * 5
    assert [trace["marker"]["color"] for trace in figure["data"]] == list(palette.SCALE)


def test_scales_of_other_lengths_get_interpolated_colours_from_low_to_high():
    colours = scale_colours(7)
    assert colours[0] == palette.SCALE[0]
    assert colours[-1] == palette.SCALE[-1]
    assert len(set(colours)) == 7


def test_the_trend_draws_one_line_per_pillar_across_cycles():
    figure = trend_figure(
        cycles=["Q1", "Q2"], series=[("Trust", [50.0, None]), ("Clarity", [1, 2])]
    )
    assert [trace["name"] for trace in figure["data"]] == ["Trust", "Clarity"]
    assert figure["data"][0]["y"] == [50.0, None]


def test_heatmap_cells_take_the_scale_colour_with_readable_text():
    assert heat_colour(pct=0) == palette.SCALE[0]
    assert heat_colour(pct=100) == palette.SCALE[-1]
    assert heat_colour(pct=50) == palette.SCALE[2]
    assert heat_cell_style(pct=100).endswith("color:#ffffff")
    assert heat_cell_style(pct=50).endswith("color:#161a2b")
    assert heat_cell_style(pct=None) == ""


def test_every_heatmap_cell_has_text_contrast_of_at_least_wcag_aa():
    from assessments.charts.browser import contrast_ratio

    for pct in range(101):
        style = dict(part.split(":") for part in heat_cell_style(pct=pct).split(";"))
        assert contrast_ratio(style["background"], style["color"]) >= 4.5, pct


def test_a_figure_is_printed_as_json_script_prints_it_so_it_cannot_close_its_element():
    figure = distribution_figure(
        items=["Praise & blame </script><b>", "Clarity"],
        counts=[[1, 0, 2, 0, 1], [0, 0, 0, 1, 1]],
        point_labels=["1", "2", "3", "4", "5"],
    )
    printed = chart_data(figure, "chart-items-TR")
    assert printed == json_script(figure, "chart-items-TR")
    assert "</script><b>" not in printed
