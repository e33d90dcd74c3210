"""No request computes a cycle: the worker does, and pages say "being prepared" until it has.

Here the results task goes through the database backend, as in production (the suite's other
tests run it at once, see ``tests/conftest.py``); ``db_worker --batch`` is the real worker, run in
the test's thread. Reads are checked to cost what they show: a team's page reads its own stored
row, whatever the number of teams.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from assessments.hr.cycles import cycle_close, cycle_release
from assessments.models import Cycle, CycleResult, CycleResultPart, ShownSet
from assessments.results import aggregation
from assessments.results.access import report_for_viewer
from assessments.results.report import REASON_PREPARING
from assessments.results.stored import (
    COMPUTED,
    UNCHANGED,
    cycle_fingerprint,
    previous_cycle,
    results_are_ready,
    results_compute,
    results_read,
    shown_sets_read,
)
from assessments.schedule import schedule_run_once
from tests.builders import answers_add, released_org_make, results_ready, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker_queue(settings):
    """The results task goes to the database queue, as in production."""
    settings.PILLARS_RESULTS_TASKS_BACKEND = "default"


def worker_run() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def queued() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="results_compute_task").count()


def team_url(cycle: Cycle, team) -> str:
    return reverse("assessments:team-dashboard", args=[cycle.slug, team.slug])


@pytest.mark.django_db(transaction=True)
def test_a_page_never_computes_it_shows_being_prepared_and_asks_the_worker_once(
    client, bank, worker_queue
):
    leader = user_make("lead@example.com")
    cycle, teams = released_org_make(bank, teams=3, respondents=4, leader=leader)
    client.force_login(leader)
    for _ in range(3):
        page = client.get(team_url(cycle, teams[0])).text
        assert "Results are being prepared" in page
        assert reverse("assessments:results-status", args=[cycle.pk]) in page
        assert 'hx-trigger="every 3s"' in page
    assert not CycleResultPart.objects.exists()  # nothing computed in a request
    assert not ShownSet.objects.exists()
    assert queued() == 1  # three visits, one request to the worker
    status = reverse("assessments:results-status", args=[cycle.pk])
    assert client.get(status).status_code == 204

    worker_run()

    assert client.get(status).headers["HX-Refresh"] == "true"
    page = client.get(team_url(cycle, teams[0])).text
    assert "Results are being prepared" not in page
    assert "Your team at a glance" in page


@pytest.mark.django_db(transaction=True)
def test_the_organisation_and_reports_pages_wait_for_the_worker_too(
    client, bank, hr_user, worker_queue
):
    cycle, _teams = released_org_make(bank, teams=2, respondents=4)
    client.force_login(hr_user)
    org = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug}).text
    assert "Results are being prepared" in org
    reports = client.get(reverse("assessments:report-jobs", args=[cycle.pk])).text
    assert "Results are being prepared" in reports
    worker_run()
    org = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug}).text
    assert "Results are being prepared" not in org


def test_the_api_says_preparing_instead_of_computing(client, bank, hr_user, worker_queue):
    cycle, _teams = released_org_make(bank, teams=2, respondents=4)
    report = report_for_viewer(cycle=cycle, user=hr_user, detail=False)
    assert not report.scores_visible
    assert report.hidden_reason == REASON_PREPARING
    assert not CycleResultPart.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_closing_and_releasing_hand_the_computation_to_the_worker(
    bank, hr_user, worker_queue, django_capture_on_commit_callbacks
):
    cycle, _teams = released_org_make(bank, teams=2, respondents=4, state=Cycle.State.OPEN)
    Cycle.objects.filter(pk=cycle.pk).update(closes_at=timezone.now() + dt.timedelta(days=1))
    cycle.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        cycle_close(cycle=cycle, actor=hr_user)
    assert queued() == 1
    assert not results_are_ready(cycle)
    worker_run()
    assert results_are_ready(cycle)
    closed = results_read(cycle, detail=False)
    assert closed.cycle_state == Cycle.State.CLOSED
    with django_capture_on_commit_callbacks(execute=True):
        cycle_release(cycle=cycle, actor=hr_user)
    assert not results_are_ready(cycle)  # released: not the state they were computed for
    worker_run()
    assert results_read(cycle, detail=False).cycle_state == Cycle.State.RELEASED


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_asks_for_a_cycle_that_closed_on_time(bank, worker_queue):
    cycle, _teams = released_org_make(bank, teams=2, respondents=4, state=Cycle.State.OPEN)
    # recorded open, closed two days ago by the clock
    assert cycle.state == Cycle.State.CLOSED
    results = {r.name: r for r in schedule_run_once(now=timezone.now())}
    assert results["results"].started == 1
    assert queued() == 1
    worker_run()
    assert results_are_ready(cycle)
    assert ShownSet.objects.filter(cycle=cycle).exists()  # remembered as any showing is
    again = {r.name: r for r in schedule_run_once(now=timezone.now())}
    assert again["results"].started == 0


@pytest.mark.django_db(transaction=True)
def test_an_answer_committed_just_after_the_worker_read_the_cycle_is_not_left_out(
    bank, worker_queue
):
    # A submit that began before the close commits after the worker read the answers: the
    # scheduler asks once more a few minutes later, and the stored results are of the data
    # with that answer; later runs ask nothing more.
    cycle, teams = released_org_make(bank, teams=2, respondents=4, state=Cycle.State.OPEN)
    now = timezone.now()
    schedule_run_once(now=now)
    worker_run()
    stored = CycleResult.objects.get(cycle=cycle).fingerprint
    answers_add(cycle, teams[0], count=1)  # the late commit
    assert not stored.startswith(cycle_fingerprint(cycle, previous=previous_cycle(cycle)))
    later = now + dt.timedelta(minutes=3)
    assert {r.name: r for r in schedule_run_once(now=later)}["results"].started == 1
    worker_run()
    stored = CycleResult.objects.get(cycle=cycle).fingerprint
    assert stored.startswith(cycle_fingerprint(cycle, previous=previous_cycle(cycle)))
    for minutes in (6, 20, 60):
        run = schedule_run_once(now=now + dt.timedelta(minutes=minutes))
        assert {r.name: r for r in run}["results"].started == 0


def test_the_computation_is_idempotent_and_keyed_by_the_fingerprint(bank):
    cycle, _teams = released_org_make(bank, teams=3, respondents=4)
    assert results_compute(cycle) == COMPUTED
    head = CycleResult.objects.get(cycle=cycle)
    sets = shown_sets_read(cycle)
    assert results_compute(cycle) == UNCHANGED  # a task run twice, or by two workers
    again = CycleResult.objects.get(cycle=cycle)
    assert again.fingerprint == head.fingerprint
    assert shown_sets_read(cycle) == sets
    assert CycleResultPart.objects.filter(result=again).count() == 3 + 1  # teams, department


def test_the_worker_stores_what_the_anonymity_rules_produced_and_remembers_the_same_sets(bank):
    cycle, _teams = released_org_make(bank, teams=3, respondents=4)
    expected = aggregation.cycle_results_compute(cycle, previous=None, remembered={})
    assert results_ready(cycle) == COMPUTED
    stored = results_read(cycle, detail=True)
    assert stored == expected.report.__class__(
        **{**expected.report.__dict__, "computed_at": stored.computed_at}
    )
    assert shown_sets_read(cycle) == expected.shown_sets


def test_a_team_read_reads_its_own_row_whatever_the_number_of_teams(bank):
    small, small_teams = released_org_make(bank, teams=3, respondents=3)
    large, large_teams = released_org_make(bank, teams=40, respondents=3)
    for cycle in (small, large):
        results_compute(cycle)
    costs = []
    for cycle, teams in ((small, small_teams), (large, large_teams)):
        results_read(cycle, teams={teams[0].pk})  # the organisation's summary, parsed once
        with CaptureQueriesContext(connection) as queries:
            report = results_read(cycle, teams={teams[1].pk}, detail=True)
        assert [t.team_id for t in report.teams] == [teams[1].pk]
        assert report.teams[0].detail
        costs.append(len(queries))
        part_query = next(q["sql"] for q in queries if "cycleresultpart" in q["sql"].lower())
        assert '"group_id" IN' in part_query
    assert costs[0] == costs[1]


@pytest.mark.django_db(transaction=True)
def test_a_preparing_page_shows_no_more_than_the_ready_page_does(client, bank, worker_queue):
    """A leader comparing the page while the worker runs with the page once it has: the count
    shown meanwhile is the ready page's count plus the responses it says are held back."""
    leader = user_make("lead@example.com")
    cycle, teams = released_org_make(bank, teams=2, respondents=4, leader=leader)
    while_preparing = report_for_viewer(cycle=cycle, user=leader, team_id=teams[0].pk)
    assert while_preparing.hidden_reason == REASON_PREPARING
    prep = while_preparing.team(teams[0].pk)
    assert all(p.mean is None for p in prep.pillars)
    assert prep.strengths == ()
    assert all(p.comments == () for p in prep.pillars)
    worker_run()
    ready = report_for_viewer(cycle=cycle, user=leader, team_id=teams[0].pk).team(teams[0].pk)
    assert prep.n == ready.n + ready.held_back


