"""HR imports teams in a real browser, on a phone and a laptop: upload, check the preview,
apply; an Excel file and a workbook on the way; every page clean for axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from assessments.hr.cycles import cycle_open
from assessments.models import Team
from tests.browser.pages import axe_violations, login, screenshot
from tests.builders import draft_cycle_make, excel_csv, roster_team_make, xlsx

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = (
    b"team,department,leader_email,member_email\n"
    b"Platform,Engineering,ana@example.com,sam@example.com\n"
    b"Platform,Engineering,ana@example.com,kim@example.com\n"
    b"Data,Engineering,chen@example.com|lee@example.com,ola@example.com\n"
)


def _assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert violations == [], [(v["id"], v["nodes"][0]["html"]) for v in violations]


def _upload(page, live_server, name: str, data: bytes, mime: str = "text/csv") -> None:
    page.goto(f"{live_server.url}/hr/teams/import/")
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}]
    )
    page.get_by_role("button", name="Preview the import").click()


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_hr_previews_and_applies_a_teams_import(
    live_server, request, device, bank, hr_user, leader_a
):
    page = request.getfixturevalue(device)
    department = Team.objects.create(
        name="Product & Engineering", slug="product-engineering", is_department=True
    )
    platform = roster_team_make("Platform", leaders=(leader_a,), members=9, department=department)
    data = roster_team_make("Data", members=6, department=department)
    cycle_open(cycle=draft_cycle_make(bank, [platform, data], name="2027 Q1"), actor=None)
    login(page, live_server, hr_user)

    _upload(page, live_server, "sample.csv", SAMPLE)
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.locator("#count-members-removed")).to_have_text("15")
    expect(page.locator("#open-cycles")).to_contain_text("2027 Q1")
    expect(page.locator("#removals")).to_be_visible()
    screenshot(page, f"hr-teams-import-preview-{device}")
    _assert_accessible(page)
    assert Team.objects.get(pk=platform.pk).members.count() == 9  # nothing yet

    page.get_by_role("button", name="Apply the import").click()
    expect(page.get_by_role("heading", name="Teams", exact=True)).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("15 removed")
    screenshot(page, f"hr-teams-import-applied-{device}")
    _assert_accessible(page)
    assert Team.objects.get(pk=platform.pk).members.count() == 2


@pytest.mark.parametrize("device", ["phone", "laptop"])
def test_hr_uploads_files_as_excel_makes_them(live_server, request, device, hr_user):
    page = request.getfixturevalue(device)
    login(page, live_server, hr_user)

    _upload(page, live_server, "équipes.csv", excel_csv([["équipe", "membre"], ["Données", "x"]]))
    expect(page.locator("#import-problems")).to_contain_text("This required column is missing")
    expect(page.locator("#import-note")).to_contain_text("read as Windows-1252")
    screenshot(page, f"hr-teams-import-excel-csv-{device}")
    _assert_accessible(page)

    workbook = xlsx(
        [
            ["team", "department", "member_email"],
            ["Équipe Données", "Ingénierie", "a@example.com"],
            [2026, "Ingénierie", "b@example.com"],
        ],
        title="Teams",
    )
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    _upload(page, live_server, "teams.xlsx", workbook, mime)
    expect(page.get_by_role("heading", name="Check the import")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("Excel workbook, sheet “Teams”")
    expect(page.locator("#new-teams")).to_contain_text("Équipe Données")
    screenshot(page, f"hr-teams-import-xlsx-preview-{device}")
    _assert_accessible(page)
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(".messages")).to_contain_text("Nothing was imported")
    assert not Team.objects.filter(name="2026").exists()
