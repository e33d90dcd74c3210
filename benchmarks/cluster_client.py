"""The respondents of the cluster benchmark: a small browser over http.client, no Django.

Each :class:`Browser` keeps its cookies as a browser does (one jar for 127.0.0.1, whatever the
port) and sends every request to the next of the app servers in turn, so a respondent changes
server at every click and the survey works only if the session lives in the database.
:func:`respondent_walk` answers a survey the way the pages ask: the link, the intro, each step
(one autosave as the radio buttons send it, then the step's form), the review and the submit,
with the CSRF token the page carries; some submit twice at once on both servers, some open
their link again afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import random
import re
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field

HOST = "127.0.0.1"
ALREADY_SUBMITTED = "These answers have already been submitted."
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
_RADIO = re.compile(r'<input type="radio" name="(q-\d+)" value="([^"]+)"')
_COMMENT = re.compile(r'<textarea[^>]*name="(c-\d+)"')


class FlowError(Exception):
    """A response other than the one a browser expects at this point of the survey."""


@dataclass
class Tally:
    """Latencies by endpoint, and every unexpected answer (its endpoint, status, a note)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[tuple[str, int, str]] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, seconds: float) -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds)

    def error(self, endpoint: str, status: int, note: str) -> None:
        with self.lock:
            self.errors.append((endpoint, status, note[:200]))

    def count(self, outcome: str) -> None:
        with self.lock:
            self.outcomes[outcome] += 1

    @property
    def requests(self) -> int:
        return sum(len(samples) for samples in self.latencies.values())

    @property
    def server_errors(self) -> int:
        return sum(1 for _, status, _ in self.errors if status >= 500)


@dataclass
class Response:
    status: int
    location: str
    text: str


