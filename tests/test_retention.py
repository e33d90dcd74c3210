"""Retention: raw answers go after N months while released results stay; invitations are purged."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from assessments.models import (
    Answer,
    AuditEvent,
    Comment,
    Cycle,
    CycleResult,
    DraftAnswer,
    Invitation,
    Submission,
)
from assessments.privacy.retention import PURGED_TOKEN_PREFIX, months_before, retention_apply
from assessments.results.stored import FROZEN_PREFIX, cycle_report
from tests.builders import (
    answers_add,
    cycle_ended,
    invitation_with_drafts,
    team_with_members,
)


def test_months_before_keeps_the_day_or_falls_back_to_the_months_last_day():
    assert months_before(dt.datetime(2026, 3, 31, 9, tzinfo=dt.UTC), 1) == dt.datetime(
        2026, 2, 28, 9, tzinfo=dt.UTC
    )
    assert months_before(dt.datetime(2026, 1, 15, tzinfo=dt.UTC), 13) == dt.datetime(
        2024, 12, 15, tzinfo=dt.UTC
    )


def scores(cycle: Cycle) -> list[tuple[str, int, list[float | None]]]:
    report = cycle_report(cycle, detail=False)
    return [(team.name, team.n, [p.mean for p in team.pillars]) for team in report.teams]


@pytest.mark.django_db
def test_raw_answers_of_an_old_released_cycle_go_and_its_results_stay(bank):
    team = team_with_members("Platform", [])
    old = cycle_ended(bank, [team], days_ago=400)
    answers_add(old, team, count=4, value=4)
    before = scores(old)
    assert before[0][1] == 4

    summary = retention_apply(months=12)

    assert summary.cycles_purged == [old.name]
    assert summary.submissions_deleted == 4
    assert not Submission.objects.filter(cycle=old).exists()
    assert not Answer.objects.filter(submission__cycle=old).exists()
    assert not Comment.objects.filter(submission__cycle=old).exists()
    assert CycleResult.objects.get(cycle=old).fingerprint.startswith(FROZEN_PREFIX)
    assert scores(old) == before


@pytest.mark.django_db
def test_a_frozen_result_is_never_recomputed_into_emptiness_when_things_change_later(bank):
    team = team_with_members("Platform", [])
    old = cycle_ended(bank, [team], days_ago=400)
    answers_add(old, team, count=3, value=5)
    before = scores(old)
    retention_apply(months=12)

    # Everything the fingerprint watches changes: the cycle's name, its team, a new cycle after.
    old.name = "Renamed"
    old.save()
    team.name = "Platform renamed"
    team.save()
    later = cycle_ended(bank, [team], days_ago=10)
    answers_add(later, team, count=3, value=3)

    assert [n for _, n, _ in scores(old)] == [3]
    assert scores(old)[0][2] == before[0][2]
    later_report = cycle_report(later, detail=False)
    assert later_report.teams[0].n == 3


@pytest.mark.django_db
def test_recent_cycles_and_open_cycles_keep_their_answers(bank):
    team = team_with_members("Data", [])
    recent = cycle_ended(bank, [team], days_ago=100)
    answers_add(recent, team, count=3)
    running = cycle_ended(bank, [team], days_ago=500, state=Cycle.State.OPEN)
    answers_add(running, team, count=3)

    summary = retention_apply(months=12)

    assert summary.cycles_purged == []
    assert Submission.objects.count() == 6


@pytest.mark.django_db
def test_an_old_cycle_that_was_never_released_keeps_its_answers_and_is_reported(bank):
    team = team_with_members("Data", [])
    closed = cycle_ended(bank, [team], days_ago=500, state=Cycle.State.CLOSED, name="Forgotten")
    answers_add(closed, team, count=3)
    out, err = StringIO(), StringIO()

    call_command("apply_retention", "--months", "12", stdout=out, stderr=err)

    assert Submission.objects.filter(cycle=closed).count() == 3
    assert "Kept the answers of “Forgotten”" in err.getvalue()


@pytest.mark.django_db
def test_invitations_lose_emails_tokens_and_drafts_thirty_days_after_the_cycle_ended(bank):
    team = team_with_members("Sales", ["a@example.com"])
    ended = cycle_ended(bank, [team], days_ago=31)
    answers_add(ended, team, count=3)
    unfinished = invitation_with_drafts(ended, team, "late@example.com")
    fresh = cycle_ended(bank, [team], days_ago=29)
    waiting = invitation_with_drafts(fresh, team, "soon@example.com")

    summary = retention_apply(months=12, purge_days=30)

    assert summary.invitations_purged == 4
    assert summary.drafts_deleted == 1
    purged = Invitation.objects.filter(cycle=ended)
    assert purged.count() == 4  # response rates still add up
    assert not purged.exclude(email=None).exists()
    assert all(i.token_hash.startswith(PURGED_TOKEN_PREFIX) for i in purged)
    assert not DraftAnswer.objects.filter(invitation=unfinished).exists()
    assert purged.filter(state=Invitation.State.SUBMITTED).count() == 3
    waiting.refresh_from_db()
    assert waiting.email == "soon@example.com"
    assert DraftAnswer.objects.filter(invitation=waiting).exists()


@pytest.mark.django_db
def test_purging_invitations_leaves_a_released_cycles_response_rate_alone(bank):
    team = team_with_members("Sales", [])
    ended = cycle_ended(bank, [team], days_ago=45)
    answers_add(ended, team, count=3)
    invitation_with_drafts(ended, team, "late@example.com")
    rate = cycle_report(ended, detail=False).teams[0].response_rate

    retention_apply(months=12)

    assert cycle_report(ended, detail=False).teams[0].response_rate == rate == 0.75


@pytest.mark.django_db
def test_a_dry_run_counts_and_changes_nothing(bank):
    team = team_with_members("Ops", [])
    old = cycle_ended(bank, [team], days_ago=800)
    answers_add(old, team, count=3)
    out = StringIO()

    call_command("apply_retention", "--months", "12", "--dry-run", stdout=out)

    assert "Would delete: 3 submissions" in out.getvalue()
    assert "Would delete personal data of 3 invitations" in out.getvalue()
    assert Submission.objects.count() == 3
    assert not Invitation.objects.filter(email=None).exists()
    assert not AuditEvent.objects.filter(action="retention.apply").exists()


@pytest.mark.django_db
def test_applying_retention_is_recorded_in_the_audit_log_without_personal_data(bank):
    team = team_with_members("Ops", [])
    old = cycle_ended(bank, [team], days_ago=800)
    answers_add(old, team, count=3)

    call_command("apply_retention", "--months", "12", stdout=StringIO())

    event = AuditEvent.objects.get(action="retention.apply")
    assert event.actor_label == "system"
    assert event.detail["submissions_deleted"] == 3
    assert event.detail["cycles_purged"] == [old.name]
    assert "@" not in str(event.detail)


@pytest.mark.django_db
def test_a_retention_of_zero_months_keeps_answers_forever(bank):
    team = team_with_members("Ops", [])
    old = cycle_ended(bank, [team], days_ago=3000)
    answers_add(old, team, count=3)
    retention_apply(months=0)
    assert Submission.objects.count() == 3


@pytest.mark.django_db
def test_sign_in_records_older_than_the_setting_are_deleted():
    from axes.models import AccessLog
    from django.utils import timezone

    old = AccessLog.objects.create(username="ana@example.com", ip_address="203.0.113.5")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - dt.timedelta(days=91))
    recent = AccessLog.objects.create(username="ana@example.com", ip_address="203.0.113.5")

    summary = retention_apply(months=12)

    assert summary.sign_in_records_deleted == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]
