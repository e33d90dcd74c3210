"""Every page type under the real Content Security Policy, in Chromium: no violation anywhere.

The policy (leadership/settings.py) allows scripts only from the site itself and inline styles
only (for Plotly). A violation shows up as a ``securitypolicyviolation`` event and a console
error; an init script (Playwright's, not a script in the page) records the events, and the
console is watched too. Pages are visited as the people who use them: anonymous, respondent, HR,
leader — with their htmx requests and charts given time to run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from assessments.models import Cycle, DraftAnswer, Invitation, Role, Team, token_hash, token_new
from tests.browser.pages import LAPTOP, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PASSWORD = "pillars-demo"
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@dataclass
class CspWatch:
    """Collects violations per page: from the event listener and from the console."""

    console: list[str] = field(default_factory=list)
    found: dict[str, list[str]] = field(default_factory=dict)
    visited: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        page.add_init_script(RECORD_VIOLATIONS)
        page.on(
            "console",
            lambda message: (
                self.console.append(message.text)
                if re.search(r"Content.Security.Policy|Refused to", message.text)
                else None
            ),
        )

    def check(self, page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        events = page.evaluate("window.__cspViolations || []")
        problems = [*events, *self.console]
        self.console.clear()
        self.visited.append(name)
        if problems:
            self.found[name] = problems


def visit(page, watch: CspWatch, url: str, name: str, *, status: int | None = 200) -> None:
    response = page.goto(url)
    assert response is not None
    if status is not None:
        assert response.status == status, (name, response.status)
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy, (name, policy)
    assert "object-src 'none'" in policy
    watch.check(page, name)


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, page.url


def ready_invitation(cycle: Cycle, team: Team) -> str:
    """An invitation with every statement answered, ready for review and submit."""
    token = token_new()
    invitation = Invitation.objects.create(
        cycle=cycle, team=team, role=Role.MEMBER, token_hash=token_hash(token)
    )
    DraftAnswer.objects.bulk_create(
        DraftAnswer(invitation=invitation, question=question, value=4)
        for question in cycle.questions.ratings()
    )
    return token


@override_settings(AXES_FAILURE_LIMIT=2)  # the lockout page after two wrong passwords, not five
def test_no_page_breaks_the_content_security_policy(live_server, browser, bank, demo_day):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from assessments.demo import demo_links

    base = live_server.url
    open_cycle = Cycle.objects.get(name="2026 Q4")
    released = Cycle.objects.get(name="2026 Q3")
    platform = Team.objects.get(name="Platform")
    watch = CspWatch()

    # --- Anonymous: sign-in, lockout, not found, a dead survey link ---------------------------
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch.attach(page)
    visit(page, watch, f"{base}/accounts/login/", "login")
    for _ in range(2):
        page.fill("#id_username", "nobody@example.com")
        page.fill("#id_password", "not-the-password")
        page.click("button[type=submit]")
        page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many sign-in attempts")
    watch.check(page, "lockout")
    screenshot(page, "csp-lockout-laptop")
    visit(page, watch, f"{base}/no-such-page/", "404", status=404)
    visit(page, watch, f"{base}/s/not-a-real-link/", "survey unknown link", status=404)
    context.close()

    # --- Respondent: intro, a step with htmx autosave, review, thanks, already submitted ------
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch.attach(page)
    _, token = demo_links()[0]
    visit(page, watch, base + reverse("assessments:survey-start", args=[token]), "survey intro")
    page.get_by_role("link", name=re.compile("Start")).click()
    page.locator("fieldset.item").first.get_by_role("radio", name="Agree", exact=True).check()
    expect(page.locator("#save-status")).to_contain_text("Saved")
    watch.check(page, "survey step with autosave")

    token = ready_invitation(open_cycle, platform)
    visit(page, watch, base + reverse("assessments:survey-start", args=[token]), "survey intro 2")
    key = re.search(r"/survey/([^/]+)/", page.url).group(1)
    visit(page, watch, base + reverse("assessments:survey-review", args=[key]), "survey review")
    page.get_by_role("button", name=re.compile("Submit")).click()
    page.wait_for_url(re.compile(r"/thanks/$"))
    watch.check(page, "survey thanks")
    visit(page, watch, base + reverse("assessments:survey-start", args=[token]), "survey done")
    context.close()

    # --- HR ----------------------------------------------------------------------------------
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch.attach(page)
    sign_in(page, live_server, "hr@example.com")
    watch.check(page, "HR home")
    hr_pages = [
        ("bank", reverse("leadership:bank")),
        ("HR cycles", reverse("assessments:hr-cycles")),
        ("HR new cycle", reverse("assessments:hr-cycle-new")),
        ("HR open cycle", reverse("assessments:hr-cycle", args=[open_cycle.pk])),
        ("HR released cycle", reverse("assessments:hr-cycle", args=[released.pk])),
        (
            "HR cycle team",
            reverse("assessments:hr-cycle-team", args=[open_cycle.pk, platform.pk]),
        ),
        ("HR teams", reverse("assessments:hr-teams")),
        ("HR team edit", reverse("assessments:hr-team-edit", args=[platform.pk])),
        ("HR team import", reverse("assessments:hr-teams-import")),
        ("organisation dashboard", reverse("assessments:org-dashboard")),
        (
            "team dashboard (HR)",
            reverse("assessments:team-dashboard", args=[released.slug, platform.slug]),
        ),
        ("PDF downloads page", reverse("assessments:report-jobs", args=[released.pk])),
        ("privacy", reverse("assessments:hr-privacy") + "?email=ana%40example.com"),
        ("audit log", reverse("assessments:hr-audit")),
    ]
    for name, path in hr_pages:
        visit(page, watch, base + path, name)
        if name == "privacy":  # an audited download, so the audit log has a row to show
            with page.expect_download() as download:
                page.get_by_role("link", name="Download everything (JSON)").click()
            assert download.value.suggested_filename.endswith(".json")
        if name in {"privacy", "audit log", "organisation dashboard"}:
            screenshot(page, f"csp-{name.replace(' ', '-')}-laptop")
    context.close()

    # --- Leader ------------------------------------------------------------------------------
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    watch.attach(page)
    sign_in(page, live_server, "ana@example.com")
    watch.check(page, "leader home")
    # (The leader's team dashboard is HR's template, visited above.)
    visit(page, watch, base + reverse("assessments:my-results"), "my results")
    context.close()

    assert len(watch.visited) >= 27
    assert watch.found == {}


def test_the_watch_would_catch_an_inline_script(live_server, laptop):
    # The control: the same watch sees a violation when a page runs inline code.
    watch = CspWatch()
    watch.attach(laptop)
    visit(laptop, watch, f"{live_server.url}/accounts/login/", "login")
    laptop.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
    )
    laptop.wait_for_timeout(100)
    watch.check(laptop, "login with injected inline script")
    assert laptop.evaluate("window.inlineRan === undefined")
    assert "login with injected inline script" in watch.found
