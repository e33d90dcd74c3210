from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadershipConfig(AppConfig):
    name = "leadership"
    verbose_name = _("Question bank")

    def ready(self) -> None:
        from leadership import csrf  # noqa: F401  (registers its system check)
