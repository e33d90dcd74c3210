"""Report PDFs rendered by the worker once results are stored, streamed by downloads and zips,
deleted with the results; the same on the file system and on an S3 bucket (moto's server)."""

from __future__ import annotations

import datetime as dt
import io
import socket
import zipfile

import boto3
import pytest
from django.core.files.storage import storages
from django.test import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from assessments.models import Cycle, CycleResult, ReportFile, ReportJob
from assessments.models.files import ORGANISATION, reports_storage
from assessments.privacy.retention import retention_apply
from assessments.reports import ready
from assessments.reports.jobs import report_job_build
from assessments.reports.zips import TRIGGER_RETENTION, report_zips_clean
from assessments.results.stored import cycle_report, results_compute
from leadership.storage import REPORTS, ZIPS, s3_storage_options
from tests.builders import (
    answers_add,
    cycle_ended,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    team_with_members,
)
from tests.pdf_text import pdf_text


@pytest.fixture
def org(bank, leader_a, demo_day):
    cycle = report_cycle_make(bank)
    mine = report_team_make(cycle, "Platform", leader=leader_a)
    report_answers_add(cycle, mine, values=[5, 4, 4, 3, 4, 5], comments=["Clear goals."] * 5)
    other = report_team_make(cycle, "Mobile")
    report_answers_add(cycle, other, values=[3, 3, 2, 4, 3])
    return cycle, mine, other


def url_team(cycle, team):
    return reverse("assessments:team-report-pdf", args=[cycle.pk, team.pk])


