"""Changing a cycle after it was created: editing a draft, moving an open cycle's closing time,
deleting a draft, and the state changes HR confirms (with what each one will do).

Every change is audited with what it was before and what it became, field by field. A draft can
change in every respect (nobody has been invited); an open cycle only in its closing time and its
automatic reminders, because its invitations, questions and threshold are what people answered
under. Releasing starts the email run that tells every leader of the cycle's teams.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.hr.cycles import (
    ERROR_CLOSE_IN_PAST,
    CycleError,
    cycle_counts,
    cycle_transition,
    slug_unique,
)
from assessments.hr.email_runs import email_run_start
from assessments.hr.release_notices import release_leaders
from assessments.models import AuditEvent, Cycle, EmailRun, Team

if TYPE_CHECKING:
    from collections.abc import Iterable

    from leadership.models import QuestionBank

ERROR_NOT_DRAFT = _("Only a draft can be changed this way; this cycle is %(state)s.")
ERROR_NOT_OPEN = _("Only an open cycle's closing time can be moved; this cycle is %(state)s.")
ERROR_CLOSE_BEFORE_OPEN = _("The window must close after it opens.")

# The fields a draft's edit form sets, in the audit log's order.
DRAFT_FIELDS = (
    "name",
    "timezone",
    "opens_at",
    "closes_at",
    "bank",
    "min_group_size",
    "comment_min_group_size",
    "self_assessment",
    "reminder_days",
)


def _audit_value(value: Any) -> Any:
    """A field's value as the audit log keeps it: times in ISO 8601, a bank by its name."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"before": _audit_value(before[name]), "after": _audit_value(after[name])}
        for name in after
        if before[name] != after[name]
    }


def _locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


# --- A draft --------------------------------------------------------------------------------


@transaction.atomic
def cycle_update(
    *,
    cycle: Cycle,
    actor: Any,
    name: str,
    bank: QuestionBank,
    teams: Iterable[Team],
    opens_at: dt.datetime | None,
    closes_at: dt.datetime | None,
    timezone: str,
    min_group_size: int,
    comment_min_group_size: int,
    self_assessment: bool,
    reminder_days: list[int],
) -> dict[str, Any]:
    """Change a draft in every respect; its questions are the bank's current ones again.

    Returns the changes as audited: ``{field: {"before": …, "after": …}}``, plus the teams added
    and removed and whether the frozen questions changed.
    """
    locked = _locked(cycle)
    if locked.recorded_state != Cycle.State.DRAFT:
        raise CycleError(ERROR_NOT_DRAFT % {"state": locked.get_state_display().lower()})
    if opens_at and closes_at and closes_at <= opens_at:
        raise CycleError(ERROR_CLOSE_BEFORE_OPEN)
    wanted = {
        "name": name,
        "timezone": timezone,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "bank": bank,
        "min_group_size": min_group_size,
        "comment_min_group_size": comment_min_group_size,
        "self_assessment": self_assessment,
        "reminder_days": list(reminder_days),
    }
    before = {field: getattr(locked, field) for field in DRAFT_FIELDS}
    changes: dict[str, Any] = _changes(before, wanted)
    for field, value in wanted.items():
        setattr(locked, field, value)
    if "name" in changes:
        locked.slug = slug_unique(Cycle, name)
    locked.full_clean(exclude=["slug", "bank", "questions", "teams"])
    locked.save()

    team_ids_before = set(locked.teams.values_list("pk", flat=True))
    teams = list(teams)
    team_ids_after = {team.pk for team in teams}
    if team_ids_before != team_ids_after:
        locked.teams.set(teams)
        names = dict(
            Team.objects.filter(pk__in=team_ids_before | team_ids_after).values_list("pk", "name")
        )
        changes["teams"] = {
            "added": sorted(names[pk] for pk in team_ids_after - team_ids_before),
            "removed": sorted(names[pk] for pk in team_ids_before - team_ids_after),
        }
    questions_before = set(locked.questions.values_list("pk", flat=True))
    current = list(bank.questions.current())
    if questions_before != {question.pk for question in current}:
        locked.questions.set(current)
        changes["questions"] = {"before": len(questions_before), "after": len(current)}

    _caller_refresh(cycle, locked)
    if changes:
        AuditEvent.record(
            actor=actor, action="cycle.update", target=locked, detail={"id": locked.pk, **changes}
        )
    return changes


