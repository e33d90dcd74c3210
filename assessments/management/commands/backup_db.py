"""Back up the database while the app keeps running (docs/backup.md).

SQLite: SQLite's online backup API copies a consistent snapshot of the live database into a new
file — writers carry on (WAL mode) — and the copy is checked with ``PRAGMA integrity_check``
before it replaces ``--output``. PostgreSQL: prints the ``pg_dump`` command to run instead.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections


def sqlite_backup(*, source: Path, output: Path) -> dict[str, Any]:
    """Copy ``source`` to ``output`` atomically; returns sizes, timing and the integrity result."""
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    # A plain connection (not mode=ro): reading a WAL database may need to create its -shm file.
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        # One step (pages=-1) copies one snapshot under one read transaction; in WAL mode writers
        # are not blocked meanwhile. Copying in steps would restart whenever someone wrote.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        integrity = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise CommandError(f"The backup failed its integrity check: {integrity}")
    os.replace(partial, output)
    return {
        "seconds": time.monotonic() - started,
        "bytes": output.stat().st_size,
        "integrity": integrity,
    }


def sqlite_verify(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def pg_dump_command(settings_dict: dict[str, Any], output: str) -> str:
    parts = ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={output}"]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            parts.append(f"{flag}={settings_dict[key]}")
    parts.append(str(settings_dict["NAME"]))
    command = shlex.join(parts)
    return f"PGPASSWORD=… {command}" if settings_dict.get("PASSWORD") else command


class Command(BaseCommand):
    help = (
        "Back up the database online (SQLite: backup API; PostgreSQL: prints the pg_dump command)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="Where to write the backup file.")
        parser.add_argument(
            "--verify", type=Path, help="Check an existing SQLite backup instead of making one."
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            path: Path = options["verify"]
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            verdict = sqlite_verify(path)
            if verdict != "ok":
                raise CommandError(f"{path} is damaged: {verdict}")
            self.stdout.write(f"{path}: integrity ok")
            return
        if not options["output"]:
            raise CommandError("Give --output FILE (or --verify FILE).")
        connection = connections[options["database"]]
        output: Path = options["output"]
        if connection.vendor == "postgresql":
            self.stdout.write(
                "PostgreSQL is backed up with its own tools; run (as a user that can read "
                "the database):\n  " + pg_dump_command(connection.settings_dict, str(output))
            )
            return
        if connection.vendor != "sqlite":
            raise CommandError(f"No backup recipe for {connection.vendor}.")
        source = Path(connection.settings_dict["NAME"])
        if not source.is_file():
            raise CommandError(f"The database file {source} does not exist.")
        result = sqlite_backup(source=source, output=output.resolve())
        self.stdout.write(
            f"Backed up {source} to {output} ({result['bytes']:,} bytes, "
            f"{result['seconds']:.2f} s, integrity {result['integrity']})."
        )
