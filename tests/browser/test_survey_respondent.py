"""The respondent's survey in Chromium: a phone, a laptop, a keyboard, a screen reader's view."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Answer, Comment, Invitation, Role, Submission
from tests.browser.pages import axe_violations, screenshot
from tests.builders import invitation_make, led_team_make, open_cycle_make

pytestmark = pytest.mark.django_db(transaction=True)


def _shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def _link(live_server, token: str) -> str:
    return live_server.url + reverse("assessments:survey-start", args=[token])


def _answer_step(page, *, choice: str = "Agree") -> None:
    for fieldset in page.locator("fieldset.item").all():
        fieldset.get_by_role("radio", name=choice, exact=True).check()


def _wait_saved(page) -> None:
    expect(page.locator("#save-status")).to_contain_text("Saved")


def _no_serious_violations(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["help"]) for v in violations]


def test_a_respondent_on_a_phone_leaves_midway_and_resumes_with_answers_in_place(
    live_server, browser, bank
):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.goto(_link(live_server, token))
    assert "/s/" not in page.url  # the token left the address bar at once
    expect(page.get_by_role("heading", level=1)).to_contain_text("leadership")
    _shot(page, "survey-intro-phone")
    _no_serious_violations(page)

    page.get_by_role("link", name=re.compile("Start")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategic Clarity")
    _shot(page, "survey-step-1-empty-phone")
    _no_serious_violations(page)
    _answer_step(page)
    _wait_saved(page)
    page.get_by_label(re.compile("clearer")).fill("More context on why, please. 🙂")
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Trust")
    fieldsets = page.locator("fieldset.item").all()
    fieldsets[0].get_by_role("radio", name="Strongly agree", exact=True).check()
    _wait_saved(page)
    fieldsets[1].get_by_role("radio", name="Can't say", exact=True).check()
    _wait_saved(page)
    _shot(page, "survey-step-2-partly-phone")
    context.close()  # leaves midway: tab closed, nothing posted with Next

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    page.goto(_link(live_server, token))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust")  # resumed on the right step
    fieldsets = page.locator("fieldset.item").all()
    expect(fieldsets[0].get_by_role("radio", name="Strongly agree", exact=True)).to_be_checked()
    expect(fieldsets[1].get_by_role("radio", name="Can't say", exact=True)).to_be_checked()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategic Clarity")
    expect(page.get_by_label(re.compile("clearer"))).to_have_value(
        "More context on why, please. 🙂"
    )
    page.get_by_role("button", name="Next").click()

    # Next without answering everything: the step explains what is missing.
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("every statement")
    _shot(page, "survey-step-incomplete-phone")
    _no_serious_violations(page)
    for number in range(2, 6):
        _answer_step(page)
        if number == 2:
            page.locator("fieldset.item").nth(1).get_by_role(
                "radio", name="Can't say", exact=True
            ).check()
        _shot(page, f"survey-step-{number}-phone")
        page.get_by_role("button", name=re.compile("Next|Review")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    _shot(page, "survey-review-phone")
    _no_serious_violations(page)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    _shot(page, "survey-thanks-phone")
    _no_serious_violations(page)

    page.goto(_link(live_server, token))
    expect(page.get_by_role("heading", level=1)).to_have_text("Already submitted")
    _shot(page, "survey-already-submitted-phone")
    _no_serious_violations(page)
    context.close()

    assert Submission.objects.get().role == Role.MEMBER
    assert Answer.objects.filter(value__isnull=True).count() == 1
    assert Comment.objects.get().text == "More context on why, please. 🙂"
    assert Invitation.objects.get(pk=invitation.pk).is_submitted


def test_a_leader_takes_the_self_assessment_on_a_laptop(live_server, laptop, bank, leader_a):
    team = led_team_make("Platform", leader=leader_a)
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team, role=Role.SELF, email=leader_a.email)

    laptop.goto(_link(live_server, token))
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your self-assessment")
    _shot(laptop, "survey-self-intro-laptop")
    _no_serious_violations(laptop)
    laptop.get_by_role("link", name=re.compile("Start")).click()
    expect(laptop.get_by_text("I explain where our team is heading")).to_be_visible()
    expect(laptop.get_by_text("Each statement is about you")).to_be_visible()
    for number in range(1, 6):
        _answer_step(laptop, choice="Agree" if number % 2 else "Strongly agree")
        _wait_saved(laptop)
        _shot(laptop, f"survey-self-step-{number}-laptop")
        if number == 1:
            _no_serious_violations(laptop)
        laptop.get_by_role("button", name=re.compile("Next|Review")).click()
    _shot(laptop, "survey-self-review-laptop")
    laptop.get_by_role("button", name="Submit my answers").click()
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Thank you!")
    assert Submission.objects.get().role == Role.SELF


def test_a_step_can_be_completed_with_the_keyboard_alone(live_server, laptop, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    laptop.goto(_link(live_server, token))
    laptop.get_by_role("link", name=re.compile("Start")).focus()
    laptop.keyboard.press("Enter")
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Strategic Clarity")
    items = laptop.locator("fieldset.item").count()
    laptop.locator("fieldset.item input").first.focus()
    for _ in range(items):
        # Arrows move through a radio group and pick; the group is one Tab stop.
        laptop.keyboard.press("ArrowRight")
        laptop.keyboard.press("ArrowRight")
        laptop.keyboard.press("ArrowRight")
        laptop.keyboard.press("Tab")
    _wait_saved(laptop)
    _shot(laptop, "survey-step-keyboard-laptop")
    laptop.keyboard.type("Typed without a mouse")
    laptop.keyboard.press("Enter")  # a new line in the comment, not a submit
    laptop.keyboard.press("Tab")
    laptop.keyboard.press("Enter")  # Next
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Trust")
    values = set(invitation.drafts.values_list("value", flat=True))
    assert values == {4}
    assert invitation.draft_comments.get().text.startswith("Typed without a mouse")


def test_error_pages_are_accessible(live_server, phone, bank):
    phone.goto(_link(live_server, "not-a-real-token"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("We don't recognise this link")
    _shot(phone, "survey-unknown-link-phone")
    _no_serious_violations(phone)
    phone.goto(live_server.url + reverse("assessments:survey", args=["lost"]))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Please open your link again")
    _no_serious_violations(phone)
