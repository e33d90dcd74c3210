"""Two app servers and two workers on one PostgreSQL (issue 16): a small run of the cluster
benchmark's own parts (``benchmarks/cluster.py``), so the set-up it measures keeps working.

Respondents answer whole surveys (or resume one answered earlier and submit it) through two
gunicorns, every click on the other one, one of them pressing submit twice at once on both and
one opening their link again; the workers send
an email run meanwhile and compute the results when the cycle closes.
"""

from __future__ import annotations

import pytest
from django.db import connection

from assessments.hr.cycles import cycle_close
from assessments.hr.email_runs import email_run_start
from assessments.models import EmailRun
from assessments.results.stored import results_are_ready
from benchmarks.cluster import (
    cluster_env,
    cluster_running,
    cluster_seed,
    load_drive,
    submissions_check,
    tasks_check,
)
from tests.test_workers import _database_url, emailed_addresses, wait_for

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: several app servers and workers share one database server",
)

RESPONDENTS = 6
EMAILS = 20


@pytest.mark.django_db(transaction=True)
def test_two_app_servers_and_two_workers_take_every_submission_once_without_an_error(
    bank, tmp_path, settings
):
    settings.PILLARS_RESULTS_TASKS_BACKEND = "default"  # the workers compute, as in production
    seeded = cluster_seed(respondents=RESPONDENTS, emails=EMAILS, answered=0.5)
    env = cluster_env(_database_url(), tmp_path)
    with cluster_running(env, web_workers=1) as cluster:
        run, _ = email_run_start(cycle=seeded.email_cycle, kind=EmailRun.Kind.INVITATION, user=None)
        load = load_drive(
            cluster.ports, seeded.tokens, rate=3, clients=RESPONDENTS, answered=seeded.answered
        )
        cycle_close(cycle=seeded.cycle, actor=None)
        wait_for(lambda: results_are_ready(seeded.cycle), seconds=60, what="the results")
        wait_for(
            lambda: EmailRun.objects.filter(pk=run.pk, state=EmailRun.State.DONE).exists(),
            seconds=60,
            what="the email run",
        )
        wait_for(lambda: not tasks_check(), seconds=30, what="every task recorded as done")
        logged = cluster.errors_logged()

    assert load.tally.errors == []
    assert logged == []
    assert dict(load.tally.outcomes) == {
        "submitted": RESPONDENTS,
        "submitted twice at once: one submission, one clear refusal": 1,
        "replayed, told already submitted": 1,
    }
    assert submissions_check(cycle=seeded.cycle, invitations=RESPONDENTS) == []
    emailed = emailed_addresses(tmp_path / "mail")
    assert len(emailed) == len(set(emailed)) == EMAILS  # each person once
