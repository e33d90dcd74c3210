"""What the dashboard pages show, built from an anonymity-filtered :class:`CycleReport`.

The views fetch; this module turns results dataclasses into small view objects (plain words,
chart figures, table rows) so templates only print. It never applies an anonymity rule itself:
whatever the report withholds is None here too, and is explained with the report's reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import formats
from django.utils.translation import gettext as _

from assessments.charts import browser
from assessments.results.coaching import CoachingPlan, PillarScore, coaching_plans
from assessments.results.report import suppressed_reason_text
from assessments.results.rounding import figure_text
from assessments.results.wording import (
    Verdict,
    agreement_words,
    alpha_verdict,
    change_words,
    gap_words,
    item_total_verdict,
    precision_note,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from assessments.results.listing import Overview
    from assessments.results.report import (
        CycleReport,
        ItemHighlight,
        ItemResult,
        PillarSummary,
        TeamPillar,
        TeamResult,
    )


def point_labels(*, scale_min: int, scale_max: int) -> list[str]:
    """Distribution labels in scored orientation (reverse-keyed items are already flipped), so
    they speak of favourability rather than of agreeing with the item's wording."""
    points = scale_max - scale_min + 1
    if points == 5:
        return [
            _("Very unfavourable"),
            _("Unfavourable"),
            _("Neutral"),
            _("Favourable"),
            _("Very favourable"),
        ]
    labels = [str(point) for point in range(scale_min, scale_max + 1)]
    labels[0] = _("%(point)s (least favourable)") % {"point": labels[0]}
    labels[-1] = _("%(point)s (most favourable)") % {"point": labels[-1]}
    return labels


# --- the leader's team dashboard ------------------------------------------------------------


def number_text(value: float | None, digits: int, *, separator: str = ".") -> str:
    """``value`` as ``|floatformat:digits`` prints it (the one rounding rule, see
    :mod:`assessments.results.rounding`), for tables of many figures where the filter's cost adds
    up; "" for None."""
    return figure_text(value, digits).replace(".", separator)


@dataclass(frozen=True)
class ItemRow:
    item: ItemResult
    shares: tuple[float, ...]  # percent of the item's answers per scale point
    share_texts: tuple[str, ...]  # the shares as the data table prints them ("12")
    mean_text: str


@dataclass(frozen=True)
class PillarCard:
    pillar: TeamPillar
    summary: PillarSummary | None
    index: int  # 1-based, for the pillar colour
    scale_min: int
    scale_max: int
    precision: str
    agreement: Verdict
    gap_text: str
    change_text: str
    suppressed_text: str
    point_labels: tuple[str, ...]
    items: tuple[ItemRow, ...]
    chart_id: str
    figure: dict[str, Any] | None
    comments: tuple[str, ...]

    @property
    def ci_shown(self) -> bool:
        return self.pillar.ci_low is not None and self.pillar.ci_high is not None


@dataclass(frozen=True)
class TeamDashboard:
    report: CycleReport
    team: TeamResult
    scores_visible: bool
    hidden_text: str
    cards: tuple[PillarCard, ...] = ()
    radar: dict[str, Any] | None = None
    radar_rows: tuple[tuple[str, float | None, float | None, float | None], ...] = ()
    blind_spots: tuple[PillarCard, ...] = ()
    hidden_strengths: tuple[PillarCard, ...] = ()
    plans: tuple[CoachingPlan, ...] = ()
    pillar_names: dict[str, str] = field(default_factory=dict)

    def _named(self, items: Sequence[ItemHighlight]) -> list[tuple[ItemHighlight, str, bool]]:
        """(highlight, pillar name, negatively worded) — a high score on a negatively worded
        item means the team disagrees with it, which the page has to say."""
        reverse = self.team.reverse_scored_codes
        return [
            (item, self.pillar_names.get(item.pillar_key, ""), item.code in reverse)
            for item in items
        ]

    @property
    def strengths(self) -> list[tuple[ItemHighlight, str, bool]]:
        return self._named(self.team.strengths)

    @property
    def opportunities(self) -> list[tuple[ItemHighlight, str, bool]]:
        return self._named(self.team.opportunities)


def _shares(counts: Sequence[int]) -> tuple[float, ...]:
    answered = sum(counts)
    return tuple(100 * c / answered if answered else 0.0 for c in counts)


def _pillar_card(
    *, report: CycleReport, team: TeamResult, pillar: TeamPillar, index: int, separator: str
) -> PillarCard:
    summary = report.pillar(pillar.key)
    scale_min = summary.scale_min if summary else 1
    scale_max = summary.scale_max if summary else 5
    labels = point_labels(scale_min=scale_min, scale_max=scale_max)
    rows = []
    for item in pillar.items:
        if item.suppressed or not item.counts:
            continue
        shares = _shares(item.counts)
        rows.append(
            ItemRow(
                item=item,
                shares=shares,
                share_texts=tuple(number_text(share, 0) for share in shares),
                mean_text=number_text(item.mean, 1, separator=separator),
            )
        )
    items = tuple(rows)
    chart_id = f"chart-items-{pillar.key}"
    figure = (
        browser.distribution_figure(
            items=[row.item.text for row in items],
            counts=[row.item.counts for row in items],
            point_labels=labels,
        )
        if items
        else None
    )
    shown = not pillar.suppressed and pillar.mean is not None
    return PillarCard(
        pillar=pillar,
        summary=summary,
        index=index,
        scale_min=scale_min,
        scale_max=scale_max,
        precision=precision_note(
            n=pillar.n or 0,
            ci_low=pillar.ci_low,
            ci_high=pillar.ci_high,
            scale_min=scale_min,
            scale_max=scale_max,
        )
        if shown
        else "",
        agreement=agreement_words(rwg=pillar.rwg),
        gap_text=gap_words(kind=pillar.gap_kind) if shown else "",
        change_text=change_words(change=pillar.change) if shown else "",  # the card names the cycle
        suppressed_text=suppressed_reason_text(pillar.suppressed_reason),
        point_labels=tuple(labels),
        items=items,
        chart_id=chart_id,
        figure=figure,
        comments=pillar.comments if team.comments_shown else (),
    )


