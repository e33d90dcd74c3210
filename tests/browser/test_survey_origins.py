"""The survey under Django's stock CSRF middleware and the real Content Security Policy, in
Chromium: answers save and submit, and no survey address leaves the site.

Survey pages send ``Referrer-Policy: same-origin``: the browser's POSTs from them carry their
Origin (which Django's CSRF check compares with the host), while a request to any other origin
carries no Referer, so the survey key in the address stays here. The addresses that carry a token
send no Referer at all. The other origin is a tiny
``http.server`` in a thread that records what Chromium sends it.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from assessments.hr.cycles import shared_link_rotate
from assessments.models import Answer, Cycle, DraftAnswer, Invitation, Submission
from tests.builders import invitation_make, led_team_make, open_cycle_make

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.seen.append({"path": self.path, "referer": self.headers.get("Referer", "")})
        body = b"<!doctype html><title>Elsewhere</title><h1>Elsewhere</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def elsewhere():
    """Another origin (127.0.0.1 on its own port; the live server is localhost) that records
    the path and Referer of each request it gets."""
    seen: list[dict[str, str]] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _follow_a_link_elsewhere(page, url: str) -> None:
    """Click a link to the other origin placed on the current page, as a link in a question's
    help text or a pasted comment would be, then come back. The page so far ran under the
    Content Security Policy without a violation."""
    assert page.evaluate("window.__cspViolations") == []
    page.evaluate(
        """(url) => {
          const link = document.createElement("a");
          link.href = url;
          link.id = "elsewhere";
          link.textContent = "Elsewhere";
          document.querySelector("main").prepend(link);
        }""",
        url,
    )
    page.click("#elsewhere")
    expect(page.get_by_role("heading", level=1)).to_have_text("Elsewhere")
    page.go_back()


def test_answers_save_and_submit_under_djangos_csrf_and_no_survey_address_leaves_the_site(
    live_server, laptop, bank, elsewhere
):
    other_origin, seen = elsewhere
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    page = laptop
    page.add_init_script(RECORD_VIOLATIONS)
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    page.goto(live_server.url + reverse("assessments:survey-start", args=[token]))
    assert "/s/" not in page.url
    _follow_a_link_elsewhere(page, f"{other_origin}/from-intro")
    page.get_by_role("link", name=re.compile("Start")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategic Clarity")
    step_url = page.url
    assert "/survey/" in step_url

    first = page.locator("fieldset.item").first
    first.get_by_role("radio", name="Agree", exact=True).check()
    expect(page.locator("#save-status")).to_contain_text("Saved")
    assert DraftAnswer.objects.filter(invitation=invitation, value=4).count() == 1
    _follow_a_link_elsewhere(page, f"{other_origin}/from-step")

    for _ in range(5):
        for fieldset in page.locator("fieldset.item").all():
            fieldset.get_by_role("radio", name="Agree", exact=True).check()
        expect(page.locator("#save-status")).to_contain_text("Saved")
        page.get_by_role("button", name=re.compile("Next|Review")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your answers")
    _follow_a_link_elsewhere(page, f"{other_origin}/from-review")
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    _follow_a_link_elsewhere(page, f"{other_origin}/from-thanks")

    # Saved and submitted through Django's own CSRF middleware: every POST carried the page's
    # origin, and none was refused.
    assert Invitation.objects.get(pk=invitation.pk).is_submitted
    assert Submission.objects.count() == 1
    assert Answer.objects.filter(value=4).count() == Answer.objects.count() > 0
    assert any(post.url.endswith("/save/") for post in posts)
    assert any(post.url.endswith("/submit/") for post in posts)
    assert {post.all_headers().get("origin") for post in posts} == {live_server.url}

    # The other origin was reached from four pages and never told where the visitor came from.
    followed = [request for request in seen if request["path"].startswith("/from-")]
    assert [request["path"] for request in followed] == [
        "/from-intro",
        "/from-step",
        "/from-review",
        "/from-thanks",
    ]
    assert [request["referer"] for request in followed] == ["", "", "", ""]


@override_settings(PILLARS_RATELIMIT_TOKEN="2/600")
def test_a_page_shown_at_a_token_address_sends_the_address_nowhere(live_server, laptop, bank):
    """An address that carries a token shows a page only when it cannot be exchanged for a
    session: a team's real shared link once its cycle has closed, an unknown link, too many
    unknown links. That page's own styles and scripts load without a Referer, so no access log
    gets the token."""
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    shared = shared_link_rotate(cycle=cycle, team=team, actor=None)
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    page = laptop
    requests = []
    page.on("request", lambda request: requests.append(request))

    shown = [
        (reverse("assessments:shared-start", args=[shared]), 410),
        (reverse("assessments:survey-start", args=["not-a-real-token"]), 404),
        (reverse("assessments:survey-start", args=["another-wrong-token"]), 429),
    ]
    for path, status in shown:
        requests.clear()
        response = page.goto(live_server.url + path)
        assert response.status == status
        page.wait_for_load_state("networkidle")
        loaded = [request for request in requests if request.resource_type != "document"]
        assert {request.resource_type for request in loaded} >= {"stylesheet", "script"}
        assert [request.all_headers().get("referer", "") for request in loaded] == [""] * len(
            loaded
        )
