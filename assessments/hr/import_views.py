"""HR → Teams → Import: upload a file, check its preview, then apply it or cancel.

The uploaded file waits on the server (:mod:`leadership.uploads`) between the preview and the
confirmation; the confirmation applies the import only if the preview it confirms is still what
the file would do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assessments.hr.forms import TeamImportForm
from assessments.hr.team_imports import PREVIEW_ROWS, ImportPreview, teams_import_preview
from assessments.hr.teams import (
    NEW_ACCOUNTS_MESSAGE,
    TEAM_IMPORT_COLUMNS,
    TEAM_IMPORT_MAX_BYTES,
    TEAM_IMPORT_MAX_ROWS,
    CsvImportError,
    teams_import_apply,
    teams_import_plan,
)
from leadership.languages import language_codes
from leadership.roles import hr_required
from leadership.uploads import (
    ERROR_UPLOAD_GONE,
    UploadGone,
    upload_forget,
    upload_keep,
    upload_take,
)

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

KIND = "teams"
ERROR_PREVIEW_STALE = _(
    "The teams changed since this preview was made (another import or an edit). Here is what "
    "the file would do now: check it again."
)


def _upload_page(
    request: HttpRequest, form: TeamImportForm, error: CsvImportError | None = None
) -> HttpResponse:
    return render(
        request,
        "assessments/hr/team_import.html",
        {
            "form": form,
            "problems": error.problems if error else [],
            "problems_note": error.note if error else "",
            "columns": TEAM_IMPORT_COLUMNS,
            "max_bytes": TEAM_IMPORT_MAX_BYTES,
            "max_rows": TEAM_IMPORT_MAX_ROWS,
            "language_codes": language_codes(),
        },
        status=400 if error else 200,
    )


def _preview_page(
    request: HttpRequest, preview: ImportPreview, filename: str, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "assessments/hr/team_import_preview.html",
        {"preview": preview, "filename": filename, "preview_rows": PREVIEW_ROWS},
        status=status,
    )


def _gone(request: HttpRequest) -> HttpResponse:
    messages.error(request, ERROR_UPLOAD_GONE % {"minutes": settings.PILLARS_UPLOAD_KEEP_MINUTES})
    return redirect("assessments:hr-teams-import")


@hr_required
def team_import(request: HttpRequest) -> HttpResponse:
    """The upload form; a file that reads cleanly is kept and its preview shown next."""
    form = TeamImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            teams_import_plan(data)
        except CsvImportError as error:
            return _upload_page(request, form, error)
        upload_keep(request=request, kind=KIND, data=data, filename=upload.name)
        return redirect("assessments:hr-teams-import-preview")
    return _upload_page(request, form)


@never_cache
@hr_required
def team_import_preview(request: HttpRequest) -> HttpResponse:
    """What the kept file would change now. Nothing is written."""
    try:
        kept = upload_take(request=request, kind=KIND)
    except UploadGone:
        return _gone(request)
    preview = teams_import_preview(teams_file=teams_import_plan(kept.data))
    return _preview_page(request, preview, kept.filename)


@require_POST
@hr_required
def team_import_apply(request: HttpRequest) -> HttpResponse:
    """Apply the kept file, all or nothing, if it still does what the confirmed preview said."""
    try:
        kept = upload_take(request=request, kind=KIND)
    except UploadGone:
        return _gone(request)
    teams_file = teams_import_plan(kept.data)
    with transaction.atomic():
        preview = teams_import_preview(teams_file=teams_file)
        if preview.digest != request.POST.get("digest"):
            messages.warning(request, ERROR_PREVIEW_STALE)
            return _preview_page(request, preview, kept.filename, status=409)
        result = teams_import_apply(
            plans=teams_file.plans,
            actor=request.user,
            detail={
                "members_removed": len(preview.members_removed),
                "leaders_removed": len(preview.leaders_removed),
                "moved": len(preview.moved),
                "open_cycles": [effect.cycle.pk for effect in preview.open_cycles],
            },
        )
    upload_forget(request=request, kind=KIND)
    messages.success(
        request,
        _(
            "Imported: %(created)s new teams, %(changed)s changed; %(added)s members added, "
            "%(removed)s removed."
        )
        % {
            "created": result.teams_created,
            "changed": len(preview.changed),
            "added": len(preview.members_added),
            "removed": len(preview.members_removed),
        },
    )
    if result.leader_accounts_created:
        messages.info(request, NEW_ACCOUNTS_MESSAGE % ", ".join(result.leader_accounts_created))
    return redirect("assessments:hr-teams")


@require_POST
@hr_required
def team_import_cancel(request: HttpRequest) -> HttpResponse:
    upload_forget(request=request, kind=KIND)
    messages.info(request, _("Nothing was imported; the uploaded file is deleted."))
    return redirect("assessments:hr-teams-import")
