"""Nudges: a weekly email to a leader about actions due or overdue and a debrief not yet held.

The scheduler (:data:`assessments.schedule.JOBS`) calls :func:`nudges_start_due` every minute;
it claims each leader who has something to hear about and was not nudged in the last
:data:`NUDGE_INTERVAL` (their :class:`~assessments.models.LeaderNudge` row, updated under a row
lock, so two schedulers never both claim one leader), and hands the email to the worker
(:func:`nudge_send`, a django-tasks task like the email runs). A nudge never mentions a team
whose results are hidden: there is nothing to debrief, and a plan cannot start from it. The
email carries no figure, only the leader's own actions and links to their pages; it is in the
leader's language (their account's choice, else the organisation's default).

It lives here rather than in ``hr/email_runs`` because feature packages do not import each
other: an email run is HR's round per cycle, a nudge is per leader across cycles.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from assessments.models import Action, ActionPlan, Cycle, LeaderNudge, Team
from assessments.results.stored import results_read
from leadership.languages import user_language

logger = logging.getLogger(__name__)

NUDGE_INTERVAL = dt.timedelta(days=7)
# Actions due within this many days count as due now.
DUE_AHEAD = dt.timedelta(days=7)
# A debrief is expected from a week after release; after ~a quarter the moment has passed.
DEBRIEF_AFTER = dt.timedelta(days=7)
DEBRIEF_UNTIL = dt.timedelta(days=90)
OPEN_STATUSES = (Action.Status.PLANNED, Action.Status.IN_PROGRESS)


@dataclass
class TeamNudge:
    team: Team
    cycle: Cycle
    debrief_missing: bool = False
    actions: list[Action] = field(default_factory=list)

    @property
    def plan_url(self) -> str:
        path = reverse("assessments:team-plan", args=[self.cycle.slug, self.team.slug])
        return f"{settings.SITE_URL}{path}"


def _shown(cycle: Cycle, team_id: int) -> bool:
    """The team's results are shown in the released cycle (never a nudge about a hidden one,
    nor one while the worker is still computing the results)."""
    report = results_read(cycle, teams=[team_id], detail=False)
    result = report.team(team_id) if report is not None else None
    return result is not None and not result.suppressed


def _leaders(team_ids: set[int]) -> dict[int, set[int]]:
    leaders: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in Team.leaders.through.objects.filter(team_id__in=team_ids).values_list(
        "user_id", "team_id"
    ):
        leaders[user_id].add(team_id)
    return leaders


def nudge_items(*, user_id: int, now: dt.datetime) -> list[TeamNudge]:
    """What leader ``user_id`` should hear about at ``now``, per team and released cycle."""
    today = timezone.localdate(now)
    teams = list(Team.objects.filter(leaders=user_id, is_department=False))
    if not teams:
        return []
    items: dict[tuple[int, int], TeamNudge] = {}
    recent = Cycle.objects.released().filter(
        kind=Cycle.Kind.FULL,
        released_at__lte=now - DEBRIEF_AFTER,
        released_at__gt=now - DEBRIEF_UNTIL,
        teams__in=teams,
    )
    held = set(
        ActionPlan.objects.filter(team__in=teams, debrief_held_on__isnull=False).values_list(
            "cycle_id", "team_id"
        )
    )
    for cycle in recent.distinct():
        for team in teams:
            if (cycle.pk, team.pk) in held or not cycle.teams.filter(pk=team.pk).exists():
                continue
            items[(cycle.pk, team.pk)] = TeamNudge(team=team, cycle=cycle, debrief_missing=True)
    due = (
        Action.objects.filter(
            focus__plan__team__in=teams,
            focus__plan__cycle__recorded_state=Cycle.State.RELEASED,
            status__in=OPEN_STATUSES,
            due_on__lte=today + DUE_AHEAD,
        )
        .select_related("focus__plan__team", "focus__plan__cycle")
        .order_by("due_on", "pk")
    )
    for action in due:
        plan = action.focus.plan
        item = items.setdefault(
            (plan.cycle_id, plan.team_id), TeamNudge(team=plan.team, cycle=plan.cycle)
        )
        item.actions.append(action)
    return [
        item
        for item in sorted(items.values(), key=lambda i: (i.team.name, i.cycle.pk))
        if _shown(item.cycle, item.team.pk)
    ]


def _candidates(*, now: dt.datetime) -> set[int]:
    """Leaders who may have something to hear about (cheap; :func:`nudge_items` decides)."""
    today = timezone.localdate(now)
    team_ids = set(
        Action.objects.filter(
            focus__plan__cycle__recorded_state=Cycle.State.RELEASED,
            status__in=OPEN_STATUSES,
            due_on__lte=today + DUE_AHEAD,
        ).values_list("focus__plan__team_id", flat=True)
    )
    recent = Cycle.objects.released().filter(
        kind=Cycle.Kind.FULL,
        released_at__lte=now - DEBRIEF_AFTER,
        released_at__gt=now - DEBRIEF_UNTIL,
    )
    for cycle in recent:
        # Only shown teams: a leader of a hidden team is not looked at again every minute.
        report = results_read(cycle, detail=False)
        if report is None:
            continue  # being computed: next minute
        shown = {t.team_id for t in report.teams if not t.suppressed}
        held = ActionPlan.objects.filter(cycle=cycle, debrief_held_on__isnull=False)
        team_ids |= shown - set(held.values_list("team_id", flat=True))
    nudged = LeaderNudge.objects.filter(last_sent_at__gt=now - NUDGE_INTERVAL)
    return set(_leaders(team_ids)) - set(nudged.values_list("user_id", flat=True))


def nudge_claim(*, user_id: int, now: dt.datetime) -> bool:
    """Record a nudge to ``user_id`` at ``now`` unless one went out within the interval."""
    try:
        with transaction.atomic():
            row = LeaderNudge.objects.select_for_update().filter(user_id=user_id).first()
            if row is None:
                LeaderNudge.objects.create(user_id=user_id, last_sent_at=now)
                return True
            if now - row.last_sent_at < NUDGE_INTERVAL:
                return False
            row.last_sent_at = now
            row.save(update_fields=["last_sent_at"])
            return True
    except IntegrityError:
        return False  # another scheduler created the row this minute


def nudges_start_due(*, now: dt.datetime) -> int:
    """The scheduler's job: hand the worker every nudge due at ``now``; returns how many."""
    started = 0
    users = get_user_model().objects.filter(pk__in=_candidates(now=now), is_active=True)
    for user_id in users.exclude(email="").values_list("pk", flat=True).order_by("pk"):
        if not nudge_items(user_id=user_id, now=now):
            continue
        if nudge_claim(user_id=user_id, now=now):
            nudge_send.enqueue(user_id)
            started += 1
    return started


def _message(*, user: Any, items: list[TeamNudge], today: dt.date) -> EmailMessage:
    context = {"name": user.first_name, "items": items, "today": today}
    subject = render_to_string("assessments/email/nudge_subject.txt", context)
    body = render_to_string("assessments/email/nudge.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


@task()
def nudge_send(user_id: int) -> None:
    """The worker's entry point: email leader ``user_id`` what is due now (nothing if nothing
    is any more: an action done or a debrief held since the claim)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).exclude(email="").first()
    if user is None:
        return
    now = timezone.now()
    items = nudge_items(user_id=user_id, now=now)
    if items:
        with translation.override(user_language(user)):
            message = _message(user=user, items=items, today=timezone.localdate(now))
        message.send()
        logger.info("Nudge sent to leader %s about %s team(s)", user_id, len(items))
