"""Import answers from a wide CSV: one row per respondent, one column per question code.

Columns: a team column (teams are created when missing), an optional role column (``self`` or
``member``; ``member`` when absent or empty), and one column per rating question code of the
bank, holding an integer on that question's scale, or nothing for "can't say". Any other column
is an error naming it; a bad cell is named by row and column. All or nothing: the file is
checked completely before anything is written, and the import runs in one transaction. The
cycle is created closed and released, with today's date on every submission.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments.models import Answer, AuditEvent, Cycle, Role, Submission, Team
from assessments.results.stored import results_refresh
from leadership.csvfiles import CsvProblem, csv_read, parse_int

if TYPE_CHECKING:
    from collections.abc import Iterable

    from leadership.models import Question, QuestionBank

IMPORT_ROLES = (Role.MEMBER, Role.SELF)


@dataclass(frozen=True)
class ParsedRow:
    team: str
    role: str
    values: dict[int, int | None]  # question id -> value (None: can't say)


@dataclass(frozen=True)
class ResponsesImport:
    questions: list[Question]
    rows: list[ParsedRow]


@dataclass(frozen=True)
class ImportSummary:
    cycle: Cycle
    submissions: int
    answers: int
    teams_created: int


def responses_parse(
    *, data: bytes, bank: QuestionBank, team_column: str = "team", role_column: str = "role"
) -> ResponsesImport:
    """Check the whole file; raise :class:`CsvImportError` naming every bad cell."""
    team_column = team_column.strip().lower()
    role_column = role_column.strip().lower()
    table = csv_read(data=data, required=(team_column,))
    by_code = {q.code.lower(): q for q in bank.questions.current().ratings().in_survey_order()}
    problems: list[CsvProblem] = []
    columns: list[tuple[str, Question]] = []
    for column in table.columns:
        if column in (team_column, role_column):
            continue
        question = by_code.get(column)
        if question is None:
            problems.append(
                CsvProblem(
                    1,
                    column,
                    _("Not a question code of bank “%(bank)s”, nor the team or role column.")
                    % {"bank": bank.name},
                )
            )
        else:
            columns.append((column, question))
    if not columns:
        problems.append(CsvProblem(1, None, _("No column holds a question code of the bank.")))
    if problems:
        raise table.error(problems)
    rows: list[ParsedRow] = []
    name_max = Team._meta.get_field("name").max_length
    for row in table.rows:
        team = row.get(team_column)
        if not team:
            problems.append(CsvProblem(row.number, team_column, _("The team is missing.")))
        elif name_max is not None and len(team) > name_max:
            problems.append(CsvProblem(row.number, team_column, _("The team name is too long.")))
        role = (row.get(role_column) or Role.MEMBER).lower()
        if role not in IMPORT_ROLES:
            problems.append(
                CsvProblem(row.number, role_column, _("The role must be “member” or “self”."))
            )
        values: dict[int, int | None] = {}
        for column, question in columns:
            if not row.get(column):
                values[question.pk] = None
                continue
            value = parse_int(row, column, problems)
            if value is None:
                continue
            if not question.scale_min <= value <= question.scale_max:
                problems.append(
                    CsvProblem(
                        row.number,
                        column,
                        _("%(value)s is outside the scale %(low)s–%(high)s.")
                        % {"value": value, "low": question.scale_min, "high": question.scale_max},
                    )
                )
                continue
            values[question.pk] = value
        rows.append(ParsedRow(team=team, role=role, values=values))
    if problems:
        raise table.error(problems)
    return ResponsesImport(questions=[question for _column, question in columns], rows=rows)


def _answer_column(name: str) -> str:
    """The database column of one of ``Answer``'s concrete fields."""
    field = Answer._meta.get_field(name)
    assert isinstance(field, models.Field)  # concrete: it has a column
    assert field.column
    return field.column


def answers_insert(rows: Iterable[tuple[int, int, int | None]], *, batch: int = 20_000) -> int:
    """Insert (submission id, question id, value) rows in batches, without model instances.

    Building 100,000 ``Answer`` objects for ``bulk_create`` costs seconds; ``executemany`` on
    the plain rows is several times faster on SQLite and PostgreSQL alike.
    """
    table = connection.ops.quote_name(Answer._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(_answer_column(name))
        for name in ("submission", "question", "value")
    )
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"
    total = 0
    with connection.cursor() as cursor:
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, batch)):
            cursor.executemany(sql, chunk)
            total += len(chunk)
    return total


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name)[:170] or "team"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    taken.add(slug)
    return slug


@transaction.atomic
def responses_import(
    *, parsed: ResponsesImport, bank: QuestionBank, cycle_name: str, actor: object = None
) -> ImportSummary:
    """Write a checked file: the released cycle, missing teams, submissions and answers."""
    cycle_slug = _unique_slug(cycle_name, set(Cycle.objects.values_list("slug", flat=True)))
    now = timezone.now()
    cycle = Cycle.objects.create(
        name=cycle_name,
        slug=cycle_slug,
        bank=bank,
        closes_at=now,
        recorded_state=Cycle.State.RELEASED,
        released_at=now,
    )
    cycle.questions.set(parsed.questions)
    names = sorted({row.team for row in parsed.rows})
    teams = {team.name: team for team in Team.objects.filter(name__in=names).order_by("pk")}
    taken = set(Team.objects.values_list("slug", flat=True))
    missing = [name for name in names if name not in teams]
    created = Team.objects.bulk_create(
        Team(name=name, slug=_unique_slug(name, taken)) for name in missing
    )
    teams.update({team.name: team for team in created})
    cycle.teams.set(teams.values())
    today = timezone.localdate()
    submissions = Submission.objects.bulk_create(
        (
            Submission(cycle=cycle, team=teams[row.team], role=row.role, submitted_on=today)
            for row in parsed.rows
        ),
        batch_size=1000,
    )
    answers = answers_insert(
        (submission.pk, question_id, value)
        for submission, row in zip(submissions, parsed.rows, strict=True)
        for question_id, value in row.values.items()
    )
    results_refresh(cycle)  # the worker computes the imported cycle once this commits
    AuditEvent.record(
        actor=actor,
        action="responses.import",
        target=cycle,
        detail={"submissions": len(submissions), "teams_created": len(created)},
    )
    return ImportSummary(
        cycle=cycle,
        submissions=len(submissions),
        answers=answers,
        teams_created=len(created),
    )
