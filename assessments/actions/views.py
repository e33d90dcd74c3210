"""The leader's plan, the team debrief, the team's read-only plan link, and HR's overview.

Thin views: find the team and released cycle the leader may see, read the anonymity-filtered
report through :func:`report_for_viewer` (so a plan never sees a figure the dashboard hides),
call :mod:`assessments.actions.plans`, render.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments.actions import plans
from assessments.actions.forms import ActionForm, FocusForm, StatusForm
from assessments.actions.suggestions import focus_suggestions
from assessments.models import Action, ActionPlan, Cycle, FocusArea, Team
from assessments.results.access import report_for_viewer, results_preparing
from assessments.results.coaching import grow_steps
from assessments.results.followup import focus_changes
from assessments.results.report import suppressed_reason_text
from assessments.results.stored import previous_cycle
from leadership.models import Pillar
from leadership.roles import hr_required

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from assessments.results.report import CycleReport, TeamResult


@dataclass(frozen=True)
class Released:
    """A leader's team in a released full cycle, with what the dashboard shows of it."""

    cycle: Cycle
    team: Team
    report: CycleReport
    result: TeamResult

    @property
    def shown(self) -> bool:
        return self.report.scores_visible and not self.result.suppressed


def _released(request: HttpRequest, cycle_slug: str, team_slug: str) -> Released:
    """The leader's own team (others 404, HR included: the plan is the leader's) in a released
    full cycle it took part in."""
    team = get_object_or_404(
        Team.objects.led_by(request.user).filter(is_department=False), slug=team_slug
    )
    cycle = get_object_or_404(
        Cycle.objects.released().filter(kind=Cycle.Kind.FULL, teams=team), slug=cycle_slug
    )
    report = report_for_viewer(cycle=cycle, user=request.user, team_id=team.pk)
    result = report.team(team.pk)
    if result is None:
        raise Http404
    return Released(cycle=cycle, team=team, report=report, result=result)


def _previous_result(released: Released, user: Any) -> TeamResult | None:
    previous = previous_cycle(released.cycle)
    if previous is None:
        return None
    report = report_for_viewer(cycle=previous, user=user, team_id=released.team.pk, detail=False)
    return report.team(released.team.pk)


def _pulse_changes(released: Released, plan: ActionPlan | None, user: Any) -> list[Any]:
    """For each released pulse that followed this cycle for the team: (pulse, changes on the
    plan's focus pillars)."""
    if plan is None:
        return []
    keys = list(plan.focus_areas.values_list("pillar__key", flat=True))
    if not keys:
        return []
    pulses = Cycle.objects.released().filter(parent=released.cycle, teams=released.team)
    rows = []
    for pulse in pulses.newest_first():
        report = report_for_viewer(cycle=pulse, user=user, team_id=released.team.pk, detail=False)
        result = report.team(released.team.pk)
        if result is not None:
            changes = focus_changes(
                pulse=result, parent=released.result, keys=keys, lower=_lower(released)
            )
            rows.append((pulse, result, changes))
    return rows


def _lower(released: Released) -> frozenset[str]:
    """The pillars where a lower score is the better one (set in the bank)."""
    return frozenset(p.key for p in released.report.pillars if p.lower_is_better)


def _not_shown(request: HttpRequest, released: Released) -> HttpResponse:
    """Why there is nothing to plan from: still being computed (the page waits for the worker),
    or the reason the anonymity rules give for hiding the team's results."""
    reason = released.result.suppressed_reason or released.report.hidden_reason
    context = {
        "released": released,
        "cycle": released.cycle,
        "preparing": results_preparing(released.report),
        "reason": suppressed_reason_text(reason),
    }
    return render(request, "assessments/actions/not_shown.html", context, status=200)


def _focus_choices(released: Released) -> list[tuple[str, str]]:
    keys = plans.shown_pillar_keys(released.result)
    return [(p.key, p.name) for p in released.result.pillars if p.key in keys]


def _focus_rows(plan: ActionPlan | None) -> list[Any]:
    if plan is None:
        return []
    focus_areas = plan.focus_areas.select_related("pillar").prefetch_related("actions")
    return [(focus, grow_steps(pillar_key=focus.pillar.key)) for focus in focus_areas]


