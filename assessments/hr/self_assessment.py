"""What a signed-in leader does for themself: start their own self-assessment."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.hr.cycles import self_invitation_rotate, survey_path
from assessments.models import Cycle, Team

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse


@login_required
@require_POST
def self_assessment_start(request: HttpRequest, cycle_id: int, team_id: int) -> HttpResponse:
    """Issue a fresh token for the leader's own invitation and go through the survey's door.

    Another leader's team, or a cycle that is not open or has no self-assessment: 404.
    """
    team = get_object_or_404(Team.objects.led_by(request.user), pk=team_id)
    cycle = get_object_or_404(
        Cycle.objects.open().filter(self_assessment=True, teams=team), pk=cycle_id
    )
    if not cycle.accepts_answers():
        messages.error(request, _("The survey window of this cycle is not open right now."))
        return redirect("home")
    invitation, token = self_invitation_rotate(cycle=cycle, team=team, user=request.user)
    if invitation.is_submitted:
        messages.info(request, _("You have already submitted your self-assessment. Thank you!"))
        return redirect("home")
    return redirect(survey_path(token))
