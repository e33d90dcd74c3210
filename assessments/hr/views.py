"""HR's pages: cycles (create, open/close/release, invitations, live counts) and teams."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from assessments.hr.cycles import (
    cycle_counts,
    cycle_create,
    cycle_totals,
    shared_link_headcount_default,
    shared_link_rotate,
    shared_path,
)
from assessments.hr.email_runs import email_run_start, email_run_summary
from assessments.hr.forms import CycleForm, SharedLinkForm, TeamForm
from assessments.hr.invitations import (
    LinkNotSent,
    error_describe,
    invitation_link_email,
    invitations_unsent,
    reminder_interval,
    reminders_due,
)
from assessments.hr.release_notices import release_notices_needing
from assessments.hr.teams import NEW_ACCOUNTS_MESSAGE, team_save
from assessments.models import AuditEvent, Cycle, EmailRun, Invitation, SharedLink, Team
from leadership.accounts import password_email_send
from leadership.roles import hr_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from leadership.requests import HtmxHttpRequest

# The style of each transition button on a cycle page, by target state.
TRANSITION_BUTTONS: dict[str, str] = {
    Cycle.State.OPEN: "button-primary",
    Cycle.State.CLOSED: "button-danger",
    Cycle.State.RELEASED: "button-primary",
}


def _transition_label(cycle: Cycle, to: str) -> str:
    if to == Cycle.State.OPEN:
        return _("Reopen cycle…") if cycle.state == Cycle.State.CLOSED else _("Open cycle")
    if to == Cycle.State.CLOSED:
        return _("Close cycle…")
    return _("Release results…")


def _transitions(cycle: Cycle) -> list[dict[str, Any]]:
    """The buttons for the cycle's next states. Opening a draft is one click (nobody is emailed
    until HR sends the invitations); closing, releasing and reopening lead to a page that says
    what will happen and asks to confirm."""
    return [
        {
            "to": to,
            "label": _transition_label(cycle, to),
            "style": TRANSITION_BUTTONS[to],
            "url": reverse("assessments:hr-cycle-transition", args=[cycle.pk, to]),
            "direct": cycle.state == Cycle.State.DRAFT,
        }
        for to in Cycle.TRANSITIONS[cycle.state]
    ]


def _link_page(
    request: HttpRequest, *, title: str, subject: str, link: str, back: str, note: str
) -> HttpResponse:
    response = render(
        request,
        "assessments/hr/link_shown.html",
        {"title": title, "subject": subject, "link": link, "back": back, "note": note},
    )
    # The page carries a live token: never cache it. The token is in the page, not in its address,
    # and like every page it is sent with Referrer-Policy: same-origin, so no other origin learns
    # even the address, while its own forms (sign out) carry their Origin for the CSRF check.
    response["Cache-Control"] = "no-store"
    return response


# --- Cycles ---------------------------------------------------------------------------------


@hr_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = list(Cycle.objects.annotate(team_count=Count("teams")).newest_first())
    totals = cycle_totals(cycles=cycles)
    rows = [(cycle, totals[cycle.pk]) for cycle in cycles]
    return render(request, "assessments/hr/cycle_list.html", {"rows": rows})


@hr_required
def cycle_new(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cycle = cycle_create(actor=request.user, **data)
        messages.success(
            request, _("Cycle “%s” created as a draft. Open it to invite people.") % cycle.name
        )
        return redirect("assessments:hr-cycle", cycle_id=cycle.pk)
    has_teams = Team.objects.teams_only().exists()
    return render(request, "assessments/hr/cycle_form.html", {"form": form, "has_teams": has_teams})


def _latest_email_runs(cycle: Cycle) -> list[EmailRun]:
    """The newest run of each kind, invitations first; stalled ones are stopped on the way."""
    runs = []
    for kind in EmailRun.Kind.values:
        runs_of_kind = cycle.email_runs.filter(kind=kind).select_related("requested_by")
        run = runs_of_kind.order_by("-created_at", "-pk").first()
        if run is not None:
            run.stop_if_stalled()
            runs.append(run)
    return runs


def _emails_context(cycle: Cycle) -> dict[str, object]:
    runs = _latest_email_runs(cycle)
    active = {run.kind for run in runs if not run.is_finished}
    return {
        "email_runs": [(run, email_run_summary(run)) for run in runs],
        "emails_polling": bool(active),
        "inviting": EmailRun.Kind.INVITATION in active,
        "reminding": EmailRun.Kind.REMINDER in active,
        "releasing": EmailRun.Kind.RELEASE in active,
        "unsent": invitations_unsent(cycle=cycle).count() if cycle.is_open else 0,
        "due": reminders_due(cycle=cycle).count() if cycle.is_open else 0,
        "untold": len(release_notices_needing(cycle=cycle)) if cycle.is_released else 0,
        "stall_minutes": EmailRun.stall_minutes(),
        "interval_hours": int(reminder_interval().total_seconds() // 3600),
    }


@hr_required
def cycle_detail(request: HtmxHttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle.objects.select_related("bank"), pk=cycle_id)
    if request.htmx and request.htmx.target == "emails":
        return render(
            request,
            "assessments/hr/cycle_detail.html#emails",
            {"cycle": cycle, **_emails_context(cycle)},
        )
    teams = cycle.teams.select_related("parent").order_by("parent__name", "name")
    counts = cycle_counts(cycle=cycle, teams=teams)
    context = {"cycle": cycle, "counts": counts}
    if request.htmx:
        return render(request, "assessments/hr/cycle_detail.html#counts", context)
    context |= {
        "transitions": _transitions(cycle),
        "question_count": cycle.questions.ratings().count(),
        "reminder_times": cycle.reminder_times(),
        "reminder_next": cycle.reminder_next(),
        **_emails_context(cycle),
    }
    return render(request, "assessments/hr/cycle_detail.html", context)


def _emails_send(request: HttpRequest, cycle_id: int, kind: str) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    invitations = kind == EmailRun.Kind.INVITATION
    if not cycle.is_open:
        messages.error(
            request,
            _("Invitations go out only while the cycle is open.")
            if invitations
            else _("Reminders go out only while the cycle is open."),
        )
    else:
        _run, created = email_run_start(cycle=cycle, kind=kind, user=request.user)
        if created:
            messages.success(
                request,
                _("Invitations are being sent in the background: follow them below.")
                if invitations
                else _("Reminders are being sent in the background: follow them below."),
            )
        else:
            messages.info(
                request,
                _("Invitations are already being sent: nobody gets a second email.")
                if invitations
                else _("Reminders are already being sent: nobody gets a second email."),
            )
    return redirect(reverse("assessments:hr-cycle", args=[cycle.pk]) + "#emails")


@hr_required
@require_POST
def cycle_send_invitations(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _emails_send(request, cycle_id, EmailRun.Kind.INVITATION)


@hr_required
@require_POST
def cycle_send_reminders(request: HttpRequest, cycle_id: int) -> HttpResponse:
    return _emails_send(request, cycle_id, EmailRun.Kind.REMINDER)


@hr_required
def cycle_team(request: HttpRequest, cycle_id: int, team_id: int) -> HttpResponse:
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    team = get_object_or_404(cycle.teams.all(), pk=team_id)
    invitations = Invitation.objects.filter(cycle=cycle, team=team, email__isnull=False).order_by(
        "role", "email"
    )
    shared = SharedLink.objects.filter(cycle=cycle, team=team, active=True).first()
    counts = cycle_counts(cycle=cycle, teams=[team]).teams[0]
    return render(
        request,
        "assessments/hr/cycle_team.html",
        {
            "cycle": cycle,
            "team": team,
            "invitations": invitations,
            "shared": shared,
            "headcount_default": shared_link_headcount_default(team=team),
            "count": counts,
            "can_link": cycle.state in (Cycle.State.DRAFT, Cycle.State.OPEN),
        },
    )


@hr_required
@require_POST
def invitation_link(request: HttpRequest, cycle_id: int, invitation_id: int) -> HttpResponse:
    """Email the person a new link. It is never shown to HR, and the same happens whether or not
    they have answered: HR's screens never say who has (issue 12)."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("cycle", "team").filter(email__isnull=False),
        pk=invitation_id,
        cycle_id=cycle_id,
    )
    back = reverse("assessments:hr-cycle-team", args=[invitation.cycle_id, invitation.team_id])
    if not invitation.cycle.is_open:
        messages.error(request, _("New links go out only while the cycle is open."))
        return redirect(back)
    try:
        invitation_link_email(invitation=invitation, actor=request.user)
    except LinkNotSent as error:
        messages.error(
            request,
            _(
                "The email to %(email)s could not be sent (%(error)s); their earlier link still "
                "works."
            )
            % {"email": invitation.email, "error": error},
        )
    else:
        messages.success(
            request,
            _("A new link has been emailed to %(email)s. Links sent to them before no longer work.")
            % {"email": invitation.email},
        )
    return redirect(back)


