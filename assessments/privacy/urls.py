"""HR's data-protection URLs (under hr/), in the ``assessments`` namespace."""

from __future__ import annotations

from django.urls import path

from assessments.privacy import views as privacy_views

urlpatterns = [
    path("hr/privacy/", privacy_views.privacy, name="hr-privacy"),
    path("hr/privacy/export/", privacy_views.privacy_export, name="hr-privacy-export"),
    path("hr/privacy/erase/", privacy_views.privacy_erase, name="hr-privacy-erase"),
    path("hr/audit/", privacy_views.audit_log, name="hr-audit"),
]
