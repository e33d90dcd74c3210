"""HR's "Reports and exports" page: every team's PDF, links to it, job badges and stopped jobs."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import Cycle, ReportJob, Team
from assessments.reports.jobs import report_job_build, report_job_run
from tests.builders import (
    released_org_make,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    user_make,
)

APP_CSS = Path(__file__).resolve().parents[1] / "static" / "css" / "app.css"


@pytest.fixture
def org(bank, leader_a):
    """Platform (6 answers, led by leader A) is shown; Mobile (2) and Tablet (1) are below k = 3
    (together 3, so Platform need not be hidden to keep them from being worked out)."""
    cycle = report_cycle_make(bank, state=Cycle.State.CLOSED)
    department = Team.objects.create(name="Engineering", slug="engineering", is_department=True)
    platform = report_team_make(cycle, "Platform", leader=leader_a, department=department)
    report_answers_add(cycle, platform, values=[5, 4, 4, 3, 4, 5])
    mobile = report_team_make(cycle, "Mobile")
    report_answers_add(cycle, mobile, values=[3, 4])
    report_answers_add(cycle, report_team_make(cycle, "Tablet"), values=[4])
    return cycle, platform, mobile


def reports_url(cycle) -> str:
    return reverse("assessments:report-jobs", args=[cycle.pk])


def team_pdf_url(cycle, team) -> str:
    return reverse("assessments:team-report-pdf", args=[cycle.pk, team.pk])


def row_of(html: str, team_name: str) -> str:
    """The table row whose header cell is the team's name."""
    match = re.search(rf'<tr[^>]*>\s*<th scope="row"[^>]*>{team_name}</th>.*?</tr>', html, re.S)
    assert match, f"no row for {team_name}"
    return match.group(0)


# --- the teams table --------------------------------------------------------------------------


def test_hr_sees_every_team_with_department_leader_responses_and_both_paper_sizes(
    client, hr_user, org
):
    cycle, platform, _ = org
    client.force_login(hr_user)
    html = client.get(reports_url(cycle)).text
    row = row_of(html, "Platform")
    assert "Engineering" in row
    assert "leader-a" in row  # the leader's name
    assert "<strong>6</strong>" in row  # responses
    assert "/ 6" in row  # invited
    assert "Scores shown" in row
    assert f'href="{team_pdf_url(cycle, platform)}"' in row
    assert f'href="{team_pdf_url(cycle, platform)}?size=letter"' in row
    form = re.search(rf'<form method="post" action="{reports_url(cycle)}">.*?</form>', html, re.S)
    assert form
    assert "Build the zip" in form.group(0)
    assert "csrfmiddlewaretoken" in form.group(0)


def test_a_team_removed_from_the_cycle_after_answering_keeps_its_leader(client, hr_user, org):
    cycle, platform, _ = org
    cycle.teams.remove(platform)
    client.force_login(hr_user)
    row = row_of(client.get(reports_url(cycle)).text, "Platform")
    assert "leader-a" in row


def test_each_pdf_link_names_its_team_for_screen_readers(client, hr_user, org):
    cycle, _, _ = org
    client.force_login(hr_user)
    row = row_of(client.get(reports_url(cycle)).text, "Platform")
    assert 'A4<span class="sr-only"> PDF of Platform</span>' in row
    assert 'Letter<span class="sr-only"> PDF of Platform</span>' in row


def test_a_team_below_k_is_marked_count_only_with_the_reason_and_still_gets_its_pdf(
    client, hr_user, org
):
    cycle, _, mobile = org
    client.force_login(hr_user)
    html = client.get(reports_url(cycle)).text
    row = row_of(html, "Mobile")
    assert "Count only" in row
    assert "Fewer responses than the minimum group size: only the count is shown." in row
    assert "2 show their count only" in html
    response = client.get(team_pdf_url(cycle, mobile))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_teams_are_listed_by_department_then_name(client, hr_user, bank):
    cycle = report_cycle_make(bank, state=Cycle.State.RELEASED)
    sales = Team.objects.create(name="Sales", slug="sales", is_department=True)
    ops = Team.objects.create(name="Operations", slug="operations", is_department=True)
    for name, department in (("Zeta", ops), ("North", sales), ("Alpha", None), ("Beta", ops)):
        report_answers_add(cycle, report_team_make(cycle, name, department=department), values=[4])
    client.force_login(hr_user)
    html = client.get(reports_url(cycle)).text
    names = re.findall(r'<th scope="row" class="rt-team">([^<]+)</th>', html)
    assert names == ["Beta", "Zeta", "North", "Alpha"]