def _caller_refresh(caller: Cycle, locked: Cycle) -> None:
    for field in (*DRAFT_FIELDS, "slug", "recorded_state"):
        setattr(caller, field, getattr(locked, field))


@transaction.atomic
def cycle_delete(*, cycle: Cycle, actor: Any) -> None:
    """Delete a draft: nobody was invited, so nothing but the draft itself goes."""
    locked = _locked(cycle)
    if locked.recorded_state != Cycle.State.DRAFT:
        raise CycleError(ERROR_NOT_DRAFT % {"state": locked.get_state_display().lower()})
    detail = {
        "id": locked.pk,
        "name": locked.name,
        "teams": locked.teams.count(),
        "opens_at": _audit_value(locked.opens_at),
        "closes_at": _audit_value(locked.closes_at),
    }
    locked.delete()
    AuditEvent.record(actor=actor, action="cycle.delete", target=detail["name"], detail=detail)


# --- An open cycle --------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseChange:
    changes: dict[str, Any]
    reminder_run: EmailRun | None  # the reminder run asked for (or the one already under way)


@transaction.atomic
def cycle_close_change(
    *,
    cycle: Cycle,
    actor: Any,
    closes_at: dt.datetime,
    reminder_days: list[int],
    remind_now: bool = False,
) -> CloseChange:
    """Move an open cycle's closing time (later, or earlier but not into the past), change its
    automatic reminders, and with ``remind_now`` start a reminder run for everyone who has not
    answered (those reminded within the interval are skipped, as always)."""
    now = timezone.now()
    locked = _locked(cycle)
    if locked.state != Cycle.State.OPEN:
        raise CycleError(ERROR_NOT_OPEN % {"state": locked.get_state_display().lower()})
    if closes_at <= now:
        raise CycleError(ERROR_CLOSE_IN_PAST)
    if locked.opens_at and closes_at <= locked.opens_at:
        raise CycleError(ERROR_CLOSE_BEFORE_OPEN)
    fields = ("closes_at", "reminder_days")
    before = {field: getattr(locked, field) for field in fields}
    changes = _changes(before, {"closes_at": closes_at, "reminder_days": list(reminder_days)})
    locked.closes_at, locked.reminder_days = closes_at, list(reminder_days)
    locked.save(update_fields=list(fields))
    cycle.closes_at, cycle.reminder_days = locked.closes_at, locked.reminder_days
    run = None
    if remind_now:
        run, _created = email_run_start(cycle=locked, kind=EmailRun.Kind.REMINDER, user=actor)
    if changes or remind_now:
        AuditEvent.record(
            actor=actor,
            action="cycle.window",
            target=locked,
            detail={"id": locked.pk, **changes, "remind_now": remind_now},
        )
    return CloseChange(changes=changes, reminder_run=run)


# --- Confirmed state changes ----------------------------------------------------------------


@dataclass(frozen=True)
class Consequences:
    """What a state change will do, for the page that asks HR to confirm it: only figures HR
    already sees on the cycle page."""

    to: str
    teams: int
    invited: int
    submitted: int
    in_progress: int
    teams_below_k: int
    self_pending: int  # leaders invited to self-assess who have not submitted
    leaders_to_email: int

    @property
    def not_submitted(self) -> int:
        return max(self.invited - self.submitted, 0)


def cycle_consequences(*, cycle: Cycle, to: str) -> Consequences:
    counts = cycle_counts(cycle=cycle)
    leaders = len(release_leaders(cycle=cycle)) if to == Cycle.State.RELEASED else 0
    return Consequences(
        to=to,
        teams=len(counts.teams),
        invited=counts.invited,
        submitted=counts.submitted,
        in_progress=counts.in_progress,
        teams_below_k=sum(row.submitted < cycle.min_group_size for row in counts.teams),
        self_pending=max(counts.self_invited - counts.self_submitted, 0),
        leaders_to_email=leaders,
    )


@transaction.atomic
def cycle_state_change(
    *, cycle: Cycle, to: str, actor: Any, closes_at: dt.datetime | None = None
) -> EmailRun | None:
    """Move the cycle to ``to`` as HR confirmed; a release also starts telling the leaders.

    Returns the release run when one was started.
    """
    cycle_transition(cycle=cycle, to=to, actor=actor, closes_at=closes_at)
    if to != Cycle.State.RELEASED:
        return None
    run, _created = email_run_start(cycle=cycle, kind=EmailRun.Kind.RELEASE, user=actor)
    return run
