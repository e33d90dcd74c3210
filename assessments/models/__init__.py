"""Teams, cycles, invitations and the anonymous submissions they produce.

Anonymous by construction: a :class:`Submission` has no link to the :class:`Invitation` it came
from — no foreign key, no token, no email, no time of day. Answers in progress live on the
invitation (:class:`DraftAnswer`, :class:`DraftComment`) and are deleted in the same transaction
that creates the submission.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import zoneinfo
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadership.models import Pillar, Question, QuestionBank

TOKEN_BYTES = 24  # 192 bits from secrets; only the SHA-256 hash is stored.

# How long one statement takes to answer, for the duration emails and pages announce.
SECONDS_PER_STATEMENT = 10


def token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Role(models.TextChoices):
    SELF = "self", _("Leader (self-assessment)")
    MEMBER = "member", _("Team member")
    PEER = "peer", _("Peer")
    MANAGER = "manager", _("Manager")


# --- Teams ----------------------------------------------------------------------------------


class TeamQuerySet(models.QuerySet["Team"]):
    def led_by(self, user: object) -> Self:
        return self.filter(leaders=user)

    def teams_only(self) -> Self:
        """Teams people answer for, without the departments that group them."""
        return self.filter(is_department=False)


class Team(models.Model):
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=180, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("department"),
    )
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="led_teams", verbose_name=_("leaders")
    )
    is_department = models.BooleanField(_("is a department"), default=False)
    # The language its members' invitations are in (empty: the organisation's).
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    email = models.EmailField(_("email"))
    # This person's language, set by HR (empty: the team's).
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        ordering = ["team", "email"]
        constraints = [
            models.UniqueConstraint(fields=["team", "email"], name="team_member_unique_email")
        ]

    def __str__(self) -> str:
        return self.email


# --- Cycles ---------------------------------------------------------------------------------


def cycle_timezone_default() -> str:
    """New cycles take the organisation's time zone (the ``TIME_ZONE`` setting)."""
    return settings.TIME_ZONE


def timezone_validate(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name such as Europe/Berlin or America/New_York."),
            params={"value": value},
        )


