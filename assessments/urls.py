"""URLs of the assessments app: the survey, HR's pages, dashboards, reports."""

from __future__ import annotations

from django.urls import include, path

app_name = "assessments"
urlpatterns: list = [
    # The respondent's pages first: they take most of the requests, and no other URL starts
    # with their prefixes (s/, t/, survey/).
    path("", include("assessments.survey.urls")),
    path("", include("assessments.hr.urls")),
    path("", include("assessments.dashboards.urls")),
    path("", include("assessments.privacy.urls")),
    path("", include("assessments.reports.urls")),
    path("", include("assessments.actions.urls")),
]
