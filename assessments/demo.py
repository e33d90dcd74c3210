"""A deterministic demo organisation: teams, leaders, two released cycles and one open cycle.

Answers are simulated from a per-team profile (a level per pillar), a per-respondent offset and
per-item noise, so dashboards show real variety: strong and weak teams, blind spots, trends, one
team too small to report. The same seed always produces the same data.

The cycles are placed relative to the day the demo is seeded, so the demo works on any day of
any year: the open cycle opened a week ago and closes three weeks ahead, and the two released
cycles are the two quarters before the current one. Their windows have fixed lengths, so the
random stream, and every answer, is the same whatever the day.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import random
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import (
    Action,
    ActionPlan,
    Answer,
    Comment,
    Cycle,
    FocusArea,
    Invitation,
    Role,
    Submission,
    Team,
    TeamMember,
    token_hash,
)
from assessments.results.stored import results_compute
from leadership.models import DEFAULT_BANK_NAME, QuestionBank

DEMO_PASSWORD = "pillars-demo"
HR_EMAIL = "hr@example.com"
SEED = 2026

DEPARTMENTS = ["Product & Engineering", "Operations", "Commercial"]


@dataclass(frozen=True)
class DemoTeam:
    name: str
    department: str
    leader: tuple[str, str, str]  # email, first name, last name
    size: int
    # Pillar levels on the 1–5 scale: clarity, trust, development, execution, learning.
    levels: tuple[float, float, float, float, float]
    self_bias: tuple[float, float, float, float, float]
    trend: float  # change from the first to the second released cycle


TEAMS = [
    DemoTeam(
        "Platform",
        DEPARTMENTS[0],
        ("ana@example.com", "Ana", "Ortiz"),
        9,
        (4.3, 4.4, 4.0, 4.1, 4.2),
        (0.1, -0.2, 0.2, 0.0, -0.1),
        0.2,
    ),
    DemoTeam(
        "Mobile",
        DEPARTMENTS[0],
        ("ben@example.com", "Ben", "Okafor"),
        7,
        (3.4, 3.8, 3.2, 3.0, 3.5),
        (0.8, 0.3, 0.7, 0.6, 0.2),
        0.1,
    ),
    DemoTeam(
        "Data",
        DEPARTMENTS[0],
        ("chen@example.com", "Chen", "Wei"),
        6,
        (3.9, 4.2, 3.6, 3.1, 4.0),
        (-0.6, 0.0, 0.1, 0.5, -0.2),
        -0.2,
    ),
    DemoTeam(
        "Customer Support",
        DEPARTMENTS[1],
        ("dara@example.com", "Dara", "Byrne"),
        10,
        (2.6, 3.3, 3.0, 3.6, 2.9),
        (1.0, 0.4, 0.5, 0.0, 0.7),
        0.3,
    ),
    DemoTeam(
        "Logistics",
        DEPARTMENTS[1],
        ("eli@example.com", "Eli", "Novak"),
        8,
        (2.9, 2.5, 2.4, 3.2, 2.6),
        (0.9, 1.1, 0.8, 0.4, 0.9),
        -0.1,
    ),
    DemoTeam(
        "Finance",
        DEPARTMENTS[1],
        ("fay@example.com", "Fay", "Haddad"),
        5,
        (3.7, 3.9, 3.3, 4.0, 3.2),
        (0.0, -0.5, 0.2, 0.1, 0.3),
        0.0,
    ),
    DemoTeam(
        "Sales North",
        DEPARTMENTS[2],
        ("gus@example.com", "Gus", "Lindqvist"),
        8,
        (3.8, 3.5, 3.1, 4.3, 2.8),
        (0.2, 0.6, 0.3, -0.1, 0.8),
        0.25,
    ),
    DemoTeam(
        "Sales South",
        DEPARTMENTS[2],
        ("hana@example.com", "Hana", "Sato"),
        2,
        (3.5, 3.6, 3.4, 3.5, 3.3),
        (0.3, 0.2, 0.1, 0.2, 0.4),
        0.0,
    ),
]

# The open cycle's window around the day of seeding, and the released cycles' place and length
# in their quarters.
OPEN_DAYS_BEFORE, OPEN_DAYS_AFTER = 7, 21
RELEASED_START_DAY, RELEASED_DAYS = 11, 25
OPENS_AT, CLOSES_AT = dt.time(8), dt.time(18)


@dataclass(frozen=True)
class DemoCycle:
    name: str
    opens: dt.date
    closes: dt.date
    state: str


def _quarter_before(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def demo_cycles(today: dt.date) -> list[DemoCycle]:
    """Two released cycles in the two quarters before ``today``'s, then the open one."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    earlier = _quarter_before(year, quarter)
    earliest = _quarter_before(*earlier)
    cycles = []
    for y, q in (earliest, earlier):
        opens = dt.date(y, 3 * q - 2, 1) + dt.timedelta(days=RELEASED_START_DAY)
        closes = opens + dt.timedelta(days=RELEASED_DAYS)
        cycles.append(DemoCycle(f"{y} Q{q}", opens, closes, Cycle.State.RELEASED))
    cycles.append(
        DemoCycle(
            f"{year} Q{quarter}",
            today - dt.timedelta(days=OPEN_DAYS_BEFORE),
            today + dt.timedelta(days=OPEN_DAYS_AFTER),
            Cycle.State.OPEN,
        )
    )
    return cycles