def answer_minutes(*, statements: int) -> int:
    """About how many minutes a survey of ``statements`` rated statements takes, rounded up: the
    one figure invitations, reminders, the leader's page and the survey's intro all state."""
    return max(1, -(-statements * SECONDS_PER_STATEMENT // 60))


# Automatic reminders go out at most this many days before a cycle closes.
REMINDER_DAYS_MAX = 60
# A planned reminder whose time passed longer ago than this (the scheduler was not running, or
# HR planned it in the past) is not sent late: a reminder out of the blue days later confuses.
REMINDER_LATE_LIMIT = dt.timedelta(hours=12)


def reminder_days_validate(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= REMINDER_DAYS_MAX
        for day in value
    ):
        raise ValidationError(
            _("Reminders are whole days before the close, from 1 to %(max)s."),
            params={"max": REMINDER_DAYS_MAX},
        )


# Why a survey cannot take answers right now (:meth:`Invitation.problem`); the survey's views
# map each to a friendly page.
NOT_OPEN = "not_open"
CLOSED = "closed"
SUBMITTED = "submitted"


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def cycle_open_q(*, now: dt.datetime | None = None, prefix: str = "") -> models.Q:
    """Cycles that are open at ``now``: opened by HR and not past their closing time.

    ``prefix`` ("cycle__") filters related rows (invitations, submissions) by their cycle.
    """
    return models.Q(**{f"{prefix}recorded_state": Cycle.State.OPEN}) & (
        models.Q(**{f"{prefix}closes_at__isnull": True})
        | models.Q(**{f"{prefix}closes_at__gt": _now(now)})
    )


def cycle_ended_q(*, now: dt.datetime | None = None, prefix: str = "") -> models.Q:
    """Cycles that take no more answers at ``now``: closed or released by HR, or past their
    closing time."""
    return models.Q(**{f"{prefix}recorded_state__in": Cycle.ENDED_STATES}) | models.Q(
        **{f"{prefix}recorded_state": Cycle.State.OPEN, f"{prefix}closes_at__lte": _now(now)}
    )


class CycleQuerySet(models.QuerySet["Cycle"]):
    """Filters by a cycle's state as :attr:`Cycle.state` derives it, at ``now`` (default: now)."""

    def newest_first(self) -> Self:
        """Newest first by the cycle's date: when its window opens, else closes, else when it was
        created (an imported cycle has no window). Every list of cycles uses this order."""
        return self.annotate(listed_on=Coalesce("opens_at", "closes_at", "created_at")).order_by(
            "-listed_on", "-pk"
        )

    def released(self) -> Self:
        return self.filter(recorded_state=Cycle.State.RELEASED)

    def open(self, now: dt.datetime | None = None) -> Self:
        return self.filter(cycle_open_q(now=now))

    def ended(self, now: dt.datetime | None = None) -> Self:
        return self.filter(cycle_ended_q(now=now))

    def started(self) -> Self:
        """Every cycle but drafts: opened at some point, whatever happened since."""
        return self.exclude(recorded_state=Cycle.State.DRAFT)

    def drafts(self) -> Self:
        return self.filter(recorded_state=Cycle.State.DRAFT)


class Cycle(models.Model):
    """One survey round.

    Its state is derived, never trusted from the row alone: HR records draft → open → closed →
    released (``recorded_state``), and an open cycle past its closing time *is* closed, whether or
    not anybody or any worker has noticed. Every page, count, button, email, command and API reads
    :attr:`state` (or the QuerySet's ``open()`` / ``ended()``), so they all agree with the clock.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        RELEASED = "released", _("Released")

    class Kind(models.TextChoices):
        FULL = "full", _("Full cycle")
        PULSE = "pulse", _("Pulse")

    # Taking no more answers: reports can be made, and retention counts from the end.
    ENDED_STATES = (State.CLOSED, State.RELEASED)

    # Allowed transitions; anything else is refused by Cycle.transition().
    TRANSITIONS: dict[str, tuple[str, ...]] = {
        State.DRAFT: (State.OPEN,),
        State.OPEN: (State.CLOSED,),
        State.CLOSED: (State.RELEASED, State.OPEN),
        State.RELEASED: (),
    }

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("slug"), max_length=140, unique=True)
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="cycles")
    questions = models.ManyToManyField(Question, related_name="cycles", blank=True)
    # Through CycleTeam, which keeps each team's name and department as the cycle saw them.
    teams = models.ManyToManyField(
        Team,
        related_name="cycles",
        blank=True,
        through="CycleTeam",
        through_fields=("cycle", "team"),
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        default=cycle_timezone_default,
        validators=[timezone_validate],
        help_text=_("The window's times, and the day a response counts for, are in this zone."),
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=3,
        validators=[MinValueValidator(3)],
        help_text=_("Groups smaller than this show their count and nothing else. At least 3."),
    )
    comment_min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size for comments"),
        default=5,
        validators=[MinValueValidator(3)],
    )
    self_assessment = models.BooleanField(_("leaders self-assess"), default=True)
    # Automatic reminders, in whole days before ``closes_at`` ([3, 1]): the scheduler
    # (``manage.py run_schedule``) starts a reminder run at each of those times.
    reminder_days = models.JSONField(
        _("automatic reminders (days before close)"),
        default=list,
        blank=True,
        validators=[reminder_days_validate],
    )
    # What HR last did; read :attr:`state` for what the cycle is now.
    recorded_state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_column="state"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A pulse (issue 15) is a short follow-up of ``parent`` on a few of its pillars: its
    # questions are the parent's items of those pillars, so its scores compare with the parent's.
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FULL)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pulses",
        verbose_name=_("follows up on"),
    )

    objects = CycleQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=3), name="cycle_min_group_size_at_least_3"
            ),
            models.CheckConstraint(
                condition=models.Q(comment_min_group_size__gte=models.F("min_group_size")),
                name="cycle_comment_threshold_not_below_k",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def state_at(self, now: dt.datetime) -> Cycle.State:
        """The cycle's state at ``now``: an open cycle past its closing time is closed."""
        if (
            self.recorded_state == self.State.OPEN
            and self.closes_at is not None
            and now >= self.closes_at
        ):
            return self.State.CLOSED
        return self.State(self.recorded_state)

    @property
    def state(self) -> Cycle.State:
        return self.state_at(timezone.now())

    @state.setter
    def state(self, value: str) -> None:
        """Setting the state records it (``Cycle(state=…)`` in builders and imports)."""
        self.recorded_state = value

    def get_state_display(self) -> str:
        return str(self.state.label)

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_released(self) -> bool:
        return self.recorded_state == self.State.RELEASED

    @property
    def has_ended(self) -> bool:
        """Closed or released: it takes no more answers, and its reports can be made."""
        return self.state in self.ENDED_STATES

    @property
    def closed_on_time(self) -> bool:
        """Closed by its window rather than by HR (HR has not closed or released it)."""
        return self.recorded_state == self.State.OPEN and self.state == self.State.CLOSED

    @property
    def is_scheduled(self) -> bool:
        """Open, but its window has not started yet."""
        return self.is_open and self.opens_at is not None and timezone.now() < self.opens_at

    def accepts_answers(self, now: dt.datetime | None = None) -> bool:
        """Open at ``now`` and inside its window when the window is set."""
        now = _now(now)
        if self.state_at(now) != self.State.OPEN:
            return False
        return not (self.opens_at and now < self.opens_at)

    def problem(self, now: dt.datetime | None = None) -> str:
        """Why the cycle takes no answers at ``now`` (:data:`NOT_OPEN`, :data:`CLOSED`), or ""."""
        now = _now(now)
        if self.accepts_answers(now):
            return ""
        state = self.state_at(now)
        if state == self.State.DRAFT:
            return NOT_OPEN
        if state == self.State.OPEN and self.opens_at and now < self.opens_at:
            return NOT_OPEN
        return CLOSED

    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def local_date(self, now: dt.datetime | None = None) -> dt.date:
        """The calendar day in the cycle's time zone at ``now``: the day a response counts for."""
        return _now(now).astimezone(self.zone()).date()

    def can_transition(self, to: str) -> bool:
        return to in self.TRANSITIONS.get(self.state, ())

    @property
    def is_pulse(self) -> bool:
        return self.kind == self.Kind.PULSE

    def answer_minutes(self) -> int:
        """About how long the survey takes (see :func:`answer_minutes`)."""
        return answer_minutes(statements=self.questions.ratings().count())

    def reminder_times(self) -> list[dt.datetime]:
        """When the automatic reminders are planned, earliest first: each of ``reminder_days``
        before the close, and only those inside the window (none before it opens)."""
        if self.closes_at is None:
            return []
        times = {self.closes_at - dt.timedelta(days=days) for days in self.reminder_days}
        return sorted(time for time in times if self.opens_at is None or time >= self.opens_at)

    def reminder_due_at(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """The planned reminder to send at ``now``, or None.

        It is the latest planned time that has come, while the cycle takes answers, unless it came
        more than :data:`REMINDER_LATE_LIMIT` ago. An earlier time that was missed is not sent
        once a later one has come: nobody needs two reminders at once.
        """
        now = _now(now)
        if not self.accepts_answers(now):
            return None
        passed = [time for time in self.reminder_times() if time <= now]
        if not passed or now - passed[-1] > REMINDER_LATE_LIMIT:
            return None
        return passed[-1]

    def reminder_next(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """The next planned reminder still to come, for HR's page."""
        now = _now(now)
        if self.has_ended:
            return None
        return next((time for time in self.reminder_times() if time > now), None)


class SharedLink(models.Model):
    """A team's shared link, for a team whose members' emails HR does not have.

    A visitor answers through a visit of their own (an :class:`Invitation` row with
    ``shared_link`` set and no email, which no count of invitations includes); the link takes
    one submission per browser (a signed marker the browser keeps) and at most ``headcount``
    in all, counted in ``submitted``.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="shared_links")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="shared_links")
    token_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    headcount = models.PositiveIntegerField(
        _("answers it takes"),
        default=1,
        help_text=_("How many people it is for: it takes no more answers than this."),
    )
    submitted = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    @property
    def is_full(self) -> bool:
        return self.submitted >= self.headcount

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "team"], name="shared_link_one_per_team")
        ]


# --- Invitations and answers in progress ----------------------------------------------------


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def invited(self) -> Self:
        """Invitations sent to a person: a shared link's visits were nobody's invitation, so
        response rates leave them out."""
        return self.filter(shared_link__isnull=True)


class Invitation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        STARTED = "started", _("Started")
        SUBMITTED = "submitted", _("Submitted")

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="invitations")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    email = models.EmailField(blank=True, null=True)
    token_hash = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    # The language of the survey and its emails: the person's, team's or organisation's when
    # invited, then the respondent's own choice on the intro page. Never shown to HR or a leader
    # and never copied to the submission: it must not tell anyone who answered what.
    language = models.CharField(max_length=10, blank=True)
    # A visit of a team's shared link: nobody was invited, so counts of invitations leave it out.
    shared_link = models.ForeignKey(
        SharedLink, on_delete=models.CASCADE, null=True, blank=True, related_name="visits"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["team", "role", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "team", "role", "email"],
                condition=models.Q(email__isnull=False),
                name="invitation_one_per_person",
            )
        ]
        indexes = [models.Index(fields=["cycle", "team", "state"])]

    def __str__(self) -> str:
        return f"{self.cycle} / {self.team} / {self.role}"

    @property
    def is_submitted(self) -> bool:
        return self.state == self.State.SUBMITTED

    def problem(self, now: dt.datetime | None = None) -> str:
        """Why this invitation cannot take answers at ``now`` (:data:`SUBMITTED` or its cycle's
        :meth:`Cycle.problem`), or "" when it can."""
        if self.is_submitted:
            return SUBMITTED
        return self.cycle.problem(now)


class DraftAnswer(models.Model):
    """An answer given but not yet submitted; ``value`` None means "can't say"."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="drafts")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "question"], name="draft_answer_unique")
        ]


class DraftComment(models.Model):
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="draft_comments"
    )
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "pillar"], name="draft_comment_unique")
        ]


