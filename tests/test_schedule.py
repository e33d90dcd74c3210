"""Automatic reminders and the scheduler that starts them (``manage.py run_schedule``).

The clock is set with time-machine; the scheduler runs through its command (``--once``) and the
worker's task runs at once (django-tasks' immediate backend), so real reminder emails land in
``mail.outbox``.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction

from assessments.hr.auto_reminders import reminder_claim, reminders_start_due
from assessments.hr.cycle_changes import cycle_close_change
from assessments.hr.cycles import cycle_close, cycle_open
from assessments.hr.email_runs import invitations_send
from assessments.models import EmailRun, Invitation, ReminderClaim
from assessments.schedule import JOBS, Job, schedule_run_once
from assessments.survey.flow import submission_create
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db

OPENS = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
CLOSES = OPENS + dt.timedelta(days=10)  # 11 March, 09:00
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def worker_at_once(settings):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }


@pytest.fixture
def cycle(bank, leader_a):
    """Opened on 1 March with reminders 3 days and 1 day before its close; everyone invited."""
    team = roster_team_make("Alpha", leaders=(leader_a,), members=4)
    with time_machine.travel(OPENS, tick=False):
        cycle = draft_cycle_make(
            bank, [team], opens_at=OPENS, closes_at=CLOSES, reminder_days=[3, 1]
        )
        cycle_open(cycle=cycle, actor=None)
        invitations_send(cycle=cycle, actor=None)
    mail.outbox.clear()
    return cycle


def schedule_at(moment: dt.datetime, capture) -> str:
    """One run of the scheduler command at ``moment``, the worker sending what it starts."""
    out = io.StringIO()
    with time_machine.travel(moment, tick=False), capture(execute=True):
        call_command("run_schedule", once=True, stdout=out)
    return out.getvalue()


def reminded() -> list[str]:
    return sorted(message.to[0] for message in mail.outbox)


def test_a_reminder_goes_out_the_minute_it_is_due_and_not_a_minute_before(
    cycle, django_capture_on_commit_callbacks
):
    due = CLOSES - dt.timedelta(days=3)
    assert "reminders: 0 started" in schedule_at(due - MINUTE, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not EmailRun.objects.filter(kind=EmailRun.Kind.REMINDER).exists()

    assert "reminders: 1 started" in schedule_at(due, django_capture_on_commit_callbacks)
    assert len(reminded()) == 5  # four members and the leader's self-assessment
    assert all("Reminder" in message.subject for message in mail.outbox)
    run = EmailRun.objects.get(kind=EmailRun.Kind.REMINDER)
    assert (run.state, run.sent, run.requested_by) == (EmailRun.State.DONE, 5, None)
    assert ReminderClaim.objects.get().due_at == due


def test_a_reminder_reaches_only_people_who_have_not_submitted(
    cycle, django_capture_on_commit_callbacks
):
    answered = Invitation.objects.filter(cycle=cycle, role="member").order_by("email").first()
    answered.drafts.bulk_create(
        answered.drafts.model(invitation=answered, question=question, value=4)
        for question in cycle.questions.ratings()
    )
    with time_machine.travel(OPENS + dt.timedelta(days=1), tick=False):
        submission_create(invitation_id=answered.pk)
    schedule_at(CLOSES - dt.timedelta(days=3), django_capture_on_commit_callbacks)
    assert answered.email not in reminded()
    assert len(reminded()) == 4


def test_the_scheduler_running_every_minute_starts_each_reminder_once(
    cycle, django_capture_on_commit_callbacks
):
    due = CLOSES - dt.timedelta(days=3)
    for minute in range(5):
        schedule_at(due + minute * MINUTE, django_capture_on_commit_callbacks)
    assert len(reminded()) == 5
    assert EmailRun.objects.filter(kind=EmailRun.Kind.REMINDER).count() == 1


def test_two_schedulers_claiming_the_same_reminder_start_it_once(cycle):
    due = CLOSES - dt.timedelta(days=3)
    with time_machine.travel(due, tick=False):
        first = reminder_claim(cycle=cycle, due_at=due)
        second = reminder_claim(cycle=cycle, due_at=due)
    assert first is not None
    assert second is None
    assert EmailRun.objects.filter(kind=EmailRun.Kind.REMINDER).count() == 1
    # The claim is the database's unique constraint, not a check before the insert.
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderClaim.objects.create(cycle=cycle, due_at=due)


def test_the_second_reminder_reaches_everyone_the_interval_allows_and_nobody_else(
    cycle, django_capture_on_commit_callbacks, settings
):
    schedule_at(CLOSES - dt.timedelta(days=3), django_capture_on_commit_callbacks)
    assert len(reminded()) == 5
    mail.outbox.clear()
    # Two days later: exactly the 48-hour interval, so everyone is reminded again.
    schedule_at(CLOSES - dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert len(reminded()) == 5


def test_a_planned_reminder_within_the_interval_of_the_last_one_reminds_nobody(
    cycle, django_capture_on_commit_callbacks, settings
):
    settings.PILLARS_REMINDER_INTERVAL_HOURS = 72
    schedule_at(CLOSES - dt.timedelta(days=3), django_capture_on_commit_callbacks)
    assert len(reminded()) == 5
    mail.outbox.clear()
    schedule_at(CLOSES - dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    second = EmailRun.objects.filter(kind=EmailRun.Kind.REMINDER).order_by("pk").last()
    assert (second.state, second.sent) == (EmailRun.State.DONE, 0)


def test_a_cycle_extended_after_a_reminder_was_planned_reminds_on_the_new_schedule(
    cycle, hr_user, django_capture_on_commit_callbacks
):
    first = CLOSES - dt.timedelta(days=3)  # 8 March
    schedule_at(first, django_capture_on_commit_callbacks)
    assert len(reminded()) == 5
    mail.outbox.clear()
    new_close = CLOSES + dt.timedelta(days=7)  # 18 March
    with time_machine.travel(first + dt.timedelta(hours=1), tick=False):
        cycle_close_change(cycle=cycle, actor=hr_user, closes_at=new_close, reminder_days=[3, 1])
    # The old "1 day before" (10 March) is no longer planned: nothing goes out then.
    schedule_at(CLOSES - dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    # The new "3 days before" (15 March) goes out on time, and says the new closing date.
    schedule_at(new_close - dt.timedelta(days=3), django_capture_on_commit_callbacks)
    assert len(reminded()) == 5
    assert "18 Mar 2027" in mail.outbox[0].body
    assert ReminderClaim.objects.count() == 2


def test_a_cycle_shortened_so_that_a_planned_reminder_is_now_due_reminds_nobody_twice(
    cycle, hr_user, django_capture_on_commit_callbacks
):
    first = CLOSES - dt.timedelta(days=3)
    schedule_at(first, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    # Brought forward to close a day and a half later: "1 day before" comes in 12 hours, within
    # the 48-hour interval of the reminder just sent.
    with time_machine.travel(first + dt.timedelta(hours=1), tick=False):
        cycle_close_change(
            cycle=cycle,
            actor=hr_user,
            closes_at=first + dt.timedelta(days=1, hours=12),
            reminder_days=[3, 1],
        )
    schedule_at(first + dt.timedelta(hours=12), django_capture_on_commit_callbacks)
    assert EmailRun.objects.filter(kind=EmailRun.Kind.REMINDER).count() == 2
    assert mail.outbox == []


def test_a_cycle_closed_before_its_reminder_reminds_nobody(
    cycle, django_capture_on_commit_callbacks
):
    with time_machine.travel(OPENS + dt.timedelta(days=5), tick=False):
        cycle_close(cycle=cycle, actor=None)
    out = schedule_at(CLOSES - dt.timedelta(days=3), django_capture_on_commit_callbacks)
    assert "reminders: 0 started" in out
    assert mail.outbox == []
    assert not ReminderClaim.objects.exists()


def test_no_reminder_after_the_window_has_ended(cycle, django_capture_on_commit_callbacks):
    schedule_at(CLOSES, django_capture_on_commit_callbacks)
    schedule_at(CLOSES + dt.timedelta(days=1), django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_reminder_missed_by_more_than_half_a_day_is_not_sent_late(
    cycle, django_capture_on_commit_callbacks
):
    due = CLOSES - dt.timedelta(days=3)
    schedule_at(due + dt.timedelta(hours=12, minutes=1), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    # Within the half day it still goes out.
    schedule_at(due + dt.timedelta(hours=11), django_capture_on_commit_callbacks)
    assert len(reminded()) == 5


def test_a_reminder_planned_before_the_window_opens_is_not_planned(bank, leader_a):
    team = roster_team_make("Alpha", leaders=(leader_a,), members=2)
    cycle = draft_cycle_make(
        bank,
        [team],
        opens_at=OPENS,
        closes_at=OPENS + dt.timedelta(days=2),
        reminder_days=[3, 1],
    )
    assert cycle.reminder_times() == [OPENS + dt.timedelta(days=1)]


def test_a_draft_reminds_nobody_whatever_the_time(bank, leader_a):
    team = roster_team_make("Alpha", leaders=(leader_a,), members=2)
    draft_cycle_make(bank, [team], opens_at=OPENS, closes_at=CLOSES, reminder_days=[3, 1])
    assert reminders_start_due(now=CLOSES - dt.timedelta(days=3)) == 0
    assert not ReminderClaim.objects.exists()


def test_a_failing_job_does_not_stop_the_others(db):
    calls = []

    def broken(*, now):
        raise RuntimeError("boom")

    def working(*, now):
        calls.append(now)
        return 2

    now = OPENS
    results = schedule_run_once(now=now, jobs=[Job("broken", broken), Job("working", working)])
    assert [(r.name, r.started, r.error) for r in results] == [
        ("broken", 0, "RuntimeError: boom"),
        ("working", 2, ""),
    ]
    assert calls == [now]


def test_the_reminder_job_is_registered_with_the_scheduler():
    assert "reminders" in [job.name for job in JOBS]
