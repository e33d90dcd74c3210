"""Settings: the SQLite pragmas are really in force, templates are parsed once, and production
refuses to start unsafely."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.template.loader import get_template

ROOT = Path(__file__).resolve().parents[1]
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")


def pragma(name: str):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys():
    connection.ensure_connection()
    # The test database is a file (not :memory:) only when configured; WAL needs a file.
    if connection.settings_dict["NAME"] and "memory" not in str(connection.settings_dict["NAME"]):
        assert pragma("journal_mode") == "wal"
    assert pragma("busy_timeout") >= 5000
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL


@sqlite_only
def test_sqlite_transactions_take_the_write_lock_immediately():
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert connection.settings_dict["CONN_MAX_AGE"] > 0


@pytest.mark.clockless
def test_a_real_sqlite_file_is_in_wal_mode(tmp_path):
    env = {**os.environ, "SQLITE_PATH": str(tmp_path / "x.sqlite3"), "DATABASE_URL": ""}
    code = (
        "import django; django.setup(); from django.db import connection as c; "
        "cur = c.cursor(); cur.execute('PRAGMA journal_mode'); print(cur.fetchone()[0]); "
        "cur.execute('PRAGMA busy_timeout'); print(cur.fetchone()[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "leadership.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    mode, timeout = result.stdout.split()
    assert mode == "wal"
    assert int(timeout) >= 5000


def test_each_template_is_parsed_once_per_process():
    """Django's cached loader hands back the template it parsed before."""
    first = get_template("assessments/survey/step.html")
    assert get_template("assessments/survey/step.html").template is first.template


@pytest.mark.clockless
def test_passwords_are_stored_with_a_slow_salted_hash_outside_the_tests():
    """The suite hashes with MD5 for speed (conftest); the app keeps Django's PBKDF2 default."""
    code = (
        "import django; django.setup(); from django.contrib.auth.hashers import make_password; "
        "print(make_password('a-long-test-password').split('$')[0])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "leadership.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() in {"pbkdf2_sha256", "argon2", "scrypt"}


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"PILLARS_ENV": "production", "DJANGO_SETTINGS_MODULE": "leadership.settings"})
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
