"""Small deterministic builders shared by the tests: users, teams, cycles, answers.

Each builder says what it makes in its name; the database is real and nothing here patches the
project's code. Fixtures (which wrap some of these) live in conftest.py.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import itertools
import random
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook

from assessments.hr.cycles import cycle_create
from assessments.models import (
    Answer,
    Comment,
    Cycle,
    DraftAnswer,
    DraftComment,
    Invitation,
    Role,
    Submission,
    Team,
    TeamMember,
    token_hash,
    token_new,
)
from leadership.bank.io import BankSpec, PillarSpec, QuestionSpec, bank_import
from leadership.models import QuestionBank

# The day the demo-based tests live on (the clock moves on from it): the demo seeded that day has
# 2026 Q4 open (9 Nov – 7 Dec) and 2026 Q2 and 2026 Q3 released, so names and states are fixed.
DEMO_DAY = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)

# Keeps names and slugs unique within a test run; no test depends on the numbers themselves.
_numbers = itertools.count(1)


# --- people ----------------------------------------------------------------------------------


def user_make(username: str, *, hr: bool = False, password: str = "a-long-test-password"):
    user = get_user_model().objects.create_user(
        username=username, email=username, password=password, first_name=username.split("@")[0]
    )
    if hr:
        group, _ = Group.objects.get_or_create(name=settings.HR_GROUP_NAME)
        user.groups.add(group)
    return user


# --- a tiny question bank --------------------------------------------------------------------

# p1: Q1 (1–5), Q2 (1–5, reverse-scored); p2: Q3 (0–4).
TINY_QUESTIONS = (("p1", "Q1", False, 1, 5), ("p1", "Q2", True, 1, 5), ("p2", "Q3", False, 0, 4))


def tiny_bank_make(name: str = "Tiny") -> QuestionBank:
    spec = BankSpec(
        pillars=[
            PillarSpec(key="p1", name="Pillar one", description="", order=1),
            PillarSpec(key="p2", name="Pillar two", description="", order=2),
        ],
        questions=[
            QuestionSpec(
                pillar=pillar,
                code=code,
                text=f"Question {code}",
                self_text=f"I {code}",
                help_text="",
                reverse_scored=reverse,
                scale_min=low,
                scale_max=high,
                scale_labels=[],
                kind="rating",
                order=index,
            )
            for index, (pillar, code, reverse, low, high) in enumerate(TINY_QUESTIONS, start=1)
        ],
    )
    return bank_import(name=name, spec=spec).bank


# --- teams -----------------------------------------------------------------------------------


def roster_team_make(
    name: str,
    *,
    leaders: tuple[Any, ...] = (),
    members: int | list[str] = 4,
    department: Team | None = None,
) -> Team:
    """A team as HR keeps it: its leaders and a roster of ``members`` (a count or the emails)."""
    team = Team.objects.create(name=name, slug=slugify(name), parent=department)
    team.leaders.set(leaders)
    emails = (
        members
        if isinstance(members, list)
        else [f"{slugify(name)}.{n}@example.com" for n in range(1, members + 1)]
    )
    TeamMember.objects.bulk_create(TeamMember(team=team, email=email) for email in emails)
    return team


def tree_team_make(name: str, *, parent: Team | None = None, department: bool = False) -> Team:
    """A team placed in the organisation's tree (under ``parent``, or a department itself)."""
    return Team.objects.create(
        name=name, slug=slugify(name), parent=parent, is_department=department
    )


def led_team_make(name: str = "Platform", *, leader=None) -> Team:
    """A team with a slug of its own (the same name may repeat) and optionally a leader."""
    slug = f"{name.lower().replace(' ', '-')}-{next(_numbers)}"
    team = Team.objects.create(name=name, slug=slug)
    if leader is not None:
        team.leaders.add(leader)
    return team


def roster_add(team: Team, count: int) -> None:
    """``count`` members on the team's roster (addresses from its slug)."""
    TeamMember.objects.bulk_create(
        TeamMember(team=team, email=f"{team.slug}.{n}@example.com") for n in range(count)
    )


def pillar_keys(bank: QuestionBank) -> list[str]:
    """The bank's pillar keys in their order."""
    return list(bank.pillars.order_by("order").values_list("key", flat=True))


