"""The organisation PDF at a real organisation's size: every team in a heatmap table that runs
over pages, in natural name order, with organisation and department rows, and nothing that
shows or lets HR work out a hidden team's figures."""

from __future__ import annotations

import csv
import re

import pytest
from django.core.management import call_command

from assessments.charts import svg
from assessments.models import Cycle
from assessments.reports import content
from assessments.results.access import report_for_viewer
from assessments.results.report import (
    REASON_TOO_FEW,
    CycleReport,
    PillarSummary,
    Rollup,
    RollupPillar,
    TeamPillar,
    TeamResult,
)
from tests.builders import (
    report_answers_add,
    report_cycle_make,
    report_team_make,
    tree_team_make,
)
from tests.pdf_text import _run, pdf_info, pdf_text
from tests.test_datasets import LQ_SCALES, bank_csv_write, responses_csv_write

PILLARS = ("clarity", "trust", "growth", "execution", "learning")


def layout_text(data: bytes) -> str:
    """The PDF's text line by line as laid out (a table row on one line), spaces collapsed."""
    lines = _run("pdftotext", data, "-layout").splitlines()
    return "\n".join(" ".join(line.split()) for line in lines)


def test_natural_order_puts_company_2_before_company_10():
    names = ["Company 10", "company 2", "Company 1", "Alpha", "Company 2b"]
    assert sorted(names, key=content.natural_key) == [
        "Alpha",
        "Company 1",
        "company 2",
        "Company 2b",
        "Company 10",
    ]


def _summary(key: str, order: int) -> PillarSummary:
    return PillarSummary(
        key=key,
        name=key.title(),
        description="",
        order=order,
        scale_min=1,
        scale_max=5,
        n_items=2,
        n=5000,
        mean=3.5,
        sd=0.6,
        percent=62.5,
        favourable_pct=55.0,
        org_median=3.5,
        org_median_percent=62.5,
        alpha=0.8,
        item_total=(),
        icc1=0.1,
        icc2=0.6,
    )


def _pillar(key: str, mean: float | None) -> TeamPillar:
    if mean is None:
        return TeamPillar.hidden(key=key, name=key.title(), reason=REASON_TOO_FEW)
    return TeamPillar(
        key=key,
        name=key.title(),
        n=5,
        mean=mean,
        sd=0.5,
        ci_low=mean - 0.6,
        ci_high=mean + 0.6,
        percent=100 * (mean - 1) / 4,
        rwg=0.8,
        favourable_pct=60.0,
        self_score=None,
        self_percent=None,
        gap=None,
        gap_kind="",
        percentile=50.0,
        previous_mean=None,
        change=None,
        suppressed=False,
        suppressed_reason="",
    )


def thousand_teams_report(teams: int = 1000) -> CycleReport:
    """A released cycle of ``teams`` teams in 20 departments, every 50th team hidden: the
    dataclasses the aggregation hands on, built directly so the test renders without seeding a
    million answers (the benchmark renders one from the database)."""
    results = []
    for i in range(1, teams + 1):
        hidden = i % 50 == 0
        results.append(
            TeamResult(
                team_id=i,
                slug=f"company-{i}",
                name=f"Company {i}",
                department_id=None,
                department="",
                invited=6,
                n=2 if hidden else 5,
                self_n=0,
                response_rate=(2 if hidden else 5) / 6,
                suppressed=hidden,
                suppressed_reason=REASON_TOO_FEW if hidden else "",
                comments_shown=False,
                pillars=tuple(
                    _pillar(key, None if hidden else 1 + ((i * 7 + j * 13) % 40) / 10)
                    for j, key in enumerate(PILLARS)
                ),
                detail=False,
            )
        )
    organisation = Rollup(
        kind="organisation",
        team_id=None,
        slug="",
        name="Big",
        team_ids=tuple(range(1, teams + 1)),
        invited=6 * teams,
        n=sum(t.n for t in results),
        response_rate=None,
        suppressed=False,
        suppressed_reason="",
        pillars=tuple(
            RollupPillar(
                key=k,
                n=100,
                mean=3.5,
                sd=0.5,
                percent=62.5,
                favourable_pct=50.0,
                suppressed=False,
                suppressed_reason="",
            )
            for k in PILLARS
        ),
    )
    return CycleReport(
        schema_version=3,
        cycle_id=1,
        cycle_slug="big",
        cycle_name="Big",
        cycle_state="released",
        bank_name="Pillars",
        min_group_size=3,
        comment_min_group_size=5,
        gap_threshold=0.5,
        scores_visible=True,
        hidden_reason="",
        previous_cycle_name=None,
        computed_at="",
        pillars=tuple(_summary(k, j) for j, k in enumerate(PILLARS, start=1)),
        organisation=organisation,
        departments=(),
        teams=tuple(results),
    )


@pytest.mark.slow
@pytest.mark.clockless
def test_the_organisation_pdf_of_a_thousand_teams_names_every_team_in_natural_order():
    report = thousand_teams_report()
    data = content.org_report_render(report=report)
    text = layout_text(data)
    found = [int(n) for n in re.findall(r"Company (\d+)", text)]
    assert set(found) >= set(range(1, 1001))
    # The heatmap lists them 1, 2, … 1000 (hidden teams are listed again at the end).
    first = found[: found.index(1000) + 1]
    assert first == list(range(1, 1001))
    pages = int(pdf_info(data)["Pages"])
    assert pages > 20
    # The header row repeats on every page of the table.
    assert text.count("TEAM RESPONSES") >= 20
    assert "Organisation (median team)" in text


