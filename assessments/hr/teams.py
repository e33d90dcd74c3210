"""Teams, departments, leaders and members: saving one team, importing many from CSV.

Team CSV format (one row per member)::

    team,department,leader_email,member_email,language
    Platform,Engineering,ana@example.com,sam@example.com,de
    Platform,Engineering,ana@example.com,kim@example.com,

``language`` (optional) is the member's language code (``de``, ``en``); empty means the team's.

``team`` is required; ``department`` is optional (created when new); ``leader_email`` may hold
several addresses separated by ``|``; ``member_email`` may be empty on a row that only names a
leader. For every team the file names, its department, leaders and members become exactly what
the file says; teams the file does not name are left alone. An import is all or nothing. A leader
without an account gets one, and an email to set its password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.hr.cycles import slug_unique
from assessments.models import AuditEvent, Team, TeamMember, cycle_teams_follow
from leadership.accounts import account_welcome_enqueue
from leadership.csvfiles import CsvImportError, CsvProblem, csv_read
from leadership.languages import language_codes, language_valid

if TYPE_CHECKING:
    from collections.abc import Iterable

TEAM_IMPORT_COLUMNS = ("team", "department", "leader_email", "member_email", "language")
TEAM_IMPORT_MAX_BYTES = 2 * 1024 * 1024
TEAM_IMPORT_MAX_ROWS = 20_000

ERROR_EMAIL = _("“%s” is not a valid email address.")
ERROR_TEAM_REQUIRED = _("The team name is empty.")
ERROR_TEAM_IS_DEPARTMENT = _("“%s” is a department; a team cannot have the same name.")
ERROR_DEPARTMENT_IS_TEAM = _("“%s” is a team; a department cannot have the same name.")
ERROR_TWO_DEPARTMENTS = _("Team “%(team)s” is in department “%(first)s” on an earlier row.")
ERROR_LONG_NAME = _("The name is longer than 160 characters.")
ERROR_LANGUAGE = gettext_lazy("“%(value)s” is not a language of this site (%(codes)s).")

NEW_ACCOUNTS_MESSAGE = gettext_lazy(
    "New leader accounts: %s. Each is emailed a link to set its password; you can send it again "
    "from the team's page."
)


def email_clean(raw: str) -> str:
    """Lower-case and validated; raises ValidationError."""
    email = raw.strip().lower()
    validate_email(email)
    return email


def leader_user(email: str) -> tuple[Any, bool]:
    """The user with this email, created without a usable password when new: a new account is
    emailed a link to set one (by the worker, once the team is saved)."""
    user_model = get_user_model()
    user = user_model.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()
    if user is not None:
        return user, False
    user = user_model(username=email, email=email)
    user.set_unusable_password()
    user.save()
    account_welcome_enqueue(user)
    return user, True


def department_get_or_create(name: str) -> Team | None:
    name = name.strip()
    if not name:
        return None
    department = Team.objects.filter(is_department=True, name__iexact=name).first()
    if department is None:
        department = Team.objects.create(
            name=name, slug=slug_unique(Team, name), is_department=True
        )
    return department


def team_save(
    *,
    actor: Any,
    team: Team | None,
    name: str,
    department: str,
    leader_emails: Iterable[str],
    member_emails: Iterable[str],
    language: str | None = None,
) -> tuple[Team, list[str]]:
    """Create or update one team; returns it and the emails of leader accounts created.

    ``language`` (None: unchanged) is the team's; its members keep the languages HR gave them.
    """
    with transaction.atomic():
        created_team = team is None
        if team is None:
            team = Team(slug=slug_unique(Team, name))
        team.name = name.strip()
        team.parent = department_get_or_create(department)
        if language is not None:
            team.language = language
        team.save()
        new_accounts = _team_people_set(team, leader_emails, member_emails)
        cycle_teams_follow(team_ids=[team.pk])
        AuditEvent.record(
            actor=actor,
            action="team.create" if created_team else "team.update",
            target=team,
            detail={"team": team.pk},
        )
    return team, new_accounts


def _team_people_set(
    team: Team,
    leader_emails: Iterable[str],
    member_emails: Iterable[str],
    languages: dict[str, str] | None = None,
):
    """Leaders and members exactly as given; ``languages`` (email → code, from an import's
    ``language`` column) sets members' languages, else a member keeps theirs."""
    new_accounts = []
    leaders = []
    for email in dict.fromkeys(leader_emails):
        user, created = leader_user(email)
        leaders.append(user)
        if created:
            new_accounts.append(email)
    team.leaders.set(leaders)
    members = list(dict.fromkeys(member_emails))
    team.members.exclude(email__in=members).delete()
    existing = dict(team.members.values_list("email", "language"))
    languages = languages or {}
    TeamMember.objects.bulk_create(
        [
            TeamMember(team=team, email=email, language=languages.get(email, ""))
            for email in members
            if email not in existing
        ]
    )
    for email, language in languages.items():
        if email in existing and existing[email] != language:
            team.members.filter(email=email).update(language=language)
    return new_accounts


# --- CSV import -----------------------------------------------------------------------------


@dataclass
class TeamPlan:
    name: str
    department: str = ""
    department_row: int = 0
    leaders: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    # email → language code, only when the file has a ``language`` column
    languages: dict[str, str] | None = None


@dataclass(frozen=True)
class TeamsFile:
    """A checked teams file: a plan per team (by lower-case name) and how the file was read."""

    plans: dict[str, TeamPlan]
    source: str
    rows: int


@dataclass(frozen=True)
class ImportResult:
    teams_created: int
    teams_updated: int
    members: int
    leader_accounts_created: list[str]


def _email_cells(raw: str, *, several: bool) -> list[str]:
    parts = raw.split("|") if several else [raw]
    return [part.strip() for part in parts if part.strip()]