class Browser:
    """One respondent's browser: a cookie jar, and the app servers taken in turn."""

    def __init__(self, ports: list[int], tally: Tally, *, first: int = 0) -> None:
        self.ports = ports
        self.tally = tally
        self.cookies: dict[str, str] = {}
        self.turn = first
        self.lock = threading.Lock()

    def _next_port(self) -> int:
        with self.lock:
            port = self.ports[self.turn % len(self.ports)]
            self.turn += 1
            return port

    def request(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        expect: int | tuple[int, ...],
        form: list[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        port: int | None = None,
    ) -> Response:
        port = port or self._next_port()
        origin = f"http://{HOST}:{port}"
        sent = {"Host": f"{HOST}:{port}", **(headers or {})}
        with self.lock:
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            # A browser's same-origin post carries its Origin (Referrer-Policy: same-origin).
            sent["Origin"] = origin
            sent["Referer"] = f"{origin}{path}"
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            text = answer.read().decode("utf-8", "replace")
        except OSError as error:
            self.tally.error(endpoint, 0, f"{type(error).__name__}: {error}")
            raise FlowError(endpoint) from error
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        self._cookies_take(answer.headers.get_all("Set-Cookie") or [])
        location = answer.getheader("Location", "")
        if answer.status not in (expect if isinstance(expect, tuple) else (expect,)):
            self.tally.error(endpoint, answer.status, f"{method} {endpoint}: {text[:120]!r}")
            raise FlowError(endpoint)
        self.tally.record(endpoint, elapsed)
        return Response(answer.status, urllib.parse.urlsplit(location).path, text)

    def _cookies_take(self, headers: list[str]) -> None:
        with self.lock:
            for header in headers:
                pair, _, attributes = header.partition(";")
                name, _, value = pair.strip().partition("=")
                if "max-age=0" in attributes.lower().replace(" ", ""):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value.strip('"')


def _csrf(page: str) -> str:
    found = _CSRF_FIELD.search(page)
    if not found:
        raise FlowError("no CSRF token on the page")
    return found.group(1)


def _step_answers(page: str, rng: random.Random) -> list[tuple[str, str]]:
    choices: dict[str, list[str]] = defaultdict(list)
    for name, value in _RADIO.findall(page):
        choices[name].append(value)
    if not choices:
        raise FlowError("no statements on a step")
    return [(name, rng.choice(values)) for name, values in choices.items()]


def respondent_walk(
    browser: Browser,
    token: str,
    *,
    seed: int,
    submit_twice: bool = False,
    replay: bool = False,
    comment: bool = False,
    answered_before: bool = False,
) -> None:
    """One respondent from the link in their email to the thank-you page; raises
    :class:`FlowError` at the first unexpected answer (already recorded in the tally).

    ``answered_before``: every answer was saved on an earlier visit, so the link resumes at the
    review page and they only submit."""
    rng = random.Random(seed)
    start = browser.request("GET", f"/s/{token}/", "start (token)", expect=302)
    key = start.location.rstrip("/").split("/")[-1]
    if answered_before:
        following = browser.request("GET", start.location, "intro (resume)", expect=302).location
    else:
        intro = browser.request("GET", start.location, "intro", expect=200)
        following = f"/survey/{key}/step/1/"
        if following not in intro.text:
            raise FlowError("the intro page does not lead to step 1")
    while following.startswith(f"/survey/{key}/step/"):
        page = browser.request("GET", following, "step GET", expect=200)
        answers = _step_answers(page.text, rng)
        header = _CSRF_HEADER.search(page.text)
        # htmx: the first radio button clicked saves at once (hx-post on change).
        browser.request(
            "POST",
            f"/survey/{key}/save/",
            "autosave POST",
            expect=200,
            form=[answers[0]],
            headers={"X-CSRFToken": header.group(1) if header else "", "HX-Request": "true"},
        )
        form = [("csrfmiddlewaretoken", _csrf(page.text)), *answers, ("go", "next")]
        box = _COMMENT.search(page.text)
        if comment and box:
            form.append((box.group(1), f"Comment from respondent {seed}"))
        following = browser.request("POST", following, "step POST", expect=302, form=form).location
    if following != f"/survey/{key}/review/":
        raise FlowError(f"the last step led to {following}")
    review = browser.request("GET", following, "review", expect=200)
    submit_form = [("csrfmiddlewaretoken", _csrf(review.text))]
    submit_path = f"/survey/{key}/submit/"
    if submit_twice:
        _submit_twice(browser, submit_path, submit_form)
    else:
        done = browser.request("POST", submit_path, "submit POST", expect=302, form=submit_form)
        browser.request("GET", done.location, "thanks", expect=200)
    browser.tally.count("submitted")
    if replay:
        again = browser.request("GET", f"/s/{token}/", "replay link", expect=302)
        page = browser.request("GET", again.location, "replay page", expect=200)
        if ALREADY_SUBMITTED not in page.text:
            browser.tally.error("replay page", page.status, "no 'already submitted' message")
            raise FlowError("replay")
        browser.tally.count("replayed, told already submitted")


def _submit_twice(browser: Browser, path: str, form: list[tuple[str, str]]) -> None:
    """The submit button pressed twice in a row, the two posts reaching both servers at once:
    one submits (302 to the thanks page), the other is told clearly that the answers were
    already submitted (409)."""
    barrier = threading.Barrier(2, timeout=30)
    answers: list[Response | None] = [None, None]

    def press(index: int) -> None:
        port = browser.ports[index % len(browser.ports)]
        barrier.wait()
        with contextlib.suppress(FlowError):  # recorded in the tally
            answers[index] = browser.request(
                "POST", path, "submit POST (twice)", expect=(302, 409), form=form, port=port
            )

    threads = [threading.Thread(target=press, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(answer.status if answer else 0 for answer in answers)
    refused = [answer for answer in answers if answer and answer.status == 409]
    if statuses != [302, 409] or ALREADY_SUBMITTED not in refused[0].text:
        browser.tally.error("submit POST (twice)", 0, f"statuses {statuses}, or no clear message")
        raise FlowError("double submit")
    browser.tally.count("submitted twice at once: one submission, one clear refusal")
    winner = next(answer for answer in answers if answer and answer.status == 302)
    browser.request("GET", winner.location, "thanks", expect=200)
