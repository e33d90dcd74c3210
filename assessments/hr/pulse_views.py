"""HR's page to launch a pulse (see :mod:`assessments.hr.pulses`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from assessments.hr import pulses
from assessments.hr.cycles import CycleError
from assessments.models import Cycle, Team
from leadership.roles import hr_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@hr_required
def pulse_new(request: HttpRequest, cycle_id: int) -> HttpResponse:
    """Launch a pulse: a short follow-up of a released cycle on chosen pillars and teams."""
    parent = get_object_or_404(Cycle.objects.released().filter(kind=Cycle.Kind.FULL), pk=cycle_id)
    initial = {"name": _("%(cycle)s pulse") % {"cycle": parent.name}}
    form = pulses.PulseForm(request.POST or None, parent=parent, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pulse = pulses.pulse_create(
                actor=request.user,
                parent=parent,
                name=data["name"],
                pillar_keys=data["pillars"],
                teams=list(Team.objects.filter(pk__in=data["teams"])),
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
            )
        except CycleError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Pulse “%s” created as a draft. Open it to invite the teams.") % pulse.name,
            )
            return redirect("assessments:hr-cycle", cycle_id=pulse.pk)
    return render(request, "assessments/hr/pulse_form.html", {"form": form, "parent": parent})
