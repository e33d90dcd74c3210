"""Zips of every team's reports go after PILLARS_REPORT_ZIP_DAYS, when replaced, or with their
cycle; the pages then say so instead of offering a broken link. Real files in a temp MEDIA_ROOT."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from assessments.models import AuditEvent, Cycle, ReportJob
from assessments.privacy.retention import retention_apply
from assessments.reports.zips import AUDIT_ACTION, TRIGGER_RETENTION, report_zips_clean
from tests.builders import report_answers_add, report_cycle_make, report_team_make

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
DAYS = 7


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    settings.PILLARS_REPORT_ZIP_DAYS = DAYS
    return tmp_path


def cycle_make(bank, name: str = "2026 Q2", state: str = Cycle.State.CLOSED) -> Cycle:
    return Cycle.objects.create(name=name, slug=slugify(name), bank=bank, state=state)


def zip_job_make(cycle: Cycle, *, finished_at: dt.datetime, user=None) -> ReportJob:
    """A finished job with a real zip file in MEDIA_ROOT/reports/."""
    job = ReportJob(cycle=cycle, requested_by=user, state=ReportJob.State.DONE, total=2, done=2)
    job.file.save(f"pillars-{cycle.slug}.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=False)
    job.finished_at = finished_at
    job.save()
    return job


def on_disk(job: ReportJob, media: Path) -> bool:
    return (media / job.file.name).is_file()


def zip_names(media: Path) -> list[str]:
    folder = media / "reports"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --- Expiry ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_zip_is_kept_until_its_days_are_up_and_deleted_at_that_moment(bank, media):
    job = zip_job_make(cycle_make(bank), finished_at=T0)
    name = job.file.name
    deadline = T0 + dt.timedelta(days=DAYS)
    assert job.expires_at == deadline

    almost = report_zips_clean(trigger=TRIGGER_RETENTION, now=deadline - dt.timedelta(seconds=1))

    assert almost.count == 0
    assert on_disk(job, media)
    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE

    cleanup = report_zips_clean(trigger=TRIGGER_RETENTION, now=deadline)

    assert cleanup.count == 1
    assert not (media / name).exists()
    job.refresh_from_db()
    assert (job.state, job.file.name, job.file_deleted_at) == (
        ReportJob.State.EXPIRED,
        "",
        deadline,
    )


@pytest.mark.django_db
def test_each_deletion_is_audited_by_the_system_with_job_cycle_file_and_reason(bank, media):
    cycle = cycle_make(bank)
    job = zip_job_make(cycle, finished_at=T0)
    name = job.file.name

    report_zips_clean(trigger=TRIGGER_RETENTION, now=T0 + dt.timedelta(days=30))

    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert event.actor_label == "system"
    assert event.detail == {
        "trigger": "apply_retention",
        "deleted": [
            {
                "job_id": job.pk,
                "cycle_id": cycle.pk,
                "cycle": "2026 Q2",
                "file": name,
                "reason": "expired",
            }
        ],
    }


@pytest.mark.django_db
def test_a_clean_up_that_deletes_nothing_records_nothing(bank, media):
    zip_job_make(cycle_make(bank), finished_at=T0)
    report_zips_clean(trigger=TRIGGER_RETENTION, now=T0 + dt.timedelta(days=1))
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_zero_days_keeps_zips_until_a_newer_one_replaces_them(bank, media, settings):
    settings.PILLARS_REPORT_ZIP_DAYS = 0
    cycle = cycle_make(bank)
    old = zip_job_make(cycle, finished_at=T0)
    later = T0 + dt.timedelta(days=400)

    assert report_zips_clean(trigger=TRIGGER_RETENTION, now=later).count == 0
    assert old.expires_at is None
    assert on_disk(old, media)

    new = zip_job_make(cycle, finished_at=later)
    report_zips_clean(trigger=TRIGGER_RETENTION, now=later)

    old.refresh_from_db()
    assert old.state == ReportJob.State.REPLACED
    assert zip_names(media) == [Path(new.file.name).name]


# --- Supersession ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_newer_finished_zip_replaces_the_older_ones_of_its_cycle_only(bank, media):
    q2 = cycle_make(bank, "2026 Q2")
    q3 = cycle_make(bank, "2026 Q3")
    first = zip_job_make(q2, finished_at=T0)
    second = zip_job_make(q2, finished_at=T0 + dt.timedelta(hours=1))
    newest = zip_job_make(q2, finished_at=T0 + dt.timedelta(hours=2))
    other_cycle = zip_job_make(q3, finished_at=T0)
    running = ReportJob.objects.create(cycle=q2, state=ReportJob.State.RUNNING)

    cleanup = report_zips_clean(trigger=TRIGGER_RETENTION, now=T0 + dt.timedelta(hours=3))

    assert sorted((e["job_id"], e["reason"]) for e in cleanup.deleted) == [
        (first.pk, "replaced"),
        (second.pk, "replaced"),
    ]
    states = dict(ReportJob.objects.values_list("pk", "state"))
    assert states == {
        first.pk: "replaced",
        second.pk: "replaced",
        newest.pk: "done",
        other_cycle.pk: "done",
        running.pk: "running",
    }
    assert zip_names(media) == sorted(Path(job.file.name).name for job in (newest, other_cycle))


@pytest.mark.django_db
def test_a_job_that_finishes_replaces_the_previous_zip_at_once(bank, hr_user, media):
    from assessments.reports.jobs import report_job_build

    cycle = report_cycle_make(bank)
    team = report_team_make(cycle, "Platform")
    report_answers_add(cycle, team, values=[4, 4, 3])
    previous = zip_job_make(cycle, finished_at=timezone.now() - dt.timedelta(hours=1))
    job = ReportJob.objects.create(cycle=cycle, requested_by=hr_user)

    # An unknown page size makes every render fail fast; the job still finishes with a zip.
    report_job_build(job, page_size="tabloid")

    previous.refresh_from_db()
    assert previous.state == ReportJob.State.REPLACED
    assert zip_names(media) == [Path(job.file.name).name]
    assert AuditEvent.objects.get(action=AUDIT_ACTION).detail["trigger"] == "job finished"


@pytest.mark.django_db
def test_starting_a_new_zip_deletes_the_expired_ones_without_cron(client, bank, hr_user, media):
    cycle = cycle_make(bank)
    old = zip_job_make(cycle, finished_at=timezone.now() - dt.timedelta(days=DAYS, minutes=1))
    name = old.file.name
    client.force_login(hr_user)

    response = client.post(reverse("assessments:report-jobs", args=[cycle.pk]))

    assert response.status_code == 302
    assert not (media / name).exists()
    old.refresh_from_db()
    assert old.state == ReportJob.State.EXPIRED
    assert AuditEvent.objects.get(action=AUDIT_ACTION).detail["trigger"] == "job started"


# --- Files without a job, and jobs deleted with their cycle ---------------------------------


@pytest.mark.django_db
def test_a_file_no_job_refers_to_is_deleted_once_a_day_old(bank, media):
    folder = media / "reports"
    folder.mkdir()
    stale, fresh = folder / "pillars-left-behind.zip", folder / "pillars-being-saved.zip"
    stale.write_bytes(b"zip")
    fresh.write_bytes(b"zip")
    # Ages on the app's clock, not the file system's (the suite also runs with the clock moved).
    now = timezone.now()
    day_old = (now - dt.timedelta(days=1, minutes=1)).timestamp()
    just_written = (now - dt.timedelta(minutes=1)).timestamp()
    os.utime(stale, (day_old, day_old))
    os.utime(fresh, (just_written, just_written))

    cleanup = report_zips_clean(trigger=TRIGGER_RETENTION)

    assert [(e["file"], e["reason"]) for e in cleanup.deleted] == [
        ("reports/pillars-left-behind.zip", "no job")
    ]
    assert zip_names(media) == ["pillars-being-saved.zip"]


@pytest.mark.django_db
def test_deleting_a_cycle_deletes_its_zips_when_the_deletion_commits(
    bank, media, django_capture_on_commit_callbacks
):
    cycle = cycle_make(bank)
    kept = zip_job_make(cycle_make(bank, "2026 Q3"), finished_at=timezone.now())
    job = zip_job_make(cycle, finished_at=timezone.now())
    name, cycle_id = job.file.name, cycle.pk

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cycle.delete()
    assert (media / name).exists()  # not before the deletion is committed
    for callback in callbacks:
        callback()

    assert not (media / name).exists()
    assert zip_names(media) == [Path(kept.file.name).name]
    event = AuditEvent.objects.get(action=AUDIT_ACTION)
    assert event.detail["deleted"] == [
        {"job_id": job.pk, "cycle_id": cycle_id, "file": name, "reason": "job deleted"}
    ]


# --- The pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_expiry_the_pages_say_so_and_offer_a_new_zip_instead_of_a_link(
    client, bank, hr_user, media
):
    cycle = cycle_make(bank)
    job = zip_job_make(cycle, finished_at=timezone.now() - dt.timedelta(days=DAYS + 1))
    retention_apply()
    download = reverse("assessments:report-job-download", args=[job.pk])
    build = reverse("assessments:report-jobs", args=[cycle.pk])
    client.force_login(hr_user)

    jobs_page = client.get(build).content.decode()
    assert ">Expired<" in jobs_page
    assert download not in jobs_page

    job_page = client.get(reverse("assessments:report-job", args=[job.pk])).content.decode()
    assert download not in job_page
    assert "This zip was deleted 7 days after it was made" in job_page
    assert f'action="{build}"' in job_page
    assert "Build a new zip" in job_page
    assert "every 2s" not in job_page

    response = client.get(download)
    assert response.status_code == 410
    assert "This zip was deleted 7 days after it was made" in response.content.decode()
    assert not AuditEvent.objects.filter(action="report.downloaded").exists()


@pytest.mark.django_db
def test_a_zip_past_its_time_is_not_served_even_before_the_clean_up_runs(
    client, bank, hr_user, media
):
    job = zip_job_make(cycle_make(bank), finished_at=timezone.now() - dt.timedelta(days=DAYS))
    client.force_login(hr_user)

    response = client.get(reverse("assessments:report-job-download", args=[job.pk]))

    assert response.status_code == 410
    jobs_page = client.get(reverse("assessments:report-jobs", args=[job.cycle_id]))
    assert ">Expired<" in jobs_page.content.decode()


@pytest.mark.django_db
def test_a_replaced_zip_points_to_the_newer_one(client, bank, hr_user, media):
    cycle = cycle_make(bank)
    old = zip_job_make(cycle, finished_at=timezone.now() - dt.timedelta(hours=2))
    new = zip_job_make(cycle, finished_at=timezone.now() - dt.timedelta(hours=1))
    report_zips_clean(trigger=TRIGGER_RETENTION)
    client.force_login(hr_user)

    response = client.get(reverse("assessments:report-job-download", args=[old.pk]))
    assert response.status_code == 410
    assert "a newer zip of this cycle replaced it" in response.content.decode()

    jobs_page = client.get(reverse("assessments:report-jobs", args=[cycle.pk])).content.decode()
    assert "Replaced by a newer zip" in jobs_page
    assert reverse("assessments:report-job-download", args=[new.pk]) in jobs_page
    assert reverse("assessments:report-job-download", args=[old.pk]) not in jobs_page


@pytest.mark.django_db
def test_a_zip_within_its_days_downloads_and_says_until_when(client, bank, hr_user, media):
    job = zip_job_make(cycle_make(bank), finished_at=T0.replace(year=timezone.now().year + 1))
    client.force_login(hr_user)

    page = client.get(reverse("assessments:report-job", args=[job.pk])).content.decode()
    assert "This one is kept until" in page
    assert "deleted 7 days after it is made" in page
    response = client.get(reverse("assessments:report-job-download", args=[job.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")


@pytest.mark.django_db
def test_a_zip_file_missing_from_storage_is_gone_not_a_server_error(client, bank, hr_user, media):
    job = zip_job_make(cycle_make(bank), finished_at=timezone.now())
    (media / job.file.name).unlink()
    client.force_login(hr_user)

    response = client.get(reverse("assessments:report-job-download", args=[job.pk]))

    assert response.status_code == 410
    assert "This zip is no longer available." in response.content.decode()


# --- apply_retention ------------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_retention_deletes_old_zips_and_says_how_many(bank, media):
    cycle = cycle_make(bank)
    old = zip_job_make(cycle, finished_at=timezone.now() - dt.timedelta(days=DAYS + 2))
    name = old.file.name
    out = StringIO()

    call_command("apply_retention", "--dry-run", stdout=out)

    assert "Would delete 1 report zips (older than 7 days" in out.getvalue()
    assert (media / name).exists()
    assert not AuditEvent.objects.exists()

    out = StringIO()
    call_command("apply_retention", stdout=out)

    assert "Deleted 1 report zips (older than 7 days, replaced by a newer zip" in out.getvalue()
    assert not (media / name).exists()
    assert AuditEvent.objects.get(action="retention.apply").detail["report_zips_deleted"] == 1
    assert AuditEvent.objects.get(action=AUDIT_ACTION).actor_label == "system"

    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "Deleted 0 report zips" in out.getvalue()
