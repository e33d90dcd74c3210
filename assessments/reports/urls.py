"""Report downloads and exports, in the ``assessments`` namespace (included from urls.py)."""

from __future__ import annotations

from django.urls import path

from assessments.reports import views as report_views

urlpatterns = [
    path(
        "reports/<int:cycle_id>/teams/<int:team_id>.pdf",
        report_views.team_report_pdf,
        name="team-report-pdf",
    ),
    path(
        "hr/reports/<int:cycle_id>/organisation.pdf",
        report_views.org_report_pdf,
        name="org-report-pdf",
    ),
    path("hr/reports/<int:cycle_id>/all/", report_views.report_jobs, name="report-jobs"),
    path("hr/reports/jobs/<int:job_id>/", report_views.report_job, name="report-job"),
    path(
        "hr/reports/jobs/<int:job_id>/download/",
        report_views.report_job_download,
        name="report-job-download",
    ),
    path(
        "hr/exports/<int:cycle_id>/<str:kind>.<str:fmt>",
        report_views.cycle_export,
        name="cycle-export",
    ),
]