COMMENTS = {
    "clarity": [
        "A one-page summary of our goals for the quarter would help a lot.",
        "I know what we are doing, but not always why it beats the alternatives.",
        "We take on too many side requests; it would help to hear no more often.",
        "The kick-off for the roadmap was great — more of that, please.",
        "Priorities shifted twice this quarter and nobody explained why.",
    ],
    "trust": [
        "I feel safe raising problems in our team meeting.",
        "Decisions sometimes arrive without the reasoning behind them.",
        "When I made a mistake last month the conversation was about fixing it, not blame.",
        "It would help to hear bad news earlier rather than at the end of the month.",
        "Disagreeing in meetings still feels a bit risky.",
    ],
    "development": [
        "The stretch project this year taught me more than any course.",
        "I would like more specific feedback, not just 'good job'.",
        "Growth conversations keep getting cancelled when things are busy.",
        "Being asked questions instead of given answers has made me more confident.",
    ],
    "execution": [
        "Our weekly check-in keeps us honest and takes only fifteen minutes.",
        "Tasks fall between the cracks when two teams share the work.",
        "Blockers get cleared quickly once they are raised.",
        "We measure output but not whether it made a difference.",
    ],
    "learning": [
        "Retrospectives happen, but the actions rarely get done.",
        "We tried a small experiment with pairing and it worked well.",
        "We keep repeating the same release mistakes.",
        "Asking us for feedback on the team's way of working was appreciated.",
    ],
}


def demo_token(*, cycle_slug: str, team_slug: str, role: str, email: str) -> str:
    """A demo invitation's token, derived from SECRET_KEY so the links can be printed again."""
    message = f"pillars-demo:{cycle_slug}:{team_slug}:{role}:{email}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def _clip(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def _user(email: str, first: str, last: str, *, staff: bool = False):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=email,
        defaults={"email": email, "first_name": first, "last_name": last, "is_staff": staff},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def demo_exists() -> bool:
    return get_user_model().objects.filter(username=HR_EMAIL).exists()


def demo_open_cycle() -> Cycle | None:
    """The demo's cycle that takes answers now, if it still does."""
    return (
        Cycle.objects.open()
        .filter(teams__slug=slugify(TEAMS[0].name))
        .order_by("-opens_at", "-pk")
        .first()
    )


