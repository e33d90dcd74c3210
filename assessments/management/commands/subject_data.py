"""Subject access and erasure for one email address (see assessments/privacy/subject.py)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.privacy.subject import (
    ErasureRefused,
    subject_erase,
    subject_export,
    subject_export_record,
)


class Command(BaseCommand):
    help = (
        "Print, as JSON, everything held about an email address (its account, team "
        "memberships, invitations, sign-in records; never answers, which are not linked to it). "
        "With --erase, delete it instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--erase", action="store_true", help="Delete everything listed.")
        parser.add_argument(
            "--yes", action="store_true", help="With --erase: do not ask for confirmation."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["email"].strip()
        if "@" not in email:
            raise CommandError(f"“{email}” is not an email address.")
        if not options["erase"]:
            data = subject_export_record(email=email, actor=None)
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if not options["yes"]:
            data = subject_export(email=email)
            held = sum(
                len(data[key])
                for key in ("accounts", "team_memberships", "invitations", "sign_in_records")
            )
            answer = input(f"Erase {held} records held about {email}? This cannot be undone [y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Nothing was erased.")
        try:
            summary = subject_erase(email=email, actor=None)
        except ErasureRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Erased for {email}: {summary.accounts} accounts, {summary.memberships} team "
            f"memberships, {summary.invitations_anonymised} invitations stripped of the address "
            f"(and any answers in progress), {summary.sign_in_records} sign-in records."
        )
