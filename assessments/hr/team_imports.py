"""What a teams import will do, worked out before anything is written.

HR uploads a file and sees, team by team, what will be added, changed and removed — teams,
departments, leaders, members — and which open cycles take the change, then confirms. The
preview is computed from the database as it is at that moment, in a fixed handful of queries
whatever the number of teams; its :attr:`ImportPreview.digest` lets the confirmation check that
nothing changed in between (another import, an edit), so what is applied is what was shown.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Lower

from assessments.hr.teams import teams_by_name
from assessments.models import Cycle, CycleTeam, Team, TeamMember

if TYPE_CHECKING:
    from assessments.hr.teams import TeamPlan, TeamsFile

# Rows shown per list on the preview page; the counts are always complete.
PREVIEW_ROWS = 10


@dataclass(frozen=True)
class TeamDiff:
    """One team of the file: as it is (``before``) and as the import makes it."""

    name: str
    is_new: bool
    department_before: str
    department_after: str
    leaders_added: tuple[str, ...]
    leaders_removed: tuple[str, ...]
    members_added: tuple[str, ...]
    members_removed: tuple[str, ...]
    members_before: int
    members_after: int
    # Members whose language (the file's ``language`` column) changes.
    languages_changed: tuple[str, ...] = ()

    @property
    def moves(self) -> bool:
        """Changes department (departments match by name whatever the case, as on import)."""
        return self.department_before.casefold() != self.department_after.casefold()

    @property
    def changes(self) -> bool:
        return (
            self.is_new
            or self.moves
            or any(
                (
                    self.leaders_added,
                    self.leaders_removed,
                    self.members_added,
                    self.members_removed,
                    self.languages_changed,
                )
            )
        )


@dataclass(frozen=True)
class OpenCycleEffect:
    """An open cycle among whose teams the import changes something."""

    cycle: Cycle
    moved: tuple[str, ...]  # its teams that change department: its results follow them
    members_changed: tuple[str, ...]  # its teams whose members change: its invitations do not


@dataclass(frozen=True)
class ImportPreview:
    source: str
    rows: int
    new: list[TeamDiff]
    changed: list[TeamDiff]
    unchanged: int
    departments_new: list[str]
    leader_accounts_new: list[str]
    open_cycles: list[OpenCycleEffect]
    digest: str
    # (team, email) pairs, for the lists on the page.
    members_added: list[tuple[str, str]] = field(default_factory=list)
    members_removed: list[tuple[str, str]] = field(default_factory=list)
    leaders_added: list[tuple[str, str]] = field(default_factory=list)
    leaders_removed: list[tuple[str, str]] = field(default_factory=list)
    languages_changed: int = 0

    @property
    def moved(self) -> list[TeamDiff]:
        return [diff for diff in self.changed if diff.moves]

    @property
    def changes_anything(self) -> bool:
        return bool(self.new or self.changed)

    @property
    def removes_anything(self) -> bool:
        return bool(self.members_removed or self.leaders_removed or self.moved)


def _existing_teams(names: list[str]) -> dict[str, Team]:
    """The file's teams that exist, by lower-case name, with department, leaders and members."""
    found = teams_by_name(names)
    leaders: dict[int, list[str]] = defaultdict(list)
    for team_id, email, username in Team.leaders.through.objects.filter(
        team_id__in=[t.pk for t in found.values()]
    ).values_list("team_id", "user__email", "user__username"):
        leaders[team_id].append((email or username).lower())
    members: dict[int, list[str]] = defaultdict(list)
    languages: dict[int, dict[str, str]] = defaultdict(dict)
    for team_id, email, language in TeamMember.objects.filter(team__in=found.values()).values_list(
        "team_id", "email", "language"
    ):
        members[team_id].append(email.lower())
        languages[team_id][email.lower()] = language
    for team in found.values():
        team.leader_emails = leaders[team.pk]  # type: ignore[attr-defined]
        team.member_emails = members[team.pk]  # type: ignore[attr-defined]
        team.member_languages = languages[team.pk]  # type: ignore[attr-defined]
    return found


