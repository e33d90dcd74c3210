"""Dashboard pages: a leader's team results and HR's organisation overview.

Thin views: find the cycle and team the user may see, get the anonymity-filtered report from
:func:`assessments.results.access.report_for_viewer`, hand it to
:mod:`assessments.dashboards.pages`, render. Each page issues a fixed number of queries, whatever
the size of the organisation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django_htmx.http import HttpResponseClientRefresh

from assessments.dashboards import org_listing, pages
from assessments.models import Cycle, Team
from assessments.results.access import report_for_viewer, results_preparing
from assessments.results.followup import pulse_focus_changes
from assessments.results.listing import overview_read
from assessments.results.stored import results_are_ready, results_request
from assessments.results.wording import ICC_EXPLANATION
from leadership.roles import hr_required, user_is_hr

if TYPE_CHECKING:
    from django.http import HttpRequest

    from leadership.requests import HtmxHttpRequest

# The team's released cycles drawn in the trend; older ones stay in the cycle list.
TREND_CYCLES = 6


def _team_cycles(team: Team) -> list[Cycle]:
    """Cycles the team takes part in, newest first; drafts are nobody's results yet."""
    return list(Cycle.objects.filter(teams=team).started().newest_first())


@login_required
def my_results(request: HttpRequest) -> HttpResponse:
    """The leader's teams, each with its cycles: a link to every dashboard they may open."""
    teams = list(Team.objects.led_by(request.user).teams_only().order_by("name"))
    cycles: dict[int, list[Cycle]] = {team.pk: [] for team in teams}
    taken_part = (
        Cycle.objects.filter(teams__in=teams).started().annotate(team_id=F("teams")).newest_first()
    )
    for cycle in taken_part:
        cycles[cycle.team_id].append(cycle)
    rows = [(team, cycles[team.pk]) for team in teams]
    return render(request, "assessments/dashboard/my_results.html", {"rows": rows})


@login_required
def team_dashboard(request: HttpRequest, cycle_slug: str, team_slug: str) -> HttpResponse:
    """One team in one cycle. Leaders: their own teams only (others 404); HR: any team."""
    teams = Team.objects.all() if user_is_hr(request.user) else Team.objects.led_by(request.user)
    team = get_object_or_404(teams.teams_only(), slug=team_slug)
    cycles = _team_cycles(team)
    cycle = next((c for c in cycles if c.slug == cycle_slug), None)
    if cycle is None:
        raise Http404
    report = report_for_viewer(cycle=cycle, user=request.user, team_id=team.pk)
    result = report.team(team.pk)
    if result is None:
        raise Http404
    view = pages.team_dashboard(report=report, team=result)
    trend = None
    if view.scores_visible and not cycle.is_pulse:
        # A pulse asks a few pillars of a few teams: it is not a point of the trend.
        released = [c for c in cycles if c.is_released and not c.is_pulse][:TREND_CYCLES]
        if cycle.is_released and len(released) >= 2:
            reports = [
                report
                if c.pk == cycle.pk
                else report_for_viewer(cycle=c, user=request.user, team_id=team.pk, detail=False)
                for c in reversed(released)
            ]
            trend = pages.team_trend(reports=reports, team_id=team.pk)
    return render(
        request,
        "assessments/dashboard/team.html",
        {
            "pulse_changes": pulse_focus_changes(cycle_id=cycle.pk, team=result)
            if view.scores_visible
            else None,
            "team": team,
            "cycle": cycle,
            "cycles": cycles,
            "view": view,
            "result": result,
            "trend": trend,
            "is_hr_view": user_is_hr(request.user),
            "preparing": results_preparing(report),
        },
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def results_status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Polled by a page that shows "being prepared": empty (204) until the worker has stored the
    cycle's results, then a reload of the page (htmx's HX-Refresh). Says nothing but whether a
    cycle's results are ready, which is the same for everyone."""
    cycle = get_object_or_404(Cycle.objects.started(), pk=cycle_id)
    # Asking again (at most every few minutes) recovers a lost task; a task backend that runs at
    # once (the tests') has them ready on return.
    if results_are_ready(cycle) or (
        cycle.has_ended and results_request(cycle) and results_are_ready(cycle)
    ):
        return HttpResponseClientRefresh()
    return HttpResponse(status=204)


@hr_required
def org_dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The organisation's summary and a page of its teams × pillars, for one cycle.

    GET parameters: ``cycle`` (slug), and the heatmap's (see
    :mod:`assessments.dashboards.org_listing`): ``show``, ``department``, ``q``, ``sort``,
    ``order``, ``metric``, ``page``. An htmx request aimed at the heatmap gets only the
    ``heatmap`` partial. Reads the stored summary and one page of stored parts, whatever the size
    of the organisation.
    """
    cycles = list(Cycle.objects.started().newest_first())
    wanted = request.GET.get("cycle")
    cycle = next((c for c in cycles if c.slug == wanted), None) if wanted else None
    if cycle is None:
        # The newest cycle with results to look at (released or closed), else the newest.
        cycle = next((c for c in cycles if c.has_ended), None) or (cycles[0] if cycles else None)
    context: dict[str, Any] = {"icc_explanation": ICC_EXPLANATION, "cycles": cycles, "cycle": cycle}
    if cycle is not None:
        overview = overview_read(cycle=cycle, user=request.user)
        context.update(
            overview=overview,
            report=overview.report,
            org=org_listing.org_heatmap(request.GET, cycle=cycle, overview=overview),
            psychometrics=pages.psychometrics(report=overview.report),
            stats=pages.org_stats(overview=overview),
            preparing=results_preparing(overview.report),
        )
    template = "assessments/dashboard/org.html"
    if getattr(request, "htmx", False) and request.htmx.target == "heatmap":
        template += "#heatmap"
    return render(request, template, context)
