"""Two workers never compute the same cycle at once (issue 16): the one that holds the cycle's
claim row computes, the other waits and then finds the results stored; a worker killed with
SIGKILL mid-computation leaves the claim free for the next.

Real ``run_worker`` processes on PostgreSQL (row locks); on SQLite the claim is no lock at all
(SQLite has no row locks and serialises writes; two workers there may compute a cycle twice and
store the same figures), which the last test pins.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection, transaction
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from assessments.models import CycleResult, CycleResultClaim, CycleResultPart
from assessments.results.stored import COMPUTED, UNCHANGED, results_compute, results_compute_task
from tests.builders import released_org_make
from tests.test_workers import Workers, postgres_only, sweep_after_silence, wait_for

TASK = "results_compute_task"


def tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith=TASK).order_by("enqueued_at"))


def enqueue(cycle_id: int) -> None:
    results_compute_task.using(backend="default").enqueue(cycle_id=cycle_id)


def claim_is_held(cycle_id: int) -> bool:
    """Whether some other connection holds the cycle's claim (a worker computing it)."""
    try:
        with transaction.atomic():
            CycleResultClaim.objects.select_for_update(nowait=True).get(cycle_id=cycle_id)
    except OperationalError:
        return True
    except CycleResultClaim.DoesNotExist:
        return False
    return False


@pytest.fixture
def two_workers(tmp_path):
    running = Workers(tmp_path / "mail")
    yield running
    running.stop_all()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_given_the_same_cycle_compute_it_once_one_after_the_other(bank, two_workers):
    cycle, _teams = released_org_make(bank, teams=6, respondents=4)
    CycleResultClaim.objects.create(cycle=cycle)
    enqueue(cycle.pk)
    enqueue(cycle.pk)
    with transaction.atomic():  # the test holds the claim, as a worker computing the cycle would
        CycleResultClaim.objects.select_for_update().get(cycle=cycle)
        two_workers.start("worker-a")
        two_workers.start("worker-b")
        both = wait_for(
            lambda: (
                len({t.worker_ids[-1] for t in tasks() if t.status == TaskResultStatus.RUNNING})
                == 2
            ),
            seconds=60,
            what="both workers to take a task",
        )
        assert both
        # Both tasks are running and waiting on the claim: neither has computed anything.
        assert not CycleResultPart.objects.exists()

    done = wait_for(
        lambda: all(t.status == TaskResultStatus.SUCCESSFUL for t in tasks()) and tasks(),
        seconds=120,
        what="both tasks to finish",
    )
    assert done
    assert sorted(t.return_value for t in tasks()) == [COMPUTED, UNCHANGED]
    assert CycleResultPart.objects.filter(result__cycle=cycle).count() == 6 + 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_computing_leaves_the_claim_free_and_the_other_computes(
    bank, two_workers
):
    cycle, _teams = released_org_make(bank, teams=120, respondents=5)
    enqueue(cycle.pk)
    two_workers.start("worker-a")
    wait_for(lambda: claim_is_held(cycle.pk), seconds=120, what="a worker to claim the cycle")
    victim = tasks()[0].worker_ids[-1]
    two_workers.kill(victim)
    wait_for(lambda: not claim_is_held(cycle.pk), seconds=30, what="the claim to be released")
    assert not CycleResult.objects.filter(cycle=cycle).exclude(fingerprint="").exists()

    two_workers.start("worker-b")
    sweep_after_silence()  # the dead worker's task goes back to the queue
    task = wait_for(
        lambda: DBTaskResult.objects.filter(
            task_path__endswith=TASK, status=TaskResultStatus.SUCCESSFUL
        ).first(),
        seconds=180,
        what="the other worker to compute the cycle",
    )
    assert task.worker_ids == [victim, "worker-b"]
    assert task.return_value == COMPUTED
    assert CycleResultPart.objects.filter(result__cycle=cycle).count() == 120 + 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
@pytest.mark.django_db
def test_on_sqlite_the_claim_is_no_lock_and_a_computation_is_no_long_transaction(bank):
    cycle, _teams = released_org_make(bank, teams=2, respondents=3)
    assert not connection.features.has_select_for_update
    assert results_compute(cycle) == COMPUTED
    assert not CycleResultClaim.objects.exists()  # nothing to lock, nothing made
