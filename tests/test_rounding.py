"""One rounding rule for every figure a person reads: half up from the shortest decimal form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from assessments.reports.content import fmt_pct, fmt_rate, fmt_ratio, fmt_score, fmt_signed
from assessments.results.rounding import figure_round, figure_text


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (2.675, 2, "2.68"),  # the binary double is 2.67499…: a person still reads 2.68
        (0.125, 2, "0.13"),  # an exact tie goes up, not to even
        (72.5, 0, "73"),
        (3.8, 2, "3.80"),
        (-0.125, 2, "-0.13"),
        (4, 2, "4.00"),
    ],
)
def test_figures_round_half_up_from_their_shortest_decimal_form(value, places, expected):
    assert figure_text(value, places) == expected
    assert figure_round(value, places) == Decimal(expected)


def test_figure_text_of_nothing_is_the_empty_text_asked_for():
    assert figure_text(None, 2) == ""
    assert figure_text(None, 2, empty="—") == "—"


@pytest.mark.parametrize("value", [2.675, 0.125, 3.14159, 1.005, 4.445, 72.5, 0.5])
def test_the_pdf_formats_round_as_django_floatformat_does(value):
    floatformat = Template("{{ v|floatformat:2 }} {{ v|floatformat:0 }}").render(
        Context({"v": value})
    )
    assert f"{fmt_score(value)} {fmt_pct(value)}" == floatformat


def test_signed_ratio_and_rate_formats_share_the_rule():
    assert fmt_signed(0.425) == "+0.43"
    assert fmt_signed(-0.305) == "−0.31"
    assert fmt_ratio(-0.125) == "−0.13"
    assert fmt_rate(0.875) == "88%"
    assert fmt_score(None) == "—"
