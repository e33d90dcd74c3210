"""HR's organisation page in Chromium at 1280 and 390 px: sorting, searching, filtering and
paging swap the page in place (htmx), keep a real address, and pass axe."""

from __future__ import annotations

import pytest

from assessments.demo import demo_seed
from assessments.results.stored import cycle_report
from tests.browser.pages import axe_violations, login, screenshot
from tests.builders import released_org_make

PASSWORD = "pillars-demo"
WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


@pytest.fixture
def wide(browser):
    context = browser.new_context(viewport=WIDE)
    yield context.new_page()
    context.close()


@pytest.fixture
def narrow(browser):
    context = browser.new_context(viewport=NARROW, device_scale_factor=2, is_mobile=True)
    yield context.new_page()
    context.close()


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "hr@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_hr_sorts_searches_and_filters_the_demo_heatmap_in_place(
    live_server, wide, narrow, bank, demo_day
):
    demo_seed()
    errors = _errors(wide)
    _sign_in(wide, live_server)
    wide.goto(f"{live_server.url}/organisation/?cycle=2026-q3")
    wide.evaluate("window.__stay = true")
    pillar = wide.locator("#heatmap thead th.heat-head a").first
    name = pillar.inner_text()
    pillar.click()
    wide.wait_for_selector("#heatmap thead th[aria-sort='descending']")
    assert wide.evaluate("window.__stay") is True  # swapped by htmx, not a page load
    assert "order=desc" in wide.url
    assert wide.locator("#filter-sort option:checked").inner_text() == name
    # Hidden cells of that pillar come last.
    heads = [text.strip(" ▼▲") for text in wide.locator("#heatmap thead th").all_inner_texts()]
    column = heads.index(name)
    cells = wide.locator(f"#heatmap tbody tr td:nth-child({column + 1})")
    hidden = [
        "heat-suppressed" in (cells.nth(i).get_attribute("class") or "")
        for i in range(cells.count())
    ]
    assert hidden == sorted(hidden)
    screenshot(wide, "org-listing-sorted-1280")
    assert axe_violations(wide) == []

    wide.fill("#filter-q", "plat")
    wide.press("#filter-q", "Enter")
    wide.wait_for_selector(".pager-summary:has-text('of 1 team')")
    assert wide.evaluate("window.__stay") is True
    assert "q=plat" in wide.url
    wide.goto(f"{live_server.url}/organisation/?cycle=2026-q3")
    wide.select_option("#filter-department", label="Operations")
    wide.wait_for_selector("#heatmap tr.heat-rollup")
    assert "department=" in wide.url
    screenshot(wide, "org-listing-department-1280")
    assert errors == []

    _sign_in(narrow, live_server)
    narrow.goto(f"{live_server.url}/organisation/?cycle=2026-q3&show=departments")
    assert narrow.locator("#heatmap tr.heat-rollup").count() >= 2
    screenshot(narrow, "org-listing-departments-390")
    assert axe_violations(narrow) == []


@pytest.mark.django_db(transaction=True)
def test_hr_pages_through_a_thousand_teams(live_server, wide, narrow, bank, hr_user):
    cycle, _teams = released_org_make(bank, teams=1000, respondents=3)
    cycle_report(cycle, detail=False)
    errors = _errors(wide)
    login(wide, live_server, hr_user)
    wide.goto(f"{live_server.url}/organisation/?cycle={cycle.slug}")
    assert wide.locator(".pager-summary").inner_text() == "Showing 1–50 of 1,000 teams"
    assert wide.locator("#heatmap tbody tr").count() == 50
    wide.locator(".pager a[rel=next]").click()
    wide.wait_for_selector(".pager-summary:has-text('Showing 51–100 of 1,000 teams')")
    assert "page=2" in wide.url
    screenshot(wide, "org-listing-1000-page2-1280")
    assert axe_violations(wide) == []
    assert errors == []

    login(narrow, live_server, hr_user)
    narrow.goto(f"{live_server.url}/organisation/?cycle={cycle.slug}&page=20")
    assert narrow.locator(".pager-summary").inner_text() == "Showing 951–1,000 of 1,000 teams"
    screenshot(narrow, "org-listing-1000-last-390")
    assert axe_violations(narrow) == []
