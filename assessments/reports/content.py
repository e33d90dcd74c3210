"""Team and organisation reports: the PDF's contents, built from the anonymity-safe results.

Everything shown comes from a :class:`~assessments.results.report.CycleReport` (already filtered by
the anonymity rules), so a suppressed team or pillar simply has nothing to show. This module turns
the dataclasses into what the templates print — figures formatted once, key messages computed
from the data, SVG charts with their text equivalents — and renders them with
:mod:`assessments.reports.pdf`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.charts import palette, svg
from assessments.reports import pdf
from assessments.results import scoring, wording
from assessments.results.coaching import PillarScore, coaching_plans
from assessments.results.followup import pulse_focus_changes
from assessments.results.report import (
    GAP_BLIND_SPOT,
    GAP_HIDDEN_STRENGTH,
    REASON_SECONDARY,
    suppressed_reason_text,
)
from assessments.results.rounding import (
    PERCENT_PLACES,
    RATIO_PLACES,
    SCORE_PLACES,
    figure_round,
    figure_text,
)
from leadership.models import scale_labels_default

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from assessments.results.followup import FocusChange
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
    separator = get_format("DECIMAL_SEPARATOR")
    if rounded == 0:
        return str(abs(rounded)).replace(
            ".", separator
        )  # "0.00": a rounded-away change has no sign
    return f"{rounded:+}".replace("-", "−").replace(".", separator)


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
    legend: list[LegendKey] = field(default_factory=list)
    reverse_legend: list[LegendKey] = field(default_factory=list)
    percentile: str = ""
    gap: float | None = None  # self − team from the printed figures


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
    marker: str = ""


# The line style a legend names for each radar stroke-dasharray ("" is a solid line).
LINE_STYLES = {"": "solid", "6 3": "dashed", "2 3": "dotted"}


def _legend(series: Sequence[svg.RadarSeries]) -> list[LegendKey]:
    """The legend of a radar: the series it draws (those with any value), topmost first —
    the reverse of the drawing order."""
    return [
        LegendKey(s.label, s.colour, LINE_STYLES[s.dash], s.marker)
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
    # On a pulse: the change on each focus pillar since the cycle it follows up.
    changes: tuple[FocusChange, ...] | None = None
    suppressed_notes: list[str] = field(default_factory=list)
    reverse_items: bool = False
    scales: str = ""
    secondary: bool = False  # hidden only so that a smaller team cannot be worked out


def _summaries(report: CycleReport) -> dict[str, PillarSummary]:
    return {p.key: p for p in report.pillars}


def pillar_labels(summary: PillarSummary) -> list[str]:
    """The pillar's scale labels, lowest point first, as its bank words them (a frequency scale
    keeps "Never … Always"); for a scale the bank gives no words, those of
    :func:`~leadership.models.scale_labels_default` (agreement on the survey's 1–5 scale, else
    numbers from low to high)."""
    points = summary.scale_max - summary.scale_min + 1
    if len(summary.scale_labels) == points:
        return [str(label) for label in summary.scale_labels]
    return scale_labels_default(scale_min=summary.scale_min, scale_max=summary.scale_max)


def bar_labels(summary: PillarSummary, *, reverse_scored: bool) -> list[str]:
    """The labels of an item's answer bar, in the order the bar draws it (least favourable on
    the left). ``counts`` are in scored orientation: for a reverse-worded item the first count is
    the top raw answer ("Strongly agree" with "Priorities change so often …"), so its labels are
    turned round with it; on a pillar where lower is better the bar is drawn the other way."""
    labels = pillar_labels(summary)
    if reverse_scored:
        labels = labels[::-1]
    if summary.lower_is_better:
        labels = labels[::-1]
    return labels


def bar_counts(summary: PillarSummary, counts: Sequence[int]) -> list[int]:
    """Counts in the order the bar draws them: least favourable first."""
    return list(counts)[::-1] if summary.lower_is_better else list(counts)


def scale_range(summary: PillarSummary) -> str:
    return f"{summary.scale_min}–{summary.scale_max}"


def scales_text(summaries: Sequence[PillarSummary]) -> str:
    """Each pillar's real range in words: "on a scale from 1 to 5", or pillar by pillar when
    the bank's pillars use different ranges or directions."""
    ranges = {(s.scale_min, s.scale_max) for s in summaries}
    lower = [s.name for s in summaries if s.lower_is_better]
    if len(ranges) == 1:
        low, high = next(iter(ranges))
        text = _("on a scale from %(low)s to %(high)s") % {"low": low, "high": high}
    else:
        text = _("on each pillar's own scale (%(scales)s)") % {
            "scales": ", ".join(f"{s.name} {scale_range(s)}" for s in summaries)
        }
    if lower:
        text += "; " + _("lower is better on %(names)s") % {"names": ", ".join(lower)}
    return text