def teams_import_plan(data: bytes) -> TeamsFile:
    """Read and check the whole file; raises CsvImportError naming every bad cell."""
    table = csv_read(
        data=data,
        required=("team", "member_email"),
        max_rows=TEAM_IMPORT_MAX_ROWS,
        max_bytes=TEAM_IMPORT_MAX_BYTES,
    )
    problems: list[CsvProblem] = []
    plans: dict[str, TeamPlan] = {}
    departments = {
        name.lower()
        for name in Team.objects.filter(is_department=True).values_list("name", flat=True)
    }
    teams = {name.lower() for name in Team.objects.teams_only().values_list("name", flat=True)}
    has_language = "language" in table.columns
    for row in table.rows:
        name = row.get("team")
        department = row.get("department")
        if not name:
            problems.append(CsvProblem(row.number, "team", ERROR_TEAM_REQUIRED))
            continue
        if len(name) > 160:
            problems.append(CsvProblem(row.number, "team", ERROR_LONG_NAME))
            continue
        if name.lower() in departments:
            problems.append(CsvProblem(row.number, "team", ERROR_TEAM_IS_DEPARTMENT % name))
            continue
        if len(department) > 160:
            problems.append(CsvProblem(row.number, "department", ERROR_LONG_NAME))
        elif department and (department.lower() in teams or department.lower() in plans):
            problems.append(
                CsvProblem(row.number, "department", ERROR_DEPARTMENT_IS_TEAM % department)
            )
        plan = plans.setdefault(name.lower(), TeamPlan(name=name))
        if department:
            if plan.department and plan.department.lower() != department.lower():
                problems.append(
                    CsvProblem(
                        row.number,
                        "department",
                        ERROR_TWO_DEPARTMENTS % {"team": name, "first": plan.department},
                    )
                )
            elif not plan.department:
                plan.department, plan.department_row = department, row.number
        for column, several, target in (
            ("leader_email", True, plan.leaders),
            ("member_email", False, plan.members),
        ):
            for raw in _email_cells(row.get(column), several=several):
                try:
                    email = email_clean(raw)
                except ValidationError:
                    problems.append(CsvProblem(row.number, column, ERROR_EMAIL % raw))
                    continue
                target.append(email)
                if has_language and column == "member_email":
                    language = row.get("language").lower()
                    if language and not language_valid(language):
                        problems.append(
                            CsvProblem(
                                row.number,
                                "language",
                                ERROR_LANGUAGE
                                % {"value": language, "codes": ", ".join(language_codes())},
                            )
                        )
                    if plan.languages is None:
                        plan.languages = {}
                    plan.languages[email] = language
    # A department named like a team that appears later in the file.
    for plan in plans.values():
        if plan.department and plan.department.lower() in plans:
            problems.append(
                CsvProblem(
                    plan.department_row,
                    "department",
                    ERROR_DEPARTMENT_IS_TEAM % plan.department,
                )
            )
    if problems:
        raise table.error(sorted(set(problems), key=lambda p: (p.row or 0, p.column or "")))
    for plan in plans.values():
        plan.leaders, plan.members = (
            list(dict.fromkeys(plan.leaders)),
            list(dict.fromkeys(plan.members)),
        )
    return TeamsFile(plans=plans, source=table.source, rows=len(table.rows))


def teams_by_name(names: Iterable[str], *, departments: bool = False) -> dict[str, Team]:
    """Existing teams (or departments) by lower-case name, for the names asked.

    Matched in Python, not by the database's case folding (SQLite folds ASCII only), so the
    preview and the import agree on "Équipe" and "ÉQUIPE". The oldest wins where two share a
    name.
    """
    wanted = set(names)
    found: dict[str, Team] = {}
    rows = Team.objects.filter(is_department=departments).select_related("parent").order_by("pk")
    for team in rows:
        key = team.name.lower()
        if key in wanted:
            found.setdefault(key, team)
    return found


def teams_import(*, data: bytes, actor: Any) -> ImportResult:
    """Import the whole file or nothing."""
    return teams_import_apply(plans=teams_import_plan(data).plans, actor=actor)


def teams_import_apply(
    *, plans: dict[str, TeamPlan], actor: Any, detail: dict[str, Any] | None = None
) -> ImportResult:
    """Make every planned team what its plan says, in one transaction; ``detail`` is added to
    the audit record (what the preview said)."""
    created = updated = members = 0
    accounts: list[str] = []
    team_ids: list[int] = []
    with transaction.atomic():
        existing = teams_by_name(plans)
        departments = teams_by_name(
            [plan.department.lower() for plan in plans.values()], departments=True
        )
        for key, plan in plans.items():
            team = existing.get(key)
            if team is None:
                team = Team(name=plan.name, slug=slug_unique(Team, plan.name))
                created += 1
            else:
                updated += 1
            department = plan.department.lower()
            if department and department not in departments:
                departments[department] = Team.objects.create(
                    name=plan.department,
                    slug=slug_unique(Team, plan.department),
                    is_department=True,
                )
            team.parent = departments.get(department)
            team.save()
            accounts += _team_people_set(team, plan.leaders, plan.members, plan.languages)
            members += len(plan.members)
            team_ids.append(team.pk)
        cycle_teams_follow(team_ids=team_ids)
        AuditEvent.record(
            actor=actor,
            action="teams.import",
            detail={"created": created, "updated": updated, "members": members, **(detail or {})},
        )
    return ImportResult(
        teams_created=created,
        teams_updated=updated,
        members=members,
        leader_accounts_created=sorted(set(accounts)),
    )


__all__ = ["CsvImportError", "teams_import", "teams_import_apply", "teams_import_plan"]