@hr_required
@never_cache
def shared_link(request: HttpRequest, cycle_id: int, team_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cycle = get_object_or_404(Cycle, pk=cycle_id)
    team = get_object_or_404(cycle.teams.all(), pk=team_id)
    back = reverse("assessments:hr-cycle-team", args=[cycle.pk, team.pk])
    form = SharedLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("headcount", [])))
        return redirect(back)
    headcount = form.cleaned_data["headcount"]
    token = shared_link_rotate(cycle=cycle, team=team, actor=request.user, headcount=headcount)
    taken = SharedLink.objects.get(cycle=cycle, team=team)
    return _link_page(
        request,
        title=_("Shared team link"),
        subject=f"{team.name} · {cycle.name}",
        link=f"{settings.SITE_URL}{shared_path(token)}",
        back=back,
        note=_(
            "Anyone with this link can answer for %(team)s, once per browser, up to %(headcount)s "
            "answers in all (%(taken)s so far). Share it only with the team (a chat channel, a "
            "meeting): whoever holds it can answer. Any earlier shared link for the team has "
            "stopped working. It is shown once: copy it now."
        )
        % {"team": team.name, "headcount": taken.headcount, "taken": taken.submitted},
    )


# --- Teams ----------------------------------------------------------------------------------


@hr_required
def team_list(request: HttpRequest) -> HttpResponse:
    teams = (
        Team.objects.teams_only()
        .select_related("parent")
        .prefetch_related(Prefetch("leaders"))
        .annotate(member_count=Count("members"))
        .order_by("parent__name", "name")
    )
    return render(request, "assessments/hr/team_list.html", {"teams": teams})