def radar_axis(summary: PillarSummary) -> str:
    return (
        _("%(name)s (lower is better)") % {"name": summary.name}
        if summary.lower_is_better
        else summary.name
    )


def percentile_words(*, pillar: TeamPillar, summary: PillarSummary) -> str:
    """The dashboard's internal benchmark, in the same words ("Higher than about 92% of teams")."""
    if pillar.percentile is None:
        return ""
    if summary.lower_is_better:
        return _("Lower (better) than about %(p)s%% of teams in this cycle") % {
            "p": fmt_pct(100 - pillar.percentile)
        }
    return _("Higher than about %(p)s%% of teams in this cycle") % {"p": fmt_pct(pillar.percentile)}


def _group_stats(pillar: TeamPillar) -> scoring.GroupStats:
    return scoring.GroupStats(
        n=pillar.n or 0,
        mean=pillar.mean,
        sd=pillar.sd,
        ci_low=pillar.ci_low,
        ci_high=pillar.ci_high,
    )


def gap_beyond_chance(pillar: TeamPillar) -> bool:
    """Whether the self–team gap is beyond the team score's 95% margin."""
    return scoring.gap_meaningful(
        self_score=pillar.self_score, team=_group_stats(pillar)
    ).meaningful


def change_beyond_chance(pillar: TeamPillar) -> bool | None:
    """Whether the change since the previous cycle is beyond its 95% margin (None: unknown)."""
    if pillar.change is None or pillar.change_margin is None:
        return None
    return scoring.Difference(value=pillar.change, margin=pillar.change_margin).meaningful


def printed_change(pillar: TeamPillar) -> float | None:
    """The change as the two printed means give it ("4.14 → 4.52" is "+0.38")."""
    if pillar.change is None:
        return None
    return rounded_difference(pillar.mean, pillar.previous_mean)


def change_text(pillar: TeamPillar, *, since: str) -> str:
    return wording.change_words(
        change=printed_change(pillar), since=since, meaningful=change_beyond_chance(pillar)
    )


def gap_text(pillar: TeamPillar) -> str:
    """A blind spot or hidden strength in words, said only as strongly as the data allow."""
    if not pillar.gap_kind:
        return ""
    if gap_beyond_chance(pillar):
        return wording.gap_words(kind=pillar.gap_kind)
    return _(
        "Your self-rating is %(gap)s points from the team's score, but within the range chance "
        "alone could explain: not yet a clear blind spot or hidden strength."
    ) % {"gap": fmt_score(abs(pillar.gap or 0))}