@transaction.atomic
def demo_seed(*, today: dt.date | None = None) -> None:
    """Create the demo organisation around ``today`` (default: today in the server's time zone).
    Does nothing when it already exists."""
    if demo_exists():
        return
    today = today or timezone.localdate()
    zone = timezone.get_default_timezone()
    rng = random.Random(SEED)
    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    questions = list(bank.questions.current().in_survey_order())
    ratings = [question for question in questions if question.is_rating]
    pillar_keys = list(bank.pillars.order_by("order").values_list("key", flat=True))

    hr_group, _ = Group.objects.get_or_create(name=settings.HR_GROUP_NAME)
    hr = _user(HR_EMAIL, "Harper", "Reyes", staff=True)
    hr.groups.add(hr_group)

    departments = {
        name: Team.objects.create(name=name, slug=slugify(name), is_department=True)
        for name in DEPARTMENTS
    }
    teams: list[tuple[DemoTeam, Team, list[str]]] = []
    for spec in TEAMS:
        team = Team.objects.create(
            name=spec.name, slug=slugify(spec.name), parent=departments[spec.department]
        )
        team.leaders.add(_user(*spec.leader))
        emails = [f"{slugify(spec.name)}.{index}@example.com" for index in range(1, spec.size + 1)]
        TeamMember.objects.bulk_create(TeamMember(team=team, email=email) for email in emails)
        teams.append((spec, team, emails))

    for index, spec_cycle in enumerate(demo_cycles(today)):
        name, opens, closes, state = (
            spec_cycle.name,
            spec_cycle.opens,
            spec_cycle.closes,
            spec_cycle.state,
        )
        cycle = Cycle.objects.create(
            name=name,
            slug=slugify(name),
            bank=bank,
            opens_at=dt.datetime.combine(opens, OPENS_AT, tzinfo=zone),
            closes_at=dt.datetime.combine(closes, CLOSES_AT, tzinfo=zone),
            timezone=str(zone),
            recorded_state=state,
            released_at=dt.datetime.combine(closes, CLOSES_AT, tzinfo=zone) + dt.timedelta(days=3)
            if state == Cycle.State.RELEASED
            else None,
        )
        cycle.questions.set(questions)
        cycle.teams.set(team for _, team, _ in teams)
        answers: list[Answer] = []
        comments: list[Comment] = []
        for spec, team, emails in teams:
            # Past cycles: most members answered. The open cycle: about half so far.
            share = 0.45 if state == Cycle.State.OPEN else rng.uniform(0.75, 1.0)
            responders = [email for email in emails if rng.random() < share]
            if spec.size < 3:
                responders = emails
            shift = spec.trend * (index if index < 2 else 1.5) - spec.trend
            _invite(cycle, team, emails, responders, spec.leader[0])
            # A day in the window, scaled to the part that has passed (the open cycle's answers
            # are none of them dated after today); one draw per answer, whatever the window.
            elapsed = (min(closes, today) - opens).days
            for _email in responders:
                draw = rng.randint(0, RELEASED_DAYS)
                submission = Submission.objects.create(
                    cycle=cycle,
                    team=team,
                    role=Role.MEMBER,
                    submitted_on=opens + dt.timedelta(days=draw * elapsed // RELEASED_DAYS),
                )
                offset = rng.gauss(0, 0.35)
                levels = [level + shift + offset for level in spec.levels]
                answers += _answers(rng, submission, ratings, pillar_keys, levels, cant_say=0.04)
                comments += _comments(rng, submission, questions, pillar_keys)
            if state != Cycle.State.OPEN or rng.random() < 0.5:
                # Ana's self-assessment stays pending in the open cycle so the demo can take it;
                # her answers are still drawn so the random stream, and all other data, is as is.
                keep_open = state == Cycle.State.OPEN and spec is TEAMS[0]
                own = (
                    None
                    if keep_open
                    else Submission.objects.create(
                        cycle=cycle, team=team, role=Role.SELF, submitted_on=opens
                    )
                )
                levels = [
                    level + shift + bias
                    for level, bias in zip(spec.levels, spec.self_bias, strict=True)
                ]
                drawn = _answers(rng, own, ratings, pillar_keys, levels, cant_say=0.0)
                if not keep_open:
                    answers += drawn
                    Invitation.objects.filter(cycle=cycle, team=team, role=Role.SELF).update(
                        state=Invitation.State.SUBMITTED
                    )
        Answer.objects.bulk_create(answers, batch_size=2000)
        Comment.objects.bulk_create(comments, batch_size=2000)
    # The released cycles' results are ready the moment the demo is (the worker computes results
    # only when something changes; a newcomer's first page should not wait for it).
    for cycle in Cycle.objects.ended().order_by("opens_at"):
        results_compute(cycle)
    _demo_plan(today=today, bank=bank, zone=zone)


def _demo_plan(*, today: dt.date, bank: QuestionBank, zone: dt.tzinfo) -> None:
    """Mobile's plan after the latest released cycle: two focus areas, three actions (one done),
    the debrief held; dates relative to ``today`` and no random draw, so the rest is unchanged.
    Platform (Ana) has none, so the demo can show a plan being made."""
    cycle = Cycle.objects.released().order_by("-opens_at").first()
    team = Team.objects.get(slug="mobile")
    if cycle is None:
        return
    made = dt.datetime.combine(today - dt.timedelta(days=40), OPENS_AT, tzinfo=zone)
    plan = ActionPlan.objects.create(
        cycle=cycle,
        team=team,
        created_by=team.leaders.first(),
        created_at=made,
        debrief_held_on=today - dt.timedelta(days=38),
    )
    pillars = {p.key: p for p in bank.pillars.filter(key__in=["development", "execution"])}
    for key, reason, actions in (
        (
            "development",
            "lowest",
            [
                ("A growth conversation with each person", "Ben", -20, Action.Status.DONE),
                ("Hand one stretch task to someone new each sprint", "Ben", 10, "in_progress"),
            ],
        ),
        (
            "execution",
            "blind_spot",
            [("Fifteen-minute check-in on blockers every Monday", "the team", 30, "planned")],
        ),
    ):
        focus = FocusArea.objects.create(
            plan=plan, pillar=pillars[key], reason=reason, created_at=made
        )
        Action.objects.bulk_create(
            Action(
                focus=focus,
                text=text,
                owner=owner,
                due_on=today + dt.timedelta(days=days),
                status=status,
                created_at=made,
            )
            for text, owner, days, status in actions
        )


def _invite(
    cycle: Cycle, team: Team, emails: list[str], responders: list[str], leader: str
) -> None:
    rows = [(Role.MEMBER, email) for email in emails] + [(Role.SELF, leader)]
    Invitation.objects.bulk_create(
        Invitation(
            cycle=cycle,
            team=team,
            role=role,
            email=email,
            token_hash=token_hash(
                demo_token(cycle_slug=cycle.slug, team_slug=team.slug, role=role, email=email)
            ),
            state=Invitation.State.SUBMITTED
            if role == Role.MEMBER and email in responders
            else Invitation.State.PENDING,
            sent_at=cycle.opens_at,
        )
        for role, email in rows
    )


def _answers(rng, submission, ratings, pillar_keys, levels, *, cant_say: float) -> list[Answer]:
    rows = []
    for question in ratings:
        level = levels[pillar_keys.index(question.pillar.key)]
        if rng.random() < cant_say:
            value = None
        else:
            agreement = _clip(rng.gauss(level, 0.75), question.scale_min, question.scale_max)
            value = (
                question.scale_min + question.scale_max - agreement
                if question.reverse_scored
                else agreement
            )
        rows.append(Answer(submission=submission, question=question, value=value))
    return rows


def _comments(rng, submission, questions, pillar_keys) -> list[Comment]:
    rows = []
    for question in questions:
        if question.is_rating or rng.random() > 0.3:
            continue
        pool = COMMENTS.get(question.pillar.key, [])
        if pool:
            rows.append(
                Comment(submission=submission, pillar=question.pillar, text=rng.choice(pool))
            )
    return rows


def demo_links() -> list[tuple[str, str]]:
    """(label, token) pairs for the pending invitations of the open demo cycle."""
    cycle = demo_open_cycle()
    if cycle is None:
        return []
    links = []
    for invitation in (
        Invitation.objects.filter(cycle=cycle, state=Invitation.State.PENDING)
        .select_related("team")
        .order_by("role", "team__name", "email")
    ):
        token = demo_token(
            cycle_slug=cycle.slug,
            team_slug=invitation.team.slug,
            role=invitation.role,
            email=invitation.email or "",
        )
        label = f"{invitation.team.name} — {invitation.get_role_display()} ({invitation.email})"
        links.append((label, token))
    return links