def url_org(cycle):
    return reverse("assessments:org-report-pdf", args=[cycle.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_stored_results_queue_the_render_on_the_worker(org, django_capture_on_commit_callbacks):
    cycle, _, _ = org
    with django_capture_on_commit_callbacks(execute=True):
        cycle_report(cycle)
    planned = DBTaskResult.objects.get(task_path__endswith="report_files_plan")
    assert planned.args_kwargs["kwargs"] == {"cycle_id": cycle.pk}
    # On the worker, the plan splits the work so that every worker takes a share.
    assert ready.report_files_plan.call(cycle_id=cycle.pk) == 2
    chunks = DBTaskResult.objects.filter(task_path__endswith="report_files_task")
    assert sorted(len(task.args_kwargs["kwargs"]["team_ids"]) for task in chunks) == [1, 2]
    for task in chunks:
        ready.report_files_task.call(**task.args_kwargs["kwargs"])
    assert ReportFile.objects.filter(cycle=cycle).count() == 3


def test_the_worker_stores_every_team_and_the_organisation_under_ids_only(org):
    cycle, mine, other = org
    summary = ready.report_files_render(cycle=cycle)
    assert (summary.rendered, summary.failed) == (3, 0)
    rows = ReportFile.objects.filter(cycle=cycle)
    assert sorted(rows.values_list("team_id", flat=True)) == sorted(
        [mine.pk, other.pk, ORGANISATION]
    )
    fingerprint = CycleResult.objects.get(cycle=cycle).fingerprint
    for row in rows:
        assert row.fingerprint == fingerprint
        assert reports_storage().exists(row.file.name)
        # Nothing about the team, its leader or the cycle's name: ids and a hash.
        for word in ("platform", "mobile", "2026", "leader", "q2"):
            assert word not in row.file.name.lower()
    # Run again (a retried task): nothing is rendered twice.
    again = ready.report_files_render(cycle=cycle)
    assert (again.rendered, again.kept) == (0, 3)


def test_a_download_streams_the_stored_file_holding_what_the_leader_sees(client, leader_a, org):
    cycle, mine, _ = org
    client.force_login(leader_a)
    rendered_now = client.get(url_team(cycle, mine))
    assert not rendered_now.streaming  # nothing stored yet: rendered in the request
    ready.report_files_render(cycle=cycle)
    stored = client.get(url_team(cycle, mine))
    assert stored.status_code == 200
    assert stored.streaming
    assert stored["Content-Disposition"] == 'attachment; filename="pillars-2026-q2-platform.pdf"'
    assert stored["Cache-Control"] == "private, no-store"
    data = body(stored)
    row = ReportFile.objects.get(cycle=cycle, team_id=mine.pk)
    with row.file.open("rb") as handle:
        assert data == handle.read()
    assert pdf_text(data) == pdf_text(rendered_now.content)
    assert "Mobile" not in pdf_text(data)


def test_a_leader_cannot_reach_another_teams_stored_file_by_any_address(client, leader_a, org):
    cycle, mine, other = org
    ready.report_files_render(cycle=cycle)
    client.force_login(leader_a)
    assert client.get(url_team(cycle, other)).status_code == 404
    assert client.get(url_org(cycle)).status_code in (302, 403, 404)
    # The storage is not served as static or media files under any address.
    for row in ReportFile.objects.filter(cycle=cycle):
        assert client.get("/" + row.file.name).status_code == 404
        assert client.get("/media/" + row.file.name).status_code == 404
    # Before release a leader gets nothing, stored file or not.
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    assert client.get(url_team(cycle, mine)).status_code == 404


def test_changed_results_are_never_served_from_an_older_file(
    client, hr_user, org, django_capture_on_commit_callbacks
):
    cycle, mine, _ = org
    ready.report_files_render(cycle=cycle)
    old = ReportFile.objects.get(cycle=cycle, team_id=mine.pk)
    late = report_team_make(cycle, "Data")
    report_answers_add(cycle, late, values=[1, 1, 1])  # a late import: the figures change
    client.force_login(hr_user)
    # Until the worker has stored the new results, pages and PDFs both show the stored ones.
    assert client.get(url_team(cycle, mine)).streaming
    results_compute(cycle)  # the worker's part
    response = client.get(url_team(cycle, mine))
    assert response.status_code == 200
    assert not response.streaming  # rendered from the new results, not the older file
    assert "Data" in pdf_text(body(client.get(url_org(cycle))))
    # The next render replaces the files and deletes the old one from the storage.
    with django_capture_on_commit_callbacks(execute=True):
        ready.report_files_render(cycle=cycle)
    assert not ReportFile.objects.filter(pk=old.pk).exists()
    assert not reports_storage().exists(old.file.name)
    assert client.get(url_team(cycle, mine)).streaming


def test_the_zip_is_built_from_the_stored_files(org, hr_user):
    cycle, mine, _ = org
    ready.report_files_render(cycle=cycle)
    job = report_job_build(ReportJob.objects.create(cycle=cycle, requested_by=hr_user))
    assert job.state == ReportJob.State.DONE
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        zipped = archive.read("pillars-2026-q2-platform.pdf")
    with ReportFile.objects.get(cycle=cycle, team_id=mine.pk).file.open("rb") as handle:
        assert zipped == handle.read()


def test_retention_deletes_the_files_of_results_that_are_gone(
    org, django_capture_on_commit_callbacks
):
    cycle, _, _ = org
    ready.report_files_render(cycle=cycle)
    names = list(ReportFile.objects.values_list("file", flat=True))
    CycleResult.objects.filter(cycle=cycle).delete()  # results_invalidate, a purge
    with django_capture_on_commit_callbacks(execute=True):
        summary = retention_apply()
    assert summary.report_files_deleted == 3
    assert not ReportFile.objects.exists()
    assert not any(reports_storage().exists(name) for name in names)


def test_deleting_a_cycle_deletes_its_files(org, django_capture_on_commit_callbacks):
    cycle, _, _ = org
    ready.report_files_render(cycle=cycle)
    names = list(ReportFile.objects.values_list("file", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        cycle.delete()
    assert not any(reports_storage().exists(name) for name in names)


# --- The same on S3: moto's server on a free local port ----------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    credentials = {"access_key": "testing", "secret_key": "testing"}
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket="pillars-test")
    entry = s3_storage_options(
        bucket="pillars-test", endpoint_url=s3_server, region="us-east-1", **credentials
    )
    with override_settings(STORAGES={**settings.STORAGES, REPORTS: entry, ZIPS: entry}):
        yield client
    for item in client.list_objects_v2(Bucket="pillars-test").get("Contents", []):
        client.delete_object(Bucket="pillars-test", Key=item["Key"])
    client.delete_bucket(Bucket="pillars-test")


def _keys(client) -> set[str]:
    return {
        item["Key"] for item in client.list_objects_v2(Bucket="pillars-test").get("Contents", [])
    }


def test_on_s3_files_are_private_objects_streamed_through_the_app_and_deleted_with_results(
    bucket, client, hr_user, org, django_capture_on_commit_callbacks
):
    assert type(storages[REPORTS]).__name__ == "S3Storage"
    cycle, mine, _ = org
    ready.report_files_render(cycle=cycle)
    row = ReportFile.objects.get(cycle=cycle, team_id=mine.pk)
    assert row.file.name in _keys(bucket)
    grants = bucket.get_object_acl(Bucket="pillars-test", Key=row.file.name)["Grants"]
    assert [grant["Grantee"].get("URI") for grant in grants] == [None]  # the owner only
    # No URL of the object is handed out (it would work for anyone holding it): the app streams.

    client.force_login(hr_user)
    response = client.get(url_team(cycle, mine))
    assert response.streaming
    assert "Platform" in pdf_text(body(response))

    job = report_job_build(ReportJob.objects.create(cycle=cycle, requested_by=hr_user))
    assert job.state == ReportJob.State.DONE
    assert job.file.name in _keys(bucket)
    download = client.get(reverse("assessments:report-job-download", args=[job.pk]))
    assert download.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(body(download))).namelist()

    CycleResult.objects.filter(cycle=cycle).delete()
    ReportJob.objects.filter(pk=job.pk).update(state=ReportJob.State.DONE)
    with (
        django_capture_on_commit_callbacks(execute=True),
        override_settings(PILLARS_REPORT_ZIP_DAYS=1),
    ):
        retention_apply()
        report_zips_clean(trigger=TRIGGER_RETENTION, now=job.finished_at + dt.timedelta(days=2))
    assert _keys(bucket) == set()


def test_retention_freezing_a_cycle_replaces_its_files_with_ones_of_the_frozen_results(
    bank, django_capture_on_commit_callbacks
):
    team = team_with_members("Platform", [])
    old = cycle_ended(bank, [team], days_ago=400)
    answers_add(old, team, count=4, value=4)
    ready.report_files_render(cycle=old)
    before = {row.team_id: row.file.name for row in ReportFile.objects.filter(cycle=old)}
    with django_capture_on_commit_callbacks(execute=True):
        summary = retention_apply(months=12)
    assert summary.cycles_purged == [old.name]
    # The frozen results have a fingerprint of their own: the old files go, a new render is queued.
    assert summary.report_files_deleted == len(before)
    assert not any(reports_storage().exists(name) for name in before.values())
    assert DBTaskResult.objects.filter(task_path__endswith="report_files_plan").exists()
    ready.report_files_render(cycle=old)
    frozen = CycleResult.objects.get(cycle=old).fingerprint
    assert set(ReportFile.objects.filter(cycle=old).values_list("fingerprint", flat=True)) == {
        frozen
    }


def test_the_organisation_pdf_ranks_questions_whether_stored_or_rendered_in_the_request(
    client, hr_user, org
):
    """Both the download rendered in the request and the worker's organisation task (which
    renders the organisation's PDF alone) read every team's questions, so the strongest and
    weakest questions of the organisation are listed, not left out."""
    cycle, _, _ = org
    client.force_login(hr_user)
    rendered_now = client.get(url_org(cycle))
    assert not rendered_now.streaming
    ready.report_files_render(cycle=cycle, team_ids=[ORGANISATION])
    stored = client.get(url_org(cycle))
    assert stored.streaming
    for data in (rendered_now.content, body(stored)):
        text = " ".join(pdf_text(data).split())
        assert "The organisation's strongest questions" in text
        assert "The organisation's questions with the most room to grow" in text