def _plan_context(released: Released, plan: ActionPlan | None, user: Any) -> dict[str, Any]:
    focus_rows = _focus_rows(plan)
    chosen = [focus.pillar.key for focus, _steps in focus_rows]
    suggestions = focus_suggestions(
        team=released.result, previous=_previous_result(released, user), lower=_lower(released)
    )
    return {
        "released": released,
        "cycle": released.cycle,
        "team": released.team,
        "plan": plan,
        "today": released.cycle.local_date(),
        "suggestions": suggestions,
        "suggested_keys": {s.key for s in suggestions},
        "focus_form": FocusForm(choices=_focus_choices(released), initial={"pillars": chosen}),
        "focus_rows": focus_rows,
        "action_form": ActionForm(
            focus_choices=[(focus.pk, focus.pillar.local_name) for focus, _steps in focus_rows]
        ),
        "statuses": Action.Status.choices,
        "pulses": _pulse_changes(released, plan, user),
    }


def _apply(request: HttpRequest, released: Released, plan: ActionPlan) -> str | None:
    """Carry out the posted operation; returns an error for people, or None when done."""
    op = request.POST.get("op", "")
    if op == "focus":
        focus_form = FocusForm(request.POST, choices=_focus_choices(released))
        if not focus_form.is_valid():
            return str(focus_form.errors["pillars"][0])
        keys = focus_form.cleaned_data["pillars"]
        bank_pillars = {
            p.key: p for p in Pillar.objects.filter(bank=released.cycle.bank, key__in=keys)
        }
        suggested = {
            s.key: s.reasons[0]
            for s in focus_suggestions(
                team=released.result,
                previous=_previous_result(released, request.user),
                lower=_lower(released),
            )
        }
        plans.focus_set(
            plan=plan,
            pillars=[bank_pillars[key] for key in keys if key in bank_pillars],
            result=released.result,
            reasons=suggested,
        )
        return None
    if op == "add":
        action_form = ActionForm(
            request.POST,
            focus_choices=[
                (f.pk, f.pillar.local_name) for f in plan.focus_areas.select_related("pillar")
            ],
        )
        if not action_form.is_valid():
            field, errors = next(iter(action_form.errors.items()))
            label = action_form.fields[field].label if field in action_form.fields else ""
            return f"{label}: {errors[0]}" if label else str(errors[0])
        data = action_form.cleaned_data
        plans.action_add(
            focus=plan.focus_areas.get(pk=data["focus"]),
            text=data["text"],
            owner=data["owner"],
            due_on=data["due_on"],
        )
        return None
    if op in ("status", "delete"):
        status_form = StatusForm(
            request.POST if op == "status" else {**request.POST.dict(), "status": "planned"}
        )
        if not status_form.is_valid():
            return _("That change could not be made: reload the page and try again.")
        action = Action.objects.filter(
            focus__plan=plan, pk=status_form.cleaned_data["action"]
        ).first()
        if action is None:
            return _("That action is no longer in the plan.")
        if op == "delete":
            action.delete()
        else:
            action.status = status_form.cleaned_data["status"]
            action.save(update_fields=["status"])
        return None
    if op == "unshare":
        plans.plan_unshare(plan=plan)
        return None
    if op == "debrief":
        plans.debrief_record(plan=plan)
        return None
    return _("That change could not be made: reload the page and try again.")


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, cycle_slug: str, team_slug: str) -> HttpResponse:
    """The leader's plan for a team after a released cycle: focus areas, actions, sharing."""
    released = _released(request, cycle_slug, team_slug)
    if not released.shown:
        return _not_shown(request, released)
    existing = ActionPlan.objects.for_team(
        cycle_id=released.cycle.pk, team_id=released.team.pk
    ).first()
    if request.method == "POST":
        current = existing or plans.plan_for(
            cycle=released.cycle, team=released.team, user=request.user
        )
        if request.POST.get("op") == "share":
            token = plans.plan_share(plan=current)
            context = _plan_context(released, current, request.user)
            context["shared_url"] = request.build_absolute_uri(
                reverse("assessments:shared-plan", args=[token])
            )
            return render(request, "assessments/actions/plan.html", context)
        try:
            with transaction.atomic():
                error = _apply(request, released, current)
        except plans.PlanError as refused:
            error = str(refused)
        if error:
            messages.error(request, error)
        return redirect(request.path)
    return render(
        request, "assessments/actions/plan.html", _plan_context(released, existing, request.user)
    )


