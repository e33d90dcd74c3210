"""HR's URLs (under hr/) and the leader's own actions (under me/).

Included from assessments/urls.py without an app_name, so the names live in the
``assessments`` namespace: ``assessments:hr-cycle`` and so on.
"""

from __future__ import annotations

from django.urls import path

from assessments.hr import self_assessment as leader_views
from assessments.hr import views as hr_views

urlpatterns = [
    path("hr/cycles/", hr_views.cycle_list, name="hr-cycles"),
    path("hr/cycles/new/", hr_views.cycle_new, name="hr-cycle-new"),
    path("hr/cycles/<int:cycle_id>/", hr_views.cycle_detail, name="hr-cycle"),
    path(
        "hr/cycles/<int:cycle_id>/state/<str:to>/",
        hr_views.cycle_transition_view,
        name="hr-cycle-transition",
    ),
    path(
        "hr/cycles/<int:cycle_id>/invitations/send/",
        hr_views.cycle_send_invitations,
        name="hr-cycle-send-invitations",
    ),
    path(
        "hr/cycles/<int:cycle_id>/reminders/send/",
        hr_views.cycle_send_reminders,
        name="hr-cycle-send-reminders",
    ),
    path(
        "hr/cycles/<int:cycle_id>/teams/<int:team_id>/",
        hr_views.cycle_team,
        name="hr-cycle-team",
    ),
    path(
        "hr/cycles/<int:cycle_id>/teams/<int:team_id>/shared-link/",
        hr_views.shared_link,
        name="hr-shared-link",
    ),
    path(
        "hr/cycles/<int:cycle_id>/invitations/<int:invitation_id>/link/",
        hr_views.invitation_link,
        name="hr-invitation-link",
    ),
    path("hr/teams/", hr_views.team_list, name="hr-teams"),
    path("hr/teams/new/", hr_views.team_new, name="hr-team-new"),
    path("hr/teams/import/", hr_views.team_import, name="hr-teams-import"),
    path("hr/teams/<int:team_id>/", hr_views.team_edit, name="hr-team-edit"),
    path(
        "me/self-assessment/<int:cycle_id>/<int:team_id>/",
        leader_views.self_assessment_start,
        name="self-assessment-start",
    ),
]
