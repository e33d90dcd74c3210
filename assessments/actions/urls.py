"""URLs of plans and debriefs, included from assessments/urls.py into ``assessments``."""

from __future__ import annotations

from django.urls import path

from assessments.actions import views

urlpatterns = [
    path("results/<slug:cycle_slug>/<slug:team_slug>/plan/", views.plan, name="team-plan"),
    path(
        "results/<slug:cycle_slug>/<slug:team_slug>/debrief/",
        views.debrief,
        name="team-debrief",
    ),
    path("plan/<str:token>/", views.shared_plan, name="shared-plan"),
    path("organisation/plans/", views.plans_overview, name="plans-overview"),
]