def key_messages(*, team: TeamResult, report: CycleReport) -> list[KeyMessage]:
    """Three messages derived from the data: strongest, weakest, and the most telling third.

    "Strongest" and "weakest" follow each pillar's direction (on a pillar where lower is better,
    the lowest score is the strongest). The third is the largest blind spot beyond chance; else
    the biggest change beyond chance; else the largest hidden strength beyond chance; else the
    pillar where views differ most.
    """
    summaries = _summaries(report)
    shown = [p for p in team.pillars if p.mean is not None and p.percent is not None]
    if not shown:
        return []

    def goodness(p: TeamPillar) -> float:
        return summaries[p.key].goodness(p.percent) or 0.0

    def out_of(p: TeamPillar) -> str:
        summary = summaries[p.key]
        if summary.lower_is_better:
            text = _(
                "%(score)s on %(range)s, where lower is better; %(fav)s%% of answers favourable"
            )
        else:
            text = _("%(score)s on %(range)s, %(fav)s%% of answers favourable")
        return text % {
            "score": fmt_score(p.mean),
            "range": scale_range(summary),
            "fav": fmt_pct(p.favourable_pct),
        }

    strongest = max(shown, key=goodness)
    weakest = min(shown, key=goodness)
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
    sure = [p for p in shown if p.gap is not None and gap_beyond_chance(p)]
    blind = [p for p in sure if p.gap_kind == GAP_BLIND_SPOT]
    hidden = [p for p in sure if p.gap_kind == GAP_HIDDEN_STRENGTH]
    changes = [p for p in shown if p.change is not None and change_beyond_chance(p)]
    biggest_change = max(changes, key=lambda p: abs(p.change or 0), default=None)
    if blind:
        p = max(blind, key=lambda p: abs(p.gap or 0))
        messages.append(
            KeyMessage(
                "blind_spot",
                _("Blind spot: %(name)s") % {"name": p.name},
                _(
                    "Your self-rating (%(self)s) is %(gap)s points more favourable than your "
                    "team's score (%(team)s), more than chance alone would explain. Ask the team "
                    "what they see."
                )
                % {
                    "gap": fmt_score(_rounded_gap(p)),
                    "self": fmt_score(p.self_score),
                    "team": fmt_score(p.mean),
                },
            )
        )
    elif biggest_change is not None:
        p = biggest_change
        messages.append(
            KeyMessage(
                "change",
                _("Biggest change: %(name)s") % {"name": p.name},
                _("%(change)s (%(before)s → %(now)s).")
                % {
                    "change": change_text(p, since=report.previous_cycle_name or ""),
                    "before": fmt_score(p.previous_mean),
                    "now": fmt_score(p.mean),
                },
            )
        )
    elif hidden:
        p = max(hidden, key=lambda p: abs(p.gap or 0))
        messages.append(
            KeyMessage(
                "hidden_strength",
                _("Hidden strength: %(name)s") % {"name": p.name},
                _(
                    "Your team's score (%(team)s) is %(gap)s points more favourable than your "
                    "self-rating (%(self)s)."
                )
                % {
                    "gap": fmt_score(_rounded_gap(p)),
                    "team": fmt_score(p.mean),
                    "self": fmt_score(p.self_score),
                },
            )
        )
    else:
        with_rwg = [p for p in shown if p.rwg is not None]
        if with_rwg:
            p = min(with_rwg, key=lambda p: p.rwg or 0)
            messages.append(
                KeyMessage(
                    "agreement",
                    _("Where views differ most: %(name)s") % {"name": p.name},
                    wording.agreement_words(rwg=p.rwg).text,
                )
            )
    return messages


def _rounded_gap(pillar: TeamPillar) -> float | None:
    """|self − team| from the two figures as printed, so "4.14 against 3.86" reads "0.28"."""
    self_score = figure_round(pillar.self_score, SCORE_PLACES)
    team = figure_round(pillar.mean, SCORE_PLACES)
    if self_score is None or team is None:
        return None
    return float(abs(self_score - team))


def rounded_difference(a: float | None, b: float | None) -> float | None:
    """a − b from the two figures as printed (so a gap always matches its neighbours)."""
    first = figure_round(a, SCORE_PLACES)
    second = figure_round(b, SCORE_PLACES)
    if first is None or second is None:
        return None
    return float(first - second)


def _legend_keys(labels: Sequence[str]) -> list[LegendKey]:
    return [
        LegendKey(label, colour)
        for label, colour in zip(labels, svg.point_colours(len(labels)), strict=True)
    ]


def _pillar_page(
    *, pillar: TeamPillar, summary: PillarSummary, number: int, team: TeamResult, since: str
) -> PillarPage:
    rows = []
    hidden = 0
    for item in pillar.items:
        if item.suppressed or item.n is None:
            hidden += 1
            continue
        # The question is in the same table row; the chart's alternative text gives the counts,
        # each under the label of the answer people actually gave.
        chart = svg.distribution_svg(
            counts=bar_counts(summary, item.counts),
            labels=bar_labels(summary, reverse_scored=item.reverse_scored),
            title=_("Answers, least favourable first"),
        )
        rows.append(ItemRow(item=item, chart=_chart(chart)))
    any_reverse = any(row.item.reverse_scored for row in rows)
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
        gap_text=gap_text(pillar),
        change_text=change_text(pillar, since=since),
        reason=suppressed_reason_text(pillar.suppressed_reason),
        items=rows,
        hidden_items=hidden,
        comments=pillar.comments if team.comments_shown else (),
        legend=_legend_keys(bar_labels(summary, reverse_scored=False)),
        reverse_legend=_legend_keys(bar_labels(summary, reverse_scored=True))
        if any_reverse
        else [],
        percentile=percentile_words(pillar=pillar, summary=summary),
        gap=rounded_difference(pillar.self_score, pillar.mean),
    )


