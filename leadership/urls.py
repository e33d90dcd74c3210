"""Root URLs. Each app keeps its own namespaced URL module."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from assessments import home
from assessments.reports.api import api
from leadership import account_views, health

urlpatterns = [
    # First: the respondents' pages take most requests, and Django tries patterns in order. No
    # other URL here shares their prefixes.
    path("", include("assessments.urls")),
    path("", home.home, name="home"),
    path("healthz", health.health, name="health"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        account_views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/password/set/<uidb64>/<token>/",
        account_views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/done/",
        account_views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("accounts/language/", account_views.account_language, name="account-language"),
    path("bank/", include("leadership.bank.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
