"""Create a bearer token for the scores API; it is printed once and only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from assessments.reports.api_tokens import (
    DAYS_MAX,
    DAYS_MIN,
    ApiTokenError,
    api_token_days_default,
    api_token_issue,
)


class Command(BaseCommand):
    help = "Create an API token for an HR user and print it (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The HR user's email or username.")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'BI'.")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"How long it lasts ({DAYS_MIN}–{DAYS_MAX} days; default "
            "PILLARS_API_TOKEN_DAYS, 90).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        who = options["user"]
        user = (
            get_user_model()
            .objects.filter(Q(username=who) | Q(email__iexact=who), is_active=True)
            .first()
        )
        if user is None:
            raise CommandError(f"No active user “{who}”.")
        try:
            row, token = api_token_issue(
                user=user, name=options["name"], days=options["days"], actor=None
            )
        except ApiTokenError as error:
            raise CommandError(f"“{who}”: {error}") from error
        self.stdout.write(token)
        days = options["days"] or api_token_days_default()
        self.stderr.write(
            f"Keep this token safe: it is shown only now. It expires on "
            f"{row.expires_at:%Y-%m-%d %H:%M} UTC ({days} days); HR can revoke it on the API "
            "tokens page. Send it as the header “Authorization: Bearer <token>”."
        )
