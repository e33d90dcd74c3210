"""HR's data-protection URLs (under hr/), in the ``assessments`` namespace."""

from __future__ import annotations

from django.urls import path

from assessments.privacy import views

urlpatterns = [
    path("hr/privacy/", views.privacy, name="hr-privacy"),
    path("hr/privacy/export/", views.privacy_export, name="hr-privacy-export"),
    path("hr/privacy/erase/", views.privacy_erase, name="hr-privacy-erase"),
    path("hr/audit/", views.audit_log, name="hr-audit"),
]