@pytest.fixture
def lq2002(db, datasets, tmp_path):
    with (datasets / "lq2002.csv").open(encoding="utf-8-sig", newline="") as handle:
        source = list(csv.DictReader(handle))
    questions = [
        (key, code, False, low, high)
        for key, (codes, low, high, *_rest) in LQ_SCALES.items()
        for code in codes
    ]
    call_command("import_bank", str(bank_csv_write(tmp_path / "bank.csv", questions)), name="LQ")
    items = [code for codes, *_rest in LQ_SCALES.values() for code in codes]
    responses = responses_csv_write(
        tmp_path / "responses.csv",
        ["COMPID", *items],
        [[row["COMPID"], *(row[code] for code in items)] for row in source],
    )
    call_command(
        "import_responses", str(responses), bank="LQ", cycle="lq2002", team_column="COMPID"
    )
    return Cycle.objects.get(name="lq2002")


@pytest.mark.slow
def test_the_lq2002_organisation_pdf_shows_all_49_teams_on_pages_that_follow(lq2002):
    report = report_for_viewer(cycle=lq2002, user=None, detail=True)
    built = content.org_report_build(report=report)
    names = [row.name for row in built.heat_rows if row.kind == "team"]
    assert len(names) == 49
    assert names == sorted(names, key=int)  # "2" before "10"
    data = content.org_report_render(report=report)
    heat = layout_text(data)
    heat = heat[heat.index("Team scores by pillar") :]
    rows = [line.split(" ")[0] for line in heat.splitlines() if re.match(r"^\d+ \d+ \d+", line)]
    assert rows[: len(names)] == names
    assert heat.count("TEAM RESPONSES") >= 2  # the header again on the next page
    assert built.best_questions
    assert built.worst_questions
    assert [s.teams for s in built.spreads] == [49, 49, 49]


@pytest.fixture
def department_cycle(bank):
    """A department of three teams (6, 5 and 2 responses) and a team outside it (4)."""
    cycle = report_cycle_make(bank)
    department = tree_team_make("Operations", department=True)
    report_answers_add(
        cycle, report_team_make(cycle, "Finance", department=department), values=[5, 5, 4, 4, 3, 3]
    )
    report_answers_add(
        cycle, report_team_make(cycle, "Logistics", department=department), values=[2, 2, 3, 3, 2]
    )
    report_answers_add(
        cycle, report_team_make(cycle, "Legal", department=department), values=[1, 1]
    )
    report_answers_add(cycle, report_team_make(cycle, "Platform"), values=[4, 4, 4, 5])
    return cycle


def test_no_row_of_the_organisation_pdf_lets_hr_subtract_a_hidden_team(department_cycle):
    """The attack: HR subtracts every shown team from a shown department (or the organisation)
    and reads what is left. What is left must be no one or at least k people."""
    report = report_for_viewer(cycle=department_cycle, user=None, detail=True)
    k = report.min_group_size
    built = content.org_report_build(report=report)
    teams = {t.name: t for t in report.teams}
    assert teams["Legal"].suppressed
    rows = {row.name: row for row in built.heat_rows}
    for team in report.teams:
        if team.suppressed:
            assert all(cell.hidden for cell in rows[team.name].cells)
            assert all(cell.text == "hidden" for cell in rows[team.name].cells)
    totals = [(d, [t for t in report.teams if t.team_id in d.team_ids]) for d in report.departments]
    totals.append((report.organisation, list(report.teams)))
    for total, members in totals:
        shown_cells = list(rows.get(total.name, rows[built.heat_rows[0].name]).cells)
        if all(c.hidden for c in shown_cells):
            continue
        left = sum(t.n for t in members if t.suppressed)
        assert left == 0 or left >= k, total.name
    # Figures over several teams use the shown teams only.
    shown = sum(1 for t in report.teams if not t.suppressed)
    assert all(spread.teams == shown for spread in built.spreads)
    assert all(q.teams <= shown for q in built.best_questions + built.worst_questions)
    text = pdf_text(content.org_report_render(report=report))
    assert "Legal (2 responses)" in text


def test_the_spread_chart_wraps_a_long_pillar_name_instead_of_cutting_it():
    long_name = "Psychological safety to speak up, disagree and admit mistakes"
    chart = svg.spread_svg(
        rows=[
            svg.SpreadRow(long_name, 10, 20, 30, 40, 50),
            svg.SpreadRow("Trust", 15, 25, 35, 45, 55),
        ],
        title="t",
        desc="d",
    )
    labels = re.findall(r'<text [^>]*font-weight="600"[^>]*>(.*?)</text>', chart)
    lines = [re.findall(r"<tspan[^>]*>([^<]*)</tspan>", label) for label in labels]
    assert [" ".join(parts) for parts in lines] == [long_name, "Trust"]
    assert len(lines[0]) > 1
    assert all(len(line) <= svg.SPREAD_LABEL_CHARS for line in lines[0])
    assert "…" not in chart
    # The long name's row is taller, so its lines stay clear of the next row's label.
    first_line_ys = [float(y) for y in re.findall(r'<text x="142" y="([\d.]+)"', chart)]
    assert first_line_ys[1] - first_line_ys[0] > svg.SPREAD_LEADING * len(lines[0])
