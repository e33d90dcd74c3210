"""Create the deterministic demo organisation (idempotent) and print how to sign in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from assessments.demo import (
    DEMO_PASSWORD,
    HR_EMAIL,
    TEAMS,
    demo_exists,
    demo_links,
    demo_open_cycle,
    demo_seed,
)
from leadership.models import DEFAULT_BANK_NAME, QuestionBank


class Command(BaseCommand):
    help = "Create demo teams, leaders, two released cycles and one open cycle."

    def handle(self, *args: Any, **options: Any) -> None:
        if not QuestionBank.objects.filter(name=DEFAULT_BANK_NAME).exists():
            raise CommandError("Load the question bank first: python manage.py load_bank")
        if demo_exists():
            self.stdout.write("Demo data is already there.")
            if demo_open_cycle() is None:
                self.stdout.write(
                    self.style.WARNING(
                        "  The demo's survey round has closed since it was seeded, so its links "
                        "no longer take answers.\n  For a fresh demo around today, delete the "
                        "database and set up again: rm db.sqlite3* && make run"
                    )
                )
        else:
            demo_seed()
            self.stdout.write(self.style.SUCCESS("Demo organisation created."))
        self.stdout.write(f"  HR:     {HR_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(f"  Leader: {TEAMS[0].leader[0]} / {DEMO_PASSWORD}")
        links = survey_links_pick(demo_links())
        if links:
            self.stdout.write("  Survey links (open cycle, no sign-in needed):")
            for label, token in links:
                url = settings.SITE_URL + reverse("assessments:survey-start", args=[token])
                self.stdout.write(f"    {label}\n      {url}")


def survey_links_pick(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Ana's self-assessment and two team members' links, when they are still pending."""
    ana = TEAMS[0].leader[0]
    chosen = [link for link in links if f"({ana})" in link[0]][:1]
    members = [link for link in links if link not in chosen and "self" not in link[0].lower()]
    return chosen + members[:2]
