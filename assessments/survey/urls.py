"""The respondent's URLs: links that carry a token, and token-free session-scoped pages."""

from __future__ import annotations

from django.urls import path

from assessments.survey import views

urlpatterns = [
    # The busiest first: each answer is a save, each step a page.
    path("survey/<str:key>/save/", views.survey_autosave, name="survey-autosave"),
    path("survey/<str:key>/step/<int:number>/", views.survey_step, name="survey-step"),
    path("s/<str:token>/", views.survey_start, name="survey-start"),
    path("t/<str:token>/", views.shared_start, name="shared-start"),
    path("survey/<str:key>/", views.survey_intro, name="survey"),
    path("survey/<str:key>/language/", views.survey_language, name="survey-language"),
    path("survey/<str:key>/review/", views.survey_review, name="survey-review"),
    path("survey/<str:key>/submit/", views.survey_submit, name="survey-submit"),
    path("survey/<str:key>/thanks/", views.survey_thanks, name="survey-thanks"),
]
