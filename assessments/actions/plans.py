"""Writing a plan: focus areas, actions, sharing, the debrief. Each change is one transaction.

Errors are constants (``ERROR_*``) raised as :class:`PlanError` with a sentence for people; a
refused change writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Action, ActionPlan, FocusArea, token_hash, token_new
from assessments.models.actions import FOCUS_MAX

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from assessments.models import Cycle, Team
    from assessments.results.report import TeamResult
    from leadership.models import Pillar

ERROR_FOCUS_COUNT = _("Pick one or two pillars to focus on.")
ERROR_FOCUS_HIDDEN = _(
    "That pillar's results are not shown for your team, so it cannot be a focus."
)
ERROR_FOCUS_HAS_ACTIONS = _(
    "“%(pillar)s” has actions: delete them first if you no longer want to focus on it."
)


class PlanError(Exception):
    """A refused change to a plan; the message is for people."""


def plan_for(*, cycle: Cycle, team: Team, user: Any) -> ActionPlan:
    """The team's plan after ``cycle``, made on first use (two clicks at once make one)."""
    plan = ActionPlan.objects.for_team(cycle_id=cycle.pk, team_id=team.pk).first()
    if plan is not None:
        return plan
    try:
        with transaction.atomic():
            return ActionPlan.objects.create(
                cycle=cycle, team=team, created_by=user, created_at=timezone.now()
            )
    except IntegrityError:
        return ActionPlan.objects.get(cycle=cycle, team=team)


def shown_pillar_keys(result: TeamResult) -> set[str]:
    """The pillars whose team score is shown: the only ones a plan may focus on."""
    if result.suppressed:
        return set()
    return {p.key for p in result.pillars if not p.suppressed and p.mean is not None}


@transaction.atomic
def focus_set(
    *,
    plan: ActionPlan,
    pillars: Sequence[Pillar],
    result: TeamResult,
    reasons: dict[str, str],
) -> None:
    """Make ``pillars`` the plan's focus areas: new ones added, unchosen ones without actions
    removed; refuses more than two, a hidden pillar, or dropping one that has actions."""
    if not 1 <= len(pillars) <= FOCUS_MAX:
        raise PlanError(ERROR_FOCUS_COUNT)
    allowed = shown_pillar_keys(result)
    if any(p.key not in allowed for p in pillars):
        raise PlanError(ERROR_FOCUS_HIDDEN)
    wanted = {p.pk for p in pillars}
    existing = list(plan.focus_areas.select_for_update().select_related("pillar"))
    for focus in existing:
        if focus.pillar_id not in wanted:
            if focus.actions.exists():
                raise PlanError(ERROR_FOCUS_HAS_ACTIONS % {"pillar": focus.pillar.local_name})
            focus.delete()
    have = {focus.pillar_id for focus in existing}
    now = timezone.now()
    FocusArea.objects.bulk_create(
        FocusArea(plan=plan, pillar=p, reason=reasons.get(p.key, ""), created_at=now)
        for p in pillars
        if p.pk not in have
    )


def action_add(
    *, focus: FocusArea, text: str, owner: str = "", due_on: dt.date | None = None
) -> Action:
    """Add an action; the same action posted again (a double click, a resent form) is the one
    already there, not a second."""
    same = Action.objects.filter(focus=focus, text=text, owner=owner, due_on=due_on).first()
    if same is not None:
        return same
    return Action.objects.create(
        focus=focus, text=text, owner=owner, due_on=due_on, created_at=timezone.now()
    )


def plan_share(*, plan: ActionPlan) -> str:
    """A new read-only link for the team; any earlier link stops working. Returns the token,
    which is shown once and never stored."""
    token = token_new()
    plan.share_token_hash = token_hash(token)
    plan.shared_at = timezone.now()
    plan.save(update_fields=["share_token_hash", "shared_at"])
    return token


def plan_unshare(*, plan: ActionPlan) -> None:
    plan.share_token_hash = ""
    plan.shared_at = None
    plan.save(update_fields=["share_token_hash", "shared_at"])


def plan_by_token(token: str) -> ActionPlan | None:
    if not token or len(token) > 100:
        return None
    return (
        ActionPlan.objects.select_related("team", "cycle")
        .filter(share_token_hash=token_hash(token))
        .exclude(share_token_hash="")
        .first()
    )


def debrief_record(*, plan: ActionPlan) -> None:
    """The debrief was held today (the cycle's calendar day); the first day counts, once."""
    if plan.debrief_held_on is None:
        plan.debrief_held_on = plan.cycle.local_date()
        plan.save(update_fields=["debrief_held_on"])