def _radar_desc(
    names: Sequence[str],
    team_pct: Sequence[float | None],
    self_pct: Sequence[float | None],
    org_pct: Sequence[float | None],
) -> str:
    return "; ".join(
        _("%(pillar)s: team %(team)s, self-assessment %(self)s, median team %(org)s")
        % {"pillar": n, "team": fmt_pct(t), "self": fmt_pct(s), "org": fmt_pct(o)}
        for n, t, s, o in zip(names, team_pct, self_pct, org_pct, strict=True)
    )


def team_report_build(*, report: CycleReport, team: TeamResult) -> TeamReport:
    """Everything the team report template prints, computed from one team's results."""
    summaries = _summaries(report)
    built = TeamReport(report=report, team=team, generated=timezone.localdate())
    built.scales = scales_text(report.pillars)
    names = [p.name for p in team.pillars]
    # On the radar outward means a higher score; a pillar where lower is better says so.
    axes = [radar_axis(summaries[p.key]) for p in team.pillars]
    built.rows = [
        {
            "pillar": p,
            "summary": summaries[p.key],
            "org_median": summaries[p.key].org_median,
            "org_median_percent": summaries[p.key].org_median_percent,
            "change_sure": change_beyond_chance(p),
            "change": printed_change(p),
        }
        for p in team.pillars
    ]
    if team.suppressed:
        built.secondary = team.suppressed_reason == REASON_SECONDARY
        built.suppressed_notes = [suppressed_reason_text(team.suppressed_reason)]
        return built
    team_pct = [p.percent for p in team.pillars]
    self_pct = [p.self_percent for p in team.pillars]
    org_pct = [summaries[p.key].org_median_percent for p in team.pillars]
    series = [
        svg.RadarSeries(_("Median team"), org_pct, palette.ORG, dash="2 3", marker="diamond"),
        svg.RadarSeries(_("Self-assessment"), self_pct, palette.SELF, dash="6 3", marker="square"),
        svg.RadarSeries(_("Team"), team_pct, palette.TEAM, fill=True),
    ]
    # A radar needs three axes: a pulse on one or two pillars has only its table.
    built.radar = (
        None
        if len(names) < 3
        else _chart(
            svg.radar_svg(
                axes=axes,
                series=series,
                title=_("Radar chart of %(team)s's scores on the pillars (0–100)")
                % {"team": team.name},
                desc=_radar_desc(names, team_pct, self_pct, org_pct),
            )
        )
    )
    built.legend = _legend(series)
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
    built.reverse_items = any(page.reverse_legend for page in built.pages)
    built.changes = pulse_focus_changes(cycle_id=report.cycle_id, team=team)
    # Advice goes to the pillars with the least favourable scores, in each pillar's direction.
    plans = coaching_plans(
        pillars=[
            PillarScore(key=p.key, name=p.name, score_pct=summaries[p.key].goodness(p.percent))
            for p in team.pillars
        ]
    )
    percents = {p.key: p.percent for p in team.pillars}
    built.plans = [{"plan": plan, "percent": percents[plan.pillar_key]} for plan in plans]
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

# Heatmap colours in ten-point bands: one CSS rule per band rather than a style per cell, so a
# thousand teams' table stays cheap to style; the figure in each cell gives the exact value.
HEAT_BANDS = 10
TOP_QUESTIONS = 5


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key that puts "Company 2" before "Company 10" (digits compare as numbers)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in re.split(r"(\d+)", name.casefold())
        if part
    )


