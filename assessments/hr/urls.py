"""HR's URLs (under hr/) and the leader's own actions (under me/).

Included from assessments/urls.py without an app_name, so the names live in the
``assessments`` namespace: ``assessments:hr-cycle`` and so on.
"""

from __future__ import annotations

from django.urls import path

from assessments.hr import change_views, import_views, pulse_views, self_assessment, views

urlpatterns = [
    path("hr/cycles/", views.cycle_list, name="hr-cycles"),
    path("hr/cycles/new/", views.cycle_new, name="hr-cycle-new"),
    path("hr/cycles/<int:cycle_id>/", views.cycle_detail, name="hr-cycle"),
    path("hr/cycles/<int:cycle_id>/pulse/", pulse_views.pulse_new, name="hr-pulse-new"),
    path("hr/cycles/<int:cycle_id>/edit/", change_views.cycle_edit, name="hr-cycle-edit"),
    path(
        "hr/cycles/<int:cycle_id>/delete/",
        change_views.cycle_delete_view,
        name="hr-cycle-delete",
    ),
    path(
        "hr/cycles/<int:cycle_id>/state/<str:to>/",
        change_views.cycle_state_confirm,
        name="hr-cycle-transition",
    ),
    path(
        "hr/cycles/<int:cycle_id>/release-notices/send/",
        change_views.release_notices_resend,
        name="hr-cycle-send-release-notices",
    ),
    path(
        "hr/cycles/<int:cycle_id>/invitations/send/",
        views.cycle_send_invitations,
        name="hr-cycle-send-invitations",
    ),
    path(
        "hr/cycles/<int:cycle_id>/reminders/send/",
        views.cycle_send_reminders,
        name="hr-cycle-send-reminders",
    ),
    path(
        "hr/cycles/<int:cycle_id>/teams/<int:team_id>/",
        views.cycle_team,
        name="hr-cycle-team",
    ),
    path(
        "hr/cycles/<int:cycle_id>/teams/<int:team_id>/shared-link/",
        views.shared_link,
        name="hr-shared-link",
    ),
    path(
        "hr/cycles/<int:cycle_id>/invitations/<int:invitation_id>/link/",
        views.invitation_link,
        name="hr-invitation-link",
    ),
    path("hr/teams/", views.team_list, name="hr-teams"),
    path("hr/teams/new/", views.team_new, name="hr-team-new"),
    path("hr/teams/import/", import_views.team_import, name="hr-teams-import"),
    path(
        "hr/teams/import/preview/",
        import_views.team_import_preview,
        name="hr-teams-import-preview",
    ),
    path("hr/teams/import/apply/", import_views.team_import_apply, name="hr-teams-import-apply"),
    path("hr/teams/import/cancel/", import_views.team_import_cancel, name="hr-teams-import-cancel"),
    path("hr/teams/<int:team_id>/", views.team_edit, name="hr-team-edit"),
    path(
        "hr/teams/<int:team_id>/leaders/<int:user_id>/password-email/",
        views.leader_password_email,
        name="hr-leader-password-email",
    ),
    path(
        "me/self-assessment/<int:cycle_id>/<int:team_id>/",
        self_assessment.self_assessment_start,
        name="self-assessment-start",
    ),
]
