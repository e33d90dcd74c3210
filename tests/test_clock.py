"""Time is an input: a cycle's state agrees with its window everywhere, at the boundaries.

Every test here sets the clock itself (time-machine). The minute a cycle opens and closes, a
cycle that closes while a respondent is mid-survey, midnight UTC against the cycle's own time
zone, 29 February, and 31 December → 1 January.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zoneinfo

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from assessments.demo import demo_cycles, demo_open_cycle
from assessments.home import home_hr, home_leader
from assessments.hr.cycles import CycleError, cycle_open, cycle_transition
from assessments.hr.email_runs import email_run_send, email_run_start
from assessments.hr.invitations import reminders_due
from assessments.models import AuditEvent, Cycle, EmailRun, Invitation, Submission
from assessments.survey import flow
from tests.builders import (
    drafts_fill,
    invitation_make,
    led_team_make,
    step_data,
    survey_enter,
)

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(*args: int, zone: str = "UTC") -> dt.datetime:
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


def cycle_with_window(bank, teams, *, opens: dt.datetime, closes: dt.datetime, zone="UTC"):
    cycle = Cycle.objects.create(
        name=f"Window {opens:%Y%m%d%H%M}",
        slug=f"window-{opens:%Y%m%d%H%M}-{zone.replace('/', '-').lower()}",
        bank=bank,
        state=Cycle.State.OPEN,
        opens_at=opens,
        closes_at=closes,
        timezone=zone,
    )
    cycle.questions.set(bank.questions.current())
    cycle.teams.set(teams)
    return cycle


# --- The state, derived from the window -----------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        (at(2026, 12, 4, 17, 59, 59), Cycle.State.OPEN),
        (at(2026, 12, 4, 18, 0), Cycle.State.CLOSED),
        (at(2026, 12, 4, 18, 0, 1), Cycle.State.CLOSED),
        (at(2027, 12, 4, 18, 0), Cycle.State.CLOSED),
    ],
)
def test_an_open_cycle_is_closed_from_the_minute_its_window_ends(bank, moment, state):
    cycle = cycle_with_window(
        bank, [led_team_make()], opens=at(2026, 11, 9, 8), closes=at(2026, 12, 4, 18)
    )
    with time_machine.travel(moment, tick=False):
        assert cycle.state == state
        assert cycle.is_open == (state == Cycle.State.OPEN)
        assert cycle.has_ended == (state == Cycle.State.CLOSED)
        assert list(Cycle.objects.open()) == ([cycle] if state == Cycle.State.OPEN else [])
        assert list(Cycle.objects.ended()) == ([cycle] if state == Cycle.State.CLOSED else [])
        assert cycle.accepts_answers() == (state == Cycle.State.OPEN)


def test_a_released_or_closed_cycle_keeps_its_state_whatever_the_window(bank):
    cycle = cycle_with_window(
        bank, [led_team_make()], opens=at(2026, 11, 9, 8), closes=at(2026, 12, 4, 18)
    )
    with time_machine.travel(at(2026, 11, 20), tick=False):
        Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
        cycle.refresh_from_db()
        assert cycle.state == Cycle.State.CLOSED
        assert not cycle.closed_on_time
    with time_machine.travel(at(2027, 1, 1), tick=False):
        Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.RELEASED)
        cycle.refresh_from_db()
        assert cycle.state == Cycle.State.RELEASED


def test_the_survey_opens_at_its_opening_minute_and_not_before(client, bank):
    team = led_team_make()
    cycle = cycle_with_window(bank, [team], opens=at(2027, 1, 11, 8), closes=at(2027, 2, 5, 18))
    _, token = invitation_make(cycle, team)
    with time_machine.travel(at(2027, 1, 11, 7, 59), tick=False):
        response = client.get(reverse("assessments:survey-start", args=[token]), follow=True)
        assert response.status_code == 403
        assert "hasn't opened yet" in response.content.decode()
    with time_machine.travel(at(2027, 1, 11, 8, 0), tick=False):
        response = client.get(reverse("assessments:survey-start", args=[token]), follow=True)
        assert response.status_code == 200


def test_a_cycle_that_closes_mid_survey_takes_no_more_answers_and_no_submit(client, bank):
    team = led_team_make()
    cycle = cycle_with_window(bank, [team], opens=at(2027, 1, 11, 8), closes=at(2027, 2, 5, 18))
    invitation, token = invitation_make(cycle, team)
    with time_machine.travel(at(2027, 2, 5, 17, 58), tick=False) as clock:
        key = survey_enter(client, token)
        drafts_fill(invitation, value=3)  # everything answered, ready to submit…
        step = flow.survey_build(invitation=invitation).steps[0]
        saved = client.post(reverse("assessments:survey-autosave", args=[key]), step_data(step))
        assert saved.status_code == 200
        drafts_before = sorted(invitation.drafts.values_list("question_id", "value"))

        clock.move_to(at(2027, 2, 5, 18, 0))  # …when the window closes
        late = client.post(
            reverse("assessments:survey-autosave", args=[key]), step_data(step, value="1")
        )
        assert late.status_code == 410
        submit = client.post(reverse("assessments:survey-submit", args=[key]))
        assert submit.status_code == 410
        assert "This survey has closed" in submit.content.decode()
    assert not Submission.objects.filter(cycle=cycle).exists()
    invitation.refresh_from_db()
    assert invitation.state != Invitation.State.SUBMITTED
    assert sorted(invitation.drafts.values_list("question_id", "value")) == drafts_before


# --- The day a response counts for: the cycle's calendar, not UTC's -------------------------


@pytest.mark.parametrize(
    ("zone", "moment", "day"),
    [
        # 23:30 UTC on 31 December is already 1 January in Auckland (UTC+13 in summer)…
        ("Pacific/Auckland", at(2026, 12, 31, 11, 30), dt.date(2027, 1, 1)),
        # …and 03:00 UTC on 1 January is still 31 December in Los Angeles.
        ("America/Los_Angeles", at(2027, 1, 1, 3, 0), dt.date(2026, 12, 31)),
        ("UTC", at(2026, 12, 31, 23, 59, 59), dt.date(2026, 12, 31)),
        ("UTC", at(2027, 1, 1, 0, 0), dt.date(2027, 1, 1)),
        # 29 February exists in 2028, and late that evening in New York it is 1 March in UTC.
        ("America/New_York", at(2028, 3, 1, 2, 30), dt.date(2028, 2, 29)),
    ],
)
def test_a_submission_is_dated_by_the_cycle_s_own_calendar(bank, zone, moment, day):
    team = led_team_make()
    cycle = cycle_with_window(
        bank,
        [team],
        opens=moment - dt.timedelta(days=10),
        closes=moment + dt.timedelta(days=10),
        zone=zone,
    )
    invitation, _ = invitation_make(cycle, team)
    drafts_fill(invitation)
    with time_machine.travel(moment, tick=False):
        flow.submission_create(invitation_id=invitation.pk)
    assert Submission.objects.get(cycle=cycle).submitted_on == day


def test_a_cycle_closing_at_midnight_in_its_zone_closes_then_and_not_at_utc_midnight(bank):
    # Midnight 1 January in Berlin is 23:00 UTC on 31 December.
    cycle = cycle_with_window(
        bank,
        [led_team_make()],
        opens=at(2026, 12, 1, 8, zone="Europe/Berlin"),
        closes=at(2027, 1, 1, 0, 0, zone="Europe/Berlin"),
        zone="Europe/Berlin",
    )
    with time_machine.travel(at(2026, 12, 31, 22, 59), tick=False):
        assert cycle.accepts_answers()
    with time_machine.travel(at(2026, 12, 31, 23, 0), tick=False):
        assert not cycle.accepts_answers()
        assert cycle.state == Cycle.State.CLOSED


def test_hr_enters_the_window_on_the_cycle_s_clock(client, bank, hr_user):
    team = led_team_make()
    client.force_login(hr_user)
    response = client.post(
        reverse("assessments:hr-cycle-new"),
        {
            "name": "Tokyo 2027",
            "timezone": "Asia/Tokyo",
            "opens_at": "2027-01-11T09:00",
            "closes_at": "2027-02-05T18:00",
            "bank": bank.pk,
            "min_group_size": 3,
            "comment_min_group_size": 5,
            "self_assessment": "on",
            "teams": [team.pk],
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(name="Tokyo 2027")
    assert cycle.timezone == "Asia/Tokyo"
    assert cycle.opens_at == at(2027, 1, 11, 0, 0)  # 09:00 in Tokyo
    assert cycle.closes_at == at(2027, 2, 5, 9, 0)
    page = client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).content.decode()
    assert "11 Jan 2027, 09:00 JST" in page
    assert "5 Feb 2027, 18:00 JST" in page
    assert "times in Asia/Tokyo" in page


# --- Every page, count, button, email, command and API agrees -------------------------------


@pytest.fixture
def past_close(bank, leader_a):
    """A cycle opened by HR whose window ended on 4 Dec 2026 at 18:00 UTC, with people who
    have not answered (and were invited long enough ago to be due a reminder)."""
    team = led_team_make(leader=leader_a)
    cycle = cycle_with_window(bank, [team], opens=at(2026, 11, 9, 8), closes=at(2026, 12, 4, 18))
    for _ in range(3):
        invitation, _ = invitation_make(cycle, team)
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=at(2026, 11, 9, 8))
    return cycle, team


def test_after_its_close_time_hr_s_pages_call_the_cycle_closed_and_offer_no_emails(
    client, past_close, hr_user
):
    cycle, _ = past_close
    client.force_login(hr_user)
    with time_machine.travel(at(2026, 12, 4, 17, 0), tick=False):
        assert home_hr()["open_count"] == 1
        assert reminders_due(cycle=cycle).count() == 3
        page = client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).content.decode()
        assert "Send 3 reminders" in page
    with time_machine.travel(at(2026, 12, 6, 9, 0), tick=False):
        assert home_hr()["open_count"] == 0
        home = client.get(reverse("home")).content.decode()
        assert "badge-closed" in home
        assert "closes 4 Dec" not in home
        page = client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).content.decode()
        assert "badge-closed" in page
        assert "Send 3 reminders" not in page
        assert "takes answers until" not in page
        assert "Closed on 4 Dec 2026, 18:00 UTC, when its window ended" in page
        assert "Release results" in page
        listing = client.get(reverse("assessments:hr-cycles")).content.decode()
        assert "Closed" in listing


def test_after_its_close_time_no_email_goes_out_and_the_command_refuses(past_close):
    cycle, _ = past_close
    with time_machine.travel(at(2026, 12, 4, 17, 59), tick=False) as clock:
        run, _created = email_run_start(cycle=cycle, kind=EmailRun.Kind.REMINDER, user=None)
        clock.move_to(at(2026, 12, 4, 18, 0))  # the window closes before the worker gets to it
        email_run_send.call(run_id=run.pk)
        assert mail.outbox == []
        with pytest.raises(CommandError, match="is closed, not open"):
            call_command("send_reminders", "--cycle", cycle.name, stdout=io.StringIO())


def test_after_its_close_time_the_api_calls_the_cycle_closed_and_shows_its_scores(
    client, past_close, hr_user
):
    cycle, _ = past_close
    client.force_login(hr_user)
    with time_machine.travel(at(2026, 12, 4, 17, 0), tick=False):
        listed = {c["slug"]: c for c in client.get("/api/cycles/").json()}
        assert listed[cycle.slug]["state"] == "open"
        assert not listed[cycle.slug]["scores_visible"]
    with time_machine.travel(at(2026, 12, 4, 18, 0), tick=False):
        listed = {c["slug"]: c for c in client.get("/api/cycles/").json()}
        assert listed[cycle.slug]["state"] == "closed"
        assert listed[cycle.slug]["scores_visible"]


def test_after_its_close_time_a_leader_is_offered_no_self_assessment(client, past_close, leader_a):
    cycle, team = past_close
    client.force_login(leader_a)
    with time_machine.travel(at(2026, 12, 4, 17, 0), tick=False):
        [entry] = home_leader(user=leader_a)["leader_teams"]
        assert [c.cycle for c in entry.open_cycles] == [cycle]
    with time_machine.travel(at(2026, 12, 4, 18, 0), tick=False):
        [entry] = home_leader(user=leader_a)["leader_teams"]
        assert entry.open_cycles == []
        response = client.post(
            reverse("assessments:self-assessment-start", args=[cycle.pk, team.pk])
        )
        assert response.status_code == 404


def test_reopening_a_cycle_whose_window_ended_needs_a_new_closing_time(past_close, hr_user):
    cycle, _ = past_close
    with time_machine.travel(at(2026, 12, 6, 9, 0), tick=False):
        with pytest.raises(CycleError, match="new closing time"):
            cycle_open(cycle=cycle, actor=hr_user)
        with pytest.raises(CycleError, match="must be in the future"):
            cycle_open(cycle=cycle, actor=hr_user, closes_at=at(2026, 12, 6, 8, 0))
        cycle_transition(
            cycle=cycle, to=Cycle.State.OPEN, actor=hr_user, closes_at=at(2026, 12, 13, 18)
        )
        cycle.refresh_from_db()
        assert cycle.state == Cycle.State.OPEN
        assert cycle.accepts_answers()
        event = AuditEvent.objects.get(action="cycle.reopen")
        assert event.detail["closes_at_before"] == "2026-12-04T18:00:00+00:00"
        assert event.detail["closes_at"] == "2026-12-13T18:00:00+00:00"


def test_hr_reopens_a_cycle_past_its_window_from_its_page(client, past_close, hr_user):
    cycle, _ = past_close
    client.force_login(hr_user)
    with time_machine.travel(at(2026, 12, 6, 9, 0), tick=False):
        url = reverse("assessments:hr-cycle-transition", args=[cycle.pk, "open"])
        page = client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).content.decode()
        assert f'href="{url}">Reopen cycle…' in page
        assert "New closing time (UTC)" in client.get(url).content.decode()
        refused = client.post(url, {}, follow=True).content.decode()
        assert "Give it a new closing time" in refused
        client.post(url, {"closes_at": "2026-12-20T17:00"})
        cycle.refresh_from_db()
        assert cycle.state == Cycle.State.OPEN
        assert cycle.closes_at == at(2026, 12, 20, 17)


# --- The demo, seeded on any day ------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "open_name", "released"),
    [
        (dt.date(2026, 11, 16), "2026 Q4", ["2026 Q2", "2026 Q3"]),
        (dt.date(2026, 12, 31), "2026 Q4", ["2026 Q2", "2026 Q3"]),
        (dt.date(2027, 1, 1), "2027 Q1", ["2026 Q3", "2026 Q4"]),
        (dt.date(2028, 2, 29), "2028 Q1", ["2027 Q3", "2027 Q4"]),
        (dt.date(2027, 4, 2), "2027 Q2", ["2026 Q4", "2027 Q1"]),
    ],
)
def test_the_demo_s_cycles_are_placed_around_the_day_it_is_seeded(today, open_name, released):
    *past, current = demo_cycles(today)
    assert [c.name for c in past] == released
    assert current.name == open_name
    assert current.opens == today - dt.timedelta(days=7)
    assert current.closes == today + dt.timedelta(days=21)
    assert all(c.closes < current.opens for c in past)
    assert past[0].closes < past[1].opens


@pytest.mark.parametrize(
    "moment",
    [at(2026, 12, 6, 16, 0), at(2026, 12, 31, 23, 30), at(2028, 2, 29, 12), at(2031, 7, 1, 0, 5)],
)
def test_the_demo_seeded_on_any_day_prints_links_that_open_the_survey(client, bank, moment):
    with time_machine.travel(moment, tick=True):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        urls = re.findall(rf"{re.escape(settings.SITE_URL)}(/s/[\w-]+/)", out.getvalue())
        assert len(urls) == 3
        for url in urls:
            assert client.get(url, follow=True).status_code == 200
        cycle = demo_open_cycle()
        assert cycle is not None
        assert cycle.accepts_answers()
        today = timezone.localdate()
        assert not Submission.objects.filter(submitted_on__gt=today).exists()
        assert Cycle.objects.released().count() == 2


def test_a_demo_seeded_long_ago_says_how_to_start_afresh(bank):
    with time_machine.travel(at(2026, 11, 16, 9), tick=False):
        call_command("seed_demo", stdout=io.StringIO())
    with time_machine.travel(at(2027, 3, 1, 9), tick=False):
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
    assert "has closed since it was seeded" in out.getvalue()
    assert "/s/" not in out.getvalue()


def _demo_answers() -> list[tuple]:
    """Every answer of the demo by cycle (oldest first), team and role; dates and names aside."""
    order = {
        pk: index
        for index, pk in enumerate(Cycle.objects.order_by("opens_at").values_list("pk", flat=True))
    }
    rows = Submission.objects.values_list(
        "cycle_id", "team__name", "role", "answers__question__code", "answers__value"
    )
    return sorted(
        ((order[cycle], team, role, code, value) for cycle, team, role, code, value in rows),
        key=repr,
    )


def test_the_demo_has_the_same_answers_whatever_the_day_it_is_seeded(bank):
    seeded = []
    for moment in (at(2026, 11, 16, 9), at(2029, 1, 2, 9)):
        with time_machine.travel(moment, tick=False), transaction.atomic():
            call_command("seed_demo", stdout=io.StringIO())
            seeded.append(_demo_answers())
            transaction.set_rollback(True)
    assert len(seeded[0]) > 1000
    assert seeded[0] == seeded[1]
