"""The respondent's URLs: links that carry a token, and token-free session-scoped pages."""

from __future__ import annotations

from django.urls import path

from assessments.survey import views as survey_views

urlpatterns = [
    # The busiest first: each answer is a save, each step a page.
    path("survey/<str:key>/save/", survey_views.survey_autosave, name="survey-autosave"),
    path("survey/<str:key>/step/<int:number>/", survey_views.survey_step, name="survey-step"),
    path("s/<str:token>/", survey_views.survey_start, name="survey-start"),
    path("t/<str:token>/", survey_views.shared_start, name="shared-start"),
    path("survey/<str:key>/", survey_views.survey_intro, name="survey"),
    path("survey/<str:key>/review/", survey_views.survey_review, name="survey-review"),
    path("survey/<str:key>/submit/", survey_views.survey_submit, name="survey-submit"),
    path("survey/<str:key>/thanks/", survey_views.survey_thanks, name="survey-thanks"),
]
