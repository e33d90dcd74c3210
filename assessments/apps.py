from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # Connects the receiver that deletes a job's zip with the job (or its cycle).
        from assessments.models.audit import audit_requested_record
        from assessments.reports import zips  # noqa: F401
        from leadership.audit import audit_requested

        # The question bank (leadership/) reports HR's edits through a signal.
        audit_requested.connect(audit_requested_record, dispatch_uid="assessments-audit")
