"""Bulk PDFs: every team's report of a cycle (and the organisation's) in one zip, built by a worker.

The work runs as a django-tasks task on the database backend (``manage.py db_worker``; ``make
run`` starts one). A :class:`~assessments.models.ReportJob` row tracks it for the page that
polls: ``total``, ``done``, ``failures`` and, at the end, the zip in the ``"zips"`` storage. The
zip is made of the PDFs the worker stored with the results (:mod:`assessments.reports.ready`);
only those not stored yet are rendered here.
A team whose PDF fails is listed in ``failures`` and the rest carry on. Starting a job and
finishing one run :func:`assessments.reports.zips.report_zips_clean`, which deletes zips past
``PILLARS_REPORT_ZIP_DAYS`` and those a newer zip of their cycle replaces.

A worker can die mid-job (a deploy, the OOM killer) and leave its job queued or running for ever.
The worker stamps ``progressed_at`` whenever it picks a job up and after every report, so a job
without a stamp for ``PILLARS_REPORT_JOB_STALL_MINUTES`` has lost its worker:
``ReportJob.stop_if_stalled`` (called by the pages that show jobs, so no cron is needed) marks it
failed and stopped, and the pages offer a new zip.

Each team's PDF is in its leader's language, the organisation's in the language of whoever
asked for the zip.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from assessments.models import ReportJob, Team
from assessments.reports import content, ready
from assessments.reports.zips import TRIGGER_JOB_FINISHED, TRIGGER_JOB_STARTED, report_zips_clean
from assessments.results.access import report_for_viewer
from assessments.results.translated import report_translated
from leadership.languages import BANK_LANGUAGE, language_default, language_of, user_language

if TYPE_CHECKING:
    from assessments.models import Cycle
    from assessments.results.report import CycleReport

logger = logging.getLogger(__name__)

ORG_LABEL = "organisation"


def _zips_clean(*, trigger: str) -> None:
    # Housekeeping must never stop HR from getting a zip; apply_retention reports its errors.
    try:
        report_zips_clean(trigger=trigger)
    except Exception:
        logger.exception("Cleaning up old report zips failed (%s)", trigger)


def report_job_start(*, cycle: Cycle, user: Any, page_size: str | None = None) -> ReportJob:
    """Create the job row and enqueue its task once the row is committed; delete old zips."""
    _zips_clean(trigger=TRIGGER_JOB_STARTED)
    job = ReportJob.objects.create(cycle=cycle, requested_by=user)
    size = page_size or ""
    transaction.on_commit(lambda: report_job_run.enqueue(job_id=job.pk, page_size=size))
    return job


def _failure(label: str, error: BaseException) -> dict[str, str]:
    return {"team": label, "error": f"{type(error).__name__}: {error}"[:300]}


def _progress_save(job: ReportJob, *fields: str) -> None:
    # Unconditional, unlike an email run's: a worker still alive finishes its zip even if a page
    # stopped the job meanwhile (a second zip harms nobody; a second email round would).
    job.progressed_at = timezone.now()
    job.save(update_fields=[*fields, "progressed_at"])


def _leader_languages(team_ids: list[int]) -> dict[int, str]:
    """Team id → the language of its first leader's account (by account age), if they chose."""
    rows = (
        Team.leaders.through.objects.filter(team_id__in=team_ids)
        .order_by("user_id")
        .values_list("team_id", "user__profile__language")
    )
    languages: dict[int, str] = {}
    for team_id, language in rows:
        if team_id not in languages:
            languages[team_id] = language_of(language)
    return languages


def report_job_build(job: ReportJob, *, page_size: str | None = None) -> ReportJob:
    """Render every team's PDF and the organisation's into one zip; record progress as it goes."""
    job.state = ReportJob.State.RUNNING
    _progress_save(job, "state")
    try:
        with translation.override(BANK_LANGUAGE):
            report = report_for_viewer(cycle=job.cycle, user=None, detail=True)
        # Each team's PDF in its leader's language; the organisation's in the requester's.
        readers = _leader_languages([team.team_id for team in report.teams])
        worded: dict[str, CycleReport] = {}

        def in_language(language: str) -> CycleReport:
            if language not in worded:
                with translation.override(language):
                    worded[language] = report_translated(report, cycle=job.cycle)
            return worded[language]

        if not report.scores_visible:
            raise PermissionError("Scores are not available while the cycle is open.")
        job.total = len(report.teams) + 1
        job.done = 0
        job.failures = []
        _progress_save(job, "total", "done", "failures")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "reports.zip"
            with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for team in report.teams:
                    name = content.report_filename(
                        cycle_name=report.cycle_name, team_name=team.name
                    )
                    language = readers.get(team.team_id) or language_default()
                    try:
                        with translation.override(language):
                            local = in_language(language)
                            pdf = ready.team_pdf_bytes(
                                report=local,
                                team=local.team(team.team_id) or team,
                                page_size=page_size,
                            )
                    except Exception as error:  # one team's failure must not stop the others
                        logger.exception("Team report failed: %s", team.name)
                        job.failures.append(_failure(team.name, error))
                    else:
                        archive.writestr(name, pdf)
                    job.done += 1
                    _progress_save(job, "done", "failures")
                try:
                    language = user_language(job.requested_by)
                    with translation.override(language):
                        org_pdf = ready.org_pdf_bytes(
                            report=in_language(language), page_size=page_size
                        )
                except Exception as error:
                    logger.exception("Organisation report failed")
                    job.failures.append(_failure(ORG_LABEL, error))
                else:
                    archive.writestr(
                        content.report_filename(cycle_name=report.cycle_name, team_name=ORG_LABEL),
                        org_pdf,
                    )
                job.done += 1
            # The storage adds a random suffix when the name is taken.
            zip_name = content.report_filename(cycle_name=report.cycle_name, suffix="zip")
            with path.open("rb") as handle:
                job.file.save(zip_name, File(handle), save=False)
        job.state = ReportJob.State.DONE
    except Exception as error:
        logger.exception("Report job %s failed", job.pk)
        job.failures.append(_failure("", error))
        job.state = ReportJob.State.FAILED
    job.finished_at = job.progressed_at = timezone.now()
    job.stopped_at = None  # it finished after all, even if a page had given up on it
    job.save()
    if job.state == ReportJob.State.DONE:
        _zips_clean(trigger=TRIGGER_JOB_FINISHED)  # the zips this one replaces go now
    return job


@task()
def report_job_run(job_id: int, page_size: str = "") -> None:
    """The worker's entry point: build the zip of job ``job_id``."""
    job = ReportJob.objects.select_related("cycle").get(pk=job_id)
    if job.is_finished:
        # Stopped by a page while it waited for a worker; HR was offered a new zip instead.
        logger.info("Report job %s is %s: not built", job.pk, job.state)
        return
    report_job_build(job, page_size=page_size or None)