def heat_band(goodness: float) -> int:
    return min(HEAT_BANDS - 1, max(0, int(goodness // (100 / HEAT_BANDS))))


def heat_styles() -> str:
    """The CSS of the heat bands (background and a readable ink), from the shared palette."""
    rules = []
    for band in range(HEAT_BANDS):
        colour = svg.scale_colour((band + 0.5) / HEAT_BANDS)
        rules.append(f".heat td.h{band} {{ background: {colour}; color: {svg.ink_on(colour)}; }}")
    return "\n".join(rules)


@dataclass(frozen=True)
class HeatCell:
    text: str
    band: int | None  # None: hidden (or no figure), drawn hatched with its word
    hidden: bool = False


@dataclass(frozen=True)
class HeatRow:
    kind: str  # organisation, department, team
    name: str
    responses: str
    cells: list[HeatCell]
    note: str = ""


@dataclass(frozen=True)
class Spread:
    summary: PillarSummary
    teams: int
    low: float | None
    q1: float | None
    median: float | None
    q3: float | None
    high: float | None


@dataclass(frozen=True)
class ChangeRow:
    summary: PillarSummary
    teams: int
    median: float | None
    better: int
    worse: int


@dataclass(frozen=True)
class GapRow:
    summary: PillarSummary
    with_self: int
    blind: int
    blind_sure: int
    hidden: int
    hidden_sure: int


@dataclass(frozen=True)
class QuestionRow:
    summary: PillarSummary
    code: str
    text: str
    reverse: bool
    mean: float
    percent: float
    teams: int
    respondents: int


@dataclass
class OrgReport:
    report: CycleReport
    generated: dt.date
    radar: SafeString
    legend: list[LegendKey]
    suppressed_teams: list[tuple[TeamResult, str]]
    psychometrics: list[dict[str, Any]]
    any_flagged: bool = False
    heat_rows: list[HeatRow] = field(default_factory=list)
    heat_legend: list[LegendKey] = field(default_factory=list)
    heat_styles: str = ""
    spreads: list[Spread] = field(default_factory=list)
    spread_chart: SafeString | None = None
    changes: list[ChangeRow] = field(default_factory=list)
    gaps: list[GapRow] = field(default_factory=list)
    best_questions: list[QuestionRow] = field(default_factory=list)
    worst_questions: list[QuestionRow] = field(default_factory=list)
    departments: list[dict[str, Any]] = field(default_factory=list)
    scales: str = ""
    shown_teams: int = 0

    @property
    def any_change(self) -> bool:
        return any(row.teams for row in self.changes)

    @property
    def any_self(self) -> bool:
        return any(row.with_self for row in self.gaps)


def _cell(summary: PillarSummary, percent: float | None, *, hidden: bool) -> HeatCell:
    if hidden:
        return HeatCell(_("hidden"), None, hidden=True)
    goodness = summary.goodness(percent)
    if goodness is None or percent is None:
        return HeatCell("—", None)
    return HeatCell(fmt_pct(percent), heat_band(goodness))


def _responses(n: int, invited: int) -> str:
    return f"{n} / {invited}" if invited else str(n)


def _heat_rows(report: CycleReport) -> list[HeatRow]:
    """Organisation, then each department and its teams, names in natural order.

    Every figure comes from the anonymity-filtered report: a hidden team or department shows its
    response count and the word "hidden", nothing else. The organisation row is the median team
    (the figure every team report prints beside the team's).
    """
    summaries = list(report.pillars)
    rows = [
        HeatRow(
            kind="organisation",
            name=_("Organisation (median team)"),
            responses=_responses(report.organisation.n, report.organisation.invited),
            cells=[_cell(s, s.org_median_percent, hidden=False) for s in summaries],
        )
    ]
    by_department: dict[int | None, list[TeamResult]] = {}
    for team in report.teams:
        by_department.setdefault(team.department_id, []).append(team)
    departments = sorted(report.departments, key=lambda d: natural_key(d.name))
    groups: list[tuple[Any, list[TeamResult]]] = [
        (d, by_department.pop(d.team_id, [])) for d in departments
    ]
    groups += [(None, teams) for teams in by_department.values()]
    for department, teams in groups:
        if department is not None:
            rows.append(
                HeatRow(
                    kind="department",
                    name=department.name,
                    responses=_responses(department.n, department.invited),
                    cells=[
                        _cell(
                            s,
                            department.pillar(s.key).percent if department.pillar(s.key) else None,
                            hidden=department.suppressed
                            or (department.pillar(s.key) is None)
                            or department.pillar(s.key).suppressed,
                        )
                        for s in summaries
                    ],
                    note=_("all its respondents"),
                )
            )
        for team in sorted(teams, key=lambda t: natural_key(t.name)):
            cells = []
            for s in summaries:
                tp = team.pillar(s.key)
                if team.suppressed or tp is None or tp.suppressed:
                    cells.append(_cell(s, None, hidden=True))
                else:
                    cells.append(_cell(s, tp.percent, hidden=False))
            rows.append(
                HeatRow(
                    kind="team",
                    name=team.name,
                    responses=_responses(team.n, team.invited),
                    cells=cells,
                )
            )
    return rows


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _shown_pillars(report: CycleReport, key: str) -> list[TeamPillar]:
    return [
        tp
        for team in report.teams
        if not team.suppressed
        for tp in [team.pillar(key)]
        if tp is not None and not tp.suppressed and tp.percent is not None
    ]


def _spreads(report: CycleReport) -> list[Spread]:
    spreads = []
    for s in report.pillars:
        values = [tp.percent for tp in _shown_pillars(report, s.key) if tp.percent is not None]
        spreads.append(
            Spread(
                summary=s,
                teams=len(values),
                low=min(values) if values else None,
                q1=_quantile(values, 0.25),
                median=_quantile(values, 0.5),
                q3=_quantile(values, 0.75),
                high=max(values) if values else None,
            )
        )
    return spreads


def _changes(report: CycleReport) -> list[ChangeRow]:
    rows = []
    for s in report.pillars:
        moved = [tp for tp in _shown_pillars(report, s.key) if tp.change is not None]
        sure = [tp for tp in moved if change_beyond_chance(tp)]
        sign = -1 if s.lower_is_better else 1
        rows.append(
            ChangeRow(
                summary=s,
                teams=len(moved),
                median=_quantile([tp.change for tp in moved if tp.change is not None], 0.5),
                better=sum(1 for tp in sure if sign * (tp.change or 0) > 0),
                worse=sum(1 for tp in sure if sign * (tp.change or 0) < 0),
            )
        )
    return rows


def _gaps(report: CycleReport) -> list[GapRow]:
    rows = []
    for s in report.pillars:
        with_self = [tp for tp in _shown_pillars(report, s.key) if tp.self_score is not None]
        blind = [tp for tp in with_self if tp.gap_kind == GAP_BLIND_SPOT]
        hidden = [tp for tp in with_self if tp.gap_kind == GAP_HIDDEN_STRENGTH]
        rows.append(
            GapRow(
                summary=s,
                with_self=len(with_self),
                blind=len(blind),
                blind_sure=sum(1 for tp in blind if gap_beyond_chance(tp)),
                hidden=len(hidden),
                hidden_sure=sum(1 for tp in hidden if gap_beyond_chance(tp)),
            )
        )
    return rows


def _questions(report: CycleReport) -> list[QuestionRow]:
    """Each question over the shown teams' shown answers (a respondent-weighted mean of figures
    the team reports already show), ranked by how favourable it is in its pillar's direction."""
    summaries = _summaries(report)
    totals: dict[str, list[Any]] = {}
    for team in report.teams:
        if team.suppressed:
            continue
        for tp in team.pillars:
            if tp.suppressed:
                continue
            for item in tp.items:
                if item.suppressed or item.n is None or item.mean is None:
                    continue
                entry = totals.setdefault(item.code, [tp.key, item, 0.0, 0, 0])
                entry[2] += item.mean * item.n
                entry[3] += item.n
                entry[4] += 1
    rows = []
    for code, (key, item, weighted, n, teams) in totals.items():
        summary = summaries[key]
        mean = weighted / n
        rows.append(
            QuestionRow(
                summary=summary,
                code=code,
                text=item.text,
                reverse=item.reverse_scored,
                mean=mean,
                percent=scoring.percent_scale(
                    score=mean, scale_min=summary.scale_min, scale_max=summary.scale_max
                )
                or 0.0,
                teams=teams,
                respondents=n,
            )
        )
    return sorted(rows, key=lambda r: (-(r.summary.goodness(r.percent) or 0), r.code))


def _departments(report: CycleReport, heat_rows: list[HeatRow]) -> list[dict[str, Any]]:
    """Per department: its row, how many of its teams are shown, and each pillar's range of its
    shown teams (figures already in the heatmap, so nothing new can be derived)."""
    out = []
    for department in sorted(report.departments, key=lambda d: natural_key(d.name)):
        teams = [t for t in report.teams if t.department_id == department.team_id]
        shown = [t for t in teams if not t.suppressed]
        ranges = []
        for s in report.pillars:
            values = [
                tp.percent
                for t in shown
                for tp in [t.pillar(s.key)]
                if tp is not None and not tp.suppressed and tp.percent is not None
            ]
            ranges.append(
                f"{fmt_pct(min(values))}–{fmt_pct(max(values))}" if len(values) > 1 else "—"
            )
        row = next(r for r in heat_rows if r.kind == "department" and r.name == department.name)
        out.append(
            {
                "row": row,
                "teams": len(teams),
                "shown": len(shown),
                "cells": list(zip(row.cells, ranges, strict=True)),
            }
        )
    return out


def _spread_chart(spreads: list[Spread]) -> SafeString:
    desc = "; ".join(
        _(
            "%(pillar)s: %(teams)s teams, lowest %(low)s, quarter %(q1)s, median %(median)s, "
            "three quarters %(q3)s, highest %(high)s"
        )
        % {
            "pillar": sp.summary.name,
            "teams": sp.teams,
            "low": fmt_pct(sp.low),
            "q1": fmt_pct(sp.q1),
            "median": fmt_pct(sp.median),
            "q3": fmt_pct(sp.q3),
            "high": fmt_pct(sp.high),
        }
        for sp in spreads
    )
    return _chart(
        svg.spread_svg(
            rows=[
                svg.SpreadRow(sp.summary.name, sp.low, sp.q1, sp.median, sp.q3, sp.high)
                for sp in spreads
            ],
            title=_("Spread of team scores by pillar (0–100)"),
            desc=desc,
        )
    )


def org_report_build(*, report: CycleReport) -> OrgReport:
    names = [p.name for p in report.pillars]
    median_pct = [p.org_median_percent for p in report.pillars]
    series = [svg.RadarSeries(_("Median team"), median_pct, palette.TEAM, fill=True)]
    radar = svg.radar_svg(
        axes=[radar_axis(p) for p in report.pillars],
        series=series,
        title=_("Radar chart of the median team's scores on the pillars (0–100)"),
        desc="; ".join(f"{n}: {fmt_pct(m)}" for n, m in zip(names, median_pct, strict=True)),
    )
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
    heat_rows = _heat_rows(report)
    spreads = _spreads(report)
    questions = _questions(report)
    top = min(TOP_QUESTIONS, len(questions) // 2)
    band_width = 100 // HEAT_BANDS
    return OrgReport(
        report=report,
        generated=timezone.localdate(),
        radar=_chart(radar),
        legend=_legend(series),
        suppressed_teams=[
            (t, suppressed_reason_text(t.suppressed_reason))
            for t in sorted(report.teams, key=lambda t: natural_key(t.name))
            if t.suppressed
        ],
        psychometrics=psychometrics,
        any_flagged=any(row["flagged"] for row in psychometrics),
        heat_rows=heat_rows,
        heat_legend=[
            LegendKey(
                f"{band * band_width}–{100 if band == HEAT_BANDS - 1 else band * band_width + 9}",
                svg.scale_colour((band + 0.5) / HEAT_BANDS),
            )
            for band in range(HEAT_BANDS)
        ],
        heat_styles=heat_styles(),
        spreads=spreads,
        spread_chart=_spread_chart(spreads),
        changes=_changes(report),
        gaps=_gaps(report),
        best_questions=questions[:top],
        worst_questions=list(reversed(questions[-top:])) if top else [],
        departments=_departments(report, heat_rows),
        scales=scales_text(report.pillars),
        shown_teams=sum(1 for t in report.teams if not t.suppressed),
    )


def org_report_render(*, report: CycleReport, page_size: str | None = None) -> bytes:
    built = org_report_build(report=report)
    return pdf.template_to_pdf(
        ORG_TEMPLATE,
        {**_common_context(), "o": built, "icc_explanation": wording.ICC_EXPLANATION},
        page_size=page_size,
    )
