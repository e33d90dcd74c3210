"""Rate limits on token links and submits: exact counts, per address, shared across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.http import Http404, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.views.defaults import page_not_found

from leadership.models import RateCount
from leadership.ratelimit import Rate, ratelimit, ratelimit_hit

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.django_db


def test_a_rate_reads_as_requests_per_seconds():
    assert Rate.parse("30/60") == Rate(limit=30, window=60)
    assert Rate.parse("5") == Rate(limit=5, window=60)
    with pytest.raises(ValueError, match="positive"):
        Rate.parse("0/60")


def test_requests_within_the_limit_pass_and_the_next_one_is_refused():
    rate = Rate(limit=3, window=60)
    now = 1_000_000.0
    results = [ratelimit_hit(scope="t", ident="203.0.113.5", rate=rate, now=now) for _ in range(4)]
    assert results == [True, True, True, False]


def test_each_address_and_each_window_has_its_own_count():
    rate = Rate(limit=1, window=60)
    assert ratelimit_hit(scope="t", ident="a", rate=rate, now=60.0)
    assert not ratelimit_hit(scope="t", ident="a", rate=rate, now=119.0)
    assert ratelimit_hit(scope="t", ident="b", rate=rate, now=119.0)
    assert ratelimit_hit(scope="t", ident="a", rate=rate, now=120.0)


def test_counting_a_request_is_one_statement():
    rate = Rate(limit=5, window=60)
    ratelimit_hit(scope="t", ident="203.0.113.5", rate=rate, now=0.0)
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit_hit(scope="t", ident="203.0.113.5", rate=rate, now=1.0)
    # Outside a transaction it is the only statement; here, inside the test's, a savepoint wraps it.
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1
    assert statements[0].startswith("INSERT INTO")


def test_the_counts_hold_no_client_address():
    ratelimit_hit(scope="t", ident="203.0.113.77", rate=Rate(limit=2, window=60), now=0.0)
    buckets = list(RateCount.objects.values_list("bucket", flat=True))
    assert buckets
    assert not any("203.0.113.77" in bucket for bucket in buckets)


def test_counts_of_windows_long_over_are_deleted_when_a_new_window_starts():
    RateCount.objects.create(bucket="t:old:60:1", hits=3, expires_at=timezone.now())
    ratelimit_hit(scope="t", ident="a", rate=Rate(limit=1, window=60), now=0.0)
    assert not RateCount.objects.filter(bucket="t:old:60:1").exists()
    assert RateCount.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_threads_never_exceed_the_limit():
    rate = Rate(limit=25, window=60)

    def hit(_: int) -> bool:
        try:
            return ratelimit_hit(scope="t", ident="x", rate=rate, now=5.0)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(hit, range(80)))
    assert sum(results) == 25


@pytest.mark.slow
@pytest.mark.clockless
def test_app_servers_sharing_the_database_share_one_count(tmp_path):
    # Four separate processes, as four app servers, against one database.
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "SQLITE_PATH": str(tmp_path / "shared.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "leadership.settings",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )
    code = (
        "import django; django.setup()\n"
        "from leadership.ratelimit import Rate, ratelimit_hit\n"
        "rate = Rate(limit=30, window=3600)\n"
        "print(sum(ratelimit_hit(scope='s', ident='nat', rate=rate, now=7200.0)"
        " for _ in range(20)))\n"
    )
    servers = [
        subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    allowed = [int(server.communicate(timeout=120)[0].strip()) for server in servers]
    assert sum(allowed) == 30
    assert all(server.returncode == 0 for server in servers)


def link_view(request, token: str) -> HttpResponse:
    if token != "good":
        return page_not_found(request, Http404())
    return HttpResponse("welcome")


@override_settings(PILLARS_RATELIMIT_TOKEN="3/600")
def test_guessing_token_links_is_stopped_while_real_links_always_keep_working():
    view = ratelimit("token", setting="PILLARS_RATELIMIT_TOKEN", failures_only=True)(link_view)
    factory = RequestFactory()

    def visit(token: str) -> int:
        return view(factory.get(f"/s/{token}/", REMOTE_ADDR="203.0.113.5"), token=token).status_code

    # Real links from the same office never count against it.
    assert [visit("good") for _ in range(10)] == [200] * 10
    assert [visit(f"guess{n}") for n in range(3)] == [404, 404, 404]
    response = view(factory.get("/s/x/", REMOTE_ADDR="203.0.113.5"), token="x")
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Please wait a moment" in response.content.decode()
    # A colleague behind the same address opens their real link all the same (issue 12).
    assert [visit("good") for _ in range(3)] == [200] * 3
    # Another address is not affected.
    other = view(factory.get("/s/good/", REMOTE_ADDR="198.51.100.1"), token="good")
    assert other.status_code == 200


@override_settings(PILLARS_RATELIMIT_SUBMIT="2/60")
def test_submits_are_counted_per_address_and_only_for_the_limited_method():
    def submit_view(request):
        return HttpResponse("ok")

    view = ratelimit("submit", setting="PILLARS_RATELIMIT_SUBMIT", methods=("POST",))(submit_view)
    factory = RequestFactory()
    codes = [view(factory.post("/", REMOTE_ADDR="203.0.113.5")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert view(factory.get("/", REMOTE_ADDR="203.0.113.5")).status_code == 200


@override_settings(PILLARS_RATELIMIT_TOKEN="3/600")
def test_guessing_survey_links_gets_a_429_after_the_limit(client):
    from django.urls import reverse

    codes = [
        client.get(reverse("assessments:survey-start", args=[f"guess-{n}"])).status_code
        for n in range(4)
    ]
    assert codes == [404, 404, 404, 429]
    shared = client.get(reverse("assessments:shared-start", args=["another-guess"]))
    assert shared.status_code == 429
    assert shared["Referrer-Policy"] == "no-referrer"


@override_settings(PILLARS_RATELIMIT_SUBMIT="1/60", PILLARS_RATELIMIT_TOKEN="1/60")
def test_a_broken_count_lets_requests_through_instead_of_failing_them():
    def broken(execute, sql, params, many, context):
        if RateCount._meta.db_table in sql:
            raise OperationalError("no such table")
        return execute(sql, params, many, context)

    submit = ratelimit("submit", setting="PILLARS_RATELIMIT_SUBMIT")(lambda request: HttpResponse())
    link = ratelimit("token", setting="PILLARS_RATELIMIT_TOKEN", failures_only=True)(
        lambda request: HttpResponse(status=404)
    )
    factory = RequestFactory()
    with connection.execute_wrapper(broken):
        codes = [submit(factory.post("/", REMOTE_ADDR="203.0.113.5")).status_code for _ in range(3)]
        codes += [link(factory.get("/", REMOTE_ADDR="203.0.113.5")).status_code for _ in range(3)]
    assert codes == [200, 200, 200, 404, 404, 404]
    # The transaction it ran in is still usable.
    assert RateCount.objects.count() == 0


@override_settings(PILLARS_RATELIMIT_TOKEN="20/600")
def test_one_person_mistyping_never_locks_an_office_out_of_its_survey(client, bank):
    """Attack 6 of issue 12: after 20 bad links from one address, colleagues behind the same
    address got 429 on their valid links for ten minutes."""
    from django.urls import reverse

    from tests.builders import invitation_make, led_team_make, open_cycle_make

    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    office = "203.0.113.9"
    for n in range(25):
        client.get(reverse("assessments:survey-start", args=[f"typo-{n}"]), REMOTE_ADDR=office)
    for _ in range(3):
        _, token = invitation_make(cycle, team)
        colleague = Client(REMOTE_ADDR=office)
        response = colleague.get(reverse("assessments:survey-start", args=[token]))
        assert response.status_code == 302
