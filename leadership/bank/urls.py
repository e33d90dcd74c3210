from __future__ import annotations

from django.urls import path

from leadership.bank import import_views, views

app_name = "leadership"
urlpatterns = [
    path("", views.bank_detail, name="bank"),
    path("<int:bank_id>/", views.bank_detail, name="bank-detail"),
    path("<int:bank_id>/export.csv", import_views.bank_export_csv, name="bank-export"),
    path("import/", import_views.bank_import_upload, name="bank-import"),
    path("import/preview/", import_views.bank_import_preview_page, name="bank-import-preview"),
    path("import/apply/", import_views.bank_import_apply, name="bank-import-apply"),
    path("import/cancel/", import_views.bank_import_cancel, name="bank-import-cancel"),
    path("<int:bank_id>/questions/new/", views.question_new, name="question-new"),
    path("questions/<int:question_id>/", views.question_edit, name="question-edit"),
    path(
        "questions/<int:question_id>/move/<str:direction>/",
        views.question_move,
        name="question-move",
    ),
    path("questions/<int:question_id>/retire/", views.question_retire, name="question-retire"),
    path("questions/<int:question_id>/restore/", views.question_restore, name="question-restore"),
    path("<int:bank_id>/pillars/new/", views.pillar_new, name="pillar-new"),
    path("pillars/<int:pillar_id>/", views.pillar_edit, name="pillar-edit"),
    path("pillars/<int:pillar_id>/move/<str:direction>/", views.pillar_move, name="pillar-move"),
]
