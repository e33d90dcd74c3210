"""Team and organisation PDFs, read back with poppler: content, anonymity, safety, tagging."""

from __future__ import annotations

import http.server
import re
import threading

import pytest

from assessments.charts import svg
from assessments.reports import content
from assessments.results.access import report_for_viewer
from tests.builders import report_answers_add, report_cycle_make, report_team_make
from tests.pdf_text import pdf_fonts, pdf_info, pdf_objects, pdf_text

COMMENTS = [
    "Weekly planning keeps us focused.",
    "More context on priorities would help.",
    "Good at saying no to side requests.",
    "Roadmap kick-off was useful.",
    "Sometimes the why is missing.",
]


@pytest.fixture
def cycle(bank):
    cycle = report_cycle_make(bank)
    strong = report_team_make(cycle, "Platform")
    report_answers_add(
        cycle,
        strong,
        values=[5, 4, 5, 4, 4, 3],
        comments=COMMENTS,
        self_value=4,
        shifts=(0, -1, 1, -2, 0),
    )
    # Hidden as well, so Sales South's figures cannot be worked out from the organisation's.
    report_answers_add(cycle, report_team_make(cycle, "Data"), values=[3, 4, 3, 4])
    small = report_team_make(cycle, "Sales South")
    report_answers_add(cycle, small, values=[5, 5], comments=["Only two of us answered."])
    return cycle


def team_of(report, name):
    return next(t for t in report.teams if t.name == name)


def test_team_report_prints_the_team_pillars_and_the_scoring_figures(cycle):
    report = report_for_viewer(cycle=cycle, user=None)
    team = team_of(report, "Platform")
    text = pdf_text(content.team_report_render(report=report, team=team))
    assert "Platform" in text
    assert "2026 Q2" in text
    for pillar in team.pillars:
        assert pillar.name in text
        assert content.fmt_score(pillar.mean) in text
        assert f"{content.fmt_pct(pillar.favourable_pct)}%" in text
        assert f"{content.fmt_score(pillar.ci_low)}–{content.fmt_score(pillar.ci_high)}" in text
        assert content.fmt_score(pillar.self_score) in text
    for comment in COMMENTS:
        assert comment in text
    for message in content.key_messages(team=team, report=report):
        assert message.title in text
    assert "Goal — where do you want this to be?" in text
    assert "Method and privacy" in text


def test_key_messages_name_the_strongest_and_weakest_pillar_from_the_data(cycle):
    report = report_for_viewer(cycle=cycle, user=None)
    team = team_of(report, "Platform")
    messages = content.key_messages(team=team, report=report)
    ranked = sorted(team.pillars, key=lambda p: p.percent)
    assert messages[0].kind == "strength"
    assert messages[0].title == f"Strongest pillar: {ranked[-1].name}"
    assert messages[1].kind == "growth"
    assert messages[1].title == f"Most room to grow: {ranked[0].name}"
    # The leader rated 4 everywhere: well above the weakest pillar, so a blind spot.
    blind = max(team.pillars, key=lambda p: p.gap)
    assert messages[2].title == f"Blind spot: {blind.name}"


def test_a_team_whose_best_pillar_is_mostly_unfavourable_is_not_told_it_is_a_strength(bank):
    cycle = report_cycle_make(bank)
    low = report_team_make(cycle, "Platform")
    report_answers_add(cycle, low, values=[3, 2, 3, 2, 3], shifts=(0, -1, 0, -1, 0))
    report = report_for_viewer(cycle=cycle, user=None)
    team = team_of(report, "Platform")
    best = max(team.pillars, key=lambda p: p.percent)
    assert best.favourable_pct < 50
    first = content.key_messages(team=team, report=report)[0]
    assert first.kind == "strength"
    assert first.title == f"Highest-rated pillar: {best.name}"
    assert "Fewer than half the answers are favourable even here" in first.text


@pytest.mark.parametrize(
    ("values", "highlights", "wording"),
    [
        ([1, 1, 2, 1, 1], "strengths", "Your team disagrees that:"),
        ([5, 5, 4, 5, 5], "opportunities", "Your team partly agrees that:"),
    ],
)
def test_a_negatively_worded_highlight_says_how_the_team_answered_it(
    bank, values, highlights, wording
):
    cycle = report_cycle_make(bank)
    negative = bank.questions.current().ratings().filter(reverse_scored=True).first()
    cycle.questions.add(negative)
    report_answers_add(cycle, report_team_make(cycle, "Platform"), values=values)
    report = report_for_viewer(cycle=cycle, user=None)
    team = team_of(report, "Platform")
    assert negative.code in team.reverse_scored_codes
    # Answered the other way round from every other item, it heads the list.
    assert getattr(team, highlights)[0].code == negative.code
    text = pdf_text(content.team_report_render(report=report, team=team))
    assert f"{wording} {negative.text}" in text
    assert text.count(wording) == 1


