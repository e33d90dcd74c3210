"""The respondent's journey in German on a phone: an English invitation switched on the intro
page, every step in German, the review and the thank-you page; screenshots in screenshots/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Invitation, Submission
from tests.browser.pages import axe_violations, screenshot
from tests.builders import invitation_make, led_team_make, open_cycle_make

pytestmark = pytest.mark.django_db(transaction=True)

ENGLISH_ON_A_GERMAN_PAGE = re.compile(
    r"\b(Strongly|Agree|Disagree|Can't say|Next|Back|Review|Submit|Saved|Step \d|statements?)\b"
)


def _shot(page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name)


def _no_english(page) -> None:
    text = page.locator("body").inner_text()
    assert not ENGLISH_ON_A_GERMAN_PAGE.search(text), ENGLISH_ON_A_GERMAN_PAGE.findall(text)


def test_a_respondent_switches_to_german_and_answers_on_a_phone(live_server, phone, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    page = phone
    page.goto(live_server.url + reverse("assessments:survey-start", args=[token]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("leadership")

    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Switch language").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wie erlebt Ihr Team die Führung?")
    assert page.locator("html").get_attribute("lang") == "de"
    _shot(page, "survey-intro-german-phone")
    _no_english(page)
    assert axe_violations(page) == []

    page.get_by_role("link", name=re.compile("Beginnen")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategische Klarheit")
    _shot(page, "survey-step-1-german-phone")
    _no_english(page)
    for step in range(1, 6):
        for fieldset in page.locator("fieldset.item").all():
            fieldset.get_by_role("radio", name="Stimme zu", exact=True).check()
        expect(page.locator("#save-status")).to_contain_text("Gespeichert")
        button = "Antworten prüfen" if step == 5 else "Weiter"
        page.get_by_role("button", name=button).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ihre Antworten prüfen")
    _shot(page, "survey-review-german-phone")
    _no_english(page)
    page.get_by_role("button", name="Meine Antworten abschicken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vielen Dank!")
    _shot(page, "survey-thanks-german-phone")
    _no_english(page)
    assert Submission.objects.filter(cycle=cycle).count() == 1
    assert Invitation.objects.get(pk=invitation.pk).language == "de"