def _team_form_page(request: HttpRequest, team: Team | None) -> HttpResponse:
    if team is None:
        initial = {}
    else:
        initial = {
            "name": team.name,
            "department": team.parent.name if team.parent else "",
            "leaders": "\n".join(
                leader.email or leader.get_username() for leader in team.leaders.all()
            ),
            "members": "\n".join(team.members.values_list("email", flat=True)),
            "language": team.language,
        }
    form = TeamForm(request.POST or None, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved, accounts = team_save(
            actor=request.user,
            team=team,
            name=data["name"],
            department=data["department"],
            leader_emails=data["leaders"],
            member_emails=data["members"],
            language=data["language"],
        )
        messages.success(request, _("Team “%s” saved.") % saved.name)
        if accounts:
            messages.info(request, NEW_ACCOUNTS_MESSAGE % ", ".join(accounts))
        return redirect("assessments:hr-teams")
    departments = Team.objects.filter(is_department=True).order_by("name")
    leaders = list(team.leaders.order_by("email")) if team is not None else []
    return render(
        request,
        "assessments/hr/team_form.html",
        {"form": form, "team": team, "departments": departments, "leaders": leaders},
    )


@hr_required
def team_new(request: HttpRequest) -> HttpResponse:
    return _team_form_page(request, None)


@hr_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team.objects.teams_only(), pk=team_id)
    return _team_form_page(request, team)


@hr_required
@require_POST
def leader_password_email(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    """Email one of the team's leaders a fresh link to set their password, now."""
    team = get_object_or_404(Team.objects.teams_only(), pk=team_id)
    leader = get_object_or_404(team.leaders.all(), pk=user_id)
    back = reverse("assessments:hr-team-edit", args=[team.pk]) + "#leaders"
    if not leader.email:
        messages.error(request, _("This leader's account has no email address."))
        return redirect(back)
    try:
        password_email_send(user=leader)
    except Exception as error:  # the mail server is down or refused it
        messages.error(
            request,
            _("The email to %(email)s was not sent: %(error)s")
            % {"email": leader.email, "error": error_describe(error)},
        )
        return redirect(back)
    AuditEvent.record(
        actor=request.user,
        action="leader.password_email",
        target=leader.email,
        detail={"user": leader.pk, "team": team.pk},
    )
    messages.success(request, _("A link to set a password is on its way to %s.") % leader.email)
    return redirect(back)