# --- Submissions: anonymous, date only ------------------------------------------------------


class Submission(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="submissions")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="submissions")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    submitted_on = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["cycle", "team", "role"])]


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "question"], name="answer_unique")
        ]


class Comment(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="comments")
    text = models.TextField()


# --- Stored results, jobs, audit ------------------------------------------------------------


class CycleResult(models.Model):
    """The aggregated, anonymity-safe results of a cycle, computed by the worker and stored.

    ``data`` holds the organisation's summary (teams and departments are its
    :class:`~assessments.models.results.CycleResultPart` rows); ``fingerprint`` identifies the
    raw data it was computed from ("" until first computed, or once invalidated); ``state`` the
    cycle state it was computed for ("" while a new computation is awaited): the results are
    ready when it is the cycle's state now. ``refreshed_at``: when the cycle last changed in a way
    that needs new results (a computation that started before does not mark them ready);
    ``requested_at``: when a page last asked the worker for them (at most every few minutes).
    """

    cycle = models.OneToOneField(Cycle, on_delete=models.CASCADE, related_name="result")
    fingerprint = models.CharField(max_length=64)
    data = models.JSONField()
    computed_at = models.DateTimeField(auto_now=True)
    state = models.CharField(max_length=10, blank=True, default="")
    refreshed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)


