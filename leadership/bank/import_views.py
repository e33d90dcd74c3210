"""Question bank → Import: upload a bank file, check what it changes, then apply it or cancel.

The same flow as the teams import (``assessments/hr/import_views.py``): the file waits on the
server (:mod:`leadership.uploads`) and is applied only if the preview it confirms is still what
it would do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from leadership.audit import audit_send
from leadership.bank.edits import bank_drafts_follow
from leadership.bank.forms import BankImportForm
from leadership.bank.io import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    BankPreview,
    bank_export,
    bank_import,
    bank_import_preview,
    bank_parse,
    translated_columns,
)
from leadership.csvfiles import CsvImportError
from leadership.models import DEFAULT_BANK_NAME, QuestionBank
from leadership.roles import hr_required
from leadership.uploads import (
    ERROR_UPLOAD_GONE,
    UploadGone,
    upload_forget,
    upload_keep,
    upload_take,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

KIND = "bank"
PREVIEW_ROWS = 10
ERROR_PREVIEW_STALE = _(
    "The bank changed since this preview was made. Here is what the file would do now: check "
    "it again."
)


def _gone(request: HttpRequest) -> HttpResponse:
    messages.error(request, ERROR_UPLOAD_GONE % {"minutes": settings.PILLARS_UPLOAD_KEEP_MINUTES})
    return redirect("leadership:bank-import")


def _preview_page(
    request: HttpRequest, preview: BankPreview, filename: str, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "leadership/bank_import_preview.html",
        {"preview": preview, "filename": filename, "preview_rows": PREVIEW_ROWS},
        status=status,
    )


@hr_required
def bank_import_upload(request: HttpRequest) -> HttpResponse:
    banks = QuestionBank.objects.order_by("name")
    default = banks.filter(name=DEFAULT_BANK_NAME).first() or banks.first()
    form = BankImportForm(
        request.POST or None,
        request.FILES or None,
        initial={"name": request.GET.get("bank") or (default.name if default else "")},
    )
    error: CsvImportError | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            bank_parse(data=data)
        except CsvImportError as caught:
            error = caught
        else:
            upload_keep(
                request=request,
                kind=KIND,
                data=data,
                filename=upload.name,
                meta={"name": form.cleaned_data["name"].strip()},
            )
            return redirect("leadership:bank-import-preview")
    return render(
        request,
        "leadership/bank_import.html",
        {
            "form": form,
            "problems": error.problems if error else [],
            "problems_note": error.note if error else "",
            "banks": banks,
            "required": REQUIRED_COLUMNS,
            "optional": OPTIONAL_COLUMNS,
            "translated": translated_columns(),
        },
        status=400 if error else 200,
    )


@never_cache
@hr_required
def bank_import_preview_page(request: HttpRequest) -> HttpResponse:
    try:
        kept = upload_take(request=request, kind=KIND)
    except UploadGone:
        return _gone(request)
    preview = bank_import_preview(name=kept.meta["name"], spec=bank_parse(data=kept.data))
    return _preview_page(request, preview, kept.filename)


@require_POST
@hr_required
def bank_import_apply(request: HttpRequest) -> HttpResponse:
    try:
        kept = upload_take(request=request, kind=KIND)
    except UploadGone:
        return _gone(request)
    spec = bank_parse(data=kept.data)
    name = kept.meta["name"]
    with transaction.atomic():
        preview = bank_import_preview(name=name, spec=spec)
        if preview.digest != request.POST.get("digest"):
            messages.warning(request, ERROR_PREVIEW_STALE)
            return _preview_page(request, preview, kept.filename, status=409)
        summary = bank_import(name=name, spec=spec)
        bank_drafts_follow(bank=summary.bank)
        audit_send(
            actor=request.user,
            action="bank.import",
            target=summary.bank.name,
            detail={
                "created": summary.created,
                "versioned": summary.versioned,
                "updated": summary.updated,
                "retired": summary.retired,
            },
        )
    upload_forget(request=request, kind=KIND)
    messages.success(
        request,
        _(
            "Bank “%(name)s” imported: %(created)s questions added, %(versioned)s new versions, "
            "%(updated)s updated, %(retired)s retired."
        )
        % {
            "name": summary.bank.name,
            "created": summary.created,
            "versioned": summary.versioned,
            "updated": summary.updated,
            "retired": summary.retired,
        },
    )
    return redirect(reverse("leadership:bank-detail", args=[summary.bank.pk]))


@require_POST
@hr_required
def bank_import_cancel(request: HttpRequest) -> HttpResponse:
    upload_forget(request=request, kind=KIND)
    messages.info(request, _("Nothing was imported; the uploaded file is deleted."))
    return redirect("leadership:bank-import")


@hr_required
def bank_export_csv(request: HttpRequest, bank_id: int) -> HttpResponse:
    """The bank's current questions in the import format, to edit in a spreadsheet."""
    bank = get_object_or_404(QuestionBank, pk=bank_id)
    response = HttpResponse(
        bank_export(bank=bank).encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    filename = f"bank-{slugify(bank.name) or bank.pk}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
