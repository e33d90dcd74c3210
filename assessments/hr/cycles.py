"""Cycles: creating one, moving it through draft → open → closed → released, and counting.

Opening a cycle creates its invitations — one per team member per team, plus one ``self``
invitation per leader when leaders self-assess — idempotently: opening twice, or reopening a
closed cycle, only adds what is missing. Tokens are made with :func:`token_new` and only their
hash is stored; the plaintext of a fresh token is handed back once (to be emailed or shown to HR)
and then forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.models import (
    AuditEvent,
    Cycle,
    CycleTeam,
    Invitation,
    Role,
    SharedLink,
    Submission,
    Team,
    TeamMember,
    token_hash,
    token_new,
)
from assessments.results.stored import results_refresh
from leadership.languages import language_of
from leadership.models import translations_missing

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterable

    from leadership.models import QuestionBank

ERROR_TRANSITION = _("A cycle in state “%(state)s” cannot move to “%(to)s”.")
ERROR_NO_TEAMS = _("Pick at least one team before opening the cycle.")
ERROR_NO_QUESTIONS = _("The cycle's question bank has no current questions.")
ERROR_REOPEN_NEEDS_CLOSE = _(
    "The cycle's window has ended. Give it a new closing time in the future to reopen it."
)
ERROR_CLOSE_IN_PAST = _("The new closing time must be in the future.")
ERROR_UNTRANSLATED = _(
    "Invitations of this cycle are in %(language)s, but the bank has no %(language)s wording "
    "for: %(missing)s. Add it in the question bank (or its CSV's %(columns)s columns) first."
)


class CycleError(Exception):
    """A refused cycle action; the message is for people."""


# --- Creating -------------------------------------------------------------------------------


def slug_unique(model: Any, name: str) -> str:
    base = slugify(name)[:120] or "item"
    slug, number = base, 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


@transaction.atomic
def cycle_create(
    *,
    actor: Any,
    name: str,
    bank: QuestionBank,
    teams: Iterable[Team],
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    timezone: str | None = None,
    min_group_size: int = 3,
    comment_min_group_size: int = 5,
    self_assessment: bool = True,
    reminder_days: Iterable[int] = (),
) -> Cycle:
    """A draft cycle with the bank's current questions frozen into it."""
    cycle = Cycle.objects.create(
        name=name,
        slug=slug_unique(Cycle, name),
        bank=bank,
        opens_at=opens_at,
        closes_at=closes_at,
        **({"timezone": timezone} if timezone else {}),
        min_group_size=min_group_size,
        comment_min_group_size=comment_min_group_size,
        self_assessment=self_assessment,
        reminder_days=sorted(set(reminder_days), reverse=True),
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    AuditEvent.record(actor=actor, action="cycle.create", target=cycle, detail={"id": cycle.pk})
    return cycle


# --- Transitions ----------------------------------------------------------------------------


def _cycle_locked(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


def _caller_update(caller: Cycle, locked: Cycle) -> None:
    """Keep the caller's instance in step with the row just changed."""
    caller.recorded_state, caller.released_at = locked.recorded_state, locked.released_at
    caller.closes_at = locked.closes_at


def _transition_check(cycle: Cycle, to: str) -> None:
    if not cycle.can_transition(to):
        raise CycleError(
            ERROR_TRANSITION % {"state": cycle.get_state_display(), "to": Cycle.State(to).label}
        )


def _leader_language(user: Any) -> str:
    try:
        chosen = user.profile.language
    except ObjectDoesNotExist:
        chosen = ""
    return language_of(chosen)


def _invitations_wanted(cycle: Cycle) -> dict[tuple[int, str, str], str]:
    """(team, role, email) → language of every invitation the cycle's teams call for."""
    wanted: list[tuple[int, str, str]] = []
    # Each person's language: theirs as HR set it, else their team's, else the organisation's;
    # a leader's self-assessment is in the language of their account.
    languages: dict[tuple[int, str, str], str] = {}
    teams = cycle.teams.prefetch_related("leaders", "leaders__profile")
    members = TeamMember.objects.filter(team__in=cycle.teams.all()).values_list(
        "team_id", "email", "language", "team__language"
    )
    for team_id, email, language, team_language in members:
        key = (team_id, Role.MEMBER, email.lower())
        wanted.append(key)
        languages.setdefault(key, language_of(language, team_language))
    if cycle.self_assessment:
        for team in teams:
            for leader in team.leaders.all():
                key = (team.pk, Role.SELF, (leader.email or leader.get_username()).lower())
                wanted.append(key)
                languages.setdefault(key, _leader_language(leader))
    return {key: languages[key] for key in dict.fromkeys(wanted)}


def cycle_languages_check(cycle: Cycle) -> None:
    """Refuse to open a cycle while a language its invitations use lacks the wording of one of
    its questions or pillars: those respondents would read English halfway through."""
    languages = set(_invitations_wanted(cycle).values())
    languages |= set(Invitation.objects.filter(cycle=cycle).values_list("language", flat=True))
    # A team's shared link is answered in the team's language.
    languages |= {language_of(code) for code in cycle.teams.values_list("language", flat=True)}
    questions = list(cycle.questions.select_related("pillar").in_survey_order())
    for language in sorted(filter(None, languages)):
        missing = translations_missing(questions, language=language)
        if missing:
            shown = ", ".join(missing[:12]) + (" …" if len(missing) > 12 else "")
            raise CycleError(
                ERROR_UNTRANSLATED
                % {
                    "language": translation.get_language_info(language)["name_translated"],
                    "missing": shown,
                    "columns": f"text_{language}, self_text_{language}",
                }
            )


def invitations_create(*, cycle: Cycle) -> int:
    """Create the invitations the cycle is missing; returns how many were created.

    Safe to run again: the unique constraint on (cycle, team, role, email) and the existing-set
    check together mean a person is never invited twice.
    """
    existing = set(
        Invitation.objects.filter(cycle=cycle, email__isnull=False).values_list(
            "team_id", "role", "email"
        )
    )
    languages = _invitations_wanted(cycle)
    missing = [key for key in languages if key not in existing]
    Invitation.objects.bulk_create(
        [
            Invitation(
                cycle=cycle,
                team_id=key[0],
                role=key[1],
                email=key[2],
                token_hash=token_hash(token_new()),
                language=languages[key],
            )
            for key in missing
        ],
        batch_size=500,
        ignore_conflicts=True,
    )
    return len(missing)


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor: Any, closes_at: dt.datetime | None = None) -> int:
    """Open a draft (or reopen a closed) cycle and create its invitations.

    A cycle whose window has ended reopens only with a new closing time in the future
    (``closes_at``); otherwise it would be closed again the moment it opened. Returns the number
    of invitations created.
    """
    now = timezone.now()
    caller, cycle = cycle, _cycle_locked(cycle)
    _transition_check(cycle, Cycle.State.OPEN)
    if closes_at is not None and closes_at <= now:
        raise CycleError(ERROR_CLOSE_IN_PAST)
    earlier_close = cycle.closes_at
    if closes_at is not None:
        cycle.closes_at = closes_at
    elif cycle.closes_at is not None and cycle.closes_at <= now:
        raise CycleError(ERROR_REOPEN_NEEDS_CLOSE)
    if not cycle.teams.exists():
        raise CycleError(ERROR_NO_TEAMS)
    if not cycle.questions.exists():
        cycle.questions.set(cycle.bank.questions.current())
        if not cycle.questions.exists():
            raise CycleError(ERROR_NO_QUESTIONS)
    cycle_languages_check(cycle)
    reopened = cycle.recorded_state != Cycle.State.DRAFT
    cycle.recorded_state = Cycle.State.OPEN
    cycle.save(update_fields=["recorded_state", "closes_at"])
    # Open again, the cycle takes its teams as they are now (edits made while it was closed).
    CycleTeam.objects.filter(cycle=cycle).snapshot_take()
    created = invitations_create(cycle=cycle)
    if reopened:  # its stored figures are of the cycle as it was: not ready again until closed
        results_refresh(cycle)
    _caller_update(caller, cycle)
    detail: dict[str, Any] = {"id": cycle.pk, "invitations_created": created}
    if cycle.closes_at != earlier_close:
        detail["closes_at"] = cycle.closes_at.isoformat() if cycle.closes_at else None
        detail["closes_at_before"] = earlier_close.isoformat() if earlier_close else None
    AuditEvent.record(
        actor=actor,
        action="cycle.reopen" if reopened else "cycle.open",
        target=cycle,
        detail=detail,
    )
    return created


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor: Any) -> None:
    caller, cycle = cycle, _cycle_locked(cycle)
    _transition_check(cycle, Cycle.State.CLOSED)
    cycle.recorded_state = Cycle.State.CLOSED
    cycle.save(update_fields=["recorded_state"])
    results_refresh(cycle)  # the worker computes them once this commits
    _caller_update(caller, cycle)
    AuditEvent.record(actor=actor, action="cycle.close", target=cycle, detail={"id": cycle.pk})


