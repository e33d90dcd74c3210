"""HR edits the question bank in a real browser, on a phone and a laptop: moves a question with
htmx, rewords a question a cycle used (a new version, said on the page), adds one, retires one;
every page clean for axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments.hr.cycles import cycle_open
from tests.browser.pages import axe_violations, login, screenshot
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db(transaction=True)


def _assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][0]["html"]) for v in violations]


def _codes(page, pillar: str) -> list[str]:
    return page.locator(f"#pillar-{pillar} .question-list code").all_inner_texts()


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_hr_edits_the_bank(live_server, request, device, bank, hr_user):
    page = request.getfixturevalue(device)
    cycle_open(
        cycle=draft_cycle_make(bank, [roster_team_make("Platform")], name="2027 Q1"), actor=None
    )
    login(page, live_server, hr_user)
    page.goto(f"{live_server.url}/bank/")
    screenshot(page, f"bank-edit-{device}")
    _assert_accessible(page)

    # Move with htmx: only the pillar's card is swapped, and the focus stays on the button.
    page.get_by_role("button", name="Move CL02 up").click()
    expect(page.locator("#pillar-clarity .question-list code").first).to_have_text("CL02")
    assert _codes(page, "clarity")[:2] == ["CL02", "CL01"]

    # Reword a question the open cycle uses: the page says a new version keeps the old wording.
    page.locator("#q-CL03").get_by_role("link", name="Edit").click()
    expect(page.locator("#used-by")).to_contain_text("2027 Q1 (open)")
    expect(page.locator("#used-by")).to_contain_text("Cycles that used the old wording keep it")
    screenshot(page, f"bank-question-edit-{device}")
    _assert_accessible(page)
    page.get_by_label("Wording for team members (English)").fill(
        "We work on few priorities, and clear ones."
    )
    page.get_by_role("button", name="Save question").click()
    expect(page.locator(".messages")).to_contain_text("Saved as version 2 of CL03")
    expect(page.locator("#q-CL03")).to_contain_text("version 2")
    expect(page.locator("#q-CL03")).to_contain_text("We work on few priorities")

    # Add a question with its own scale.
    page.locator("#pillar-trust").get_by_role("link", name="Add a question to Trust").click()
    page.get_by_label("Wording for team members (English)").fill(
        "I can admit a mistake to my leader."
    )
    page.get_by_label("Highest point").fill("4")
    page.get_by_label("Labels of the points (English)").fill("Never\nRarely\nOften\nAlways")
    screenshot(page, f"bank-question-new-{device}")
    _assert_accessible(page)
    page.get_by_role("button", name="Add question").click()
    expect(page.locator(".messages")).to_contain_text("added")
    expect(page.locator("#pillar-trust")).to_contain_text("I can admit a mistake to my leader.")

    # Retire (confirmed), then find it among the retired questions.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Retire CL05").click()
    expect(page.locator("#q-CL05")).to_have_count(0)
    expect(page.locator("#pillar-clarity .retired summary")).to_contain_text("1 retired question")
    screenshot(page, f"bank-retired-{device}")
    _assert_accessible(page)


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_hr_imports_a_bank_file_with_a_preview(live_server, request, device, bank, hr_user):
    from leadership.bank.io import bank_export

    page = request.getfixturevalue(device)
    cycle_open(
        cycle=draft_cycle_make(bank, [roster_team_make("Platform")], name="2027 Q1"), actor=None
    )
    edited = bank_export(bank=bank).replace(
        "My leader explains where our team is heading", "My leader tells us where we go"
    )
    login(page, live_server, hr_user)
    page.goto(f"{live_server.url}/bank/")
    page.get_by_role("link", name="Import a file").click()
    _assert_accessible(page)
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": "bank.csv", "mimeType": "text/csv", "buffer": edited.encode("cp1252")}]
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.locator("#count-versioned")).to_have_text("1")
    expect(page.locator("#import-summary")).to_contain_text("keep it: 2027 Q1")
    screenshot(page, f"bank-import-preview-{device}")
    _assert_accessible(page)
    page.get_by_role("button", name="Apply the import").click()
    expect(page.locator(".messages")).to_contain_text("1 new versions")
    expect(page.locator("#q-CL01")).to_contain_text("My leader tells us where we go")
