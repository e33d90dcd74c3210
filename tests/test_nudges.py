"""Nudges to leaders (issue 15): actions due or overdue and a debrief not yet held, sent by the
worker when the scheduler finds them due, at most weekly per leader, never about a team whose
results are hidden. Real emails in Django's locmem outbox; the clock set with time-machine."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from assessments.actions.nudges import nudge_claim
from assessments.models import Action, ActionPlan, Cycle, FocusArea, LeaderNudge
from assessments.schedule import JOBS, schedule_run_once
from leadership.models import Profile
from tests.builders import report_answers_add, report_cycle_make, report_team_make

pytestmark = pytest.mark.django_db

RELEASED = dt.datetime(2027, 4, 5, 9, 0, tzinfo=dt.UTC)  # a Monday
WEEK = dt.timedelta(days=7)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def worker_at_once(settings):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def cycle(bank):
    with time_machine.travel(RELEASED - dt.timedelta(days=30), tick=False):
        cycle = report_cycle_make(bank, name="2027 Q1")
    Cycle.objects.filter(pk=cycle.pk).update(released_at=RELEASED)
    cycle.refresh_from_db()
    return cycle


@pytest.fixture
def platform(cycle, leader_a):
    team = report_team_make(cycle, "Platform", leader=leader_a)
    report_answers_add(cycle, team, values=[3, 4, 4, 3, 5, 4])
    return team


def run_at(moment: dt.datetime) -> list:
    mail.outbox.clear()
    with time_machine.travel(moment, tick=False):
        results = schedule_run_once(now=moment)
    assert not [r for r in results if r.error], results
    return list(mail.outbox)


def plan_with_action(cycle, team, bank, *, due_on, status=Action.Status.PLANNED, held=None):
    plan = ActionPlan.objects.create(
        cycle=cycle, team=team, created_at=RELEASED, debrief_held_on=held
    )
    focus = FocusArea.objects.create(
        plan=plan, pillar=bank.pillars.order_by("order").first(), created_at=RELEASED
    )
    return Action.objects.create(
        focus=focus,
        text="Weekly priorities",
        owner="Ana",
        due_on=due_on,
        status=status,
        created_at=RELEASED,
    )


def test_nudges_are_a_scheduled_job():
    assert "nudges" in [job.name for job in JOBS]


def test_a_leader_hears_about_a_debrief_not_held_a_week_after_release_and_not_before(
    platform, leader_a
):
    assert run_at(RELEASED + WEEK - MINUTE) == []
    sent = run_at(RELEASED + WEEK)
    assert len(sent) == 1
    assert sent[0].to == [leader_a.email]
    assert "Platform · 2027 Q1" in sent[0].body
    assert "The team debrief has not been held yet" in sent[0].body
    assert "/results/2027-q1/platform/plan/" in sent[0].body


def test_at_most_one_nudge_a_week_across_the_week_boundary(platform, bank, cycle):
    first = RELEASED + WEEK
    assert len(run_at(first)) == 1
    plan_with_action(cycle, platform, bank, due_on=dt.date(2027, 4, 14))
    assert run_at(first + MINUTE) == []
    assert run_at(first + dt.timedelta(days=3)) == []
    assert run_at(first + WEEK - MINUTE) == []
    sent = run_at(first + WEEK)
    assert len(sent) == 1
    assert "Weekly priorities (Ana): overdue since 14 Apr 2027" in sent[0].body
    assert LeaderNudge.objects.get().last_sent_at == first + WEEK


def test_due_and_overdue_actions_are_named_and_done_ones_are_not(platform, bank, cycle):
    plan_with_action(cycle, platform, bank, due_on=dt.date(2027, 4, 16), held=dt.date(2027, 4, 6))
    Action.objects.create(
        focus=FocusArea.objects.get(),
        text="Already finished",
        due_on=dt.date(2027, 4, 8),
        status=Action.Status.DONE,
        created_at=RELEASED,
    )
    sent = run_at(dt.datetime(2027, 4, 12, 9, 0, tzinfo=dt.UTC))
    assert len(sent) == 1
    assert "Weekly priorities (Ana): due 16 Apr 2027" in sent[0].body
    assert "Already finished" not in sent[0].body
    assert "debrief has not been held" not in sent[0].body


def test_nothing_due_and_the_debrief_held_means_no_email(platform, bank, cycle):
    plan_with_action(cycle, platform, bank, due_on=dt.date(2027, 6, 30), held=dt.date(2027, 4, 6))
    assert run_at(RELEASED + WEEK) == []
    assert not LeaderNudge.objects.exists()


def test_never_a_nudge_about_a_team_whose_results_are_hidden(cycle, bank, leader_b):
    hidden = report_team_make(cycle, "Two", leader=leader_b)
    report_answers_add(cycle, hidden, values=[2, 5])
    plan_with_action(cycle, hidden, bank, due_on=dt.date(2027, 4, 10))
    for days in (7, 8, 14, 30):
        assert run_at(RELEASED + dt.timedelta(days=days)) == []
    assert not LeaderNudge.objects.exists()


def test_no_nudge_before_release(platform, bank, cycle):
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    plan_with_action(cycle, platform, bank, due_on=dt.date(2027, 4, 10))
    assert run_at(RELEASED + WEEK) == []


def test_two_schedulers_claim_a_leader_once(leader_a):
    moment = RELEASED + WEEK
    assert nudge_claim(user_id=leader_a.pk, now=moment)
    assert not nudge_claim(user_id=leader_a.pk, now=moment)
    assert not nudge_claim(user_id=leader_a.pk, now=moment + WEEK - MINUTE)
    assert nudge_claim(user_id=leader_a.pk, now=moment + WEEK)


def test_a_german_leaders_nudge_is_in_german(platform, bank, cycle, leader_a):
    Profile.objects.update_or_create(user=leader_a, defaults={"language": "de"})
    plan_with_action(cycle, platform, bank, due_on=dt.date(2027, 4, 14))
    sent = run_at(RELEASED + WEEK + WEEK)
    assert len(sent) == 1
    assert sent[0].subject == "Ihre Teampläne: Was als Nächstes ansteht"
    assert "Weekly priorities (Ana): überfällig seit 14.04.2027" in sent[0].body
    assert "höchstens einmal pro Woche" in sent[0].body
    assert "overdue" not in sent[0].body
    assert "Hello" not in sent[0].body
