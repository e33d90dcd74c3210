"""HR's data-protection pages: subject access and erasure, and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assessments.models import AuditEvent
from assessments.privacy.subject import (
    ErasureRefused,
    subject_erase,
    subject_export,
    subject_export_record,
    subject_lookup_record,
)
from leadership.roles import hr_required

if TYPE_CHECKING:
    from django.http import HttpRequest

AUDIT_PAGE_SIZE = 50
ERROR_CONFIRM_MISMATCH = gettext_lazy("Type the same address again to confirm the erasure.")


class SubjectForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ErasureForm(SubjectForm):
    confirm = forms.EmailField(
        label=gettext_lazy("Type the address again to confirm"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        email, confirm = data.get("email"), data.get("confirm")
        if email and confirm and email.strip().casefold() != confirm.strip().casefold():
            raise forms.ValidationError(ERROR_CONFIRM_MISMATCH)
        return data


def _held_counts(data: dict) -> dict[str, int]:
    return {
        "accounts": len(data["accounts"]),
        "teams_led": sum(len(account["teams_led"]) for account in data["accounts"]),
        "memberships": len(data["team_memberships"]),
        "invitations": len(data["invitations"]),
        "audit_events": len(data["audit_events_as_actor"]),
        "sign_ins": len(data["sign_in_records"]),
    }


@hr_required
def privacy(request: HttpRequest) -> HttpResponse:
    """Look an address up (counts only), then download everything as JSON or erase it."""
    form = SubjectForm(request.GET or None)
    held = None
    email = ""
    if form.is_valid():
        email = form.cleaned_data["email"]
        held = _held_counts(subject_lookup_record(email=email, actor=request.user))
    return render(
        request,
        "assessments/privacy/privacy.html",
        {
            "form": form,
            "email": email,
            "held": held,
            "anything_held": bool(held and any(held.values())),
            "erase_form": ErasureForm(initial={"email": email}),
        },
    )


@hr_required
def privacy_export(request: HttpRequest) -> HttpResponse:
    form = SubjectForm(request.GET)
    if not form.is_valid():
        return redirect("assessments:hr-privacy")
    email = form.cleaned_data["email"]
    data = subject_export_record(email=email, actor=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="pillars-subject-data-{stamp}.json"'
    response["Cache-Control"] = "no-store"
    return response


@hr_required
@require_POST
def privacy_erase(request: HttpRequest) -> HttpResponse:
    form = ErasureForm(request.POST)
    if not form.is_valid():
        email = request.POST.get("email", "")
        held = None
        if SubjectForm({"email": email}).is_valid():
            held = _held_counts(subject_export(email=email))
        return render(
            request,
            "assessments/privacy/privacy.html",
            {
                "form": SubjectForm({"email": email}),
                "email": email,
                "held": held,
                "anything_held": bool(held and any(held.values())),
                "erase_form": form,
            },
            status=400,
        )
    email = form.cleaned_data["email"]
    try:
        summary = subject_erase(email=email, actor=request.user)
    except ErasureRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Erased everything held about %(email)s: %(accounts)s accounts, %(memberships)s "
                "team memberships, %(invitations)s invitations stripped of the address (and any "
                "answers in progress), %(signins)s sign-in records."
            )
            % {
                "email": email,
                "accounts": summary.accounts,
                "memberships": summary.memberships,
                "invitations": summary.invitations_anonymised,
                "signins": summary.sign_in_records,
            },
        )
    return redirect("assessments:hr-privacy")


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("Action"), required=False)
    actor = forms.CharField(label=gettext_lazy("Who"), required=False, max_length=200)
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All actions")), *((a, a) for a in actions)]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@hr_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every recorded HR action, newest first, filterable by action, person and dates."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"].strip())
        if data["since"]:
            events = events.filter(created_at__gte=_day_start(data["since"]))
        if data["until"]:
            events = events.filter(created_at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    page = Paginator(events.order_by("-created_at", "-pk"), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    filters = {k: str(v) for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "assessments/privacy/audit_log.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "query": urlencode(filters),
        },
    )
