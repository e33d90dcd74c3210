"""The respondent's details in Chromium, on a phone and a laptop: the comment counter and the
refusal of a comment over the limit, a short status line whatever the server answers, and the
"Choose an answer" hint going once the statement is answered."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import DraftComment
from tests.browser.pages import axe_violations, screenshot
from tests.builders import invitation_make, led_team_make, open_cycle_make

pytestmark = pytest.mark.django_db(transaction=True)

DEVICES = ["phone", "laptop"]


def _clean(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][0]["html"]) for v in violations]


def _first_step(page, live_server, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    page.goto(live_server.url + reverse("assessments:survey-start", args=[token]))
    page.get_by_role("link", name=re.compile("Start")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategic Clarity")
    return invitation


@pytest.mark.parametrize("device", DEVICES)
def test_a_comment_over_the_limit_is_counted_refused_and_never_cut(
    live_server, request, device, bank, settings
):
    settings.PILLARS_MAX_COMMENT_LENGTH = 120
    page = request.getfixturevalue(device)
    invitation = _first_step(page, live_server, bank)
    box = page.locator("textarea")
    count = page.locator(".comment-count")
    expect(count).to_have_text("0 of 120 characters")
    box.fill("Clear goals, please. 🙂")
    expect(count).to_have_text("22 of 120 characters")  # the emoji counts once, as on the server
    expect(page.locator("#save-status")).to_contain_text("Saved")
    long_text = "Too much to say. " * 10  # 170 characters
    box.fill(long_text)
    expect(count).to_have_text("Too long by 50 characters: shorten it to save it.")
    expect(page.locator("#save-status")).to_contain_text(
        "a comment can have at most 120 characters, and this one has 170", timeout=5_000
    )
    assert box.input_value() == long_text  # nothing cut in the box
    assert DraftComment.objects.get(invitation=invitation).text == "Clear goals, please. 🙂"
    screenshot(page, f"round-comment-too-long-{device}")
    _clean(page)

    # Without waiting for the autosave: Next refuses, says why, keeps the text to shorten.
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#step-error")).to_contain_text("at most 120 characters")
    assert page.locator("textarea").input_value() == long_text.replace("\r\n", "\n")
    page.locator("textarea").fill(long_text[:100])
    expect(page.locator(".comment-count")).to_have_text("100 of 120 characters")
    expect(page.locator("#save-status")).to_contain_text("Saved")
    assert DraftComment.objects.get(invitation=invitation).text == long_text[:100]


@pytest.mark.parametrize("device", DEVICES)
def test_an_error_page_never_lands_in_the_status_line(live_server, request, device, bank):
    page = request.getfixturevalue(device)
    _first_step(page, live_server, bank)
    page.route(
        re.compile(r".*/save/$"),
        lambda route: route.fulfill(
            status=502,
            content_type="text/html",
            body="<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>",
        ),
    )
    page.locator("fieldset.item").first.get_by_role("radio", name="Agree", exact=True).check()
    status = page.locator("#save-status")
    expect(status).to_have_text(re.compile(r"^Not saved just now\."))
    expect(status.locator("h1")).to_have_count(0)
    screenshot(page, f"round-autosave-error-{device}")
    _clean(page)
    page.unroute(re.compile(r".*/save/$"))
    page.route(re.compile(r".*/save/$"), lambda route: route.fulfill(status=403, body="Forbidden"))
    page.locator("fieldset.item").nth(1).get_by_role("radio", name="Agree", exact=True).check()
    expect(status).to_have_text(re.compile(r"^Not saved just now\."))


@pytest.mark.parametrize("device", DEVICES)
def test_the_choose_an_answer_hint_goes_when_the_statement_is_answered(
    live_server, request, device, bank
):
    page = request.getfixturevalue(device)
    _first_step(page, live_server, bank)
    items = page.locator("fieldset.item")
    total = items.count()
    items.first.get_by_role("radio", name="Agree", exact=True).check()
    page.get_by_role("button", name="Next").click()
    hints = page.locator(".item-error")
    expect(hints).to_have_count(total - 1)
    expect(page.locator(".missing-list li")).to_have_count(total - 1)
    screenshot(page, f"round-missing-answers-{device}")
    _clean(page)
    second = page.locator("fieldset.item").nth(1)
    second.get_by_role("radio", name="Disagree", exact=True).check()
    expect(second.locator(".item-error")).to_have_count(0)
    expect(hints).to_have_count(total - 2)
    expect(page.locator(".missing-list li")).to_have_count(total - 2)
    for index in range(2, total):
        page.locator("fieldset.item").nth(index).get_by_role(
            "radio", name="Can't say", exact=True
        ).check()
    expect(hints).to_have_count(0)
    expect(page.locator("#step-error")).to_have_count(0)  # nothing left to fix
    expect(page.locator("#save-status")).to_contain_text("Saved")