@login_required
@require_http_methods(["GET", "POST"])
def debrief(request: HttpRequest, cycle_slug: str, team_slug: str) -> HttpResponse:
    """The team debrief: the released results as a presentation, one step per screen."""
    released = _released(request, cycle_slug, team_slug)
    if not released.shown:
        return _not_shown(request, released)
    if request.method == "POST":
        current = plans.plan_for(cycle=released.cycle, team=released.team, user=request.user)
        try:
            with transaction.atomic():
                error = (
                    _apply(request, released, current) if request.POST.get("op") == "add" else None
                )
                if error is None:
                    plans.debrief_record(plan=current)
        except plans.PlanError as refused:
            error = str(refused)
        if error:
            messages.error(request, error)
        elif request.POST.get("op") == "add":
            messages.success(request, _("Added to the plan."))
        else:
            messages.success(request, _("Recorded: the debrief was held today."))
        return redirect(f"{request.path}#agree")
    context = _plan_context(
        released,
        ActionPlan.objects.for_team(cycle_id=released.cycle.pk, team_id=released.team.pk).first(),
        request.user,
    )
    result = released.result
    pillar_names = {p.key: p.name for p in result.pillars}
    reverse_codes = result.reverse_scored_codes
    context.update(
        result=result,
        pillars=list(result.pillars),
        strengths=[
            (item, pillar_names.get(item.pillar_key, ""), item.code in reverse_codes)
            for item in result.strengths
        ],
        opportunities=[
            (item, pillar_names.get(item.pillar_key, ""), item.code in reverse_codes)
            for item in result.opportunities
        ],
        comments=[(p.name, p.comments) for p in result.pillars if p.comments]
        if result.comments_shown
        else [],
        scale_max=max((s.scale_max for s in released.report.pillars), default=5),
    )
    return render(request, "assessments/actions/debrief.html", context)


def shared_plan(request: HttpRequest, token: str) -> HttpResponse:
    """The plan as the team sees it through the leader's link: no account, read only, the
    focus pillars and actions and nothing else (no figure at all)."""
    found = plans.plan_by_token(token)
    if found is None:
        return render(request, "assessments/actions/shared_missing.html", status=404)
    focus_rows = _focus_rows(found)
    response = render(
        request,
        "assessments/actions/shared.html",
        {"plan": found, "focus_rows": focus_rows, "today": found.cycle.local_date()},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@dataclass(frozen=True)
class PlanRow:
    """One team on HR's page: its plan (None if none), counts by status, its focus areas."""

    team: Team
    plan: ActionPlan | None
    counts: dict[str, int]
    focus: list[FocusArea]


@hr_required
def plans_overview(request: HttpRequest) -> HttpResponse:
    """HR: per team of a released cycle, whether a plan exists and how far it has got (counts
    by status); the text only of plans the leader shared."""
    cycles = list(Cycle.objects.released().filter(kind=Cycle.Kind.FULL).newest_first())
    wanted = request.GET.get("cycle")
    cycle = next((c for c in cycles if c.slug == wanted), cycles[0] if cycles else None)
    rows = []
    if cycle is not None:
        found = {
            p.team_id: p
            for p in ActionPlan.objects.filter(cycle=cycle).prefetch_related(
                "focus_areas__pillar", "focus_areas__actions"
            )
        }
        for team in cycle.teams.filter(is_department=False).order_by("name"):
            current = found.get(team.pk)
            counts = dict.fromkeys(Action.Status.values, 0)
            focus = []
            if current is not None:
                for area in current.focus_areas.all():
                    focus.append(area)
                    for action in area.actions.all():
                        counts[action.status] += 1
            rows.append(PlanRow(team=team, plan=current, counts=counts, focus=focus))
    return render(
        request,
        "assessments/actions/overview.html",
        {
            "cycles": cycles,
            "cycle": cycle,
            "rows": rows,
            "planned": sum(1 for row in rows if row.focus),
            "debriefed": sum(1 for row in rows if row.plan and row.plan.debrief_held_on),
        },
    )
