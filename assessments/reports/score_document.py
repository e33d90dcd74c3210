"""The scores document: one shape for ``export_scores``, the JSON API and CSV/XLSX exports.

    {"cycle": str, "min_group_size": int,
     "pillars": {KEY: {"name", "alpha", "icc1", "icc2", "mean", "n"}},
     "teams": [{"team": str, "n": int, "suppressed": bool,
                "pillars": {KEY: {"n", "mean", "sd", "ci_low", "ci_high", "rwg",
                                  "favourable_pct", "self"}}}]}

Built from an anonymity-filtered :class:`~assessments.results.report.CycleReport`, so a suppressed
team or pillar has ``null`` figures; numbers are JSON numbers at full precision (for programs),
``null`` where not computable. The flat form (:func:`score_rows`) has one row per team and pillar
with the same fields and the pillar's name beside its key; :func:`score_rows_readable` rounds it
as the pages do, for people (CSV and XLSX).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assessments.results.rounding import (
    PERCENT_PLACES,
    RATIO_PLACES,
    SCORE_PLACES,
    figure_round,
)
from leadership.csvwrite import csv_text

if TYPE_CHECKING:
    from assessments.results.report import CycleReport

TEAM_PILLAR_FIELDS = ("n", "mean", "sd", "ci_low", "ci_high", "rwg", "favourable_pct", "self")
ROW_FIELDS = (
    "cycle",
    "team",
    "team_n",
    "suppressed",
    "pillar",
    "pillar_name",
    *TEAM_PILLAR_FIELDS,
)
# How many decimals a person reads for each figure (the pages' rule; counts are whole already).
READABLE_PLACES = {
    "mean": SCORE_PLACES,
    "sd": SCORE_PLACES,
    "ci_low": SCORE_PLACES,
    "ci_high": SCORE_PLACES,
    "self": SCORE_PLACES,
    "rwg": RATIO_PLACES,
    "favourable_pct": PERCENT_PLACES,
}


def score_document(*, report: CycleReport) -> dict[str, Any]:
    """The scores document of ``report`` (see the module docstring)."""
    pillars = {
        p.key: {
            "name": p.name,
            "alpha": p.alpha,
            "icc1": p.icc1,
            "icc2": p.icc2,
            "mean": p.mean,
            "n": p.n,
        }
        for p in report.pillars
    }
    teams = []
    for team in report.teams:
        team_pillars = {}
        for p in team.pillars:
            team_pillars[p.key] = {
                "n": p.n,
                "mean": p.mean,
                "sd": p.sd,
                "ci_low": p.ci_low,
                "ci_high": p.ci_high,
                "rwg": p.rwg,
                "favourable_pct": p.favourable_pct,
                "self": p.self_score,
            }
        teams.append(
            {"team": team.name, "n": team.n, "suppressed": team.suppressed, "pillars": team_pillars}
        )
    return {
        "cycle": report.cycle_name,
        "min_group_size": report.min_group_size,
        "pillars": pillars,
        "teams": teams,
    }


def score_rows(*, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document flattened: one dict per team and pillar, keys :data:`ROW_FIELDS`."""
    names = {key: pillar.get("name", key) for key, pillar in document["pillars"].items()}
    rows = []
    for team in document["teams"]:
        for key, figures in team["pillars"].items():
            rows.append(
                {
                    "cycle": document["cycle"],
                    "team": team["team"],
                    "team_n": team["n"],
                    "suppressed": team["suppressed"],
                    "pillar": key,
                    "pillar_name": names.get(key, key),
                    **{field: figures[field] for field in TEAM_PILLAR_FIELDS},
                }
            )
    return rows


def score_rows_readable(*, document: dict[str, Any]) -> list[dict[str, Any]]:
    """:func:`score_rows` with every figure rounded as the pages print it: a ``Decimal`` that
    a CSV writes as 3.80 and a spreadsheet keeps as a number."""
    return [
        {
            field: figure_round(value, READABLE_PLACES[field])
            if field in READABLE_PLACES
            else value
            for field, value in row.items()
        }
        for row in score_rows(document=document)
    ]


def score_csv(*, document: dict[str, Any]) -> str:
    """CSV text of :func:`score_rows_readable`: empty cells for null, ``true``/``false`` for
    booleans."""
    rows = [
        [
            ("true" if row[key] else "false") if isinstance(row[key], bool) else row[key]
            for key in ROW_FIELDS
        ]
        for row in score_rows_readable(document=document)
    ]
    return csv_text([ROW_FIELDS, *rows], lineterminator="\n")
