"""One rounding rule for every figure a person reads: pages, PDFs, charts' labels and exports.

Half up from the number's shortest decimal form — what Django's ``|floatformat`` does — so
2.675 shows as 2.68, as a person rounds it (formatting the binary double would give 2.67), and
a figure reads the same on a dashboard, in a PDF and in a spreadsheet. How many places each kind
of figure gets is set here too: scores on the pillar's scale (means, standard deviations,
confidence bounds, self-ratings, gaps) and coefficients (alpha, ICC, r_wg) two; percentages
(favourable %, 0–100 scores, response rates) none.

The JSON API and ``export_scores --format json`` keep full precision: they feed other programs,
which round for themselves.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import get_format

SCORE_PLACES = 2
RATIO_PLACES = 2
PERCENT_PLACES = 0
# The organisation heatmap's cells print a score with one place, to fit 5,000 cells on a page;
# its sort by a pillar orders by the figure as printed (see assessments.results.stored).
HEATMAP_SCORE_PLACES = 1


def figure_round(value: float | None, places: int) -> Decimal | None:
    """``value`` rounded half up to ``places`` decimals, from its shortest decimal form."""
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def figure_text(value: float | None, places: int, *, empty: str = "") -> str:
    """``value`` as the pages print it ("3.80", "72"; "3,80" in German: the active language's
    decimal separator, as ``|floatformat`` uses); ``empty`` for None."""
    rounded = figure_round(value, places)
    if rounded is None:
        return empty
    text = str(rounded)
    separator = get_format("DECIMAL_SEPARATOR")
    return text if separator == "." else text.replace(".", separator)
