from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadershipConfig(AppConfig):
    name = "leadership"
    verbose_name = _("Question bank")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from leadership.languages import account_language_remember

        user_logged_in.connect(account_language_remember, dispatch_uid="account-language")
