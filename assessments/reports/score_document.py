"""The scores document: one shape for ``export_scores``, the JSON API and CSV/XLSX exports.

    {"cycle": str, "min_group_size": int,
     "pillars": {KEY: {"alpha", "icc1", "icc2", "mean", "n"}},
     "teams": [{"team": str, "n": int, "suppressed": bool,
                "pillars": {KEY: {"n", "mean", "sd", "ci_low", "ci_high", "rwg",
                                  "favourable_pct", "self"}}}]}

Built from an anonymity-filtered :class:`~assessments.results.report.CycleReport`, so a suppressed
team or pillar has ``null`` figures; numbers are JSON numbers, ``null`` where not computable. The
flat form (:func:`score_rows`) has one row per team and pillar with the same fields.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assessments.results.report import CycleReport

PILLAR_FIELDS = ("alpha", "icc1", "icc2", "mean", "n")
TEAM_PILLAR_FIELDS = ("n", "mean", "sd", "ci_low", "ci_high", "rwg", "favourable_pct", "self")
ROW_FIELDS = ("cycle", "team", "team_n", "suppressed", "pillar", *TEAM_PILLAR_FIELDS)


def score_document(*, report: CycleReport) -> dict[str, Any]:
    """The scores document of ``report`` (see the module docstring)."""
    pillars = {
        p.key: {"alpha": p.alpha, "icc1": p.icc1, "icc2": p.icc2, "mean": p.mean, "n": p.n}
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
                    **{field: figures[field] for field in TEAM_PILLAR_FIELDS},
                }
            )
    return rows


def score_csv(*, document: dict[str, Any]) -> str:
    """CSV text of :func:`score_rows`: empty cells for null, ``true``/``false`` for booleans."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ROW_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in score_rows(document=document):
        writer.writerow(
            {
                key: ("true" if value else "false")
                if isinstance(value, bool)
                else ("" if value is None else value)
                for key, value in row.items()
            }
        )
    return buffer.getvalue()
