"""HR's forms for reports and the scores API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.reports.api_tokens import DAYS_MAX, DAYS_MIN, api_token_days_default


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("What it is for"),
        max_length=80,
        help_text=_(
            "For example “Power BI, people analytics”. Shown in the list and the audit log."
        ),
    )
    days = forms.IntegerField(
        label=_("Lasts (days)"),
        min_value=DAYS_MIN,
        max_value=DAYS_MAX,
        help_text=_("After this it stops working; issue a new one then."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"].initial = api_token_days_default()