def team_with_members(name: str, emails: list[str]) -> Team:
    team = Team.objects.create(name=name, slug=f"{name.lower()}-{next(_numbers)}")
    TeamMember.objects.bulk_create(TeamMember(team=team, email=email) for email in emails)
    return team


# --- cycles ----------------------------------------------------------------------------------


def draft_cycle_make(
    bank: Any, teams: list[Team], *, name: str = "2027 Q1", **options: Any
) -> Cycle:
    """A draft cycle made the way HR makes one (``cycle_create``, audited)."""
    return cycle_create(actor=None, name=name, bank=bank, teams=teams, **options)


def open_cycle_make(
    bank: QuestionBank,
    *,
    teams: list[Team],
    name: str = "2026 Q4",
    state: str = Cycle.State.OPEN,
    opens_in_days: int = -1,
    closes_in_days: int = 14,
) -> Cycle:
    """A cycle taking answers now (a window around the current time), every current question."""
    now = timezone.now()
    cycle = Cycle.objects.create(
        name=f"{name} #{next(_numbers)}",
        slug=f"cycle-{next(_numbers)}",
        bank=bank,
        state=state,
        opens_at=now + dt.timedelta(days=opens_in_days),
        closes_at=now + dt.timedelta(days=closes_in_days),
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


def released_cycle_make(
    name: str,
    bank: QuestionBank,
    teams: list[Team],
    *,
    state: str = Cycle.State.RELEASED,
    opens: dt.date = dt.date(2026, 1, 5),
    **options: Any,
) -> Cycle:
    """A cycle released (unless ``state`` says otherwise) that opened on ``opens``."""
    cycle = Cycle.objects.create(
        name=name,
        slug=slugify(name),
        bank=bank,
        state=state,
        opens_at=dt.datetime.combine(opens, dt.time(8), tzinfo=dt.UTC),
        **options,
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


def cycle_ended(
    bank: QuestionBank,
    teams: list[Team],
    *,
    days_ago: int,
    state: str = Cycle.State.RELEASED,
    name: str | None = None,
) -> Cycle:
    """A cycle that ended (released, or closed as planned) ``days_ago`` days ago."""
    ended = timezone.now() - dt.timedelta(days=days_ago)
    number = next(_numbers)
    cycle = Cycle.objects.create(
        name=name or f"Cycle {number}",
        slug=f"cycle-{number}",
        bank=bank,
        state=state,
        opens_at=ended - dt.timedelta(days=21),
        closes_at=ended,
        released_at=ended if state == Cycle.State.RELEASED else None,
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


# --- submitted answers -----------------------------------------------------------------------


def responses_add(
    cycle: Cycle,
    team: Team,
    rows: list[dict[str, int | None]],
    *,
    role: str = Role.MEMBER,
    comments: dict[str, str] | None = None,
) -> list[Submission]:
    """One submission per row ({code: value}); ``comments`` ({pillar key: text}) on each."""
    questions = {q.code: q for q in cycle.questions.all()}
    pillars = {q.pillar.key: q.pillar for q in questions.values()}
    submissions = []
    for row in rows:
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=role, submitted_on=dt.date(2026, 1, 6)
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=questions[code], value=value)
            for code, value in row.items()
        )
        for key, text in (comments or {}).items():
            Comment.objects.create(submission=submission, pillar=pillars[key], text=text)
        submissions.append(submission)
    return submissions


def uniform_rows(count: int, value: int = 4) -> list[dict[str, int | None]]:
    return [{"Q1": value, "Q2": 6 - value, "Q3": value - 1} for _ in range(count)]


def answers_add(cycle: Cycle, team: Team, *, count: int, value: int = 4) -> None:
    """``count`` member submissions answering every rating with ``value``, one comment each."""
    questions = list(cycle.questions.ratings())
    for _ in range(count):
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.MEMBER, submitted_on=dt.date(2025, 1, 6)
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=question, value=value) for question in questions
        )
        Comment.objects.create(submission=submission, pillar=questions[0].pillar, text="Clear.")
        Invitation.objects.create(
            cycle=cycle,
            team=team,
            email=f"done{next(_numbers)}@example.com",
            token_hash=token_hash(token_new()),
            state=Invitation.State.SUBMITTED,
        )


# --- the survey: invitations and saved drafts ------------------------------------------------