def test_while_the_cycle_is_open_the_page_lists_no_pdfs(client, hr_user, org):
    cycle, platform, _ = org
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.OPEN)
    client.force_login(hr_user)
    html = client.get(reports_url(cycle)).text
    assert "Reports can be made once the cycle has closed" in html
    assert team_pdf_url(cycle, platform) not in html


def test_leaders_get_404_for_the_reports_page_even_of_their_own_team(client, leader_a, org):
    cycle, _, _ = org
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.RELEASED)
    client.force_login(leader_a)
    assert client.get(reports_url(cycle)).status_code == 404


def _page_queries(client, url: str) -> int:
    client.get(url)  # the first view computes and stores the results
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_page_issues_the_same_queries_for_3_and_30_teams(
    client, bank, hr_user, django_assert_num_queries
):
    leader = user_make("lead@example.com")
    # An earlier cycle first, so both measured cycles have a previous cycle to compare with.
    released_org_make(bank, teams=1, respondents=3, seed=3)
    small, small_teams = released_org_make(bank, teams=3, respondents=3, seed=1)
    large, large_teams = released_org_make(bank, teams=30, respondents=3, seed=2)
    for team in (*small_teams, *large_teams):
        team.leaders.add(leader)
    ReportJob.objects.create(cycle=small)
    ReportJob.objects.create(cycle=large)
    client.force_login(hr_user)
    client.get(reports_url(small))  # the first visit has the (test's immediate) worker compute
    budget = _page_queries(client, reports_url(small))
    client.get(reports_url(large))
    with django_assert_num_queries(budget):
        response = client.get(reports_url(large))
    assert response.text.count('class="rt-team"') == 30


# --- links to the page ------------------------------------------------------------------------


def test_the_organisation_dashboard_links_to_the_reports_page_of_its_cycle(client, hr_user, org):
    cycle, _, _ = org
    client.force_login(hr_user)
    html = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug}).text
    assert f'href="{reports_url(cycle)}"' in html


def test_the_organisation_dashboard_has_no_reports_link_while_the_cycle_is_open(
    client, hr_user, org
):
    cycle, _, _ = org
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.OPEN)
    client.force_login(hr_user)
    html = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug}).text
    assert reports_url(cycle) not in html


def test_the_cycle_page_links_to_the_reports_page(client, hr_user, org):
    cycle, _, _ = org
    client.force_login(hr_user)
    html = client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).text
    assert f'href="{reports_url(cycle)}"' in html


# --- stopped jobs -----------------------------------------------------------------------------


def job_make(cycle, *, state=ReportJob.State.RUNNING, minutes_since_progress: int, done=2):
    job = ReportJob.objects.create(cycle=cycle, state=state, total=4, done=done)
    then = timezone.now() - dt.timedelta(minutes=minutes_since_progress)
    ReportJob.objects.filter(pk=job.pk).update(created_at=then, progressed_at=then)
    job.refresh_from_db()
    return job


def test_a_job_without_progress_past_the_limit_is_shown_stopped_and_stored_failed(
    client, hr_user, org, settings
):
    settings.PILLARS_REPORT_JOB_STALL_MINUTES = 30
    cycle, _, _ = org
    job = job_make(cycle, minutes_since_progress=31)
    client.force_login(hr_user)
    html = client.get(reports_url(cycle)).text
    assert '<span class="badge badge-stopped">Stopped</span>' in html
    job.refresh_from_db()
    assert job.state == ReportJob.State.FAILED
    assert job.stopped_at is not None
    assert job.finished_at is not None


def test_a_stopped_job_page_explains_offers_a_new_zip_and_stops_polling(
    client, hr_user, org, settings
):
    settings.PILLARS_REPORT_JOB_STALL_MINUTES = 30
    cycle, _, _ = org
    job = job_make(cycle, state=ReportJob.State.QUEUED, minutes_since_progress=45, done=0)
    client.force_login(hr_user)
    # The page's own poll is what finds it: the answer no longer asks to be polled.
    html = client.get(
        reverse("assessments:report-job", args=[job.pk]), headers={"HX-Request": "true"}
    ).text
    assert "hx-trigger" not in html
    assert "Nothing happened to it for 30 minutes" in html
    assert "Build a new zip" in html
    assert f'action="{reports_url(cycle)}"' in html
    job.refresh_from_db()
    assert job.state == ReportJob.State.FAILED


def test_a_job_within_the_limit_keeps_polling(client, hr_user, org, settings):
    settings.PILLARS_REPORT_JOB_STALL_MINUTES = 30
    cycle, _, _ = org
    job = job_make(cycle, minutes_since_progress=29)
    client.force_login(hr_user)
    html = client.get(reverse("assessments:report-job", args=[job.pk])).text
    assert 'hx-trigger="every 2s"' in html
    job.refresh_from_db()
    assert job.state == ReportJob.State.RUNNING


