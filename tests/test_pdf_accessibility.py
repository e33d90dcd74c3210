"""PDF/UA you can check: the structure tree of the team and organisation PDFs, read with pikepdf.

Fails on a table header cell without /Scope, a figure without alternative text, content drawn
outside any tag (neither marked content nor an artifact), or a document without its language,
title or the "marked" flag.
"""

from __future__ import annotations

import io
from collections import Counter

import pikepdf
import pytest

from assessments.reports import content
from assessments.results.access import report_for_viewer
from tests.builders import report_answers_add, report_cycle_make, report_team_make
from tests.pdf_text import pdf_text

PAINTING = {"Tj", "TJ", "'", '"', "Do", "sh"}


def structure(data: bytes) -> dict:
    """Tags, header scopes, figures and untagged painting operators of a PDF."""
    pdf = pikepdf.open(io.BytesIO(data))
    tags: Counter = Counter()
    scopes: Counter = Counter()
    figures: list[str | None] = []

    def walk(node) -> None:
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid)
            return
        if not isinstance(node, pikepdf.Dictionary):
            return
        tag = node.get("/S")
        if tag is not None:
            tags[str(tag)] += 1
            if str(tag) == "/TH":
                attributes = node.get("/A")
                scope = attributes.get("/Scope") if attributes is not None else None
                scopes[str(scope) if scope is not None else None] += 1
            if str(tag) == "/Figure":
                alt = node.get("/Alt")
                figures.append(str(alt) if alt is not None else None)
        kids = node.get("/K")
        if kids is not None:
            walk(kids)

    walk(pdf.Root.StructTreeRoot.K)
    untagged = 0
    for page in pdf.pages:
        depth = 0
        for _operands, operator in pikepdf.parse_content_stream(page):
            name = str(operator)
            if name in ("BDC", "BMC"):
                depth += 1
            elif name == "EMC":
                depth -= 1
            elif name in PAINTING and depth == 0:
                untagged += 1
    return {
        "tags": tags,
        "scopes": scopes,
        "figures": figures,
        "untagged": untagged,
        "lang": str(pdf.Root.get("/Lang", "")),
        "marked": bool(pdf.Root.MarkInfo.get("/Marked", False)),
        "title": str(pdf.docinfo.get("/Title", "")),
        "display_title": bool(pdf.Root.ViewerPreferences.get("/DisplayDocTitle", False)),
    }


@pytest.fixture
def report(bank):
    cycle = report_cycle_make(bank)
    report_answers_add(
        cycle,
        report_team_make(cycle, "Platform"),
        values=[5, 4, 5, 4, 4, 3],
        self_value=4,
        comments=["One.", "Two.", "Three.", "Four.", "Five."],
    )
    report_answers_add(cycle, report_team_make(cycle, "Data"), values=[3, 4, 3, 4, 2])
    report_answers_add(cycle, report_team_make(cycle, "Sales South"), values=[5, 5])
    return report_for_viewer(cycle=cycle, user=None, detail=True)


def assert_accessible(found: dict, *, title: str) -> None:
    assert found["lang"] == "en"
    assert found["marked"]
    assert found["display_title"]
    assert found["title"] == title
    assert found["untagged"] == 0
    assert found["scopes"][None] == 0, "a table header cell without /Scope"
    assert found["figures"]
    assert all(alt for alt in found["figures"]), "a figure without alternative text"


def test_the_team_pdf_tags_every_header_cell_with_its_scope_and_every_figure_with_alt_text(report):
    team = next(t for t in report.teams if t.name == "Platform")
    data = content.team_report_render(report=report, team=team)
    found = structure(data)
    assert_accessible(found, title=f"Platform — leadership report, {report.cycle_name}")
    shown_items = sum(1 for p in team.pillars for item in p.items if not item.suppressed)
    # Every question of the item tables is a row header; every pillar of the summary too.
    assert found["scopes"]["/Row"] >= shown_items + len(team.pillars)
    assert found["scopes"]["/Column"] > 0
    # The radar says what each number is: team, self-assessment and median team per pillar.
    radar = next(alt for alt in found["figures"] if alt.startswith("Radar chart"))
    for pillar in team.pillars:
        assert f"{pillar.name}: team " in radar
    assert "self-assessment" in radar
    assert "median team" in radar
    assert "PILL AR" not in pdf_text(data)


def test_the_organisation_pdf_passes_the_same_checks(report):
    data = content.org_report_render(report=report)
    found = structure(data)
    assert_accessible(found, title=f"Organisation leadership report, {report.cycle_name}")
    # Every team of the heatmap is a row header.
    assert found["scopes"]["/Row"] >= len(report.teams)
    spread = next(alt for alt in found["figures"] if alt.startswith("Spread of team scores"))
    assert "lowest" in spread
    assert "median" in spread