@transaction.atomic
def cycle_release(*, cycle: Cycle, actor: Any) -> None:
    caller, cycle = cycle, _cycle_locked(cycle)
    _transition_check(cycle, Cycle.State.RELEASED)
    cycle.recorded_state = Cycle.State.RELEASED
    cycle.released_at = timezone.now()
    cycle.save(update_fields=["recorded_state", "released_at"])
    results_refresh(cycle)
    _caller_update(caller, cycle)
    AuditEvent.record(actor=actor, action="cycle.release", target=cycle, detail={"id": cycle.pk})


def cycle_transition(
    *, cycle: Cycle, to: str, actor: Any, closes_at: dt.datetime | None = None
) -> None:
    """Dispatch to the function for the target state; refuses anything not allowed.

    ``closes_at`` is the new closing time when (re)opening.
    """
    actions: dict[str, Callable[..., object]] = {
        Cycle.State.OPEN: cycle_open,
        Cycle.State.CLOSED: cycle_close,
        Cycle.State.RELEASED: cycle_release,
    }
    if to not in actions:
        raise CycleError(ERROR_TRANSITION % {"state": cycle.get_state_display(), "to": to})
    if to == Cycle.State.OPEN:
        cycle_open(cycle=cycle, actor=actor, closes_at=closes_at)
    else:
        actions[to](cycle=cycle, actor=actor)


