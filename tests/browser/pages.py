"""What browser tests do to a page besides driving it: sign in, check accessibility, keep a
screenshot; and the two window sizes they use."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def screenshot(page, name: str) -> None:
    """Keep a screenshot of the page for people to look at (screenshots/ is not in git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """axe-core's serious and critical violations on the current page."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in impacts]


def login(page, live_server, user, password: str = "a-long-test-password") -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
