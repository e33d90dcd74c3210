"""Team and organisation reports: the PDF's contents, built from the anonymity-safe results.

Everything shown comes from a :class:`~assessments.results.report.CycleReport` (already filtered by
the anonymity rules), so a suppressed team or pillar simply has nothing to show. This module turns
the dataclasses into what the templates print — figures formatted once, key messages computed
from the data, SVG charts with their text equivalents — and renders them with
:mod:`assessments.reports.pdf`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.charts import palette, svg
from assessments.reports import pdf
from assessments.results import wording
from assessments.results.coaching import PillarScore, coaching_plans
from assessments.results.report import (
    GAP_BLIND_SPOT,
    GAP_HIDDEN_STRENGTH,
    suppressed_reason_text,
)
from assessments.results.rounding import (
    PERCENT_PLACES,
    RATIO_PLACES,
    SCORE_PLACES,
    figure_round,
    figure_text,
)
from leadership.models import DEFAULT_SCALE_LABELS

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from assessments.results.report import (
        CycleReport,
        ItemResult,
        PillarSummary,
        TeamPillar,
        TeamResult,
    )

TEAM_TEMPLATE = "assessments/pdf/team_report.html"
ORG_TEMPLATE = "assessments/pdf/org_report.html"


# --- Formatting: one place, so the PDF and the tests print figures the same way ---------------


def fmt_score(value: float | None) -> str:
    """A score in scale units: two decimals (3.84)."""
    return figure_text(value, SCORE_PLACES, empty="—")


def fmt_signed(value: float | None) -> str:
    """A gap or change in scale units, with its sign (+0.42, −0.30)."""
    rounded = figure_round(value, SCORE_PLACES)
    if rounded is None:
        return "—"
    return f"{rounded:+}".replace("-", "−").replace(".", get_format("DECIMAL_SEPARATOR"))


def fmt_pct(value: float | None) -> str:
    """A percentage or a 0–100 score, whole numbers (72)."""
    return figure_text(value, PERCENT_PLACES, empty="—")


def fmt_ratio(value: float | None) -> str:
    """A coefficient (alpha, ICC, r_wg): two decimals."""
    return figure_text(value, RATIO_PLACES, empty="—").replace("-", "−")


def fmt_rate(value: float | None) -> str:
    """A response rate 0..1 as a whole percentage."""
    return "—" if value is None else f"{figure_text(100 * value, PERCENT_PLACES)}%"


def report_filename(*, cycle_name: str, team_name: str = "", suffix: str = "pdf") -> str:
    """A safe download name: ASCII slugs only, e.g. ``pillars-2026-q2-platform.pdf``."""
    parts = ["pillars", slugify(cycle_name) or "cycle"]
    if team_name:
        parts.append(slugify(team_name) or "team")
    return "-".join(parts) + "." + suffix


def _chart(markup: str) -> SafeString:
    """A chart from :mod:`assessments.charts.svg` (which escapes all its text), as an image."""
    return mark_safe(svg.as_image(markup))


# --- Team report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyMessage:
    kind: str  # strength, growth, blind_spot, hidden_strength, change, agreement
    title: str
    text: str


@dataclass(frozen=True)
class ItemRow:
    item: ItemResult
    chart: SafeString


@dataclass(frozen=True)
class PillarPage:
    pillar: TeamPillar
    summary: PillarSummary
    number: int
    agreement: wording.Verdict
    precision: str
    gap_text: str
    change_text: str
    reason: str
    items: list[ItemRow]
    hidden_items: int
    comments: tuple[str, ...]


@dataclass(frozen=True)
class LegendKey:
    """One entry of a chart's legend, printed as text beside a swatch or a line sample.

    ``line`` is "" for a swatch (a colour block), else "solid", "dashed" or "dotted".
    Legends are HTML rather than part of the SVG: WeasyPrint lays SVG text out letter by
    letter, so six legends of a report cost more than the answer bars they explain.
    """

    label: str
    colour: str
    line: str = ""


# The line style a legend names for each radar stroke-dasharray ("" is a solid line).
LINE_STYLES = {"": "solid", "6 3": "dashed", "2 3": "dotted"}


def _legend(series: Sequence[svg.RadarSeries]) -> list[LegendKey]:
    """The legend of a radar: the series it draws (those with any value), topmost first —
    the reverse of the drawing order."""
    return [
        LegendKey(s.label, s.colour, LINE_STYLES[s.dash])
        for s in reversed(series)
        if any(v is not None for v in s.values)
    ]


@dataclass
class TeamReport:
    report: CycleReport
    team: TeamResult
    generated: dt.date
    radar: SafeString | None = None
    legend: list[LegendKey] = field(default_factory=list)
    scale_legend: list[LegendKey] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    messages: list[KeyMessage] = field(default_factory=list)
    pages: list[PillarPage] = field(default_factory=list)
    plans: list[Any] = field(default_factory=list)
    suppressed_notes: list[str] = field(default_factory=list)
    reverse_items: bool = False


def _summaries(report: CycleReport) -> dict[str, PillarSummary]:
    return {p.key: p for p in report.pillars}


def _scale_labels(points: int) -> list[str]:
    if points == len(DEFAULT_SCALE_LABELS):
        return [str(label) for label in DEFAULT_SCALE_LABELS]
    return [str(point) for point in range(1, points + 1)]


def _known(figure: float | None) -> float:
    """A figure its list was filtered to hold (the lists below keep only pillars that have it)."""
    if figure is None:
        raise ValueError("a figure filtered as present is missing")
    return figure


def key_messages(*, team: TeamResult, report: CycleReport) -> list[KeyMessage]:
    """Three messages derived from the data: strongest, weakest, and the most telling third.

    The third is the largest blind spot; else the biggest change since the previous cycle;
    else the largest hidden strength; else the pillar where views differ most.
    """
    summaries = _summaries(report)
    shown = [p for p in team.pillars if p.mean is not None and p.percent is not None]
    if not shown:
        return []

    def out_of(p: TeamPillar) -> str:
        return _("%(score)s out of %(max)s, %(fav)s%% of answers favourable") % {
            "score": fmt_score(p.mean),
            "max": summaries[p.key].scale_max,
            "fav": fmt_pct(p.favourable_pct),
        }

    strongest = max(shown, key=lambda p: _known(p.percent))
    weakest = min(shown, key=lambda p: _known(p.percent))
    if (strongest.favourable_pct or 0) < wording.FAVOURABLE_MAJORITY:
        # Even the best pillar is not favourable for most answers: "strongest" would flatter.
        title = _("Highest-rated pillar: %(name)s")
        advice = _("Fewer than half the answers are favourable even here: ask what would lift it.")
    else:
        title = _("Strongest pillar: %(name)s")
        advice = _("Say what makes it work, so the team keeps doing it.")
    messages = [
        KeyMessage("strength", title % {"name": strongest.name}, out_of(strongest) + ". " + advice)
    ]
    if weakest is not strongest:
        messages.append(
            KeyMessage(
                "growth",
                _("Most room to grow: %(name)s") % {"name": weakest.name},
                out_of(weakest) + ". " + _("A good first topic for the team conversation."),
            )
        )
    blind = [p for p in shown if p.gap_kind == GAP_BLIND_SPOT and p.gap is not None]
    changes = [p for p in shown if p.change is not None]
    hidden = [p for p in shown if p.gap_kind == GAP_HIDDEN_STRENGTH and p.gap is not None]
    biggest_change = max(changes, key=lambda p: abs(_known(p.change)), default=None)
    if blind:
        p = max(blind, key=lambda p: _known(p.gap))
        messages.append(
            KeyMessage(
                "blind_spot",
                _("Blind spot: %(name)s") % {"name": p.name},
                _(
                    "You rated yourself %(gap)s points higher than your team did "
                    "(%(self)s against %(team)s). Ask the team what they see."
                )
                % {
                    "gap": fmt_score(p.gap),
                    "self": fmt_score(p.self_score),
                    "team": fmt_score(p.mean),
                },
            )
        )
    elif (
        biggest_change is not None
        and abs(_known(biggest_change.change)) >= wording.CHANGE_NOTICEABLE
    ):
        p = biggest_change
        messages.append(
            KeyMessage(
                "change",
                _("Biggest change: %(name)s") % {"name": p.name},
                _("%(change)s (%(before)s → %(now)s).")
                % {
                    "change": wording.change_words(
                        change=p.change, since=report.previous_cycle_name or ""
                    ),
                    "before": fmt_score(p.previous_mean),
                    "now": fmt_score(p.mean),
                },
            )
        )
    elif hidden:
        p = min(hidden, key=lambda p: _known(p.gap))
        messages.append(
            KeyMessage(
                "hidden_strength",
                _("Hidden strength: %(name)s") % {"name": p.name},
                _(
                    "Your team rates you %(gap)s points higher than you rate yourself "
                    "(%(team)s against %(self)s)."
                )
                % {
                    "gap": fmt_score(-_known(p.gap)),
                    "team": fmt_score(p.mean),
                    "self": fmt_score(p.self_score),
                },
            )
        )
    else:
        with_rwg = [p for p in shown if p.rwg is not None]
        if with_rwg:
            p = min(with_rwg, key=lambda p: _known(p.rwg))
            messages.append(
                KeyMessage(
                    "agreement",
                    _("Where views differ most: %(name)s") % {"name": p.name},
                    wording.agreement_words(rwg=p.rwg).text,
                )
            )
    return messages


def _pillar_page(
    *, pillar: TeamPillar, summary: PillarSummary, number: int, team: TeamResult, since: str
) -> PillarPage:
    labels = _scale_labels(summary.scale_max - summary.scale_min + 1)
    rows = []
    hidden = 0
    for item in pillar.items:
        if item.suppressed or item.n is None:
            hidden += 1
            continue
        # The question is in the same table row; the chart's alternative text gives the counts.
        chart = svg.distribution_svg(counts=item.counts, labels=labels, title=_("Answers"))
        rows.append(ItemRow(item=item, chart=_chart(chart)))
    return PillarPage(
        pillar=pillar,
        summary=summary,
        number=number,
        agreement=wording.agreement_words(rwg=pillar.rwg),
        precision=wording.precision_note(
            n=pillar.n or 0,
            ci_low=pillar.ci_low,
            ci_high=pillar.ci_high,
            scale_min=summary.scale_min,
            scale_max=summary.scale_max,
        )
        if pillar.mean is not None
        else "",
        gap_text=wording.gap_words(kind=pillar.gap_kind),
        change_text=wording.change_words(change=pillar.change, since=since),
        reason=suppressed_reason_text(pillar.suppressed_reason),
        items=rows,
        hidden_items=hidden,
        comments=pillar.comments if team.comments_shown else (),
    )


def team_report_build(*, report: CycleReport, team: TeamResult) -> TeamReport:
    """Everything the team report template prints, computed from one team's results."""
    summaries = _summaries(report)
    built = TeamReport(report=report, team=team, generated=timezone.localdate())
    names = [p.name for p in team.pillars]
    built.rows = [
        {
            "pillar": p,
            "summary": summaries[p.key],
            "org_median": summaries[p.key].org_median,
            "org_median_percent": summaries[p.key].org_median_percent,
        }
        for p in team.pillars
    ]
    if team.suppressed:
        built.suppressed_notes = [suppressed_reason_text(team.suppressed_reason)]
        return built
    team_pct = [p.percent for p in team.pillars]
    self_pct = [p.self_percent for p in team.pillars]
    org_pct = [summaries[p.key].org_median_percent for p in team.pillars]
    series = [
        svg.RadarSeries(_("Organisation median"), org_pct, palette.ORG, dash="2 3"),
        svg.RadarSeries(_("Self-assessment"), self_pct, palette.SELF, dash="6 3"),
        svg.RadarSeries(_("Team"), team_pct, palette.TEAM, fill=True),
    ]
    desc = "; ".join(
        _("%(pillar)s: team %(team)s, self %(self)s, organisation median %(org)s")
        % {"pillar": n, "team": fmt_pct(t), "self": fmt_pct(s), "org": fmt_pct(o)}
        for n, t, s, o in zip(names, team_pct, self_pct, org_pct, strict=True)
    )
    built.radar = _chart(
        svg.radar_svg(
            axes=names,
            series=series,
            title=_("Radar chart of %(team)s's scores on the five pillars (0–100)")
            % {"team": team.name},
            desc=desc,
        )
    )
    built.legend = _legend(series)
    points = {s.scale_max - s.scale_min + 1 for s in report.pillars}
    labels = _scale_labels(max(points) if points else 5)
    built.scale_legend = [
        LegendKey(label, colour)
        for label, colour in zip(labels, svg.point_colours(len(labels)), strict=True)
    ]
    built.messages = key_messages(team=team, report=report)
    built.pages = [
        _pillar_page(
            pillar=p,
            summary=summaries[p.key],
            number=index,
            team=team,
            since=report.previous_cycle_name or "",
        )
        for index, p in enumerate(team.pillars, start=1)
    ]
    built.reverse_items = any(row.item.reverse_scored for page in built.pages for row in page.items)
    built.plans = coaching_plans(
        pillars=[PillarScore(key=p.key, name=p.name, score_pct=p.percent) for p in team.pillars]
    )
    notes = []
    for page in built.pages:
        if page.pillar.suppressed:
            notes.append(f"{page.pillar.name}: {page.reason}")
        elif page.hidden_items:
            notes.append(
                _("%(pillar)s: %(count)s question(s) answered by too few people to show.")
                % {"pillar": page.pillar.name, "count": page.hidden_items}
            )
    if not team.comments_shown:
        notes.append(
            _(
                "Comments are shown only when at least %(k)s people respond; this team had "
                "%(n)s, so its comments are left out."
            )
            % {"k": report.comment_min_group_size, "n": team.n}
        )
    built.suppressed_notes = notes
    return built