# --- Links ----------------------------------------------------------------------------------


def survey_path(token: str) -> str:
    return reverse("assessments:survey-start", args=[token])


def shared_path(token: str) -> str:
    return reverse("assessments:shared-start", args=[token])


def invitation_token_rotate(*, invitation: Invitation) -> str:
    """Give the invitation a fresh token and return it; the old link stops working."""
    token = token_new()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash(token))
    invitation.token_hash = token_hash(token)
    return token


def shared_link_headcount_default(*, team: Team) -> int:
    """What a team's shared link takes unless HR says otherwise: its members on file."""
    return max(1, TeamMember.objects.filter(team=team).count())


@transaction.atomic
def shared_link_rotate(
    *, cycle: Cycle, team: Team, actor: Any, headcount: int | None = None
) -> str:
    """Create the team's shared link, or replace its token (and, given, its headcount);
    returns the new token. Answers given so far keep counting against the headcount."""
    token = token_new()
    wanted = headcount or shared_link_headcount_default(team=team)
    link, created = SharedLink.objects.select_for_update().get_or_create(
        cycle=cycle, team=team, defaults={"token_hash": token_hash(token), "headcount": wanted}
    )
    if not created:
        link.token_hash = token_hash(token)
        link.active = True
        if headcount:
            link.headcount = headcount
        link.save(update_fields=["token_hash", "active", "headcount"])
    AuditEvent.record(
        actor=actor,
        action="shared_link.create" if created else "shared_link.rotate",
        target=f"{cycle} / {team}",
        detail={"cycle": cycle.pk, "team": team.pk, "headcount": link.headcount},
    )
    return token


@transaction.atomic
def self_invitation_rotate(*, cycle: Cycle, team: Team, user: Any) -> tuple[Invitation, str]:
    """The leader's own invitation for this cycle and team with a fresh token.

    Created when missing (a leader added after the cycle opened).
    """
    email = (user.email or user.get_username()).lower()
    invitation = (
        Invitation.objects.select_for_update()
        .filter(cycle=cycle, team=team, role=Role.SELF, email=email)
        .first()
    )
    if invitation is None:
        invitation = Invitation.objects.create(
            cycle=cycle,
            team=team,
            role=Role.SELF,
            email=email,
            token_hash=token_hash(token_new()),
            language=_leader_language(user),
        )
    return invitation, invitation_token_rotate(invitation=invitation)


# --- Counting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamCount:
    """Response figures for one team in one cycle. ``submitted`` counts team members only, all
    of them; ``invited`` and ``in_progress`` count personal invitations; the shared link's
    answers and headcount are counted apart (``shared_submitted`` of ``shared_headcount``)."""

    team: Team
    invited: int
    in_progress: int
    submitted: int
    self_invited: bool
    self_submitted: bool
    shared_headcount: int = 0
    shared_submitted: int = 0

    @property
    def expected(self) -> int:
        return self.invited + self.shared_headcount

    @property
    def rate(self) -> int:
        """Whole-percent response rate of the team members, capped at 100."""
        if not self.expected:
            return 0
        return min(100, round(100 * self.submitted / self.expected))


@dataclass(frozen=True)
class CycleCount:
    teams: list[TeamCount]

    @property
    def invited(self) -> int:
        return sum(team.invited for team in self.teams)

    @property
    def in_progress(self) -> int:
        return sum(team.in_progress for team in self.teams)

    @property
    def submitted(self) -> int:
        return sum(team.submitted for team in self.teams)

    @property
    def rate(self) -> int:
        return min(100, round(100 * self.submitted / self.invited)) if self.invited else 0

    @property
    def self_invited(self) -> int:
        return sum(team.self_invited for team in self.teams)

    @property
    def self_submitted(self) -> int:
        return sum(team.self_submitted for team in self.teams)


def cycle_counts(*, cycle: Cycle, teams: Iterable[Team] | None = None) -> CycleCount:
    """Invited / in progress / submitted per team, in two grouped queries.

    ``submitted`` counts submissions (the truth, including imported answers), the others count
    invitations by state.
    """
    teams = list(cycle.teams.all() if teams is None else teams)
    team_ids = [team.pk for team in teams]
    by_state: dict[tuple[int, str, str], int] = {
        (row["team_id"], row["role"], row["state"]): row["n"]
        for row in Invitation.objects.invited()
        .filter(cycle=cycle, team_id__in=team_ids)
        .values("team_id", "role", "state")
        .annotate(n=Count("id"))
        .order_by()
    }
    submitted: dict[tuple[int, str], int] = {
        (row["team_id"], row["role"]): row["n"]
        for row in Submission.objects.filter(cycle=cycle, team_id__in=team_ids)
        .values("team_id", "role")
        .annotate(n=Count("id"))
        .order_by()
    }
    shared = {
        team_id: (headcount, taken)
        for team_id, headcount, taken in SharedLink.objects.filter(
            cycle=cycle, team_id__in=team_ids
        ).values_list("team_id", "headcount", "submitted")
    }
    rows = []
    for team in teams:

        def invites(role: str, state: str | None = None, team_id: int = team.pk) -> int:
            return sum(
                n
                for (t, r, s), n in by_state.items()
                if t == team_id and r == role and (state is None or s == state)
            )

        rows.append(
            TeamCount(
                team=team,
                invited=invites(Role.MEMBER),
                in_progress=invites(Role.MEMBER, Invitation.State.STARTED),
                submitted=submitted.get((team.pk, Role.MEMBER), 0),
                self_invited=invites(Role.SELF) > 0,
                self_submitted=submitted.get((team.pk, Role.SELF), 0) > 0,
                shared_headcount=shared.get(team.pk, (0, 0))[0],
                shared_submitted=shared.get(team.pk, (0, 0))[1],
            )
        )
    return CycleCount(teams=rows)


@dataclass(frozen=True)
class CycleTotal:
    invited: int
    submitted: int

    @property
    def rate(self) -> int:
        return min(100, round(100 * self.submitted / self.invited)) if self.invited else 0


def cycle_totals(*, cycles: Iterable[Cycle]) -> dict[int, CycleTotal]:
    """Team-member invitations and submissions per cycle, in two grouped queries."""
    ids = [cycle.pk for cycle in cycles]
    invited = dict(
        Invitation.objects.invited()
        .filter(cycle_id__in=ids, role=Role.MEMBER)
        .values("cycle_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("cycle_id", "n")
    )
    submitted = dict(
        Submission.objects.filter(cycle_id__in=ids, role=Role.MEMBER)
        .values("cycle_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("cycle_id", "n")
    )
    return {pk: CycleTotal(invited.get(pk, 0), submitted.get(pk, 0)) for pk in ids}
