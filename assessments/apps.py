from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        # Connects the receivers that delete a job's zip with the job (or its cycle), a stored
        # report with its row, and that render a cycle's PDFs once its results are stored.
        from assessments.models.audit import audit_requested_record
        from assessments.reports import ready, zips  # noqa: F401
        from leadership.audit import audit_requested

        # The question bank (leadership/) reports HR's edits through a signal.
        audit_requested.connect(audit_requested_record, dispatch_uid="assessments-audit")
