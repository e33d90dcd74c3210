"""Report PDFs rendered ahead of time by the worker, kept in the ``"reports"`` storage.

Re-exported by :mod:`assessments.models`; the work is in :mod:`assessments.reports.ready`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.files.storage import Storage, storages
from django.db import models

if TYPE_CHECKING:
    import os

# ReportFile.team_id of the organisation report.
ORGANISATION = 0

# The STORAGES aliases (leadership/settings.py, leadership/storage.py).
REPORTS_STORAGE = "reports"
ZIPS_STORAGE = "zips"


class StorageAlias(Storage):
    """The storage that ``STORAGES`` names ``alias``, looked up on every use, so a model field can
    hold it while tests (or settings) switch backends; Django's ``storages`` handler forgets its
    instances when ``STORAGES`` changes. A custom storage by Django's documented recipe: ``_open``
    and ``_save`` plus the public methods, each handed to the named storage."""

    def __init__(self, alias: str) -> None:
        self.alias = alias

    @property
    def target(self) -> Storage:
        return storages[self.alias]

    def _open(self, name: str, mode: str = "rb") -> Any:
        return self.target.open(name, mode)

    def _save(self, name: str, content: Any) -> str:
        return self.target.save(name, content)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self.target.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename: str | os.PathLike[str]) -> str:
        return self.target.generate_filename(filename)

    def delete(self, name: str) -> None:
        self.target.delete(name)

    def exists(self, name: str) -> bool:
        return self.target.exists(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        return self.target.listdir(path)

    def size(self, name: str) -> int:
        return self.target.size(name)

    def get_modified_time(self, name: str) -> Any:
        return self.target.get_modified_time(name)

    def get_created_time(self, name: str) -> Any:
        return self.target.get_created_time(name)

    def get_accessed_time(self, name: str) -> Any:
        return self.target.get_accessed_time(name)

    def url(self, name: str | None) -> str:
        return self.target.url(name)

    def path(self, name: str) -> str:
        return self.target.path(name)


_aliases = {alias: StorageAlias(alias) for alias in (REPORTS_STORAGE, ZIPS_STORAGE)}


def reports_storage() -> Storage:
    """``FileField(storage=…)`` of the stored report PDFs."""
    return _aliases[REPORTS_STORAGE]


def zips_storage() -> Storage:
    """``FileField(storage=…)`` of the report zips."""
    return _aliases[ZIPS_STORAGE]


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