def team_dashboard(*, report: CycleReport, team: TeamResult) -> TeamDashboard:
    """The leader's view of one team in one cycle: counts only unless scores may be shown."""
    if not report.scores_visible or team.suppressed:
        reason = report.hidden_reason if not report.scores_visible else team.suppressed_reason
        return TeamDashboard(
            report=report,
            team=team,
            scores_visible=False,
            hidden_text=suppressed_reason_text(reason),
        )
    separator = formats.get_format("DECIMAL_SEPARATOR")
    cards = tuple(
        _pillar_card(report=report, team=team, pillar=pillar, index=index, separator=separator)
        for index, pillar in enumerate(team.pillars, start=1)
    )
    names = [card.pillar.name for card in cards]
    team_pct = [card.pillar.percent for card in cards]
    self_pct = [card.pillar.self_percent for card in cards]
    org_pct = [card.summary.org_median_percent if card.summary else None for card in cards]
    # A radar needs three axes: a pulse on one or two pillars shows its table instead.
    radar = (
        browser.radar_figure(labels=names, team=team_pct, self_scores=self_pct, org=org_pct)
        if len(names) >= 3
        else None
    )
    plans = coaching_plans(
        pillars=[
            PillarScore(key=card.pillar.key, name=card.pillar.name, score_pct=card.pillar.percent)
            for card in cards
            if not card.pillar.suppressed
        ]
    )
    return TeamDashboard(
        report=report,
        team=team,
        scores_visible=True,
        hidden_text="",
        cards=cards,
        radar=radar,
        radar_rows=tuple(zip(names, team_pct, self_pct, org_pct, strict=True)),
        blind_spots=tuple(card for card in cards if card.pillar.gap_kind == "blind_spot"),
        hidden_strengths=tuple(card for card in cards if card.pillar.gap_kind == "hidden_strength"),
        plans=tuple(plans),
        pillar_names={card.pillar.key: card.pillar.name for card in cards},
    )


@dataclass(frozen=True)
class Trend:
    cycles: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float | None, ...]], ...]  # pillar name, percent per cycle
    figure: dict[str, Any] | None


def team_trend(*, reports: Sequence[CycleReport], team_id: int) -> Trend:
    """The team's pillar percents across released cycles (oldest first); None where hidden."""
    cycles: list[str] = []
    series: dict[str, list[float | None]] = {}
    names: dict[str, str] = {}
    for report in reports:
        team = report.team(team_id)
        if team is None:
            continue
        cycles.append(report.cycle_name)
        for pillar in team.pillars:
            names.setdefault(pillar.key, pillar.name)
            values = series.setdefault(pillar.key, [None] * (len(cycles) - 1))
            shown = report.scores_visible and not team.suppressed and not pillar.suppressed
            values.append(pillar.percent if shown else None)
        for values in series.values():
            values.extend([None] * (len(cycles) - len(values)))
    rows = tuple((names[key], tuple(values)) for key, values in series.items())
    has_points = sum(1 for _, values in rows for v in values if v is not None) > 0
    figure = (
        browser.trend_figure(cycles=cycles, series=[(name, values) for name, values in rows])
        if len(cycles) >= 2 and has_points
        else None
    )
    return Trend(cycles=tuple(cycles), rows=rows, figure=figure)


# --- HR's organisation dashboard ------------------------------------------------------------


@dataclass(frozen=True)
class ItemCheck:
    code: str
    text: str
    r: float | None
    verdict: Verdict


@dataclass(frozen=True)
class PsychometricRow:
    summary: PillarSummary
    alpha: Verdict
    items: tuple[ItemCheck, ...]

    @property
    def flagged(self) -> tuple[ItemCheck, ...]:
        return tuple(item for item in self.items if item.verdict.level in ("weak", "fair"))


def psychometrics(*, report: CycleReport) -> tuple[PsychometricRow, ...]:
    return tuple(
        PsychometricRow(
            summary=summary,
            alpha=alpha_verdict(alpha=summary.alpha),
            items=tuple(
                ItemCheck(
                    code=item.code, text=item.text, r=item.r, verdict=item_total_verdict(r=item.r)
                )
                for item in summary.item_total
            ),
        )
        for summary in report.pillars
    )


@dataclass(frozen=True)
class OrgStats:
    teams: int
    shown_teams: int
    responses: int
    invited: int
    response_rate: float | None

    @property
    def rate_pct(self) -> float | None:
        return None if self.response_rate is None else 100 * self.response_rate


def org_stats(*, overview: Overview) -> OrgStats:
    """The organisation's counts, from its stored summary (never from every team's row)."""
    organisation = overview.report.organisation
    return OrgStats(
        teams=overview.teams,
        shown_teams=overview.shown_teams,
        responses=organisation.n,
        invited=organisation.invited,
        response_rate=organisation.response_rate,
    )
