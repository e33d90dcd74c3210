"""The translation catalogues: every message of every language translated, none fuzzy, the
compiled .mo the server reads in step with its .po, and no English string in the code or the
templates that the catalogues lack (gathered by ``makemessages`` into a copy, as ``make
messages`` gathers it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
# As the Makefile's MESSAGES_IGNORE.
IGNORE = ["tests", "benchmarks", "docs", "deploy", "staticfiles", "media", "scripts"]


def _po(code: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / code / "LC_MESSAGES" / "django.po"))


def _unfinished(po: polib.POFile) -> list[str]:
    return [entry.msgid for entry in po.untranslated_entries() + po.fuzzy_entries()]


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_of_the_catalogue_is_translated_and_none_is_fuzzy(code):
    po = _po(code)
    assert len(po) > 1000
    assert _unfinished(po) == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_compiled_catalogue_is_the_po_file_compiled(code):
    """The .mo files are committed (a fresh clone or a server without gettext serves German);
    this keeps them from going stale: run `make messages` after translating."""
    mo = polib.mofile(str(ROOT / "locale" / code / "LC_MESSAGES" / "django.mo"))

    def catalogue(entries):
        return {
            (e.msgctxt, e.msgid, e.msgid_plural): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in entries
            if e.msgid and not e.obsolete
        }

    assert catalogue(mo) == catalogue(e for e in _po(code) if e.translated())


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.clockless
def test_no_string_of_the_code_or_templates_is_missing_from_the_catalogue(code, tmp_path):
    project = tmp_path / "project"
    skip = shutil.ignore_patterns(".*", "__pycache__", "*.pyc", "vendor", "*.sqlite3*")
    for folder in ("assessments", "leadership", "templates", "static", "locale"):
        shutil.copytree(ROOT / folder, project / folder, ignore=skip)
    shutil.copy(ROOT / "manage.py", project / "manage.py")
    arguments = ["makemessages", "-l", code, "--no-obsolete"]
    for pattern in IGNORE:
        arguments += ["-i", pattern]
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=project,
        env={**os.environ, "DATABASE_URL": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    po = polib.pofile(str(project / "locale" / code / "LC_MESSAGES" / "django.po"))
    assert _unfinished(po) == [], "Run `make messages` and translate these."


def test_a_german_reader_gets_german_from_the_compiled_catalogue():
    with translation.override("de"):
        assert translation.gettext("Sign in") == "Anmelden"
        assert translation.gettext("Strongly agree") == "Stimme voll und ganz zu"
