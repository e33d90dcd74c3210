"""URLs of the assessments app: the survey, HR's pages, dashboards, reports."""

from __future__ import annotations

app_name = "assessments"
urlpatterns: list = []
