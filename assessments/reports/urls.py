"""Report downloads and exports, in the ``assessments`` namespace (included from urls.py)."""

from __future__ import annotations

from django.urls import path

from assessments.reports import views

urlpatterns = [
    path(
        "reports/<int:cycle_id>/teams/<int:team_id>.pdf",
        views.team_report_pdf,
        name="team-report-pdf",
    ),
    path(
        "hr/reports/<int:cycle_id>/organisation.pdf",
        views.org_report_pdf,
        name="org-report-pdf",
    ),
    path("hr/reports/<int:cycle_id>/all/", views.report_jobs, name="report-jobs"),
    path("hr/reports/jobs/<int:job_id>/", views.report_job, name="report-job"),
    path(
        "hr/reports/jobs/<int:job_id>/download/",
        views.report_job_download,
        name="report-job-download",
    ),
    path("hr/api-tokens/", views.api_tokens, name="api-tokens"),
    path(
        "hr/api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke_view,
        name="api-token-revoke",
    ),
    path(
        "hr/exports/<int:cycle_id>/<str:kind>.<str:fmt>",
        views.cycle_export,
        name="cycle-export",
    ),
]