class ShownSet(models.Model):
    """The respondents behind a group's figures once they were shown (issue 12).

    One row per group of a cycle — ``team:<id>``, ``department:<id>``, ``organisation`` — holding
    the ids of the member submissions its figures were computed from when they were first shown
    (or last changed safely). Answers never change after submission, so every figure of the group
    (a pillar's scorers, an item's answerers) follows from these ids; a later computation compares
    against them and keeps, or hides, what would change by 1..k−1 people.
    """

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="shown_sets")
    key = models.CharField(max_length=40)
    members = models.JSONField(default=list)
    shown_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="shown_set_one_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} / {self.key}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now: dt.datetime | None = None) -> Self:
        """Neither revoked nor expired at ``now``."""
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=_now(now))
        )


class ApiToken(models.Model):
    """A bearer token for HR's BI tools; only its hash is stored.

    It answers for its user while they are an active HR user, until it expires or is revoked.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    def status(self, now: dt.datetime | None = None) -> str:
        """ "active", "expired" or "revoked" at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= _now(now):
            return "expired"
        return "active"


# The audit log, background jobs and a cycle's teams live in their own modules; importing them
# here registers them with the app and keeps ``from assessments.models import ReportJob`` working.
from assessments.models.actions import (  # noqa: E402, F401
    Action,
    ActionPlan,
    FocusArea,
    LeaderNudge,
)
from assessments.models.audit import AuditEvent  # noqa: E402, F401
from assessments.models.cycle_teams import CycleTeam, cycle_teams_follow  # noqa: E402, F401
from assessments.models.files import ReportFile  # noqa: E402, F401
from assessments.models.jobs import EmailRun, ReportJob  # noqa: E402, F401
from assessments.models.notices import ReleaseNotice, ReminderClaim  # noqa: E402, F401
from assessments.models.results import CycleResultClaim, CycleResultPart  # noqa: E402, F401
from assessments.models.workers import InvitationSend, WorkerBeat  # noqa: E402, F401