def test_a_job_started_long_ago_that_keeps_progressing_is_never_stopped(org, settings):
    settings.PILLARS_REPORT_JOB_STALL_MINUTES = 30
    cycle, _, _ = org
    job = job_make(cycle, minutes_since_progress=120)
    seen = ReportJob.objects.get(pk=job.pk)  # a page reads it: stale...
    assert seen.is_stalled()
    # ...then the worker finishes one more report before the page writes.
    ReportJob.objects.filter(pk=job.pk).update(done=F("done") + 1, progressed_at=timezone.now())
    assert not seen.stop_if_stalled()
    job.refresh_from_db()
    assert (job.state, job.done, job.stopped_at) == (ReportJob.State.RUNNING, 3, None)


def test_the_worker_records_progress_after_every_report(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cycle, _, _ = org
    job = job_make(cycle, state=ReportJob.State.QUEUED, minutes_since_progress=120, done=0)
    with CaptureQueriesContext(connection) as captured:
        report_job_build(job)
    progress_writes = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("UPDATE") and '"done"' in q["sql"]
    ]
    # The start (total and done), one per team (3), and the final save.
    assert len(progress_writes) == 5
    assert all('"progressed_at"' in sql for sql in progress_writes)
    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE
    assert timezone.now() - job.progressed_at < dt.timedelta(minutes=1)


def test_a_worker_that_picks_up_a_stopped_job_later_does_not_build_it(org, settings):
    settings.PILLARS_REPORT_JOB_STALL_MINUTES = 30
    cycle, _, _ = org
    job = job_make(cycle, state=ReportJob.State.QUEUED, minutes_since_progress=60, done=0)
    assert job.stop_if_stalled()
    report_job_run.call(job_id=job.pk)
    job.refresh_from_db()
    assert job.state == ReportJob.State.FAILED
    assert job.shown_state == ReportJob.State.STOPPED
    assert not job.file


def test_zero_minutes_turns_the_check_off(org, settings):
    settings.PILLARS_REPORT_JOB_STALL_MINUTES = 0
    cycle, _, _ = org
    job = job_make(cycle, minutes_since_progress=10_000)
    assert not job.is_stalled()
    assert not job.stop_if_stalled()


# --- badge colours ----------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    if len(colour) == 4:  # #fff
        colour = "#" + "".join(c * 2 for c in colour[1:])
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _badge_colours(css: str, state: str) -> tuple[str, str]:
    tokens = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))

    def resolve(value: str) -> str:
        token = re.fullmatch(r"var\(--([\w-]+)\)", value.strip())
        return tokens[token.group(1)] if token else value.strip()

    rule = re.search(rf"\.badge-{state} \{{([^}}]*)\}}", css)
    assert rule, f"no .badge-{state} rule in app.css"
    found = re.findall(r"([\w-]+):\s*([^;]+);", rule.group(1))
    declarations = {name.strip(): value for name, value in found}
    return resolve(declarations["color"]), resolve(declarations["background"])


@pytest.mark.parametrize("state", [value for value, _ in ReportJob.State.choices])
def test_each_job_state_has_its_own_badge_with_text_contrast_of_at_least_4_5(state):
    css = APP_CSS.read_text()
    text, background = _badge_colours(css, state)
    assert _contrast(text, background) >= 4.5, (state, text, background)


def test_no_two_job_states_share_a_badge():
    css = APP_CSS.read_text()
    looks = {_badge_colours(css, value) for value, _ in ReportJob.State.choices}
    assert len(looks) == len(ReportJob.State.choices)


def test_a_cycle_without_questions_still_lists_its_teams(client, hr_user, bank):
    cycle = Cycle.objects.create(name="Empty", slug="empty", bank=bank, state=Cycle.State.CLOSED)
    report_team_make(cycle, "Platform")
    client.force_login(hr_user)
    response = client.get(reports_url(cycle))
    assert response.status_code == 200
    assert "Count only" in row_of(response.text, "Platform")


def test_a_failed_job_page_lists_what_failed_and_offers_to_try_again(client, hr_user, org):
    cycle, _, _ = org
    job = ReportJob.objects.create(
        cycle=cycle,
        state=ReportJob.State.FAILED,
        total=4,
        done=1,
        failures=[{"team": "", "error": "The disk is full."}],
        finished_at=timezone.now(),
    )
    client.force_login(hr_user)
    html = client.get(reverse("assessments:report-job", args=[job.pk])).text
    assert "The job: The disk is full." in html
    assert "Try again: build a new zip" in html
    assert "hx-trigger" not in html
