"""HR's survey round in Chromium, on a phone and on a laptop: edit and delete drafts, move an open
cycle's closing time with a reminder, close, release with its email to the leaders, and leaders
getting in (a set-your-password email, "Forgot your password?", HR sending a new link).

The background worker runs in the test's thread (``db_worker --batch``), sending real emails into
Django's locmem outbox."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments.hr.cycles import cycle_open
from assessments.hr.email_runs import invitations_send
from assessments.models import Cycle, DraftAnswer, Invitation, Role
from assessments.survey.flow import submission_create
from tests.browser.pages import axe_violations, login, screenshot
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db(transaction=True)

DEVICES = ["phone", "laptop"]


def _clean(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][0]["html"]) for v in violations]


def _shot(page, name: str, device: str) -> None:
    screenshot(page, f"round-{name}-{device}")
    _clean(page)


def _worker() -> None:
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def _submit(invitation: Invitation) -> None:
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=invitation, question=question, value=4)
        for question in invitation.cycle.questions.ratings()
    )
    submission_create(invitation_id=invitation.pk)


def _local(moment: dt.datetime, zone: str) -> str:
    """A time as a datetime-local input takes it, on ``zone``'s clock."""
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("device", DEVICES)
def test_hr_edits_a_draft_runs_the_round_and_every_leader_is_told_of_the_release(
    live_server, request, device, bank, hr_user, leader_a, leader_b
):
    page = request.getfixturevalue(device)
    alpha = roster_team_make("Alpha", leaders=(leader_a,), members=4)
    roster_team_make("Beta", leaders=(leader_b,), members=3)  # checked on the edit form
    draft = draft_cycle_make(bank, [alpha], name="2027 Q1")
    spare = draft_cycle_make(bank, [alpha], name="Spare draft")
    login(page, live_server, hr_user)

    # A draft: every setting, on the cycle's own clock.
    page.goto(f"{live_server.url}/hr/cycles/{draft.pk}/")
    page.get_by_role("link", name="Edit draft", exact=True).click()
    opens = timezone.now() - dt.timedelta(hours=1)
    closes = timezone.now() + dt.timedelta(days=7)
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_label("Window opens").fill(_local(opens, "Europe/Berlin"))
    page.get_by_label("Window closes").fill(_local(closes, "Europe/Berlin"))
    page.get_by_label("Automatic reminders").fill("3, 1")
    page.get_by_label("Beta").check()
    _shot(page, "draft-edit", device)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft “2027 Q1” saved.")).to_be_visible()
    expect(page.locator(".cycle-window")).to_contain_text("Planned window")
    expect(page.locator(".cycle-window")).to_contain_text("Europe/Berlin")
    expect(page.locator("#reminder-plan")).to_contain_text("3, 1 days before the close")
    _shot(page, "draft-saved", device)

    # Deleting a draft asks first.
    page.goto(f"{live_server.url}/hr/cycles/{spare.pk}/")
    page.get_by_role("link", name="Delete draft…").click()
    expect(page.get_by_role("heading", name="Delete the draft “Spare draft”?")).to_be_visible()
    _shot(page, "draft-delete", device)
    page.get_by_role("button", name="Delete the draft").click()
    expect(page.get_by_text("Draft “Spare draft” deleted.")).to_be_visible()
    assert not Cycle.objects.filter(pk=spare.pk).exists()

    # Open, invite, then give everyone more time and remind them.
    page.goto(f"{live_server.url}/hr/cycles/{draft.pk}/")
    page.get_by_role("button", name="Open cycle").click()
    expect(page.locator(".cycle-window")).to_contain_text("Takes answers until")
    draft.refresh_from_db()
    invitations_send(cycle=draft, actor=None)
    Invitation.objects.filter(cycle=draft).update(sent_at=timezone.now() - dt.timedelta(days=3))
    mail.outbox.clear()
    page.get_by_role("link", name="Change closing time").click()
    later = closes + dt.timedelta(days=7)
    page.get_by_label("Closes").fill(_local(later, "Europe/Berlin"))
    page.get_by_label(re.compile("Remind everyone who has not answered")).check()
    _shot(page, "open-edit", device)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Reminders are being sent in the background")).to_be_visible()
    _worker()
    expect(page.locator("#email-run-reminder")).to_contain_text("9 reminders sent.", timeout=10_000)
    assert len(mail.outbox) == 9
    local_close = timezone.localtime(later, draft.zone()).strftime("%-d %b %Y")
    assert local_close in mail.outbox[0].body
    _shot(page, "open-extended", device)

    # Close: a page says what will happen first.
    for invitation in Invitation.objects.filter(cycle=draft, team=alpha, role=Role.MEMBER)[:3]:
        _submit(invitation)
    page.get_by_role("link", name="Close cycle…").click()
    expect(page.locator("#consequences")).to_contain_text("3 of 7 invited team members")
    _shot(page, "confirm-close", device)
    page.get_by_role("button", name="Close the survey now").click()
    expect(page.get_by_text("“2027 Q1” is now closed.")).to_be_visible()

    # Release: cannot be undone, and says how many leaders will be emailed.
    page.get_by_role("link", name="Release results…").click()
    expect(page.locator("#consequences")).to_contain_text("Releasing cannot be undone.")
    expect(page.locator("#consequences")).to_contain_text("2 leaders will be emailed")
    _shot(page, "confirm-release", device)
    mail.outbox.clear()
    page.get_by_role("button", name="Release and email 2 leaders").click()
    expect(page.get_by_text("“2027 Q1” is now released.")).to_be_visible()
    _worker()
    expect(page.locator("#email-run-release")).to_contain_text("2 leaders emailed.", timeout=10_000)
    _shot(page, "released", device)
    to_ana = next(message for message in mail.outbox if message.to == [leader_a.email])
    link = re.search(r"https?://\S+/results/\S+/", to_ana.body).group(0)

    # The leader follows the emailed link (signing in on the way) to their results.
    page.context.clear_cookies()
    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    page.fill("#id_username", leader_a.username)
    page.fill("#id_password", "a-long-test-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alpha")
    _shot(page, "leader-results-from-email", device)