def _common_context() -> dict[str, Any]:
    return {"font_family": pdf.FONT_FAMILY, "font_licence": pdf.FONT_LICENCE}


def team_report_render(
    *, report: CycleReport, team: TeamResult, page_size: str | None = None
) -> bytes:
    """The team report PDF."""
    built = team_report_build(report=report, team=team)
    return pdf.template_to_pdf(
        TEAM_TEMPLATE, {**_common_context(), "r": built}, page_size=page_size
    )


# --- Organisation report --------------------------------------------------------------------


@dataclass
class OrgReport:
    report: CycleReport
    generated: dt.date
    heatmap: SafeString
    radar: SafeString
    legend: list[LegendKey]
    suppressed_teams: list[tuple[TeamResult, str]]
    psychometrics: list[dict[str, Any]]
    any_flagged: bool = False


def org_report_build(*, report: CycleReport) -> OrgReport:
    names = [p.name for p in report.pillars]
    keys = [p.key for p in report.pillars]
    values = []
    for team in report.teams:
        row = []
        for key in keys:
            tp = team.pillar(key)
            row.append(None if tp is None or team.suppressed else tp.percent)
        values.append(row)
    heat_desc = "; ".join(
        f"{team.name}: " + ", ".join(f"{n} {fmt_pct(v)}" for n, v in zip(names, row, strict=True))
        for team, row in zip(report.teams, values, strict=True)
    )
    heatmap = svg.heatmap_svg(
        rows=[t.name for t in report.teams],
        columns=names,
        values=values,
        title=_("Heatmap of team scores by pillar (0–100); grey cells are hidden"),
        desc=heat_desc,
        cell_width=min(74.0, 520 / max(1, len(names))),
    )
    org = report.organisation
    org_pct = [(pillar.percent if (pillar := org.pillar(k)) else None) for k in keys]
    median_pct = [p.org_median_percent for p in report.pillars]
    series = [
        svg.RadarSeries(_("Median team"), median_pct, palette.ORG, dash="2 3"),
        svg.RadarSeries(_("Organisation"), org_pct, palette.TEAM, fill=True),
    ]
    radar = svg.radar_svg(
        axes=names,
        series=series,
        title=_("Radar chart of the organisation's scores on the pillars (0–100)"),
        desc="; ".join(
            f"{n}: {fmt_pct(o)} ({fmt_pct(m)})"
            for n, o, m in zip(names, org_pct, median_pct, strict=True)
        ),
    )
    legend = _legend(series)
    psychometrics = [
        {
            "summary": p,
            "alpha": wording.alpha_verdict(alpha=p.alpha),
            "flagged": [
                (it, wording.item_total_verdict(r=it.r))
                for it in p.item_total
                if wording.item_total_verdict(r=it.r).level in ("weak", "fair")
            ],
        }
        for p in report.pillars
    ]
    return OrgReport(
        report=report,
        generated=timezone.localdate(),
        heatmap=_chart(heatmap),
        radar=_chart(radar),
        legend=legend,
        suppressed_teams=[
            (t, suppressed_reason_text(t.suppressed_reason)) for t in report.teams if t.suppressed
        ],
        psychometrics=psychometrics,
        any_flagged=any(row["flagged"] for row in psychometrics),
    )


def org_report_render(*, report: CycleReport, page_size: str | None = None) -> bytes:
    built = org_report_build(report=report)
    return pdf.template_to_pdf(
        ORG_TEMPLATE,
        {**_common_context(), "o": built, "icc_explanation": wording.ICC_EXPLANATION},
        page_size=page_size,
    )
