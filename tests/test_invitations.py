"""Invitation and reminder emails: real messages in mail.outbox, reminders only when due."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.hr.cycles import cycle_open
from assessments.hr.email_runs import invitations_send, reminders_send
from assessments.hr.invitations import reminders_due
from assessments.models import Cycle, Invitation, Role, token_hash
from assessments.templatetags.cycle_time import cycle_time
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/s/([A-Za-z0-9_-]+)/")


@pytest.fixture
def cycle(bank, leader_a):
    team = roster_team_make("Alpha", leaders=(leader_a,), members=3)
    closes = timezone.now() + dt.timedelta(days=10)
    cycle = draft_cycle_make(bank, [team], closes_at=closes)
    cycle_open(cycle=cycle, actor=None)
    return cycle


def _token_of(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def _age_contacts(cycle: Cycle, hours: int) -> None:
    past = timezone.now() - dt.timedelta(hours=hours)
    Invitation.objects.filter(cycle=cycle, sent_at__isnull=False).update(sent_at=past)
    Invitation.objects.filter(cycle=cycle, reminded_at__isnull=False).update(reminded_at=past)


def test_sending_invitations_emails_everyone_once_with_a_working_personal_link(cycle, settings):
    result = invitations_send(cycle=cycle, actor=None)
    assert result.sent == 4  # three members and the leader's self-assessment
    assert len(mail.outbox) == 4
    by_address = {message.to[0]: message for message in mail.outbox}
    member = by_address["alpha.1@example.com"]
    assert "Alpha" in member.subject
    token = _token_of(member)
    assert member.body.count(settings.SITE_URL + reverse("assessments:survey-start", args=[token]))
    invitation = Invitation.objects.get(cycle=cycle, email="alpha.1@example.com")
    assert invitation.token_hash == token_hash(token)
    assert invitation.sent_at is not None
    assert f"The survey closes on {cycle_time(cycle.closes_at, cycle)}." in member.body
    assert "anonymous" in member.body
    assert "at least 3 people" in member.body
    assert invitations_send(cycle=cycle, actor=None).sent == 0
    assert len(mail.outbox) == 4


def test_the_leader_s_invitation_speaks_of_a_self_assessment(cycle, leader_a):
    invitations_send(cycle=cycle, actor=None)
    message = next(m for m in mail.outbox if m.to == [leader_a.email])
    assert "self-assessment" in message.subject
    assert "rate yourself" in message.body


def test_the_link_in_an_email_opens_the_survey(cycle, client):
    invitations_send(cycle=cycle, actor=None)
    token = _token_of(mail.outbox[0])
    response = client.get(reverse("assessments:survey-start", args=[token]))
    assert response.status_code == 302
    assert token not in response["Location"]


def test_a_draft_cycle_sends_nothing(bank):
    draft = draft_cycle_make(bank, [roster_team_make("Beta", members=3)], name="Draft")
    assert invitations_send(cycle=draft, actor=None).sent == 0
    assert reminders_send(cycle=draft, actor=None).sent == 0
    assert mail.outbox == []


def test_reminders_go_only_to_people_who_have_not_submitted(cycle):
    invitations_send(cycle=cycle, actor=None)
    mail.outbox.clear()
    Invitation.objects.filter(cycle=cycle, email="alpha.1@example.com").update(state="submitted")
    Invitation.objects.filter(cycle=cycle, email="alpha.2@example.com").update(state="started")
    _age_contacts(cycle, 49)
    result = reminders_send(cycle=cycle, actor=None)
    assert result.sent == 3
    addresses = sorted(message.to[0] for message in mail.outbox)
    assert "alpha.1@example.com" not in addresses
    assert "alpha.2@example.com" in addresses
    assert all("Reminder" in message.subject for message in mail.outbox)
    submitted = Invitation.objects.get(cycle=cycle, email="alpha.1@example.com")
    assert (submitted.reminder_count, submitted.reminded_at) == (0, None)


def test_no_one_is_reminded_twice_within_the_interval(cycle, settings):
    settings.PILLARS_REMINDER_INTERVAL_HOURS = 48
    invitations_send(cycle=cycle, actor=None)
    assert reminders_send(cycle=cycle, actor=None).sent == 0  # just invited
    _age_contacts(cycle, 49)
    assert reminders_send(cycle=cycle, actor=None).sent == 4
    assert reminders_send(cycle=cycle, actor=None).sent == 0
    _age_contacts(cycle, 47)
    assert reminders_send(cycle=cycle, actor=None).sent == 0
    _age_contacts(cycle, 49)
    assert reminders_send(cycle=cycle, actor=None).sent == 4
    invitation = Invitation.objects.get(cycle=cycle, email="alpha.3@example.com")
    assert invitation.reminder_count == 2
    assert len(mail.outbox) == 4 + 4 + 4


def test_a_reminder_carries_a_new_link_and_the_old_one_stops_working(cycle, client):
    invitations_send(cycle=cycle, actor=None)
    first = {m.to[0]: _token_of(m) for m in mail.outbox}
    _age_contacts(cycle, 49)
    reminders_send(cycle=cycle, actor=None)
    second = {m.to[0]: _token_of(m) for m in mail.outbox[4:]}
    email = "alpha.2@example.com"
    assert first[email] != second[email]
    assert Invitation.objects.get(cycle=cycle, email=email).token_hash == token_hash(second[email])
    assert not Invitation.objects.filter(token_hash=token_hash(first[email])).exists()


def test_the_reminder_interval_is_a_setting(cycle, settings):
    settings.PILLARS_REMINDER_INTERVAL_HOURS = 2
    invitations_send(cycle=cycle, actor=None)
    _age_contacts(cycle, 3)
    assert reminders_due(cycle=cycle).count() == 4


def test_invitations_without_an_email_are_never_mailed(cycle):
    Invitation.objects.create(
        cycle=cycle, team=cycle.teams.get(), role=Role.MEMBER, token_hash="0" * 64
    )
    assert invitations_send(cycle=cycle, actor=None).sent == 4


def test_the_send_reminders_command_reminds_and_can_invite(cycle, capsys):
    call_command("send_reminders", cycle=cycle.name, invite=True)
    out = capsys.readouterr().out
    assert "4 invitations sent." in out
    assert "0 reminders sent." in out
    _age_contacts(cycle, 49)
    call_command("send_reminders", cycle=cycle.name, dry_run=True)
    assert "4 reminders due." in capsys.readouterr().out
    call_command("send_reminders", cycle=cycle.name)
    assert "4 reminders sent." in capsys.readouterr().out
    assert len(mail.outbox) == 8


def test_the_send_reminders_command_refuses_a_cycle_that_is_not_open(bank):
    from django.core.management.base import CommandError

    draft = draft_cycle_make(bank, [roster_team_make("Beta", members=3)], name="Draft")
    with pytest.raises(CommandError, match="not open"):
        call_command("send_reminders", cycle=draft.name)
    with pytest.raises(CommandError, match="No cycle"):
        call_command("send_reminders", cycle="Nope")
