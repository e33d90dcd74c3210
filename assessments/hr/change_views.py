"""HR's pages that change a cycle: edit it, delete a draft, and confirm a state change.

Each change that cannot be taken back lightly (close, release, reopen, delete) is a GET page that
says what will happen, with a form that POSTs to the same address: it works without JavaScript,
and a stray click on the cycle page changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.hr.cycle_changes import (
    cycle_close_change,
    cycle_consequences,
    cycle_delete,
    cycle_state_change,
    cycle_update,
)
from assessments.hr.cycles import ERROR_TRANSITION, CycleError
from assessments.hr.email_runs import email_run_start
from assessments.hr.forms import CycleCloseForm, CycleForm, ReopenForm
from assessments.hr.invitations import reminder_interval, reminders_due
from assessments.hr.release_notices import release_notices_needing
from assessments.models import Cycle, EmailRun, Team
from leadership.roles import hr_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# The state changes that are confirmed on a page of their own, by target state.
CONFIRMED = (Cycle.State.OPEN, Cycle.State.CLOSED, Cycle.State.RELEASED)


def _cycle_page(cycle: Cycle) -> HttpResponse:
    return redirect("assessments:hr-cycle", cycle_id=cycle.pk)


@hr_required
def cycle_edit(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """A draft: every setting. An open cycle: its closing time and automatic reminders. Later
    states: nothing to change here (the page says why)."""
    cycle = get_object_or_404(Cycle.objects.select_related("bank"), pk=cycle_id)
    state = cycle.state
    if state == Cycle.State.DRAFT:
        return _draft_edit(request, cycle)
    if state == Cycle.State.OPEN:
        return _open_edit(request, cycle)
    return render(request, "assessments/hr/cycle_edit.html", {"cycle": cycle, "form": None})


def _draft_edit(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    form = CycleForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            changes = cycle_update(cycle=cycle, actor=request.user, **form.cleaned_data)
        except CycleError as error:
            messages.error(request, str(error))
        else:
            if changes:
                messages.success(request, _("Draft “%s” saved.") % cycle.name)
            else:
                messages.info(request, _("Nothing was changed."))
            return _cycle_page(cycle)
    has_teams = Team.objects.teams_only().exists()
    return render(
        request,
        "assessments/hr/cycle_form.html",
        {"form": form, "has_teams": has_teams, "cycle": cycle},
        status=400 if form.is_bound and form.errors else 200,
    )


def _open_edit(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    form = CycleCloseForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = cycle_close_change(
                cycle=cycle,
                actor=request.user,
                closes_at=data["closes_at"],
                reminder_days=data["reminder_days"],
                remind_now=data["remind_now"],
            )
        except CycleError as error:
            messages.error(request, str(error))
        else:
            if change.changes:
                messages.success(request, _("“%s” saved.") % cycle.name)
            if change.reminder_run is not None:
                messages.info(
                    request, _("Reminders are being sent in the background: follow them below.")
                )
            elif not change.changes:
                messages.info(request, _("Nothing was changed."))
            return redirect(reverse("assessments:hr-cycle", args=[cycle.pk]) + "#emails")
    context = {
        "cycle": cycle,
        "form": form,
        "due": reminders_due(cycle=cycle).count(),
        "interval_hours": int(reminder_interval().total_seconds() // 3600),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "assessments/hr/cycle_edit.html", context, status=status)


@hr_required
def cycle_delete_view(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    if request.method == "POST":
        try:
            cycle_delete(cycle=cycle, actor=request.user)
        except CycleError as error:
            messages.error(request, str(error))
            return _cycle_page(cycle)
        messages.success(request, _("Draft “%s” deleted.") % cycle.name)
        return redirect("assessments:hr-cycles")
    return render(
        request,
        "assessments/hr/cycle_delete.html",
        {"cycle": cycle, "team_count": cycle.teams.count()},
    )


@hr_required
def cycle_state_confirm(request: HttpRequest, cycle_id: int, to: str) -> HttpResponse:
    """GET: what moving the cycle to ``to`` will do. POST: do it."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    if to not in CONFIRMED or not cycle.can_transition(to):
        label = Cycle.State(to).label if to in Cycle.State.values else to
        messages.error(
            request, ERROR_TRANSITION % {"state": cycle.get_state_display(), "to": label}
        )
        return _cycle_page(cycle)
    window_over = cycle.closes_at is not None and cycle.closes_at <= timezone.now()
    reopening = to == Cycle.State.OPEN and cycle.state == Cycle.State.CLOSED
    # An empty POST (close, release) is still a POST: the form is bound either way.
    form = ReopenForm(request.POST if request.method == "POST" else None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        closes_at = form.cleaned_data["closes_at"] if to == Cycle.State.OPEN else None
        try:
            run = cycle_state_change(cycle=cycle, to=to, actor=request.user, closes_at=closes_at)
        except CycleError as error:
            form.add_error("closes_at" if to == Cycle.State.OPEN else None, str(error))
        else:
            cycle.refresh_from_db()
            messages.success(
                request,
                _("“%(cycle)s” is now %(state)s.")
                % {"cycle": cycle.name, "state": cycle.get_state_display().lower()},
            )
            if run is not None:
                messages.info(
                    request,
                    _("The leaders are being emailed in the background: follow it below."),
                )
            return _cycle_page(cycle)
    context = {
        "cycle": cycle,
        "to": to,
        "reopening": reopening,
        "form": form if to == Cycle.State.OPEN else None,
        "needs_close": reopening and window_over,
        "facts": cycle_consequences(cycle=cycle, to=to),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "assessments/hr/cycle_confirm.html", context, status=status)


@hr_required
@require_POST
def release_notices_resend(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Email the leaders of a released cycle who have not been told yet (an error, a new leader)."""
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    if not cycle.is_released:
        messages.error(request, _("Leaders are told only once the results are released."))
    elif not release_notices_needing(cycle=cycle):
        messages.info(request, _("Every leader of this cycle has been told already."))
    else:
        _run, created = email_run_start(cycle=cycle, kind=EmailRun.Kind.RELEASE, user=request.user)
        messages.success(
            request,
            _("The leaders are being emailed in the background: follow it below.")
            if created
            else _("The leaders are already being emailed: nobody gets a second email."),
        )
    return redirect(reverse("assessments:hr-cycle", args=[cycle.pk]) + "#emails")
