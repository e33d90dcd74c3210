"""Forms of the plan pages: choosing focus areas, adding an action, changing its status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Action
from assessments.models.actions import ACTION_TEXT_MAX, OWNER_MAX


class FocusForm(forms.Form):
    pillars = forms.MultipleChoiceField(
        label=_("Pillars to focus on"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Pick one or two pillars to focus on.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["pillars"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class ActionForm(forms.Form):
    focus = forms.TypedChoiceField(label=_("Focus area"), coerce=int)
    text = forms.CharField(
        label=_("What will be done"),
        max_length=ACTION_TEXT_MAX,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    owner = forms.CharField(
        label=_("Who"),
        max_length=OWNER_MAX,
        required=False,
        help_text=_("A name, or “the team”."),
    )
    due_on = forms.DateField(
        label=_("By when"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, focus_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["focus"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = focus_choices


class StatusForm(forms.Form):
    action = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=Action.Status.choices)
