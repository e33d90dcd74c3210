"""From results to action (issue 15): a leader's plan for one team after one released cycle.

An :class:`ActionPlan` starts from a released cycle's results for a team: the leader picks one
or two :class:`FocusArea` pillars and writes :class:`Action` rows under them. The plan can be
shared with the team through a read-only link (only the token's hash is kept, like every token
of the app), records the day the team's debrief was held, and is what a pulse later measures.
Nothing here holds an answer or a figure: the plan is the leader's own writing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    import datetime as dt

# A plan focuses on one or two pillars: more is a list, not a focus.
FOCUS_MAX = 2
ACTION_TEXT_MAX = 300
OWNER_MAX = 120


class ActionPlanQuerySet(models.QuerySet["ActionPlan"]):
    def for_team(self, *, cycle_id: int, team_id: int) -> ActionPlanQuerySet:
        return self.filter(cycle_id=cycle_id, team_id=team_id)


class ActionPlan(models.Model):
    """A team's plan after a released cycle: one per (cycle, team)."""

    cycle = models.ForeignKey(
        "assessments.Cycle", on_delete=models.CASCADE, related_name="action_plans"
    )
    team = models.ForeignKey(
        "assessments.Team", on_delete=models.CASCADE, related_name="action_plans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    # The read-only link for the team: the SHA-256 of a random token; empty when not shared.
    share_token_hash = models.CharField(max_length=64, blank=True, default="")
    shared_at = models.DateTimeField(null=True, blank=True)
    debrief_held_on = models.DateField(_("debrief held on"), null=True, blank=True)

    objects = ActionPlanQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "team"], name="action_plan_one_per_team"),
            models.UniqueConstraint(
                fields=["share_token_hash"],
                condition=~models.Q(share_token_hash=""),
                name="action_plan_share_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} / {self.cycle}"

    @property
    def is_shared(self) -> bool:
        return bool(self.share_token_hash)

    def status_counts(self) -> dict[str, int]:
        """How many actions are planned, in progress and done: what HR may see of a plan."""
        counts = dict.fromkeys(Action.Status.values, 0)
        for status in Action.objects.filter(focus__plan=self).values_list("status", flat=True):
            counts[status] += 1
        return counts


class FocusArea(models.Model):
    """A pillar the leader chose to work on, with the reason the app gave (if any)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="focus_areas")
    pillar = models.ForeignKey("leadership.Pillar", on_delete=models.PROTECT, related_name="+")
    # The suggestion's reason code when the leader took it; "" when they chose on their own.
    reason = models.CharField(max_length=20, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pillar__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "pillar"], name="focus_area_one_per_pillar")
        ]

    def __str__(self) -> str:
        return str(self.pillar)


class Action(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    focus = models.ForeignKey(FocusArea, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(_("action"), max_length=ACTION_TEXT_MAX)
    owner = models.CharField(_("owner"), max_length=OWNER_MAX, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text

    def is_overdue(self, *, today: dt.date) -> bool:
        return self.status != self.Status.DONE and self.due_on is not None and self.due_on < today


class LeaderNudge(models.Model):
    """When a leader was last nudged about their plans: nudges go out at most weekly."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    last_sent_at = models.DateTimeField()