def invitation_make(
    cycle: Cycle, team: Team, *, role: str = Role.MEMBER, email: str | None = None
) -> tuple[Invitation, str]:
    token = token_new()
    invitation = Invitation.objects.create(
        cycle=cycle,
        team=team,
        role=role,
        email=email if email is not None else f"person{next(_numbers)}@example.com",
        token_hash=token_hash(token),
    )
    return invitation, token


def invitation_with_drafts(cycle: Cycle, team: Team, email: str) -> Invitation:
    invitation = Invitation.objects.create(
        cycle=cycle,
        team=team,
        email=email,
        token_hash=token_hash(token_new()),
        state=Invitation.State.STARTED,
        sent_at=timezone.now(),
    )
    question = cycle.questions.ratings().first()
    DraftAnswer.objects.create(invitation=invitation, question=question, value=2)
    return invitation


def drafts_fill(invitation: Invitation, *, value: int | None = 4, comment: str = "") -> None:
    """Answer every rating statement (and optionally every comment box) of the invitation."""
    questions = invitation.cycle.questions.all()
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=invitation, question=question, value=value)
        for question in questions
        if question.is_rating
    )
    if comment:
        DraftComment.objects.bulk_create(
            DraftComment(invitation=invitation, pillar=question.pillar, text=comment)
            for question in questions
            if not question.is_rating
        )


def survey_enter(client: Client, token: str) -> str:
    """Follow a personal link like a browser and return the session-scoped survey key."""
    response = client.get(reverse("assessments:survey-start", args=[token]))
    assert response.status_code == 302, response.status_code
    return response["Location"].rstrip("/").split("/")[-1]


def step_data(step, *, value: str = "4", comment: str | None = None) -> dict[str, str]:
    """A step's form as a browser would post it, every statement answered with ``value``."""
    data = {item.field: value for item in step.items}
    if comment is not None and step.comment_field:
        data[step.comment_field] = comment
    return data


# --- reports: a short survey, so every PDF in the tests renders quickly ----------------------

ITEMS_PER_PILLAR = 2


def report_cycle_make(bank, *, name: str = "2026 Q2", state: str = Cycle.State.RELEASED) -> Cycle:
    cycle = Cycle.objects.create(name=name, slug=slugify(name), bank=bank, state=state)
    questions = []
    for pillar in bank.pillars.order_by("order"):
        ratings = list(bank.questions.current().ratings().filter(pillar=pillar).order_by("order"))
        questions += ratings[:ITEMS_PER_PILLAR]
        questions += list(bank.questions.current().comments().filter(pillar=pillar))
    cycle.questions.set(questions)
    return cycle


def report_team_make(cycle: Cycle, name: str, *, leader=None, department: Team | None = None):
    team = Team.objects.create(name=name, slug=slugify(name) or "team", parent=department)
    if leader is not None:
        team.leaders.add(leader)
    cycle.teams.add(team)
    return team


def report_answers_add(
    cycle: Cycle,
    team: Team,
    *,
    values: list[int],
    comments: list[str] = (),
    self_value: int | None = None,
    shifts: tuple[int, ...] = (),
) -> None:
    """One member submission per value: every item answered with it (every second item one
    lower, pillar i moved by ``shifts[i]``, clipped to the scale); the comments spread over the
    first pillar; and optionally the leader's self-assessment."""
    ratings = list(cycle.questions.ratings().in_survey_order())
    first_pillar = ratings[0].pillar
    pillar_ids = list(dict.fromkeys(question.pillar_id for question in ratings))

    def answer(question, position: int, value: int) -> int:
        index = pillar_ids.index(question.pillar_id)
        shift = shifts[index] if index < len(shifts) else 0
        moved = value - (position % 2) + shift
        return max(question.scale_min, min(question.scale_max, moved))

    for index, value in enumerate(values):
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.MEMBER, submitted_on=dt.date(2026, 5, 4)
        )
        Answer.objects.bulk_create(
            Answer(
                submission=submission,
                question=question,
                value=answer(question, position, value),
            )
            for position, question in enumerate(ratings)
        )
        if index < len(comments):
            Comment.objects.create(submission=submission, pillar=first_pillar, text=comments[index])
        Invitation.objects.create(
            cycle=cycle,
            team=team,
            role=Role.MEMBER,
            email=f"{team.slug}.{index}@example.com",
            token_hash=token_hash(f"{cycle.pk}-{team.pk}-{index}"),
            state=Invitation.State.SUBMITTED,
        )
    if self_value is not None:
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.SELF, submitted_on=dt.date(2026, 5, 4)
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=question, value=self_value)
            for question in ratings
        )