def test_the_status_answer_is_for_signed_in_people_only(client, bank):
    cycle, _teams = released_org_make(bank, teams=1, respondents=3)
    status = reverse("assessments:results-status", args=[cycle.pk])
    assert client.get(status).status_code == 302


def test_the_demo_has_its_released_results_ready_without_a_worker(bank, demo_day, worker_queue):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ended = list(Cycle.objects.ended())
    assert ended
    assert all(results_are_ready(cycle) for cycle in ended)
    assert queued() == 0


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_with_retry_after_until_the_worker_is_done(
    client, bank, hr_user, worker_queue
):
    cycle, _teams = released_org_make(bank, teams=2, respondents=4)
    client.force_login(hr_user)
    url = f"/api/cycles/{cycle.slug}/scores"
    waiting = client.get(url)
    assert waiting.status_code == 503
    assert waiting["Retry-After"] == "30"
    worker_run()
    ready = client.get(url)
    assert ready.status_code == 200
    assert ready.json()["teams"][0]["pillars"]


@pytest.mark.django_db(transaction=True)
def test_a_pdf_asked_for_while_preparing_says_so_instead_of_a_404(client, bank, worker_queue):
    leader = user_make("lead@example.com")
    cycle, teams = released_org_make(bank, teams=2, respondents=4, leader=leader)
    client.force_login(leader)
    url = reverse("assessments:team-report-pdf", args=[cycle.pk, teams[0].pk])
    waiting = client.get(url)
    assert waiting.status_code == 503
    assert "being prepared" in waiting.text
    other = reverse("assessments:team-report-pdf", args=[cycle.pk, teams[1].pk])
    assert client.get(other).status_code == 404  # not theirs: as before, whatever the state
