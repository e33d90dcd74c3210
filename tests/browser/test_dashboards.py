"""The dashboards in Chromium: charts drawn, no console errors, no serious axe findings."""

from __future__ import annotations

import pytest

from assessments.demo import demo_seed
from tests.browser.pages import axe_violations, screenshot

PASSWORD = "pillars-demo"


@pytest.fixture
def demo(bank, demo_day):
    demo_seed()


def _console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True)
def test_a_leader_reads_the_team_dashboard_with_charts_on_laptop_and_phone(
    live_server, laptop, phone, demo
):
    for page, name in ((laptop, "laptop"), (phone, "phone")):
        errors = _console_errors(page)
        _sign_in(page, live_server, "ana@example.com")
        page.goto(f"{live_server.url}/results/2026-q3/platform/")
        page.wait_for_selector("[data-chart='chart-radar'] svg.main-svg")
        page.wait_for_selector("[data-chart='chart-trend'] svg.main-svg")
        assert page.locator("[data-chart].chart-ready").count() == 7  # radar, 5 pillars, trend
        assert page.get_by_role("heading", name="Development: where to start").is_visible()
        screenshot(page, f"dashboard-team-{name}")
        assert errors == []
        assert axe_violations(page) == []


@pytest.mark.django_db(transaction=True)
def test_hr_switches_the_heatmap_to_favourable_without_reloading(live_server, laptop, phone, demo):
    errors = _console_errors(laptop)
    _sign_in(laptop, live_server, "hr@example.com")
    laptop.goto(f"{live_server.url}/organisation/?cycle=2026-q3")
    assert laptop.locator("td.heat-suppressed").count() >= 5
    laptop.evaluate("window.__stay = true")
    laptop.get_by_role("link", name="Favourable %").click()
    laptop.wait_for_selector("#heatmap a[aria-current='page']:has-text('Favourable %')")
    assert laptop.evaluate("window.__stay") is True  # swapped by htmx, not a page load
    assert "metric=favourable" in laptop.url
    assert "%" in laptop.locator("#heatmap td.heat").first.inner_text()
    screenshot(laptop, "dashboard-org-laptop")
    assert errors == []
    assert axe_violations(laptop) == []

    _sign_in(phone, live_server, "hr@example.com")
    phone.goto(f"{live_server.url}/organisation/?cycle=2026-q3")
    screenshot(phone, "dashboard-org-phone")
    assert axe_violations(phone) == []
