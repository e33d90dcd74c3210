"""The organisation page's heatmap controls: its GET parameters read and checked, and its links.

Every control is a plain link or a GET form field (``cycle``, ``show``, ``department``, ``q``,
``sort``, ``order``, ``metric``, ``page``), so the page works without JavaScript; htmx swaps the
heatmap in place where it runs. A parameter that names nothing of the cycle (a department it
does not have, a pillar it does not ask, a page that is not there) is replaced by the default
and said in a notice, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.dashboards.heatmap import Heatmap, heatmap_page
from assessments.results import listing
from assessments.results.listing import ListingQuery

if TYPE_CHECKING:
    from django.http import QueryDict

    from assessments.models import Cycle
    from assessments.results.report import Rollup

PAGES_AROUND = 2  # page links either side of the current page


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    current: bool = False


@dataclass(frozen=True)
class SortHead:
    label: str
    url: str
    aria_sort: str  # "ascending", "descending" or "none"


@dataclass(frozen=True)
class Pager:
    summary: str
    previous_url: str
    next_url: str
    pages: tuple[Link | None, ...]  # None: a gap ("…")


@dataclass(frozen=True)
class OrgHeatmap:
    query: ListingQuery
    heatmap: Heatmap
    pager: Pager
    name_head: SortHead
    pillar_heads: tuple[SortHead, ...]
    metric_links: tuple[Link, ...]
    show_links: tuple[Link, ...]
    sort_choices: tuple[tuple[str, str], ...]  # (value, label) for the form's sort field
    notices: tuple[str, ...]
    reset_url: str


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def query_read(
    params: QueryDict, *, overview: listing.Overview
) -> tuple[ListingQuery, tuple[str, ...]]:
    """The listing asked for, and what was wrong with the asking (as notices)."""
    notices: list[str] = []
    show = params.get("show", "")
    show = show if show in listing.SHOWS else listing.SHOW_TEAMS
    metric = params.get("metric", "")
    metric = metric if metric in listing.METRICS else listing.METRIC_MEAN
    department_id = None
    wanted = params.get("department", "").strip()
    if wanted:
        found = overview.department(int(wanted)) if wanted.isdigit() else None
        if found is None:
            notices.append(_("This cycle has no such department: showing every department."))
        else:
            department_id = found.team_id
            show = listing.SHOW_TEAMS  # a department chosen shows its teams
    sort = params.get("sort", "").strip() or listing.SORT_NAME
    if sort != listing.SORT_NAME and sort not in {p.key for p in overview.report.pillars}:
        notices.append(
            _("This cycle asks no pillar “%(sort)s”: sorted by name.") % {"sort": sort[:40]}
        )
        sort = listing.SORT_NAME
    query = ListingQuery(
        show=show,
        department_id=department_id,
        search=" ".join(params.get("q", "").split())[: listing.SEARCH_MAX],
        sort=sort,
        metric=metric,
        descending=params.get("order") == "desc",
    )
    return query, tuple(notices)


def _params(cycle: Cycle, query: ListingQuery, **changes: str | int) -> dict[str, str | int]:
    # Defaults are left out, so the links stay short and the default page has one address.
    params: dict[str, str | int] = {
        "cycle": cycle.slug,
        "show": "" if query.show == listing.SHOW_TEAMS else query.show,
        "department": query.department_id or "",
        "q": query.search,
        "sort": "" if query.sort == listing.SORT_NAME else query.sort,
        "order": "desc" if query.descending else "",
        "metric": "" if query.metric == listing.METRIC_MEAN else query.metric,
    }
    params.update(changes)
    if params.get("page") == 1:
        del params["page"]
    return {key: value for key, value in params.items() if value != ""}


def _url(cycle: Cycle, query: ListingQuery, **changes: str | int) -> str:
    base = reverse("assessments:org-dashboard")
    params = _params(cycle, query, **changes)
    return f"{base}?{urlencode(params)}" if params else base


def _sort_head(cycle: Cycle, query: ListingQuery, *, key: str, label: str) -> SortHead:
    if query.sort != key:
        # A pillar's first click puts the highest first; the name's, A to Z.
        order = "" if key == listing.SORT_NAME else "desc"
        return SortHead(label, _url(cycle, query, sort=key, order=order, page=""), "none")
    flipped = "" if query.descending else "desc"
    current = "descending" if query.descending else "ascending"
    return SortHead(label, _url(cycle, query, sort=key, order=flipped, page=""), current)


def _pager(cycle: Cycle, query: ListingQuery, found: listing.Listing) -> Pager:
    page = found.page
    count = page.paginator.count
    departments = query.show == listing.SHOW_DEPARTMENTS
    if not count:
        summary = _("No department matches.") if departments else _("No team matches.")
    else:
        numbers = {
            "first": _number(page.start_index()),
            "last": _number(page.end_index()),
            "count": _number(count),
        }
        if departments:
            summary = ngettext(
                "Showing %(first)s–%(last)s of %(count)s department",
                "Showing %(first)s–%(last)s of %(count)s departments",
                count,
            )
        else:
            summary = ngettext(
                "Showing %(first)s–%(last)s of %(count)s team",
                "Showing %(first)s–%(last)s of %(count)s teams",
                count,
            )
        summary %= numbers
    last = page.paginator.num_pages
    pages: list[Link | None] = []
    shown = sorted(
        {
            1,
            last,
            *range(max(1, page.number - PAGES_AROUND), min(last, page.number + PAGES_AROUND) + 1),
        }
    )
    for index, number in enumerate(shown):
        if index and number - shown[index - 1] > 1:
            pages.append(None)
        pages.append(Link(_number(number), _url(cycle, query, page=number), number == page.number))
    return Pager(
        summary=summary,
        previous_url=_url(cycle, query, page=page.number - 1) if page.has_previous() else "",
        next_url=_url(cycle, query, page=page.number + 1) if page.has_next() else "",
        pages=tuple(pages) if last > 1 else (),
    )


def org_heatmap(params: QueryDict, *, cycle: Cycle, overview: listing.Overview) -> OrgHeatmap:
    """The heatmap card of the organisation page, for the page asked for in ``params``."""
    query, notices = query_read(params, overview=overview)
    found = listing.listing_page(overview=overview, query=query, page=params.get("page"))
    number = params.get("page", "")[:12]
    if found.page_problem == listing.PAGE_NOT_A_NUMBER:
        notices += (
            _("“%(page)s” is not a page number: showing the first page.") % {"page": number},
        )
    elif found.page_problem == listing.PAGE_OUT_OF_RANGE:
        notices += (
            _("There is no page %(page)s: showing page %(last)s.")
            % {"page": number, "last": _number(found.page.number)},
        )

    def department_url(rollup: Rollup) -> str:
        if rollup.team_id is None:
            return ""
        return _url(cycle, query, show="", department=rollup.team_id, q="", page="")

    heatmap = heatmap_page(
        report=overview.report,
        rows=found.rows,
        metric=query.metric,
        department=found.department,
        department_url=department_url,
    )
    pillars = overview.report.pillars
    name_label = _("Department") if query.show == listing.SHOW_DEPARTMENTS else _("Team")
    return OrgHeatmap(
        query=query,
        heatmap=heatmap,
        pager=_pager(cycle, query, found),
        name_head=_sort_head(cycle, query, key=listing.SORT_NAME, label=name_label),
        pillar_heads=tuple(_sort_head(cycle, query, key=p.key, label=p.name) for p in pillars),
        metric_links=(
            Link(
                _("Average score"),
                _url(cycle, query, metric="", page=""),
                query.metric == listing.METRIC_MEAN,
            ),
            Link(
                _("Favourable %"),
                _url(cycle, query, metric=listing.METRIC_FAVOURABLE, page=""),
                query.metric == listing.METRIC_FAVOURABLE,
            ),
        ),
        show_links=(
            Link(
                _("Teams"), _url(cycle, query, show="", page=""), query.show == listing.SHOW_TEAMS
            ),
            Link(
                _("Departments"),
                _url(cycle, query, show=listing.SHOW_DEPARTMENTS, department="", page=""),
                query.show == listing.SHOW_DEPARTMENTS,
            ),
        ),
        sort_choices=((listing.SORT_NAME, _("Name")), *((p.key, p.name) for p in pillars)),
        notices=notices,
        reset_url=_url(cycle, ListingQuery()),
    )