# --- dashboards: a department of teams with answers ------------------------------------------


def released_org_make(
    bank: QuestionBank,
    *,
    teams: int,
    respondents: int,
    leader=None,
    state: str = Cycle.State.RELEASED,
    miskeyed: str = "",
    seed: int = 1,
) -> tuple[Cycle, list[Team]]:
    """A department of ``teams`` teams with ``respondents`` member submissions each.

    The first team is led by ``leader`` and has a self-assessment. ``miskeyed`` names a question
    code whose answers run against the rest of its pillar (as if its reverse key were missing).
    """
    rng = random.Random(seed)
    number = next(_numbers)
    department = Team.objects.create(
        name=f"Department {number}", slug=f"department-{number}", is_department=True
    )
    made = [
        Team.objects.create(name=f"Team {number}-{i}", slug=f"team-{number}-{i}", parent=department)
        for i in range(1, teams + 1)
    ]
    if leader is not None:
        made[0].leaders.add(leader)
    now = timezone.now()
    cycle = Cycle.objects.create(
        name=f"Cycle {number}",
        slug=f"cycle-{number}",
        bank=bank,
        state=state,
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=2),
        released_at=now if state == Cycle.State.RELEASED else None,
    )
    questions = list(bank.questions.current().in_survey_order())
    cycle.questions.set(questions)
    cycle.teams.set(made)
    ratings = [q for q in questions if q.is_rating]
    answers: list[Answer] = []
    for t_index, team in enumerate(made):
        Invitation.objects.bulk_create(
            Invitation(
                cycle=cycle,
                team=team,
                role=Role.MEMBER,
                email=f"m{i}@{team.slug}.example",
                token_hash=token_hash(f"{cycle.slug}-{team.slug}-{i}"),
                state=Invitation.State.SUBMITTED,
            )
            for i in range(respondents)
        )
        roles = [Role.MEMBER] * respondents + ([Role.SELF] if t_index == 0 else [])
        for role in roles:
            submission = Submission.objects.create(
                cycle=cycle, team=team, role=role, submitted_on=now.date()
            )
            level = rng.uniform(1.5, 4.5) + 0.15 * t_index
            for question in ratings:
                agreement = max(1, min(5, round(rng.gauss(level, 0.6))))
                value = 6 - agreement if question.reverse_scored else agreement
                if question.code == miskeyed:
                    value = 6 - value
                answers.append(Answer(submission=submission, question=question, value=value))
            if role == Role.MEMBER:
                Comment.objects.create(
                    submission=submission,
                    pillar=ratings[0].pillar,
                    text=f"A secret remark from {team.name} number {submission.pk}",
                )
    Answer.objects.bulk_create(answers)
    return cycle, made


# --- files as spreadsheets make them ---------------------------------------------------------


def excel_csv(rows: list[list[str]]) -> bytes:
    """Excel's default "CSV (Comma delimited)" where the decimal mark is a comma: Windows-1252,
    semicolons, CRLF."""
    return "".join(";".join(row) + "\r\n" for row in rows).encode("cp1252")


def excel_unicode_text(rows: list[list[str]]) -> bytes:
    """Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-separated, CRLF."""
    return codecs.BOM_UTF16_LE + "".join("\t".join(row) + "\r\n" for row in rows).encode(
        "utf-16-le"
    )


def excel_csv_utf8(rows: list[list[str]]) -> bytes:
    """Excel's "CSV UTF-8 (Comma delimited)": UTF-8 with a BOM, commas, CRLF."""
    return "".join(",".join(row) + "\r\n" for row in rows).encode("utf-8-sig")


def xlsx(rows: list[list[Any]], *, title: str = "Sheet1") -> bytes:
    """A real workbook written by openpyxl; cells keep their types (numbers, dates, text)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def results_ready(cycle: Cycle) -> str:
    """Run the worker's results task now, as the worker would after a change (a test that
    changes a cycle's answers behind its back calls this before reading its pages)."""
    from assessments.results.stored import results_compute_task

    return results_compute_task.call(cycle_id=cycle.pk)
