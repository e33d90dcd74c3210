"""HR in a real browser: create a cycle, open it, invite (the worker sends), and watch the count
rise live."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from assessments.hr.cycles import cycle_open, shared_link_rotate
from assessments.models import Cycle, DraftAnswer, Invitation, Role, Submission
from assessments.survey.flow import submission_create
from tests.browser.pages import axe_violations, login, screenshot
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db(transaction=True)


def _answer_and_submit(invitation: Invitation) -> None:
    """What a respondent's browser does, through the survey's own domain function."""
    questions = invitation.cycle.questions.ratings()
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=invitation, question=question, value=4) for question in questions
    )
    submission_create(invitation_id=invitation.pk)


def _assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][0]["html"]) for v in violations]


def test_hr_creates_opens_invites_and_watches_responses_arrive(
    live_server, laptop, bank, hr_user, leader_a, leader_b
):
    roster_team_make("Platform", leaders=(leader_a,), members=5)
    roster_team_make("Mobile", leaders=(leader_b,), members=4)
    page = laptop
    login(page, live_server, hr_user)
    screenshot(page, "hr-home-empty-laptop")

    page.get_by_role("link", name="New cycle").first.click()
    page.get_by_label("Name", exact=True).fill("2027 Q1")
    page.get_by_label("Window opens").fill("2026-11-01T08:00")
    page.get_by_label("Window closes").fill("2030-12-04T18:00")
    page.get_by_label("Platform").check()
    page.get_by_label("Mobile").check()
    screenshot(page, "hr-cycle-new-laptop")
    _assert_accessible(page)
    page.get_by_role("button", name="Create draft cycle").click()

    expect(page.get_by_role("heading", name="2027 Q1")).to_be_visible()
    page.get_by_role("button", name="Open cycle").click()
    expect(page.locator("#total-invited")).to_have_text("9")
    page.get_by_role("button", name="Send 11 invitations").click()
    # The request only queues the run; no worker runs beside the live server, so the page waits.
    expect(page.locator("#email-run-invitation")).to_contain_text("Waiting for the background")
    expect(page.get_by_role("button", name="Sending invitations…")).to_be_disabled()
    assert mail.outbox == []
    screenshot(page, "hr-cycle-sending-laptop")
    _assert_accessible(page)
    # The real worker takes the queued task; the page, polling, shows the result by itself.
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    expect(page.locator("#email-run-invitation")).to_contain_text(
        "11 invitations sent.", timeout=10_000
    )
    expect(page.get_by_role("button", name="All invitations sent")).to_be_disabled()
    assert len(mail.outbox) == 11
    expect(page.locator("#total-submitted")).to_have_text("0")
    screenshot(page, "hr-cycle-open-laptop")
    _assert_accessible(page)

    cycle = Cycle.objects.get(name="2027 Q1")
    invitation = Invitation.objects.filter(cycle=cycle, role=Role.MEMBER).first()
    _answer_and_submit(invitation)
    # The count rises without a reload: htmx polls the partial every 5 seconds.
    expect(page.locator("#total-submitted")).to_have_text("1", timeout=10_000)
    expect(page.locator(f'[data-team-submitted="{invitation.team.slug}"]')).to_have_text("1")
    screenshot(page, "hr-cycle-live-laptop")


def test_hr_emails_a_person_a_new_link_from_a_team_page(
    live_server, laptop, bank, hr_user, leader_a
):
    team = roster_team_make("Platform", leaders=(leader_a,), members=3)
    cycle = draft_cycle_make(bank, [team], name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    page = laptop
    login(page, live_server, hr_user)
    page.goto(f"{live_server.url}/hr/cycles/{cycle.pk}/teams/{team.pk}/")
    screenshot(page, "hr-cycle-team-laptop")
    _assert_accessible(page)
    page.get_by_role("button", name="Email a new link to platform.1@example.com").click()
    expect(
        page.get_by_text("A new link has been emailed to platform.1@example.com")
    ).to_be_visible()
    [message] = mail.outbox
    assert message.to == ["platform.1@example.com"]
    token = re.search(r"/s/([A-Za-z0-9_-]{30,})/", message.body)[1]
    assert token not in page.content()
    screenshot(page, "hr-link-emailed-laptop")
    _assert_accessible(page)


def test_hr_signs_out_from_the_page_that_shows_a_shared_link(
    live_server, laptop, bank, hr_user, leader_a
):
    """The page shows a live link, so it is never stored; its address holds none, and its forms
    post with their Origin, so Django's CSRF check lets HR sign out from it."""
    team = roster_team_make("Platform", leaders=(leader_a,), members=3)
    cycle = draft_cycle_make(bank, [team], name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    page = laptop
    login(page, live_server, hr_user)
    page.goto(f"{live_server.url}/hr/cycles/{cycle.pk}/teams/{team.pk}/")
    with page.expect_response(re.compile(r"/shared-link/$")) as shown:
        page.get_by_role("button", name="Create a shared link").click()
    assert "no-store" in shown.value.headers["cache-control"]
    expect(page.get_by_label("Link")).to_have_value(re.compile(r"/t/[A-Za-z0-9_-]{30,}/$"))
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


PAGES = [
    ("home", "/"),
    ("cycles", "/hr/cycles/"),
    ("cycle-new", "/hr/cycles/new/"),
    ("cycle", "/hr/cycles/{cycle}/"),
    ("cycle-team", "/hr/cycles/{cycle}/teams/{team}/"),
    ("teams", "/hr/teams/"),
    ("team-new", "/hr/teams/new/"),
    ("team-edit", "/hr/teams/{team}/"),
    ("teams-import", "/hr/teams/import/"),
]


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_every_hr_page_is_clean_and_accessible(
    live_server, request, device, bank, hr_user, leader_a, leader_b
):
    page = request.getfixturevalue(device)
    from assessments.models import Team

    department = Team.objects.create(
        name="Product & Engineering", slug="product-engineering", is_department=True
    )
    team = roster_team_make("Platform", leaders=(leader_a,), members=6, department=department)
    roster_team_make("Mobile", leaders=(leader_b,), members=2, department=department)
    roster_team_make("Finance", members=4)
    cycle = draft_cycle_make(bank, list(Team.objects.filter(is_department=False)), name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    shared_link_rotate(cycle=cycle, team=team, actor=None)
    invitations = Invitation.objects.filter(cycle=cycle, team=team, role=Role.MEMBER)
    for invitation in invitations[:4]:
        _answer_and_submit(invitation)
    login(page, live_server, hr_user)
    for name, path in PAGES:
        page.goto(live_server.url + path.format(cycle=cycle.pk, team=team.pk))
        screenshot(page, f"hr-{name}-{device}")
        _assert_accessible(page)
    page.goto(f"{live_server.url}/hr/teams/import/")
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[
            {
                "name": "teams.csv",
                "mimeType": "text/csv",
                "buffer": b"team,leader_email,member_email\nAlpha,bad,a@example.com\n,,b@x.org\n",
            }
        ]
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("#import-problems")).to_contain_text("Row 2, column “leader_email”")
    screenshot(page, f"hr-teams-import-errors-{device}")
    _assert_accessible(page)


def test_a_leader_sees_their_count_and_starts_their_self_assessment(
    live_server, phone, bank, leader_a, leader_b
):
    team = roster_team_make("Platform", leaders=(leader_a,), members=5)
    roster_team_make("Mobile", leaders=(leader_b,), members=4)
    cycle = draft_cycle_make(bank, [team], name="2027 Q1")
    cycle_open(cycle=cycle, actor=None)
    for invitation in Invitation.objects.filter(cycle=cycle, role=Role.MEMBER)[:3]:
        _answer_and_submit(invitation)
    # A leader's count of an open cycle is of the days before today: two answered yesterday.
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    first_two = Submission.objects.filter(cycle=cycle).order_by("pk")[:2].values("pk")
    Submission.objects.filter(pk__in=first_two).update(submitted_on=yesterday)
    page = phone
    login(page, live_server, leader_a)
    expect(page.locator('[data-team-count="platform"]')).to_have_text("2")
    expect(page.get_by_text("Mobile")).to_have_count(0)
    screenshot(page, "leader-home-phone")
    _assert_accessible(page)
    page.get_by_role("button", name="Take my self-assessment").click()
    expect(page).to_have_url(re.compile(r"/survey/[^/]+/"))
    assert "/s/" not in page.url