def test_a_suppressed_team_report_shows_its_count_and_no_scores_or_comments(cycle):
    report = report_for_viewer(cycle=cycle, user=None)
    team = team_of(report, "Sales South")
    assert team.suppressed
    text = pdf_text(content.team_report_render(report=report, team=team))
    assert "Sales South" in text
    assert "2 people responded." in text
    assert "Not enough responses to report" in text
    assert "Only two of us answered." not in text
    assert "5.00" not in text  # both answered 5 everywhere: no mean may appear
    assert "Team score" not in text
    for pillar in team.pillars:
        assert pillar.name not in text


class Probe(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        Probe.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def probe():
    Probe.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_report_with_hostile_comments_reaches_no_server_and_prints_them_literally(cycle, probe):
    hostile = [
        f'<img src="http://127.0.0.1:{probe}/x.png">',
        f'<link rel=stylesheet href="http://127.0.0.1:{probe}/s.css">',
        f"<style>@import url(http://127.0.0.1:{probe}/i.css);</style>",
        f'<svg><image href="http://127.0.0.1:{probe}/svg.png"/></svg>',
        "Plain words too.",
    ]
    team = report_team_make(cycle, "Ops <b>bold</b> & co")
    report_answers_add(cycle, team, values=[4, 4, 3, 5, 4], comments=hostile)
    report = report_for_viewer(cycle=cycle, user=None)
    data = content.team_report_render(report=report, team=team_of(report, team.name))
    text = pdf_text(data)
    assert Probe.hits == []
    for comment in hostile:
        assert comment in text
    assert "Ops <b>bold</b> & co" in text


def test_a_report_links_to_the_static_files_only_through_the_fetcher():
    from assessments.reports.pdf import StaticOnlyFetcher

    fetcher = StaticOnlyFetcher()
    assert fetcher.fetch("https://pillars.invalid/static/img/favicon.svg").read().startswith(b"<")
    for url in [
        "https://pillars.invalid/static/../leadership/settings.py",
        "https://pillars.invalid/static/%2e%2e/leadership/settings.py",
        "https://pillars.invalid/static/img/..%2f..%2fmanage.py",
        "https://pillars.invalid/manage.py",
        "file:///etc/passwd",
        "http://127.0.0.1:9/static/css/pdf.css",
        "https://pillars.invalid.example.com/static/css/pdf.css",
    ]:
        with pytest.raises(ValueError, match="Refused"):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


def test_a_malformed_data_url_is_refused_recorded_and_logged(caplog):
    from assessments.reports.pdf import FetchRefused, StaticOnlyFetcher

    fetcher = StaticOnlyFetcher()
    for url in ["data:;base64,@@", "data:no-comma"]:
        with pytest.raises(FetchRefused, match="Refused"):
            fetcher.fetch(url)
    assert fetcher.refused == ["data:;base64,@@", "data:no-comma"]
    refusals = [r.getMessage() for r in caplog.records if r.name == "assessments.reports.pdf"]
    assert refusals == ["PDF fetch refused: data:;base64,@@", "PDF fetch refused: data:no-comma"]


def test_team_report_is_a_tagged_pdf_with_language_title_and_the_embedded_inter_font(cycle):
    report = report_for_viewer(cycle=cycle, user=None)
    data = content.team_report_render(report=report, team=team_of(report, "Sales South"))
    info = pdf_info(data)
    assert info["Tagged"] == "yes"
    assert info["Title"] == "Sales South — leadership report, 2026 Q2"
    assert info["Page size"].endswith("(A4)")
    objects = pdf_objects(data)
    assert b"/StructTreeRoot" in objects
    assert b"/MarkInfo" in objects
    assert b"/Lang (en)" in objects
    fonts = pdf_fonts(data)
    assert "+Inter" in fonts  # subset and embedded
    assert " no " not in fonts.split("\n", 2)[2]  # every font embedded


def test_every_chart_in_a_team_report_carries_its_figures_as_alternative_text(cycle):
    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    team = team_of(report, "Platform")
    objects = pdf_objects(content.team_report_render(report=report, team=team))
    shown = [item for p in team.pillars for item in p.items if not item.suppressed]
    assert shown
    # One figure per question's answer bar, its counts spelled out for a screen reader under the
    # answer people gave: a reverse-worded question's bar starts at "Strongly agree".
    reverse = [item for item in shown if item.reverse_scored]
    prefix = b"/Alt (Answers, least favourable first: "
    assert objects.count(prefix + b"Strongly disagree: ") == len(shown) - len(reverse)
    assert objects.count(prefix + b"Strongly agree: ") == len(reverse)
    assert objects.count(b"/Alt ") == len(shown) + 1  # and the radar


def test_legends_are_html_lists_on_every_page_that_has_a_chart(cycle):
    from django.template.loader import render_to_string

    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    team = team_of(report, "Platform")
    built = content.team_report_build(report=report, team=team)
    html = render_to_string(content.TEAM_TEMPLATE, {"r": built, "page_size": "a4"})
    # Text in the document (tagged, selectable), not letters drawn inside an SVG picture.
    with_reverse = sum(1 for page in built.pages if page.reverse_legend)
    assert html.count('<ul class="legend">') == 1 + len(team.pillars) + with_reverse
    assert "Median team</li>" in html
    assert html.count("Neither agree nor disagree</li>") == len(team.pillars) + with_reverse
    assert "legend" not in " ".join(re.findall(r"<img [^>]*>", html))
    text = pdf_text(content.team_report_render(report=report, team=team))
    assert text.count("Neither agree nor disagree") >= len(team.pillars)


def test_letter_size_is_available_on_request(cycle):
    report = report_for_viewer(cycle=cycle, user=None)
    data = content.team_report_render(
        report=report, team=team_of(report, "Sales South"), page_size="letter"
    )
    assert pdf_info(data)["Page size"].endswith("(letter)")


def test_organisation_report_lists_teams_scores_and_the_hidden_team(cycle):
    report = report_for_viewer(cycle=cycle, user=None, detail=False)
    text = pdf_text(content.org_report_render(report=report))
    assert "Scores across teams" in text
    assert "Sales South (2 responses)" in text
    platform = team_of(report, "Platform")
    for pillar in platform.pillars:
        assert content.fmt_pct(pillar.percent) in text
    for summary in report.pillars:
        assert summary.name in text
    assert "Cronbach" in text


def test_a_radar_legend_names_each_drawn_series_topmost_first_with_its_line_style():
    series = [
        svg.RadarSeries("Median", [50.0, None], "#111", dash="2 3"),
        svg.RadarSeries("Self", [None, None], "#222", dash="6 3"),
        svg.RadarSeries("Team", [60.0, 70.0], "#333", fill=True),
    ]
    assert content._legend(series) == [
        content.LegendKey("Team", "#333", "solid", "circle"),
        content.LegendKey("Median", "#111", "dotted", "circle"),
    ]
    series[1] = svg.RadarSeries("Self", [None, 40.0], "#222", dash="6 3", marker="square")
    assert content._legend(series)[1] == content.LegendKey("Self", "#222", "dashed", "square")


def test_a_team_hidden_only_to_protect_a_smaller_one_is_told_so_not_to_raise_its_rate(cycle):
    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    data_team = team_of(report, "Data")
    assert data_team.suppressed_reason == "secondary"
    text = pdf_text(content.team_report_render(report=report, team=data_team))
    assert "Hidden to protect a smaller team" in text
    assert "not because of its own response rate" in text
    assert "Not enough responses" not in text
    assert "invite the whole team early" not in text
    small = pdf_text(content.team_report_render(report=report, team=team_of(report, "Sales South")))
    assert "Not enough responses to report" in small


def test_a_change_is_worked_out_and_worded_from_the_printed_figures(cycle):
    import dataclasses

    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    pillar = team_of(report, "Platform").pillars[0]
    moved = dataclasses.replace(
        pillar, mean=4.516, previous_mean=4.144, change=0.372, change_margin=0.2
    )
    assert content.printed_change(moved) == pytest.approx(0.38)
    assert content.change_text(moved, since="2026 Q1") == (
        "Up 0.38 since 2026 Q1, more than chance alone would explain"
    )
    unsure = dataclasses.replace(moved, change_margin=0.5)
    assert content.change_text(unsure, since="2026 Q1").endswith(
        "within what chance alone could explain"
    )
    assert content.fmt_signed(-0.001) == "0.00"
    assert content.fmt_signed(-0.004) == "0.00"
    assert content.fmt_signed(0.15) == "+0.15"


def test_a_gap_matches_the_two_rounded_figures_printed_beside_it(cycle):
    import dataclasses

    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    pillar = team_of(report, "Platform").pillars[0]
    # 4.145 and 3.864 print as 4.15 and 3.86: the gap reads 0.29, not the raw 0.281.
    shifted = dataclasses.replace(pillar, self_score=4.145, mean=3.864)
    assert content.rounded_difference(shifted.self_score, shifted.mean) == pytest.approx(0.29)


def test_the_team_report_reads_how_to_first_and_ends_with_a_worksheet(cycle):
    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    text = pdf_text(content.team_report_render(report=report, team=team_of(report, "Platform")))
    assert text.index("How to read this report") < text.index("Summary")
    assert text.index("Strongest questions") < text.index("Questions with the most room to grow")
    assert "Action worksheet" in text
    for column in ("Focus pillar", "Action", "Owner", "By (date)"):
        assert column.upper() in text
    assert "Higher than about" in text
    assert "Median team" in text
    assert "Organisation median" not in text
    assert "−0.00" not in text
    assert "PILL AR" not in text
    assert "Welch" in text  # the rule for a real difference, on the method page


def test_the_development_page_holds_both_growth_plans_with_their_cards_two_by_two(cycle):
    from tests.pdf_text import _run

    report = report_for_viewer(cycle=cycle, user=None, detail=True)
    team = team_of(report, "Platform")
    built = content.team_report_build(report=report, team=team)
    assert len(built.plans) == 2
    data = content.team_report_render(report=report, team=team)
    pages = [" ".join(page.split()) for page in _run("pdftotext", data).split("\f")]
    development = next(page for page in pages if "Development: where to start" in page)
    for entry in built.plans:
        assert entry["plan"].pillar_name in development
    # Goal and Reality side by side: one line of the layout holds both titles.
    layout = _run("pdftotext", data, "-layout")
    assert re.search(r"Goal — .*Reality — ", layout)
