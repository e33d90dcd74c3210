"""HR's organisation page, one page at a time (issue 16).

At 10,000 teams the heatmap of every team is 50,000 cells and 5 MB of HTML: nobody reads that,
and drawing it took over a second. The page shows the organisation's stored summary
(:func:`overview_read`: the head, the departments' names and two counts) and one page of teams or
departments (:func:`listing_page`), filtered by department and name and sorted by name or by a
pillar's figure in the database, from the columns each stored part keeps beside its JSON
(:func:`assessments.results.stored.part_index`). Reading a page costs what it shows: the head,
one count and the page's own summaries.

It applies no anonymity rule of its own and adds no figure: every row is a stored team or
department as the rules left it, a hidden group or cell has no figure in the sort keys (so it
sorts last, by name, whatever its answers were), and nothing is ever totalled over a filter.
While the results are not shown (an open cycle, or being prepared) every team is in the counts
report and is paged here in Python, by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, F, FloatField, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from assessments.models import CycleResultPart
from assessments.results import stored
from assessments.results.access import scores_hidden_reason, teams_visible_ids
from assessments.results.report import REASON_PREPARING, CycleReport, Rollup, TeamResult

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from assessments.models import Cycle

PER_PAGE = 50
SEARCH_MAX = 100  # characters of a name search

SHOW_TEAMS = "teams"
SHOW_DEPARTMENTS = "departments"
SHOWS = (SHOW_TEAMS, SHOW_DEPARTMENTS)

SORT_NAME = "name"
METRIC_MEAN = "mean"
METRIC_FAVOURABLE = "favourable"
METRICS = (METRIC_MEAN, METRIC_FAVOURABLE)

# What was wrong with a page number (the view says it in words).
PAGE_NOT_A_NUMBER = "not_a_number"
PAGE_OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Department:
    team_id: int
    name: str


@dataclass(frozen=True)
class Overview:
    """The organisation's summary: ``report`` is the stored head (no teams, no departments) or,
    while scores are not shown, the counts report with every team and department in it."""

    report: CycleReport
    departments: tuple[Department, ...]
    teams: int
    shown_teams: int
    result_id: int | None  # the stored head the pages are read from; None: counts only

    def department(self, team_id: int | None) -> Department | None:
        return next((d for d in self.departments if d.team_id == team_id), None)


@dataclass(frozen=True)
class ListingQuery:
    show: str = SHOW_TEAMS
    department_id: int | None = None  # a known department (the view checks)
    search: str = ""
    sort: str = SORT_NAME  # or a pillar key of the report (the view checks)
    metric: str = METRIC_MEAN
    descending: bool = False


@dataclass(frozen=True)
class Listing:
    page: Page  # the page's place among the others (its object_list as read)
    rows: tuple[TeamResult | Rollup, ...]
    department: Rollup | None  # the filtered department's own stored roll-up
    page_problem: str  # "" or PAGE_NOT_A_NUMBER / PAGE_OUT_OF_RANGE (then page 1 / the last)


def overview_read(*, cycle: Cycle, user: Any) -> Overview:
    """What the organisation page shows above and beside its heatmap, for HR only."""
    if teams_visible_ids(user=user) is not None:
        raise PermissionError("The organisation page is HR's.")
    hidden_reason = scores_hidden_reason(cycle=cycle, user=user)
    head = None if hidden_reason else stored.results_head(cycle)
    if head is None and not hidden_reason and stored.results_request(cycle):
        head = stored.results_head(cycle)
    if head is None:
        report = stored.counts_report(cycle, reason=hidden_reason or REASON_PREPARING)
        return Overview(
            report=report,
            departments=tuple(Department(d.team_id or 0, d.name) for d in report.departments),
            teams=len(report.teams),
            shown_teams=0,
            result_id=None,
        )
    result_id, report = head
    parts = CycleResultPart.objects.filter(result_id=result_id)
    counts = parts.filter(kind=CycleResultPart.Kind.TEAM).aggregate(
        teams=Count("pk"), shown=Count("pk", filter=Q(hidden=False))
    )
    departments = parts.filter(kind=CycleResultPart.Kind.DEPARTMENT).order_by("position")
    return Overview(
        report=report,
        departments=tuple(Department(*row) for row in departments.values_list("group_id", "name")),
        teams=counts["teams"],
        shown_teams=counts["shown"],
        result_id=result_id,
    )


def _ordered(parts: QuerySet[CycleResultPart], query: ListingQuery) -> QuerySet[CycleResultPart]:
    if query.sort == SORT_NAME:
        return parts.order_by("-position" if query.descending else "position")
    # The figure as the heatmap prints it; none for a hidden group or cell, and those go last
    # in both directions, by name, so a hidden team's place says nothing of its answers.
    figure = Cast(
        KeyTextTransform(query.sort, KeyTransform(query.metric, "sort_keys")), FloatField()
    )
    by_figure = figure.desc(nulls_last=True) if query.descending else figure.asc(nulls_last=True)
    return parts.annotate(figure=figure).order_by(by_figure, F("position").asc())


def _page(rows: Any, number: str | int | None, per_page: int) -> tuple[Page, str]:
    paginator = Paginator(rows, per_page)
    try:
        return paginator.page(number or 1), ""
    except PageNotAnInteger:
        return paginator.page(1), PAGE_NOT_A_NUMBER
    except EmptyPage:
        return paginator.page(paginator.num_pages), PAGE_OUT_OF_RANGE


def _matches(group: TeamResult | Rollup, query: ListingQuery) -> bool:
    if query.search and query.search.casefold() not in group.name.casefold():
        return False
    if query.department_id is None:
        return True
    if isinstance(group, TeamResult):
        return group.department_id == query.department_id
    return group.team_id == query.department_id


def listing_page(
    *,
    overview: Overview,
    query: ListingQuery,
    page: str | int | None,
    per_page: int = PER_PAGE,
) -> Listing:
    """One page of the cycle's teams (or departments) matching ``query``."""
    departments = query.show == SHOW_DEPARTMENTS
    if overview.result_id is None:
        # Counts only: every group is in the report, none has a figure to sort by.
        groups: list[TeamResult | Rollup] = list(
            overview.report.departments if departments else overview.report.teams
        )
        matching = [g for g in groups if _matches(g, query)]
        if query.sort == SORT_NAME and query.descending:
            matching.reverse()
        found, problem = _page(matching, page, per_page)
        department = next(
            (
                d
                for d in overview.report.departments
                if query.department_id is not None and d.team_id == query.department_id
            ),
            None,
        )
        return Listing(
            page=found, rows=tuple(found.object_list), department=department, page_problem=problem
        )

    parts = CycleResultPart.objects.filter(result_id=overview.result_id)
    kind = CycleResultPart.Kind.DEPARTMENT if departments else CycleResultPart.Kind.TEAM
    chosen = parts.filter(kind=kind)
    if query.department_id is not None and departments:
        chosen = chosen.filter(group_id=query.department_id)
    elif query.department_id is not None:
        chosen = chosen.filter(department=query.department_id)
    if query.search:
        chosen = chosen.filter(name__icontains=query.search[:SEARCH_MAX])
    found, problem = _page(
        _ordered(chosen, query).values_list("summary", flat=True), page, per_page
    )
    rows = tuple(
        stored.rollup_from_summary(summary) if departments else stored.team_from_summary(summary)
        for summary in found.object_list
    )
    department = None
    if query.department_id is not None:
        summary = (
            parts.filter(kind=CycleResultPart.Kind.DEPARTMENT, group_id=query.department_id)
            .values_list("summary", flat=True)
            .first()
        )
        department = stored.rollup_from_summary(summary) if summary else None
    return Listing(page=found, rows=rows, department=department, page_problem=problem)
