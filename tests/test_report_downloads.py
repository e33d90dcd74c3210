"""Who may download which PDF, the bulk zip job on the real task queue, render_reports."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from assessments.models import AuditEvent, Cycle, ReportJob
from tests.builders import report_answers_add, report_cycle_make, report_team_make, user_make
from tests.pdf_text import pdf_text


@pytest.fixture
def org(bank, leader_a):
    cycle = report_cycle_make(bank)
    mine = report_team_make(cycle, "Platform", leader=leader_a)
    report_answers_add(cycle, mine, values=[5, 4, 4, 3, 4, 5], comments=["Clear goals."] * 5)
    other = report_team_make(cycle, "Mobile")
    report_answers_add(cycle, other, values=[3, 3, 2, 4, 3])
    return cycle, mine, other


def url_team(cycle, team, **query):
    url = reverse("assessments:team-report-pdf", args=[cycle.pk, team.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_hr_downloads_any_team_pdf_as_an_attachment_and_it_is_audited(client, hr_user, org):
    cycle, _, other = org
    client.force_login(hr_user)
    response = client.get(url_team(cycle, other))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == ('attachment; filename="pillars-2026-q2-mobile.pdf"')
    assert "Mobile" in pdf_text(response.content)
    event = AuditEvent.objects.get(action="report.downloaded")
    assert event.actor == hr_user
    assert event.detail["team_id"] == other.pk


def test_a_leader_downloads_their_own_team_pdf_after_release(client, leader_a, org):
    cycle, mine, _ = org
    client.force_login(leader_a)
    response = client.get(url_team(cycle, mine, size="letter"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")


def test_a_leader_gets_404_for_another_team_and_before_release(client, leader_a, org):
    cycle, mine, other = org
    client.force_login(leader_a)
    assert client.get(url_team(cycle, other)).status_code == 404
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    assert client.get(url_team(cycle, mine)).status_code == 404


def test_hr_finds_and_downloads_every_pdf_of_a_closed_unreleased_cycle_a_leader_nothing(
    client, hr_user, leader_a, org
):
    cycle, mine, _ = org
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    reports_page = reverse("assessments:report-jobs", args=[cycle.pk])
    org_pdf = reverse("assessments:org-report-pdf", args=[cycle.pk])
    dashboard = reverse("assessments:team-dashboard", args=[cycle.slug, mine.slug])
    client.force_login(hr_user)

    # The cycle page leads to the reports page, which offers the organisation PDF; the
    # organisation dashboard leads to the team's dashboard, which offers the team PDF.
    assert reports_page in client.get(reverse("assessments:hr-cycle", args=[cycle.pk])).text
    assert org_pdf in client.get(reports_page).text
    org_page = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug}).text
    assert dashboard in org_page
    assert url_team(cycle, mine) in client.get(dashboard).text
    for url in (url_team(cycle, mine), org_pdf):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"

    client.force_login(leader_a)
    assert client.get(url_team(cycle, mine)).status_code == 404
    leader_page = client.get(dashboard)
    assert leader_page.status_code == 200
    assert url_team(cycle, mine) not in leader_page.text


def test_nobody_gets_a_pdf_while_the_cycle_is_open(client, hr_user, org):
    cycle, mine, _ = org
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.OPEN)
    client.force_login(hr_user)
    assert client.get(url_team(cycle, mine)).status_code == 404
    url = reverse("assessments:org-report-pdf", args=[cycle.pk])
    assert client.get(url).status_code == 404


def test_the_organisation_pdf_is_for_hr_only(client, hr_user, leader_a, org):
    cycle, _, _ = org
    url = reverse("assessments:org-report-pdf", args=[cycle.pk])
    client.force_login(leader_a)
    assert client.get(url).status_code == 404
    client.force_login(hr_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "pillars-2026-q2-organisation.pdf" in response["Content-Disposition"]


def test_anonymous_visitors_are_sent_to_sign_in(client, org):
    cycle, mine, _ = org
    response = client.get(url_team(cycle, mine))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# A real transaction: the worker (in this process) checks out tasks with its own transactions.
@pytest.mark.django_db(transaction=True)
def test_the_zip_job_runs_on_the_worker_and_offers_every_report_to_hr(
    client, hr_user, leader_a, org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    cycle, _, _ = org
    client.force_login(hr_user)
    response = client.post(reverse("assessments:report-jobs", args=[cycle.pk]))
    job = ReportJob.objects.get()
    assert response["Location"] == reverse("assessments:report-job", args=[job.pk])
    assert job.state == ReportJob.State.QUEUED
    page = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in page.content.decode()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE
    assert (job.done, job.total, job.failures) == (3, 3, [])
    page = client.get(reverse("assessments:report-job", args=[job.pk]))
    assert "every 2s" not in page.content.decode()
    download = reverse("assessments:report-job-download", args=[job.pk])
    assert download in page.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "pillars-2026-q2-mobile.pdf",
        "pillars-2026-q2-organisation.pdf",
        "pillars-2026-q2-platform.pdf",
    ]
    assert "Platform" in pdf_text(archive.read("pillars-2026-q2-platform.pdf"))
    client.force_login(leader_a)
    assert client.get(download).status_code == 404


def test_a_failed_team_is_recorded_and_the_others_still_make_the_zip(
    hr_user, org, settings, tmp_path
):
    from assessments.reports.jobs import report_job_build

    settings.MEDIA_ROOT = tmp_path
    cycle, _, _ = org
    job = ReportJob.objects.create(cycle=cycle, requested_by=hr_user)
    # An unknown page size makes every render fail: the job records each and still finishes.
    report_job_build(job, page_size="tabloid")
    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE
    assert job.done == job.total == 3
    assert [f["team"] for f in job.failures] == ["Mobile", "Platform", "organisation"]
    assert zipfile.ZipFile(job.file.path).namelist() == []


def test_render_reports_writes_one_pdf_per_team_and_the_organisation(org, tmp_path):
    out = io.StringIO()
    call_command("render_reports", "--cycle", "2026 Q2", "--output", str(tmp_path), stdout=out)
    names = sorted(path.name for path in Path(tmp_path).iterdir())
    assert names == [
        "pillars-2026-q2-mobile.pdf",
        "pillars-2026-q2-organisation.pdf",
        "pillars-2026-q2-platform.pdf",
    ]
    call_command(
        "render_reports",
        "--cycle",
        "2026 Q2",
        "--output",
        str(tmp_path / "one"),
        "--team",
        "Mobile",
        stdout=out,
    )
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["pillars-2026-q2-mobile.pdf"]


def test_render_reports_fails_for_an_unknown_cycle_or_an_open_one(org, tmp_path):
    cycle, _, _ = org
    with pytest.raises(CommandError, match="No cycle"):
        call_command("render_reports", "--cycle", "Nope", "--output", str(tmp_path))
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.OPEN)
    with pytest.raises(CommandError, match="open"):
        call_command("render_reports", "--cycle", "2026 Q2", "--output", str(tmp_path))


def test_a_leader_cannot_reach_hr_exports_or_jobs(client, org):
    cycle, _, _ = org
    client.force_login(user_make("someone@example.com"))
    for url in [
        reverse("assessments:report-jobs", args=[cycle.pk]),
        reverse("assessments:cycle-export", args=[cycle.pk, "scores", "csv"]),
    ]:
        assert client.get(url).status_code == 404
