"""Shared fixtures: a few named users and the default bank, built by small functions."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from leadership.models import DEFAULT_BANK_NAME, QuestionBank
from tests.builders import DEMO_DAY, user_make

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """Run SQLite tests on a real file, one per process, so WAL, busy_timeout and IMMEDIATE
    transactions behave as in production (shared-cache memory databases serialise differently)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"pillars-test-{os.getpid()}-{worker}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(Path(tempfile.gettempdir()) / name)


@pytest.fixture(scope="session", autouse=True)
def _media_root_isolated(tmp_path_factory: pytest.TempPathFactory):
    """Files the tests write (and the report-zip clean-up deletes) live in a temporary folder,
    never in a developer's MEDIA_ROOT."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(autouse=True)
def _language_of_the_organisation():
    """Each test starts in the organisation's language. A request activates its reader's
    language for the thread (Django's LocaleMiddleware, the account's, the survey's), and in
    production the next request activates its own; a test that then calls code directly would
    otherwise run in the language the previous test's last request left behind."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Hashing a password the production way (PBKDF2, a million rounds) takes most of a second
    on a small machine, and the suite makes hundreds of accounts and sign-ins: the tests hash with
    MD5. test_settings checks that the app itself keeps Django's slow, salted default."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


RESULTS_AT_ONCE = "results-at-once"


@pytest.fixture(autouse=True)
def _results_worker_at_once(settings):
    """The worker computes a cycle's results (no request does). Here its task runs at once,
    through django-tasks' immediate backend, when a page finds results missing and asks for them,
    so a test reads what the worker would have stored. Tests of the "being prepared" page set
    ``PILLARS_RESULTS_TASKS_BACKEND`` back to the database backend ("default"); tests that change
    a cycle's data behind its back call ``tests.builders.results_ready``."""
    settings.TASKS = {
        **settings.TASKS,
        RESULTS_AT_ONCE: {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    settings.PILLARS_RESULTS_TASKS_BACKEND = RESULTS_AT_ONCE


@pytest.fixture
def bank(db) -> QuestionBank:
    call_command("load_bank", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return QuestionBank.objects.get(name=DEFAULT_BANK_NAME)


@pytest.fixture
def demo_day():
    """The clock on DEMO_DAY, moving from there, for the length of a test."""
    with time_machine.travel(DEMO_DAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hr_user(db):
    return user_make("hr@example.com", hr=True)


@pytest.fixture
def leader_a(db):
    return user_make("leader-a@example.com")


@pytest.fixture
def leader_b(db):
    return user_make("leader-b@example.com")


@pytest.fixture
def datasets() -> Path:
    """The shared data sets: missing, the tests that read them fail rather than skip."""
    if not DATASETS.is_dir():
        pytest.fail(
            f"shared data sets not found at {DATASETS.resolve()} (../shared/datasets beside the "
            "repository): the tests of published scores need them.",
            pytrace=False,
        )
    return DATASETS
