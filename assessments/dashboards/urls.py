"""Dashboard URLs, included from assessments/urls.py into the ``assessments`` namespace."""

from __future__ import annotations

from django.urls import path

from assessments.dashboards import views

urlpatterns = [
    path("results/", views.my_results, name="my-results"),
    path("organisation/", views.org_dashboard, name="org-dashboard"),
    path("results-status/<int:cycle_id>/", views.results_status, name="results-status"),
    path(
        "results/<slug:cycle_slug>/<slug:team_slug>/",
        views.team_dashboard,
        name="team-dashboard",
    ),
]
