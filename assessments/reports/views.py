"""Downloads: team and organisation PDFs, the all-teams zip (a background job), CSV/XLSX exports.

Who may download what is decided by :func:`assessments.results.access.report_for_viewer`: HR any
team, a leader their own teams once results are released, nobody while a cycle is open. What is
not theirs to see is a 404, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.models import ApiToken, AuditEvent, Cycle, ReportJob, Team
from assessments.models.files import ORGANISATION
from assessments.reports import content, exports, ready
from assessments.reports.api_tokens import ApiTokenError, api_token_issue, api_token_revoke
from assessments.reports.forms import ApiTokenForm
from assessments.reports.jobs import report_job_start
from assessments.results.access import report_for_viewer, results_preparing
from assessments.results.report import suppressed_reason_text
from leadership.roles import hr_required

if TYPE_CHECKING:
    from django.core.files import File
    from django.http import HttpRequest
    from django.http.response import HttpResponseBase

    from assessments.results.report import CycleReport
    from leadership.requests import HtmxHttpRequest

PDF_CONTENT_TYPE = "application/pdf"


def _page_size(request: HttpRequest) -> str | None:
    size = request.GET.get("size", "").lower()
    return size if size in content.pdf.PAGE_SIZES else None


def _attachment(data: bytes, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _preparing() -> HttpResponse:
    """The worker has not stored the cycle's results yet: say so, and when to try again."""
    response = HttpResponse(
        _("The results of this cycle are being prepared. Try again in a minute."),
        status=503,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "30"
    return response


def _stored_attachment(handle: File, *, filename: str) -> FileResponse:
    """A stored PDF, streamed from its storage (a disk or a private bucket) by the app: objects
    are never handed out as URLs, so the access check and the audit above run for every download
    and nothing outlives the response."""
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=PDF_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def team_report_pdf(request: HttpRequest, cycle_id: int, team_id: int) -> HttpResponseBase:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    # The access check runs for every download, stored file or not: a 404 for a team the viewer
    # may not see, whatever its id.
    report = report_for_viewer(cycle=cycle, user=request.user, team_id=team_id, detail=False)
    team = report.team(team_id)
    if team is not None and results_preparing(report):
        return _preparing()
    if team is None or not report.scores_visible:
        raise Http404
    size = _page_size(request)
    filename = content.report_filename(cycle_name=cycle.name, team_name=team.name)
    stored = ready.report_file_open(
        cycle_id=cycle.pk, team_id=team_id, page_size=size or content.pdf.page_size_default()
    )
    data = b""
    if stored is None:  # not rendered by the worker yet (or another page size): render it now
        report = report_for_viewer(cycle=cycle, user=request.user, team_id=team_id, detail=True)
        team = report.team(team_id)
        if team is None:
            raise Http404
        data = content.team_report_render(report=report, team=team, page_size=size)
    AuditEvent.record(
        actor=request.user,
        action="report.downloaded",
        target=f"{cycle.name} / {team.name}",
        detail={"kind": "team", "cycle_id": cycle.pk, "team_id": team_id, "size": size or ""},
    )
    if stored is not None:
        return _stored_attachment(stored, filename=filename)
    return _attachment(data, filename=filename, content_type=PDF_CONTENT_TYPE)


@hr_required
@require_GET
def org_report_pdf(request: HttpRequest, cycle_id: int) -> HttpResponseBase:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    report = report_for_viewer(cycle=cycle, user=request.user, detail=False)
    if results_preparing(report):
        return _preparing()
    if not report.scores_visible:
        raise Http404
    size = _page_size(request)
    stored = ready.report_file_open(
        cycle_id=cycle.pk,
        team_id=ORGANISATION,
        page_size=size or content.pdf.page_size_default(),
    )
    data = b""
    if stored is None:  # render it now, with the teams' questions: the org's best and worst
        report = report_for_viewer(cycle=cycle, user=request.user, detail=True)
        data = content.org_report_render(report=report, page_size=size)
    AuditEvent.record(
        actor=request.user,
        action="report.downloaded",
        target=cycle.name,
        detail={"kind": "organisation", "cycle_id": cycle.pk, "size": size or ""},
    )
    filename = content.report_filename(cycle_name=cycle.name, team_name="organisation")
    if stored is not None:
        return _stored_attachment(stored, filename=filename)
    return _attachment(data, filename=filename, content_type=PDF_CONTENT_TYPE)


# --- The reports page: every team's PDF, the organisation's, the zips ----------------------


@dataclass(frozen=True)
class TeamReportRow:
    """One team on the reports page: who it is, how many answered, whether scores are shown."""

    team_id: int
    name: str
    department: str
    leaders: tuple[str, ...]
    n: int
    invited: int
    hidden: bool
    hidden_reason: str  # in words; "" when the team's scores are shown
    pdf_url: str


def _leader_names(team_ids: list[int]) -> dict[int, list[str]]:
    """The leaders of the teams ``team_ids``, by team id, in one query.

    By the report's teams, not the cycle's: a team removed from the cycle after people answered
    for it is still in the report, and still has its leaders.
    """
    links = (
        Team.leaders.through.objects.filter(team_id__in=team_ids)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    names: dict[int, list[str]] = {}
    for link in links:
        user = link.user
        names.setdefault(link.team_id, []).append(
            user.get_full_name() or user.email or user.get_username()
        )
    return names


def _team_rows(*, cycle: Cycle, report: CycleReport) -> list[TeamReportRow]:
    """Every team of the report, by department then name, with the URL of its PDF (A4)."""
    leaders = _leader_names([team.team_id for team in report.teams])
    # The team's id is the last part of the URL: reverse once, not once per team.
    base = reverse("assessments:team-report-pdf", args=[cycle.pk, 0]).removesuffix("0.pdf")
    rows = [
        TeamReportRow(
            team_id=team.team_id,
            name=team.name,
            department=team.department,
            leaders=tuple(leaders.get(team.team_id, ())),
            n=team.n,
            invited=team.invited,
            hidden=team.suppressed,
            hidden_reason=suppressed_reason_text(team.suppressed_reason),
            pdf_url=f"{base}{team.team_id}.pdf",
        )
        for team in report.teams
    ]
    rows.sort(
        key=lambda row: (row.department == "", row.department.casefold(), row.name.casefold())
    )
    return rows


# --- All team reports as one zip ------------------------------------------------------------


def _zips_allowed(cycle: Cycle) -> bool:
    """Reports exist once a cycle has closed: while it is open, scores would still move."""
    return cycle.has_ended


def _job_context(job: ReportJob) -> dict[str, object]:
    return {
        "job": job,
        "cycle": job.cycle,
        "finished": job.is_finished,
        "can_start": _zips_allowed(job.cycle),
        "zip_days": settings.PILLARS_REPORT_ZIP_DAYS,
        "stall_minutes": ReportJob.stall_minutes(),
    }


@hr_required
@require_http_methods(["GET", "POST"])
def report_jobs(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """The cycle's reports: every team's PDF, the organisation's, exports and the zips."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    if request.method == "POST":
        if not _zips_allowed(cycle):
            raise Http404
        job = report_job_start(cycle=cycle, user=request.user, page_size=_page_size(request))
        AuditEvent.record(
            actor=request.user,
            action="report.bulk_requested",
            target=cycle.name,
            detail={"cycle_id": cycle.pk, "job_id": job.pk},
        )
        return redirect("assessments:report-job", job_id=job.pk)
    jobs = list(ReportJob.objects.filter(cycle=cycle).order_by("-created_at")[:10])
    for job in jobs:
        job.stop_if_stalled()
    can_start = _zips_allowed(cycle)
    teams: list[TeamReportRow] = []
    preparing = False
    if can_start:
        report = report_for_viewer(cycle=cycle, user=request.user, detail=False)
        teams = _team_rows(cycle=cycle, report=report)
        preparing = results_preparing(report)
    return render(
        request,
        "assessments/reports/jobs.html",
        {
            "cycle": cycle,
            "jobs": jobs,
            "can_start": can_start,
            "zip_days": settings.PILLARS_REPORT_ZIP_DAYS,
            "teams": teams,
            "hidden_count": sum(row.hidden for row in teams),
            "preparing": preparing,
        },
    )


@hr_required
@require_GET
def report_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    """One job's progress; htmx polls the ``progress`` partial until the job is finished."""
    job = get_object_or_404(ReportJob.objects.select_related("cycle"), pk=job_id)
    job.stop_if_stalled()
    if request.htmx:
        return render(request, "assessments/reports/job.html#progress", _job_context(job))
    return render(request, "assessments/reports/job.html", _job_context(job))


@hr_required
@require_GET
def report_job_download(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """The zip; once deleted (expired or replaced), the job's page saying so, as 410 Gone."""
    job = get_object_or_404(ReportJob.objects.select_related("cycle"), pk=job_id)
    if job.state not in (ReportJob.State.DONE, *ReportJob.GONE_STATES):
        raise Http404  # queued, running or failed: there never was a zip
    try:
        handle = job.file.open("rb") if job.is_downloadable else None
    except FileNotFoundError:  # deleted by a clean-up a moment ago
        handle = None
    if handle is None:
        context = _job_context(job) | {"gone": True}
        return render(request, "assessments/reports/job.html", context, status=410)
    AuditEvent.record(
        actor=request.user,
        action="report.downloaded",
        target=job.cycle.name,
        detail={"kind": "zip", "cycle_id": job.cycle_id, "job_id": job.pk},
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=content.report_filename(cycle_name=job.cycle.name, suffix="zip"),
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- CSV / XLSX exports ---------------------------------------------------------------------


@hr_required
@require_GET
def cycle_export(request: HttpRequest, cycle_id: int, kind: str, fmt: str) -> HttpResponse:
    """``kind`` scores or comments, ``fmt`` csv or xlsx."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    if kind not in exports.KINDS or fmt not in ("csv", "xlsx"):
        raise Http404
    report = report_for_viewer(cycle=cycle, user=request.user, detail=kind == "comments")
    if not report.scores_visible:
        raise Http404
    table = exports.scores_table(report) if kind == "scores" else exports.comments_table(report)
    AuditEvent.record(
        actor=request.user,
        action="export.downloaded",
        target=cycle.name,
        detail={"kind": kind, "format": fmt, "cycle_id": cycle.pk},
    )
    filename = content.report_filename(cycle_name=cycle.name, team_name=kind, suffix=fmt)
    if fmt == "csv":
        return _attachment(
            exports.table_to_csv(table), filename=filename, content_type=exports.CSV_CONTENT_TYPE
        )
    return _attachment(
        exports.table_to_xlsx(table), filename=filename, content_type=exports.XLSX_CONTENT_TYPE
    )


# --- Scores API tokens ----------------------------------------------------------------------


def _token_shown(request: HttpRequest, *, row: ApiToken, token: str) -> HttpResponse:
    response = render(
        request,
        "assessments/reports/api_token_shown.html",
        {"row": row, "token": token, "back": reverse("assessments:api-tokens")},
    )
    # The page carries a live secret: never cached, never sent on in a Referer.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@hr_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """Every scores-API token, its owner, expiry and last use; a form to issue one."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row, token = api_token_issue(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                actor=request.user,
            )
        except ApiTokenError as error:
            form.add_error(None, str(error))
        else:
            return _token_shown(request, row=row, token=token)
    now = timezone.now()
    rows = [(row, row.status(now)) for row in ApiToken.objects.select_related("user", "created_by")]
    return render(
        request,
        "assessments/reports/api_tokens.html",
        {"form": form, "rows": rows, "api_url": request.build_absolute_uri("/api/cycles/")},
        status=400 if form.errors else 200,
    )


@hr_required
@require_POST
def api_token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    row = get_object_or_404(ApiToken.objects.select_related("user"), pk=token_id)
    if api_token_revoke(row=row, actor=request.user):
        messages.success(request, _("“%s” is revoked: it no longer opens the API.") % row.name)
    else:
        messages.info(request, _("“%s” was already revoked.") % row.name)
    return redirect("assessments:api-tokens")
