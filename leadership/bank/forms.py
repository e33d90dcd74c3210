"""Forms for HR's edits of the question bank."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from leadership.bank.io import KEY_PATTERN, MAX_SCALE_POINTS, translation_languages
from leadership.csvfiles import UPLOAD_ACCEPT
from leadership.models import BANK_LANGUAGE, DEFAULT_SCALE_LABELS, Pillar, Question, QuestionBank

ERROR_SCALE_ORDER = _("The highest point must be above the lowest.")
ERROR_SCALE_POINTS = _("A scale may have at most %(points)s points.")
ERROR_LABEL_COUNT = _(
    "Give one label per point of the scale (%(points)s), one per line, or none for the default."
)
ERROR_CODE_FORMAT = _("A code needs letters or digits, then letters, digits, - _ or . (CL07).")
ERROR_CODE_TAKEN = _("Another question of this bank has the code “%(code)s”.")
ERROR_KEY_TAKEN = _("Another pillar of this bank has the key “%(key)s”.")


def _language_name(code: str) -> str:
    return translation.get_language_info(code)["name_translated"]


class TranslatedFieldsMixin:
    """A form's wording fields again for each other language of the site (``text_de``, …), for
    the editor to show side by side with the bank's own (English) wording."""

    translated: tuple[str, ...] = ()
    fields: dict[str, forms.Field]

    def translations_add(self) -> None:
        languages = translation_languages()
        for language in languages:
            for name in self.translated:
                own = self.fields[name]
                field = forms.CharField(
                    label=f"{own.label} ({_language_name(language)})",
                    widget=forms.Textarea(attrs={"rows": own.widget.attrs.get("rows", 2)}),
                    max_length=getattr(own, "max_length", None),
                    required=False,
                )
                field.widget.attrs["lang"] = language
                if name == "scale_labels":
                    with translation.override(language):
                        field.widget.attrs["placeholder"] = "\n".join(
                            str(label) for label in DEFAULT_SCALE_LABELS
                        )
                self.fields[f"{name}_{language}"] = field
        if languages:  # the bank's own wording says which language it is in, beside the others
            for name in self.translated:
                own = self.fields[name]
                own.label = f"{own.label} ({_language_name(BANK_LANGUAGE)})"
                own.widget.attrs["lang"] = BANK_LANGUAGE

    def side_by_side(self) -> list[tuple[Any, list[Any]]]:
        """(own field, [its translations]) for each wording field, for the template."""
        return [
            (self[name], [self[f"{name}_{code}"] for code in translation_languages()])  # type: ignore[index]
            for name in self.translated
        ]

    def translations_cleaned(
        self, *, stored: dict[str, Any] | None = None, lists: tuple[str, ...] = ()
    ) -> dict[str, dict[str, Any]]:
        """{language: {field: wording}} from the cleaned data, empty wordings left out; a
        language whose fields the post does not carry at all keeps its ``stored`` wording."""
        data = self.cleaned_data  # type: ignore[attr-defined]
        posted = self.data  # type: ignore[attr-defined]
        found: dict[str, dict[str, Any]] = {}
        for language in translation_languages():
            names = [f"{name}_{language}" for name in self.translated]
            if not any(name in posted for name in names):
                if (stored or {}).get(language):
                    found[language] = stored[language]  # type: ignore[index]
                continue
            for name in self.translated:
                raw = (data.get(f"{name}_{language}") or "").strip()
                value: Any = (
                    [line.strip() for line in raw.splitlines() if line.strip()]
                    if name in lists
                    else raw
                )
                if value:
                    found.setdefault(language, {})[name] = value
        return found