def _diff(plan: TeamPlan, team: Team | None) -> TeamDiff:
    before_leaders = team.leader_emails if team else []  # type: ignore[attr-defined]
    before_members = team.member_emails if team else []  # type: ignore[attr-defined]
    return TeamDiff(
        name=team.name if team else plan.name,
        is_new=team is None,
        department_before=team.parent.name if team and team.parent else "",
        department_after=plan.department,
        leaders_added=tuple(e for e in plan.leaders if e not in before_leaders),
        leaders_removed=tuple(e for e in before_leaders if e not in plan.leaders),
        members_added=tuple(e for e in plan.members if e not in before_members),
        members_removed=tuple(e for e in before_members if e not in plan.members),
        members_before=len(before_members),
        members_after=len(plan.members),
        languages_changed=tuple(
            email
            for email, language in (plan.languages or {}).items()
            if email in before_members and team.member_languages.get(email, "") != language  # type: ignore[union-attr]
        ),
    )


def _accounts_new(emails: set[str]) -> list[str]:
    if not emails:
        return []
    users = get_user_model().objects.annotate(e=Lower("email"), u=Lower("username"))
    known = set()
    for email, username in users.filter(Q(e__in=emails) | Q(u__in=emails)).values_list("e", "u"):
        known.update({email, username})
    return sorted(emails - known)


def _open_cycles(
    teams: dict[str, Team], diffs: list[tuple[str, TeamDiff]]
) -> list[OpenCycleEffect]:
    by_id = {teams[key].pk: diff for key, diff in diffs}
    if not by_id:
        return []
    in_cycles: dict[int, list[TeamDiff]] = defaultdict(list)
    for cycle_id, team_id in CycleTeam.objects.filter(
        Q(team_id__in=by_id) & Q(cycle__in=Cycle.objects.open())
    ).values_list("cycle_id", "team_id"):
        in_cycles[cycle_id].append(by_id[team_id])
    effects = []
    for cycle in Cycle.objects.filter(pk__in=in_cycles).order_by("name"):
        diffs_here = sorted(in_cycles[cycle.pk], key=lambda d: d.name.casefold())
        effects.append(
            OpenCycleEffect(
                cycle=cycle,
                moved=tuple(d.name for d in diffs_here if d.moves),
                members_changed=tuple(
                    d.name for d in diffs_here if d.members_added or d.members_removed
                ),
            )
        )
    return effects


def teams_import_preview(*, teams_file: TeamsFile) -> ImportPreview:
    """What importing ``teams_file`` would change now; writes nothing."""
    plans = teams_file.plans
    teams = _existing_teams(list(plans))
    diffs = {key: _diff(plan, teams.get(key)) for key, plan in plans.items()}
    shown = sorted((d for d in diffs.values() if d.changes), key=lambda d: d.name.casefold())
    existing_departments = teams_by_name(
        [plan.department.lower() for plan in plans.values()], departments=True
    )
    departments_new: dict[str, str] = {}
    for plan in plans.values():
        key = plan.department.lower()
        if key and key not in existing_departments:
            departments_new.setdefault(key, plan.department)
    departments = sorted(departments_new.values(), key=str.casefold)
    accounts = _accounts_new({email for plan in plans.values() for email in plan.leaders})
    # What the page shows, so a confirmation applies only the preview its person saw.
    seen = {"teams": [asdict(d) for d in shown], "departments": departments, "accounts": accounts}
    digest = hashlib.sha256(json.dumps(seen, sort_keys=True).encode()).hexdigest()
    changed = [(key, d) for key, d in diffs.items() if d.changes and not d.is_new]
    return ImportPreview(
        source=teams_file.source,
        rows=teams_file.rows,
        new=[d for d in shown if d.is_new],
        changed=[d for d in shown if not d.is_new],
        unchanged=len(diffs) - len(shown),
        departments_new=departments,
        leader_accounts_new=accounts,
        open_cycles=_open_cycles(teams, changed),
        digest=digest,
        members_added=[(d.name, e) for d in shown for e in d.members_added],
        members_removed=[(d.name, e) for d in shown for e in d.members_removed],
        leaders_added=[(d.name, e) for d in shown for e in d.leaders_added],
        leaders_removed=[(d.name, e) for d in shown for e in d.leaders_removed],
        languages_changed=sum(len(d.languages_changed) for d in shown),
    )
