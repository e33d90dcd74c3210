"""SQLite online backup: taken while submissions keep arriving, it restores complete and whole."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from assessments.models import Answer, Cycle, Role, Submission, Team

ROOT = Path(__file__).resolve().parents[1]
ANSWERS_PER_SUBMISSION = 5

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup API")


class SubmissionWriter(threading.Thread):
    """Keeps submitting (one transaction each) and notes every id whose commit returned."""

    def __init__(self, cycle: Cycle, team: Team) -> None:
        super().__init__(daemon=True)
        self.cycle, self.team = cycle, team
        self.questions = list(cycle.questions.ratings()[:ANSWERS_PER_SUBMISSION])
        self.acknowledged: list[int] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for _ in range(5000):  # bounded, whatever happens
                if self.stop.is_set():
                    break
                with transaction.atomic():
                    submission = Submission.objects.create(
                        cycle=self.cycle,
                        team=self.team,
                        role=Role.MEMBER,
                        submitted_on=dt.date.today(),
                    )
                    Answer.objects.bulk_create(
                        Answer(submission=submission, question=q, value=3) for q in self.questions
                    )
                self.acknowledged.append(submission.pk)
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connection.close()

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count and time.monotonic() < deadline and not self.error:
            time.sleep(0.005)
        assert len(self.acknowledged) >= count, self.error


@sqlite_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.clockless
def test_a_backup_taken_during_writes_holds_every_acknowledged_submission_whole(bank, tmp_path):
    team = Team.objects.create(name="Platform", slug="platform")
    cycle = Cycle.objects.create(name="2026 Q4", slug="2026-q4", bank=bank, state="open")
    cycle.questions.set(bank.questions.current())
    writer = SubmissionWriter(cycle, team)
    writer.start()
    try:
        writer.wait_for(40)
        before_backup = set(writer.acknowledged)
        output = tmp_path / "backup.sqlite3"
        out = StringIO()
        call_command("backup_db", output=output, stdout=out)
        writer.wait_for(len(writer.acknowledged) + 20)  # writers were never blocked
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None
    assert "integrity ok" in out.getvalue()

    # Restore: the backup is a plain database file to put where SQLITE_PATH points.
    restored = tmp_path / "restored.sqlite3"
    shutil.copy(output, restored)
    with sqlite3.connect(restored) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in db.execute("SELECT id FROM assessments_submission")}
        sizes = db.execute(
            "SELECT s.id, COUNT(a.id) FROM assessments_submission s "
            "LEFT JOIN assessments_answer a ON a.submission_id = s.id GROUP BY s.id"
        ).fetchall()
    assert before_backup <= ids
    assert {count for _, count in sizes} == {ANSWERS_PER_SUBMISSION}  # no half submission
    assert ids <= set(writer.acknowledged)  # nothing that was not committed

    # The application runs on the restored file.
    env = {**os.environ, "DATABASE_URL": "", "SQLITE_PATH": str(restored)}
    code = (
        "import django; django.setup(); from assessments.models import Submission; "
        "print(Submission.objects.count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "leadership.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(result.stdout) == len(ids)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_verify_tells_a_good_backup_from_a_damaged_one(tmp_path):
    output = tmp_path / "backup.sqlite3"
    call_command("backup_db", output=output, stdout=StringIO())
    out = StringIO()
    call_command("backup_db", verify=output, stdout=out)
    assert "integrity ok" in out.getvalue()

    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(output.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # overwrite pages after the header
    damaged.write_bytes(bytes(data))
    with pytest.raises(Exception, match=r"damaged|malformed|not a database"):
        call_command("backup_db", verify=damaged, stdout=StringIO())


def test_for_postgresql_the_command_prints_the_pg_dump_to_run():
    from assessments.management.commands.backup_db import pg_dump_command

    command = pg_dump_command(
        {
            "NAME": "pillars",
            "HOST": "db.internal",
            "PORT": 5432,
            "USER": "pillars",
            "PASSWORD": "x",
        },
        "/var/backups/pillars.dump",
    )
    assert command == (
        "PGPASSWORD=… pg_dump --format=custom --no-owner --no-privileges "
        "--file=/var/backups/pillars.dump --host=db.internal --port=5432 --username=pillars pillars"
    )
