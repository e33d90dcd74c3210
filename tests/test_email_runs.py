"""Email runs: HR's send buttons hand the emails to the worker, which sends batch by batch.

The worker's task runs synchronously here (``email_run_send.call``, or django-tasks' immediate
backend where the enqueue itself is under test), against the real database, with real messages
in ``mail.outbox``. A failing mail server is ``tests.email_backends.FlakyBackend``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments.hr.cycles import cycle_close, cycle_open
from assessments.hr.email_runs import (
    BATCH_SIZE,
    BROKEN_BATCHES_BEFORE_STOPPING,
    REASON_SERVER_FAILING,
    email_run_create,
    email_run_send,
    email_run_start,
    email_run_summary,
    invitations_send,
    reminders_send,
)
from assessments.hr.invitations import (
    invitations_batch_send,
    invitations_needing,
    invitations_unsent,
)
from assessments.models import AuditEvent, EmailRun, Invitation, InvitationSend, token_hash
from tests import email_backends
from tests.builders import draft_cycle_make, roster_team_make, user_make
from tests.email_backends import FlakyBackend

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/s/([A-Za-z0-9_-]+)/")
INVITE = EmailRun.Kind.INVITATION
REMIND = EmailRun.Kind.REMINDER


@pytest.fixture(autouse=True)
def flaky_mail(settings):
    settings.EMAIL_BACKEND = email_backends.PATH
    email_backends.reset()
    yield FlakyBackend
    email_backends.reset()


@pytest.fixture
def hr(client, hr_user):
    client.force_login(hr_user)
    return client


def open_cycle(bank, *, members: int, leader=None):
    team = roster_team_make("Alpha", leaders=(leader,) if leader else (), members=members)
    cycle = draft_cycle_make(bank, [team], closes_at=timezone.now() + dt.timedelta(days=10))
    cycle_open(cycle=cycle, actor=None)
    return cycle


@pytest.fixture
def cycle(bank, leader_a):
    return open_cycle(bank, members=4, leader=leader_a)  # five invitations


BIG = 2 * BATCH_SIZE + 5  # two full batches and a bit
MIDWAY = BATCH_SIZE // 2


@pytest.fixture
def big_cycle(bank):
    """Two full batches and a bit."""
    return open_cycle(bank, members=BIG)


def cycle_url(cycle) -> str:
    return reverse("assessments:hr-cycle", args=[cycle.pk])


def send_url(cycle, kind: str = INVITE) -> str:
    name = "hr-cycle-send-invitations" if kind == INVITE else "hr-cycle-send-reminders"
    return reverse(f"assessments:{name}", args=[cycle.pk])


def hashes(cycle) -> dict[str, str]:
    return dict(Invitation.objects.filter(cycle=cycle).values_list("email", "token_hash"))


def token_of(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def age_contacts(cycle, hours: int) -> None:
    past = timezone.now() - dt.timedelta(hours=hours)
    Invitation.objects.filter(cycle=cycle, sent_at__isnull=False).update(sent_at=past)
    Invitation.objects.filter(cycle=cycle, reminded_at__isnull=False).update(reminded_at=past)


def run_now(cycle, kind: str = INVITE, user=None) -> EmailRun:
    """Start a run as the button does and let "the worker" send it."""
    run, created = email_run_start(cycle=cycle, kind=kind, user=user)
    assert created
    email_run_send.call(run_id=run.pk)
    run.refresh_from_db()
    return run


# --- the button and the queue ---------------------------------------------------------------


def test_the_button_queues_a_run_and_sends_nothing_in_the_request(hr, cycle, hr_user):
    response = hr.post(send_url(cycle))
    assert response.status_code == 302
    assert response["Location"] == cycle_url(cycle) + "#emails"
    assert mail.outbox == []
    run = EmailRun.objects.get()
    assert (run.cycle, run.kind, run.state, run.requested_by) == (
        cycle,
        INVITE,
        EmailRun.State.QUEUED,
        hr_user,
    )


def test_the_committed_run_is_enqueued_for_the_worker(
    hr, cycle, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(send_url(cycle))
    assert len(mail.outbox) == 5
    run = EmailRun.objects.get()
    assert (run.state, run.total, run.sent, run.skipped) == (EmailRun.State.DONE, 5, 5, 0)


def test_the_cycle_page_polls_while_the_run_is_unfinished_and_stops_after(hr, cycle):
    hr.post(send_url(cycle))
    page = hr.get(cycle_url(cycle)).text
    assert 'hx-trigger="every 2s"' in page
    assert "Sending invitations…" in page  # the button cannot be clicked again meanwhile
    partial = hr.get(cycle_url(cycle), headers={"HX-Request": "true", "HX-Target": "emails"}).text
    assert partial.strip().startswith('<section class="card email-runs" id="emails"')
    assert 'role="status" aria-live="polite"' in partial
    assert "Waiting for the background worker" in partial
    # The card polls itself as a whole: it says what an email does as the full page does.
    assert "at most once every 48 hours" in partial
    email_run_send.call(run_id=EmailRun.objects.get().pk)
    partial = hr.get(cycle_url(cycle), headers={"HX-Request": "true", "HX-Target": "emails"}).text
    assert "every 2s" not in partial
    assert "5 invitations sent." in partial
    assert "All invitations sent" in partial
    # The response counts still poll on their own.
    counts = hr.get(cycle_url(cycle), headers={"HX-Request": "true", "HX-Target": "counts"}).text
    assert counts.strip().startswith('<section class="card" id="counts"')


def test_the_page_says_how_far_a_running_run_has_got(hr, cycle):
    run = EmailRun.objects.create(
        cycle=cycle, kind=INVITE, state=EmailRun.State.RUNNING, total=312, sent=200, skipped=4
    )
    page = hr.get(cycle_url(cycle)).text
    assert "204 of 312 invitations done…" in page
    assert 'max="312" value="204"' in page
    run.state, run.sent, run.skipped = EmailRun.State.DONE, 308, 4
    run.save()
    assert "308 invitations sent, 4 skipped." in hr.get(cycle_url(cycle)).text


# --- progress, batch by batch ---------------------------------------------------------------


def test_the_worker_records_every_email_before_it_goes_out(big_cycle, flaky_mail):
    run, _ = email_run_start(cycle=big_cycle, kind=INVITE, user=None)
    seen: list[int] = []
    claimed: list[int] = []
    # What a page polling during the run would read, at each message the server takes: the
    # email is already counted, and recorded as in flight (a retry would not send it again).
    flaky_mail.on_message = lambda message: (
        seen.append(EmailRun.objects.get(pk=run.pk).sent),
        claimed.append(InvitationSend.objects.filter(run=run).count()),
    )
    email_run_send.call(run_id=run.pk)
    assert seen == list(range(1, BIG + 1))
    assert claimed == [1] * BIG
    assert not InvitationSend.objects.exists()
    run.refresh_from_db()
    assert (run.state, run.total, run.sent, run.skipped, run.failures) == (
        EmailRun.State.DONE,
        BIG,
        BIG,
        0,
        [],
    )
    assert len(mail.outbox) == BIG
    assert run.finished_at is not None


def test_people_who_submit_during_a_reminder_run_are_skipped(big_cycle, flaky_mail):
    Invitation.objects.filter(cycle=big_cycle).update(sent_at=timezone.now() - dt.timedelta(days=7))
    last = invitations_needing(kind=REMIND, cycle=big_cycle)[-1]

    def someone_answers(message) -> None:
        if flaky_mail.attempts == 1:  # while the first batch goes out
            Invitation.objects.filter(pk=last).update(state=Invitation.State.SUBMITTED)

    flaky_mail.on_message = someone_answers
    run = run_now(big_cycle, REMIND)
    assert (run.total, run.sent, run.skipped) == (BIG, BIG - 1, 1)
    assert "5 skipped" not in email_run_summary(run)
    assert email_run_summary(run) == f"{BIG - 1} reminders sent, 1 skipped."


def test_an_invitation_run_emails_people_who_answered_before_it_too(big_cycle, flaky_mail):
    """Skipping them would tell HR who answered through a link HR had handed out."""
    first = invitations_needing(kind=INVITE, cycle=big_cycle)[0]
    Invitation.objects.filter(pk=first).update(state=Invitation.State.SUBMITTED)
    run = run_now(big_cycle)
    assert (run.total, run.sent, run.skipped) == (BIG, BIG, 0)


def test_a_cycle_closed_during_the_run_skips_the_rest(cycle):
    ids = invitations_needing(kind=INVITE, cycle=cycle)
    cycle_close(cycle=cycle, actor=None)
    result = invitations_batch_send(kind=INVITE, cycle=cycle, ids=ids)
    assert (result.sent, result.skipped) == (0, 5)
    assert mail.outbox == []


# --- a failing mail server ------------------------------------------------------------------


def test_a_batch_that_fails_midway_keeps_the_unsent_links_and_the_run_goes_on(
    big_cycle, flaky_mail
):
    before = hashes(big_cycle)
    flaky_mail.fail_on = BATCH_SIZE + MIDWAY  # a message in the middle of the second batch
    run = run_now(big_cycle)
    assert run.state == EmailRun.State.DONE
    not_sent = BATCH_SIZE - MIDWAY + 1  # the failed message and the rest of its batch
    assert (run.total, run.sent, run.skipped, run.not_sent) == (BIG, BIG - not_sent, 0, not_sent)
    assert run.failures == [
        {"batch": 2, "people": not_sent, "error": run.failures[0]["error"]},
    ]
    assert run.failures[0]["error"].startswith("SMTPServerDisconnected: Connection unexpectedly")
    after = hashes(big_cycle)
    emailed = {message.to[0]: token_of(message) for message in mail.outbox}
    assert len(emailed) == BIG - not_sent
    for email, old_hash in before.items():
        if email in emailed:  # the link in their email is the one that works
            assert after[email] == token_hash(emailed[email])
        else:  # not emailed: nothing changed, their earlier link still works
            assert after[email] == old_hash
    assert invitations_unsent(cycle=big_cycle).count() == not_sent


def test_sending_again_after_a_failure_reaches_only_those_not_emailed(big_cycle, flaky_mail):
    flaky_mail.fail_on = BATCH_SIZE + MIDWAY
    run_now(big_cycle)
    first = {message.to[0] for message in mail.outbox}
    mail.outbox.clear()
    again = run_now(big_cycle)
    not_sent = BATCH_SIZE - MIDWAY + 1
    assert (again.total, again.sent, again.not_sent) == (not_sent, not_sent, 0)
    second = {message.to[0] for message in mail.outbox}
    assert not first & second
    assert len(first | second) == BIG


def test_a_mail_server_that_stays_down_stops_the_run_after_three_failed_batches(bank, flaky_mail):
    cycle = open_cycle(bank, members=(BROKEN_BATCHES_BEFORE_STOPPING + 1) * BATCH_SIZE + 7)
    before = hashes(cycle)
    flaky_mail.fail_from = 1
    run = run_now(cycle)
    assert run.state == EmailRun.State.FAILED
    assert [failure["batch"] for failure in run.failures] == [1, 2, 3, None]
    untried = BATCH_SIZE + 7
    assert run.failures[-1] == {"batch": None, "people": untried, "reason": REASON_SERVER_FAILING}
    total = (BROKEN_BATCHES_BEFORE_STOPPING + 1) * BATCH_SIZE + 7
    assert (run.sent, run.not_sent, run.total) == (0, total, total)
    assert flaky_mail.attempts == 3  # one try per batch, then it gave up
    assert hashes(cycle) == before
    page_text = "several batches in a row failed"
    assert page_text in _page_of(cycle)


def _page_of(cycle) -> str:
    client = Client()
    client.force_login(user_make("hr2@example.com", hr=True))
    return client.get(cycle_url(cycle)).text


def test_a_refused_address_is_skipped_and_everyone_else_is_emailed(cycle, flaky_mail):
    flaky_mail.refuse = frozenset({"alpha.2@example.com"})
    before = hashes(cycle)
    run = run_now(cycle)
    assert (run.state, run.sent, run.not_sent) == (EmailRun.State.DONE, 4, 1)
    assert "alpha.2@example.com" not in {message.to[0] for message in mail.outbox}
    assert hashes(cycle)["alpha.2@example.com"] == before["alpha.2@example.com"]
    assert "refused 1 address" in run.failures[0]["error"]


# --- one run at a time ----------------------------------------------------------------------


def test_a_second_click_finds_the_running_run_and_emails_nobody_twice(hr, cycle):
    hr.post(send_url(cycle))
    page = hr.post(send_url(cycle), follow=True).text
    assert "Invitations are already being sent" in page
    assert EmailRun.objects.count() == 1
    email_run_send.call(run_id=EmailRun.objects.get().pk)
    assert len(mail.outbox) == 5


def test_the_database_refuses_a_second_unfinished_run_of_the_same_kind(cycle):
    EmailRun.objects.create(cycle=cycle, kind=INVITE)
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailRun.objects.create(cycle=cycle, kind=INVITE, state=EmailRun.State.RUNNING)
    EmailRun.objects.create(cycle=cycle, kind=REMIND)  # another kind is another queue
    EmailRun.objects.create(cycle=cycle, kind=INVITE, state=EmailRun.State.DONE)


def test_a_finished_run_does_not_block_the_next(cycle):
    first = run_now(cycle)
    run, created = email_run_create(cycle=cycle, kind=INVITE, user=None)
    assert created
    assert run.pk != first.pk


def test_the_command_refuses_while_a_run_is_under_way(cycle):
    EmailRun.objects.create(cycle=cycle, kind=REMIND, state=EmailRun.State.RUNNING)
    with pytest.raises(CommandError, match="being sent already"):
        call_command("send_reminders", cycle=cycle.name)


# --- reminders ------------------------------------------------------------------------------


def test_reminders_reach_only_people_who_have_not_submitted(cycle):
    invitations_send(cycle=cycle, actor=None)
    Invitation.objects.filter(email="alpha.1@example.com").update(state="submitted")
    age_contacts(cycle, 49)
    mail.outbox.clear()
    run = run_now(cycle, REMIND)
    assert (run.total, run.sent) == (4, 4)
    assert "alpha.1@example.com" not in {message.to[0] for message in mail.outbox}


def test_two_runs_that_listed_the_same_people_remind_them_once(cycle, settings):
    settings.PILLARS_REMINDER_INTERVAL_HOURS = 48
    invitations_send(cycle=cycle, actor=None)
    age_contacts(cycle, 49)
    mail.outbox.clear()
    # Both listed everyone before either sent (a stalled run whose worker was only slow, and
    # the new run HR started meanwhile): the batch re-check under lock decides.
    listed = invitations_needing(kind=REMIND, cycle=cycle)
    assert invitations_needing(kind=REMIND, cycle=cycle) == listed
    first = invitations_batch_send(kind=REMIND, cycle=cycle, ids=listed)
    second = invitations_batch_send(kind=REMIND, cycle=cycle, ids=listed)
    assert (first.sent, second.sent, second.skipped) == (5, 0, 5)
    assert len(mail.outbox) == 5
    assert set(Invitation.objects.values_list("reminder_count", flat=True)) == {1}
    assert reminders_send(cycle=cycle, actor=None).sent == 0


def test_no_run_reminds_anyone_within_the_interval(cycle, settings):
    settings.PILLARS_REMINDER_INTERVAL_HOURS = 48
    invitations_send(cycle=cycle, actor=None)
    age_contacts(cycle, 47)
    mail.outbox.clear()
    run = run_now(cycle, REMIND)
    assert (run.total, run.sent) == (0, 0)
    assert mail.outbox == []


# --- stalled runs ---------------------------------------------------------------------------


def stale_run(cycle, *, minutes: int, state=EmailRun.State.QUEUED) -> EmailRun:
    run = EmailRun.objects.create(cycle=cycle, kind=INVITE, state=state)
    EmailRun.objects.filter(pk=run.pk).update(
        progressed_at=timezone.now() - dt.timedelta(minutes=minutes)
    )
    return EmailRun.objects.get(pk=run.pk)


def test_a_run_without_progress_is_shown_stopped_and_the_page_stops_polling(hr, cycle, settings):
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES = 30
    run = stale_run(cycle, minutes=31, state=EmailRun.State.RUNNING)
    page = hr.get(cycle_url(cycle)).text
    assert "every 2s" not in page
    assert "badge-stopped" in page
    assert "background worker probably stopped" in page
    assert "Send 5 invitations" in page  # HR can send again
    run.refresh_from_db()
    assert run.state == EmailRun.State.FAILED
    assert run.stopped_at is not None
    event = AuditEvent.objects.get(action="invitations.send")
    assert event.detail["state"] == "stopped"


def test_a_worker_that_picks_up_a_stopped_run_later_sends_nothing(cycle, settings):
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES = 30
    run = stale_run(cycle, minutes=60)
    assert run.stop_if_stalled()
    email_run_send.call(run_id=run.pk)
    assert mail.outbox == []
    run.refresh_from_db()
    assert run.shown_state == EmailRun.State.STOPPED


def test_a_stalled_run_does_not_block_a_new_one(hr, cycle, settings):
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES = 30
    stale_run(cycle, minutes=31)
    hr.post(send_url(cycle))
    assert EmailRun.objects.active().count() == 1
    email_run_send.call(run_id=EmailRun.objects.active().get().pk)
    assert len(mail.outbox) == 5


def test_a_run_within_the_limit_keeps_polling_and_zero_never_gives_up(hr, cycle, settings):
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES = 30
    run = stale_run(cycle, minutes=29)
    assert 'hx-trigger="every 2s"' in hr.get(cycle_url(cycle)).text
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES = 0
    EmailRun.objects.filter(pk=run.pk).update(progressed_at=timezone.now() - dt.timedelta(days=9))
    run.refresh_from_db()
    assert not run.stop_if_stalled()
    assert 'hx-trigger="every 2s"' in hr.get(cycle_url(cycle)).text


def test_a_run_whose_worker_records_progress_before_the_stop_is_written_keeps_running(
    cycle, settings
):
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES = 30
    run = stale_run(cycle, minutes=120, state=EmailRun.State.RUNNING)
    assert run.is_stalled()  # a page reads it: stale...
    # ...then the worker finishes a batch before the page writes.
    EmailRun.objects.filter(pk=run.pk).update(sent=F("sent") + 1, progressed_at=timezone.now())
    assert not run.stop_if_stalled()
    run.refresh_from_db()
    assert (run.state, run.sent, run.stopped_at) == (EmailRun.State.RUNNING, 1, None)


def test_email_runs_and_report_zips_each_follow_their_own_stall_setting(cycle, settings):
    run = stale_run(cycle, minutes=60)
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES, settings.PILLARS_REPORT_JOB_STALL_MINUTES = 0, 30
    assert not run.is_stalled()
    assert not run.stop_if_stalled()
    settings.PILLARS_EMAIL_RUN_STALL_MINUTES, settings.PILLARS_REPORT_JOB_STALL_MINUTES = 30, 0
    assert run.is_stalled()
    assert run.stop_if_stalled()


def test_a_worker_stopped_mid_run_by_a_page_stops_after_its_batch(big_cycle, flaky_mail):
    run, _ = email_run_start(cycle=big_cycle, kind=INVITE, user=None)

    def page_gives_up(message) -> None:
        if flaky_mail.attempts == BATCH_SIZE + 1:  # the second batch has begun
            EmailRun.objects.filter(pk=run.pk).update(state=EmailRun.State.FAILED)

    flaky_mail.on_message = page_gives_up
    email_run_send.call(run_id=run.pk)
    run.refresh_from_db()
    assert run.state == EmailRun.State.FAILED
    assert run.sent == 2 * BATCH_SIZE  # the counts say what really went out
    assert len(mail.outbox) == 2 * BATCH_SIZE


# --- audit, anonymity, development ----------------------------------------------------------


def test_each_run_is_audited_as_before_with_who_asked(hr, cycle, hr_user):
    hr.post(send_url(cycle))
    run = EmailRun.objects.get()
    email_run_send.call(run_id=run.pk)
    event = AuditEvent.objects.get(action="invitations.send")
    assert event.actor == hr_user
    assert event.target == cycle.name
    assert event.detail == {
        "cycle": cycle.pk,
        "sent": 5,
        "skipped": 0,
        "not_sent": 0,
        "run": run.pk,
        "state": "done",
    }


def test_a_run_stores_no_token_and_no_address(cycle, flaky_mail):
    flaky_mail.refuse = frozenset({"alpha.3@example.com"})
    flaky_mail.fail_on = 5
    run = run_now(cycle)
    stored = repr(model_to_dict(run)) + repr(run.failures)
    tokens = [token_of(message) for message in mail.outbox]
    assert tokens
    assert not any(token in stored for token in tokens)
    assert "@" not in stored
    assert "[address]" in stored
    assert not any(hash_ in stored for hash_ in hashes(cycle).values())


def test_the_console_backend_prints_the_emails_from_the_worker(cycle, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    run = run_now(cycle)
    assert run.sent == 5
    assert capsys.readouterr().out.count("Subject: ") == 5


def test_a_draft_cycle_cannot_start_a_run(hr, bank):
    draft = draft_cycle_make(bank, [roster_team_make("Beta", members=3)], name="Draft")
    page = hr.post(send_url(draft), follow=True).text
    assert "Invitations go out only while the cycle is open." in page
    assert not EmailRun.objects.exists()