def translations_initial(translations: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    initial = {}
    for language, words in (translations or {}).items():
        for name in names:
            value = words.get(name, "")
            initial[f"{name}_{language}"] = "\n".join(value) if isinstance(value, list) else value
    return initial


class QuestionForm(TranslatedFieldsMixin, forms.Form):
    translated = ("text", "self_text", "help_text", "scale_labels")

    pillar = forms.ModelChoiceField(
        queryset=Pillar.objects.none(), label=_("Pillar"), empty_label=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Question.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A rating is answered on the scale; a comment is free text, shown to the team's "
            "leader only when enough people wrote one."
        ),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("A short, stable name for the question: the column heading in answer files."),
    )
    text = forms.CharField(
        label=_("Wording for team members"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
    )
    self_text = forms.CharField(
        label=_("Wording for the leader’s self-assessment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
        help_text=_(
            "In the first person (“I explain where we are heading”). Empty: the leader reads "
            "the team wording."
        ),
    )
    help_text = forms.CharField(
        label=_("Help text"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=500,
        required=False,
        help_text=_("Shown under the question, for example what a term means."),
    )
    reverse_scored = forms.BooleanField(
        label=_("Reverse scored"),
        required=False,
        help_text=_(
            "Agreeing is unfavourable (“My leader avoids hard conversations”): answers are "
            "turned round before scoring."
        ),
    )
    scale_min = forms.IntegerField(label=_("Lowest point"), min_value=-10, max_value=10)
    scale_max = forms.IntegerField(label=_("Highest point"), min_value=-9, max_value=20)
    scale_labels = forms.CharField(
        label=_("Labels of the points"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_(
            "One per line, from the lowest point to the highest. Empty: “Strongly disagree” … "
            "“Strongly agree” on five points, the numbers otherwise."
        ),
    )

    def __init__(
        self, *args: Any, bank: QuestionBank, question: Question | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.bank = bank
        self.question = question
        pillar = self.fields["pillar"]
        assert isinstance(pillar, forms.ModelChoiceField)
        pillar.queryset = bank.pillars.order_by("order", "key")
        # Each labels box shows, greyed, the default labels in its own language.
        with translation.override(BANK_LANGUAGE):
            self.fields["scale_labels"].widget.attrs["placeholder"] = "\n".join(
                str(label) for label in DEFAULT_SCALE_LABELS
            )
        if question is not None:
            # A question's code is its identity across versions: it is not edited.
            del self.fields["code"]
        self.translations_add()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not KEY_PATTERN.match(code):
            raise ValidationError(ERROR_CODE_FORMAT)
        if self.bank.questions.filter(code__iexact=code).exists():
            raise ValidationError(ERROR_CODE_TAKEN % {"code": code})
        return code

    def clean_scale_labels(self) -> list[str]:
        raw = self.cleaned_data.get("scale_labels") or ""
        return [line.strip() for line in raw.splitlines() if line.strip()]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is None or high is None:
            return data
        if high <= low:
            self.add_error("scale_max", ERROR_SCALE_ORDER)
            return data
        points = high - low + 1
        if points > MAX_SCALE_POINTS:
            self.add_error("scale_max", ERROR_SCALE_POINTS % {"points": MAX_SCALE_POINTS})
        labels = data.get("scale_labels") or []
        if labels and len(labels) != points:
            self.add_error("scale_labels", ERROR_LABEL_COUNT % {"points": points})
        for language in translation_languages():
            name = f"scale_labels_{language}"
            translated = [line for line in (data.get(name) or "").splitlines() if line.strip()]
            if translated and len(translated) != points:
                self.add_error(name, ERROR_LABEL_COUNT % {"points": points})
        return data

    def question_fields(self) -> dict[str, Any]:
        """The cleaned values under the model's field names (no code)."""
        data = self.cleaned_data
        return {
            "pillar": data["pillar"],
            "kind": data["kind"],
            "text": data["text"].strip(),
            "self_text": data["self_text"].strip(),
            "help_text": data["help_text"].strip(),
            "reverse_scored": data["reverse_scored"],
            "scale_min": data["scale_min"],
            "scale_max": data["scale_max"],
            "scale_labels": data["scale_labels"],
            "translations": self.translations_cleaned(
                stored=self.question.translations if self.question else None,
                lists=("scale_labels",),
            ),
        }


def question_initial(question: Question) -> dict[str, Any]:
    return translations_initial(question.translations, QuestionForm.translated) | {
        "pillar": question.pillar_id,
        "kind": question.kind,
        "text": question.text,
        "self_text": question.self_text,
        "help_text": question.help_text,
        "reverse_scored": question.reverse_scored,
        "scale_min": question.scale_min,
        "scale_max": question.scale_max,
        "scale_labels": "\n".join(str(label) for label in question.scale_labels),
    }


class PillarForm(TranslatedFieldsMixin, forms.Form):
    translated = ("name", "description")

    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("What the pillar is about, shown to leaders beside their results."),
    )
    direction = forms.ChoiceField(
        label=_("Which end of the scale is better"),
        choices=Pillar.Direction.choices,
        initial=Pillar.Direction.HIGHER,
        required=False,  # a form posted without it keeps the pillar's direction
        help_text=_(
            "“Lower is better” for a pillar that measures something to keep low (hostility, "
            "strain): reports then call a low score a strength and a high one room to grow."
        ),
    )

    def __init__(
        self, *args: Any, bank: QuestionBank, pillar: Pillar | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.bank = bank
        self.pillar = pillar
        self.translations_add()
        for language in translation_languages():
            self.fields[f"name_{language}"].widget = forms.TextInput(attrs={"lang": language})

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.pillar is None and data.get("name"):
            key = slugify(data["name"]).replace("-", "_")[:40] or "pillar"
            if self.bank.pillars.filter(key=key).exists():
                self.add_error("name", ERROR_KEY_TAKEN % {"key": key})
            data["key"] = key
        return data


class BankImportForm(forms.Form):
    name = forms.CharField(
        label=_("Bank"),
        max_length=120,
        help_text=_("The bank the file updates; a new name makes a new bank."),
        widget=forms.TextInput(attrs={"list": "bank-names", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "One row per question, as “Format” describes: CSV in any encoding Excel saves, or "
            "an Excel workbook (.xlsx)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )
