"""Report PDFs rendered ahead of time by the worker, kept in the ``"reports"`` storage.

Re-exported by :mod:`assessments.models`; the work is in :mod:`assessments.reports.ready`.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty

# ReportFile.team_id of the organisation report.
ORGANISATION = 0

# The STORAGES aliases (leadership/settings.py, leadership/storage.py).
REPORTS_STORAGE = "reports"
ZIPS_STORAGE = "zips"


class StorageAlias(LazyObject):
    """The storage that ``STORAGES`` names ``alias``, looked up when first used and again after
    ``STORAGES`` changes, so a model field can hold it while tests switch backends."""

    def __init__(self, alias: str) -> None:
        super().__init__()
        self.__dict__["alias"] = alias

    def _setup(self) -> None:
        self._wrapped = storages[self.__dict__["alias"]]


_aliases = {alias: StorageAlias(alias) for alias in (REPORTS_STORAGE, ZIPS_STORAGE)}


def reports_storage() -> Storage:
    """``FileField(storage=…)`` of the stored report PDFs."""
    return _aliases[REPORTS_STORAGE]  # type: ignore[return-value]


def zips_storage() -> Storage:
    """``FileField(storage=…)`` of the report zips."""
    return _aliases[ZIPS_STORAGE]  # type: ignore[return-value]


@receiver(setting_changed)
def _storages_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("STORAGES", "MEDIA_ROOT"):
        for alias in _aliases.values():
            alias._wrapped = empty  # type: ignore[assignment]  # LazyObject's "not set up yet"


class ReportFile(models.Model):
    """One PDF of a cycle (a team's, or the organisation's with ``team_id`` 0), rendered from the
    stored results whose fingerprint it carries.

    A download serves it only while that fingerprint is still the cycle's stored one; when the
    results change, the worker renders new files and deletes these (the row's deletion deletes
    its file). The file's name holds ids and the fingerprint only: nothing about a person.
    """

    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="report_files"
    )
    team_id = models.PositiveIntegerField()
    # CycleResult.fingerprint (nonce included) of the results it was rendered from.
    fingerprint = models.CharField(max_length=64)
    page_size = models.CharField(max_length=8)
    file = models.FileField(storage=reports_storage, max_length=200)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "team_id", "fingerprint", "page_size"],
                name="report_file_once_per_results",
            )
        ]
