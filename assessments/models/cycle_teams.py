"""The teams of a cycle as the cycle keeps them: name and department while it was open.

A cycle's results group its teams by department and show their names. Those come from
:class:`CycleTeam`, the through row of ``Cycle.teams``, not from the live :class:`Team`: a row
takes its team's name, slug and department when the team joins the cycle, takes them again when
the cycle opens or reopens, and follows every edit of the team (a rename, a move to another
department, a team import) for as long as the cycle has not ended. Once the cycle has ended —
closed or released by HR, or past its closing time, whether or not anybody noticed — its rows are
no longer touched, so later edits never change what its results say.

Members are kept by the cycle's invitations (one row per person invited, made when it opens);
leaders stay live: they decide who may see a team's results, not what the results are.
Re-exported by :mod:`assessments.models`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle, Team, cycle_ended_q

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable


class CycleTeamQuerySet(models.QuerySet["CycleTeam"]):
    def not_ended(self, now: dt.datetime | None = None) -> CycleTeamQuerySet:
        """Rows of drafts and open cycles: the ones that still follow their team."""
        return self.exclude(cycle_ended_q(now=now, prefix="cycle__"))

    def of_teams(self, team_ids: Iterable[int]) -> CycleTeamQuerySet:
        """Rows of these teams, and of the teams in these departments."""
        ids = list(team_ids)
        return self.filter(Q(team_id__in=ids) | Q(department_id__in=ids))

    def snapshot_take(self) -> int:
        """Copy each row's team name, slug and department from the live team, in one UPDATE."""
        team = Team.objects.filter(pk=OuterRef("team_id"))
        return self.update(
            name=Subquery(team.values("name")[:1]),
            slug=Subquery(team.values("slug")[:1]),
            department_id=Subquery(team.values("parent_id")[:1]),
            department_name=Coalesce(
                Subquery(team.values("parent__name")[:1]),
                Value(""),
                output_field=models.CharField(),
            ),
            department_slug=Coalesce(
                Subquery(team.values("parent__slug")[:1]),
                Value(""),
                output_field=models.CharField(),
            ),
        )


class CycleTeam(models.Model):
    """One team in one cycle, with its name and department as the cycle keeps them."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="cycle_teams")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="cycle_teams")
    name = models.CharField(_("name"), max_length=160, blank=True)
    slug = models.SlugField(_("slug"), max_length=180, blank=True, db_index=False)
    # No database constraint: a department deleted after the cycle ended still groups its old
    # teams in that cycle's results (its id, name and slug are kept here).
    department = models.ForeignKey(
        Team,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    department_name = models.CharField(_("department name"), max_length=160, blank=True)
    department_slug = models.SlugField(
        _("department slug"), max_length=180, blank=True, db_index=False
    )

    objects = CycleTeamQuerySet.as_manager()

    class Meta:
        # The table Django made for ``Cycle.teams`` before it had a through model.
        db_table = "assessments_cycle_teams"
        unique_together = [("cycle", "team")]

    def __str__(self) -> str:
        return f"{self.cycle_id} / {self.name}"


def cycle_teams_follow(*, team_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """After teams or departments were edited: the cycles that have not ended take the edit.

    Call it inside the transaction that edited them. Returns how many rows were refreshed.
    """
    return CycleTeam.objects.not_ended(now).of_teams(team_ids).snapshot_take()


@receiver(m2m_changed, sender=CycleTeam)
def _snapshot_on_join(sender: Any, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
    """A team joining a cycle (``cycle.teams.add/set``, from any code path) brings its name and
    department at once: a row without them would be wrong for good once the cycle ended."""
    if action != "post_add" or not pk_set:
        return
    rows = CycleTeam.objects.all()
    if isinstance(instance, Cycle):
        rows = rows.filter(cycle=instance, team_id__in=pk_set)
    else:  # team.cycles.add(cycle)
        rows = rows.filter(team=instance, cycle_id__in=pk_set)
    rows.snapshot_take()
