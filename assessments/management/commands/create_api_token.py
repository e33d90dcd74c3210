"""Create a bearer token for the scores API; it is printed once and only its hash is kept."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from assessments.models import ApiToken, token_hash, token_new
from assessments.models.audit import audit_record
from leadership.roles import user_is_hr


class Command(BaseCommand):
    help = "Create an API token for an HR user and print it (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The HR user's email or username.")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'BI'.")

    def handle(self, *args: Any, **options: Any) -> None:
        who = options["user"]
        user = (
            get_user_model()
            .objects.filter(Q(username=who) | Q(email__iexact=who), is_active=True)
            .first()
        )
        if user is None:
            raise CommandError(f"No active user “{who}”.")
        if not user_is_hr(user):
            raise CommandError(f"“{who}” is not in the HR group; the API serves HR only.")
        token = token_new()
        ApiToken.objects.create(user=user, name=options["name"][:80], token_hash=token_hash(token))
        audit_record(actor=None, action="api_token.create", target=user.get_username())
        self.stdout.write(token)
        self.stderr.write(
            "Keep this token safe: it is shown only now. "
            "Send it as the header “Authorization: Bearer <token>”."
        )