@pytest.mark.parametrize("device", DEVICES)
def test_a_new_leader_gets_in_through_the_emailed_link_and_the_forgotten_password_page(
    live_server, request, device, browser, bank, hr_user, settings
):
    page = request.getfixturevalue(device)
    login(page, live_server, hr_user)
    page.goto(f"{live_server.url}/hr/teams/new/")
    page.get_by_label("Team name").fill("Gamma")
    page.get_by_label("Leaders' emails").fill("new.lead@example.com")
    page.get_by_role("button", name="Save team").click()
    expect(page.get_by_text("Each is emailed a link to set its password")).to_be_visible()
    _worker()
    [welcome] = mail.outbox
    assert welcome.to == ["new.lead@example.com"]

    # HR's team page says the leader has no password yet, and sends a new link.
    page.get_by_role("link", name="Gamma").click()
    expect(page.locator("#leaders")).to_contain_text("No password yet")
    _shot(page, "team-leaders", device)
    page.get_by_role("button", name=re.compile("Send the set-password email again")).click()
    expect(page.get_by_text("A link to set a password is on its way")).to_be_visible()
    assert len(mail.outbox) == 2

    # The new leader, in their own browser, follows the link and sets a password.
    viewport = page.viewport_size
    context = browser.new_context(viewport=viewport)
    leader = context.new_page()
    path = re.search(r"/accounts/password/set/\S+/", mail.outbox[-1].body).group(0)
    leader.goto(live_server.url + path)
    expect(leader.get_by_role("heading", name="Set your password")).to_be_visible()
    _shot(leader, "set-password", device)
    leader.get_by_label("New password").fill("a-brand-new-long-password")
    leader.get_by_label("The same password again").fill("a-brand-new-long-password")
    leader.get_by_role("button", name="Set password").click()
    expect(leader.get_by_role("heading", name="Your password is set")).to_be_visible()
    _shot(leader, "password-set", device)
    leader.get_by_role("link", name="Sign in").click()
    leader.fill("#id_username", "new.lead@example.com")
    leader.fill("#id_password", "a-brand-new-long-password")
    leader.click("button[type=submit]")
    expect(leader.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    # Forgot it: the sign-in page offers a new link, and says the same for any address.
    leader.context.clear_cookies()
    leader.goto(f"{live_server.url}/accounts/login/")
    leader.get_by_role("link", name=re.compile("Forgot your password")).click()
    _shot(leader, "forgot-password", device)
    leader.get_by_label("Email").fill("new.lead@example.com")
    leader.get_by_role("button", name="Email me a link").click()
    expect(leader.get_by_role("heading", name="Check your email")).to_be_visible()
    _shot(leader, "forgot-password-sent", device)
    mail.outbox.clear()
    _worker()
    assert [message.to for message in mail.outbox] == [["new.lead@example.com"]]
    context.close()


@pytest.mark.parametrize("device", DEVICES)
def test_a_leader_takes_their_self_assessment_and_is_led_on_from_the_thanks_page(
    live_server, request, device, bank, leader_a
):
    page = request.getfixturevalue(device)
    alpha = roster_team_make("Alpha", leaders=(leader_a,), members=4)
    cycle = draft_cycle_make(bank, [alpha], closes_at=timezone.now() + dt.timedelta(days=5))
    cycle_open(cycle=cycle, actor=None)
    login(page, live_server, leader_a)
    page.get_by_role("button", name="Take my self-assessment").click()
    own = Invitation.objects.get(cycle=cycle, role=Role.SELF)
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=own, question=question, value=4)
        for question in cycle.questions.ratings()
    )
    page.goto(page.url.rstrip("/") + "/review/")
    page.get_by_role("button", name=re.compile("Submit")).click()
    expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
    expect(page.locator("footer")).not_to_contain_text("keeps answers anonymous")
    _shot(page, "self-thanks", device)
    page.get_by_role("link", name="Back to my home page").click()
    expect(page.get_by_text("You have submitted your self-assessment")).to_be_visible()
    _shot(page, "leader-home-after-self", device)


def test_hrs_menu_fits_a_phone(live_server, phone, hr_user):
    login(phone, live_server, hr_user)
    links = phone.locator(".main-nav a")
    assert links.count() == 6
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390, links.nth(index).inner_text()
        assert box["height"] >= 36  # a finger's worth
    screenshot(phone, "round-hr-menu-phone")
    _clean(phone)
