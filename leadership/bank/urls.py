from __future__ import annotations

from django.urls import path

from leadership.bank import views

app_name = "leadership"
urlpatterns = [
    path("", views.bank_detail, name="bank"),
    path("<int:bank_id>/", views.bank_detail, name="bank-detail"),
]
