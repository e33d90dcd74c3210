"""Pulses: HR's short follow-up of a released cycle on a few pillars for a few teams (issue 15).

A pulse is an ordinary :class:`Cycle` (``kind`` pulse, ``parent`` the cycle it follows up) whose
questions are the parent's items of the chosen pillars — the same question versions, so its
scores compare with the parent's — and it inherits the parent's group sizes. It is made as a
draft and opened, sent and released like any cycle, so every anonymity rule applies to it as to
any cycle: the minimum group, the comment threshold, the memory of what was shown. A team whose
roster is smaller than k is refused: its pulse could never show a figure, and asking would only
tempt someone to compare counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.hr.cycles import CycleError, cycle_create
from assessments.hr.forms import WallClockField, zoned
from assessments.models import AuditEvent, Cycle, Team

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

ERROR_PULSE_PARENT = gettext_lazy("A pulse follows up a released full cycle.")
ERROR_PULSE_PILLARS = gettext_lazy("Pick at least one pillar for the pulse.")
ERROR_PULSE_TEAMS = gettext_lazy("Pick at least one team for the pulse.")
ERROR_PULSE_TEAM_SMALL = gettext_lazy(
    "“%(team)s” has %(n)s people on its roster: a pulse needs at least %(k)s (the minimum "
    "group size), or its results could never be shown."
)


@dataclass(frozen=True)
class PulseTeam:
    team: Team
    roster: int  # people on the team's roster: the most who could answer a pulse

    @property
    def pk(self) -> int:
        return self.team.pk

    @property
    def name(self) -> str:
        return self.team.name


def pulse_teams(parent: Cycle) -> list[PulseTeam]:
    """The parent's teams (not departments), with their roster sizes."""
    teams = (
        parent.teams.filter(is_department=False)
        .annotate(roster=Count("members", distinct=True))
        .order_by("name")
    )
    return [PulseTeam(team=team, roster=team.roster) for team in teams]


@transaction.atomic
def pulse_create(
    *,
    actor: Any,
    parent: Cycle,
    name: str,
    pillar_keys: Sequence[str],
    teams: Sequence[Team],
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
) -> Cycle:
    """A draft pulse of ``parent`` on ``pillar_keys`` for ``teams``; refuses with
    :class:`CycleError` (nothing written) a parent not released, no pillar, no team, a team not
    in the parent, or a team smaller than k."""
    if parent.is_pulse or not parent.is_released:
        raise CycleError(ERROR_PULSE_PARENT)
    questions = list(parent.questions.filter(pillar__key__in=pillar_keys))
    if not pillar_keys or not questions:
        raise CycleError(ERROR_PULSE_PILLARS)
    if not teams:
        raise CycleError(ERROR_PULSE_TEAMS)
    allowed = {team.pk: team for team in pulse_teams(parent)}
    for team in teams:
        known = allowed.get(team.pk)
        if known is None:
            raise CycleError(ERROR_PULSE_TEAMS)
        if known.roster < parent.min_group_size:
            raise CycleError(
                ERROR_PULSE_TEAM_SMALL
                % {"team": known.name, "n": known.roster, "k": parent.min_group_size}
            )
    pulse = cycle_create(
        actor=actor,
        name=name,
        bank=parent.bank,
        teams=teams,
        opens_at=opens_at,
        closes_at=closes_at,
        timezone=parent.timezone,
        min_group_size=parent.min_group_size,
        comment_min_group_size=parent.comment_min_group_size,
        self_assessment=parent.self_assessment,
    )
    pulse.kind = Cycle.Kind.PULSE
    pulse.parent = parent
    pulse.save(update_fields=["kind", "parent"])
    pulse.questions.set(questions)
    AuditEvent.record(
        actor=actor,
        action="pulse.create",
        target=pulse,
        detail={"parent": parent.pk, "pillars": sorted(pillar_keys), "teams": len(teams)},
    )
    return pulse


class PulseForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    pillars = forms.MultipleChoiceField(
        label=gettext_lazy("Pillars to ask about"), widget=forms.CheckboxSelectMultiple
    )
    teams = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Teams"), widget=forms.CheckboxSelectMultiple, coerce=int
    )
    opens_at = WallClockField(label=gettext_lazy("Window opens"), required=False)
    closes_at = WallClockField(label=gettext_lazy("Window closes"), required=False)

    def __init__(self, *args: Any, parent: Cycle, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parent = parent
        # The pulse keeps its parent's time zone: say which, as the cycle's own form does.
        zone = {"zone": parent.timezone}
        self.fields["opens_at"].label = _("Window opens (%(zone)s)") % zone
        self.fields["closes_at"].label = _("Window closes (%(zone)s)") % zone
        pillars = {q.pillar.key: q.pillar for q in parent.questions.select_related("pillar")}
        pillar_field, team_field = self.fields["pillars"], self.fields["teams"]
        assert isinstance(pillar_field, forms.ChoiceField)
        assert isinstance(team_field, forms.ChoiceField)
        pillar_field.choices = [
            (p.key, p.local_name) for p in sorted(pillars.values(), key=lambda p: p.order)
        ]
        team_field.choices = [
            (
                team.pk,
                (
                    _("%(team)s (%(n)s people)")
                    if team.roster >= parent.min_group_size
                    else _("%(team)s (%(n)s people: too few for a pulse)")
                )
                % {"team": team.name, "n": team.roster},
            )
            for team in pulse_teams(parent)
        ]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if Cycle.objects.filter(name__iexact=name).exists():
            raise ValidationError(_("A cycle with this name already exists."))
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["opens_at"] = zoned(data.get("opens_at"), self.parent.timezone)
        data["closes_at"] = zoned(data.get("closes_at"), self.parent.timezone)
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The window must close after it opens."))
        return data
