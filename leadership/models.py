"""The question bank: banks of pillars, and versioned questions inside them.

A question that a cycle has used is never edited in place: :meth:`Question.revise` makes a new
version and retires the old one, so old cycles keep the exact wording their answers refer to.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# The bank's own columns (``text``, ``self_text``, …) are written in this language; every other
# language lives in the ``translations`` of a question or pillar.
BANK_LANGUAGE = "en"

DEFAULT_BANK_NAME = "Pillars"
DEFAULT_SCALE_LABELS = [
    _("Strongly disagree"),
    _("Disagree"),
    _("Neither agree nor disagree"),
    _("Agree"),
    _("Strongly agree"),
]

# The scale the default labels word: the survey's own five points from 1 to 5.
DEFAULT_SCALE_RANGE = (1, 5)


def scale_labels_default(*, scale_min: int, scale_max: int) -> list[str]:
    """Labels for a scale whose bank gives none, true to what is known of it.

    The agreement words (translated by the catalogue) belong to the survey's own 1–5 scale. Any
    other range is only known by its numbers, so its points are numbered, the two ends marked
    low and high: a 0–4 hostility scale of an imported bank is not "Strongly disagree … Strongly
    agree", and nothing says it is "Never … Always" either.
    """
    if (scale_min, scale_max) == DEFAULT_SCALE_RANGE:
        return [str(label) for label in DEFAULT_SCALE_LABELS]
    labels = [str(point) for point in range(scale_min, scale_max + 1)]
    if len(labels) > 1:
        labels[0] = str(_("%(point)s (low)") % {"point": labels[0]})
        labels[-1] = str(_("%(point)s (high)") % {"point": labels[-1]})
    return labels


# What a bank carries per language besides its own columns (``translations[code][field]``).
QUESTION_TRANSLATED_FIELDS = ("text", "self_text", "help_text", "scale_labels")
PILLAR_TRANSLATED_FIELDS = ("name", "description")


def _translated(translations: dict[str, Any], field: str, own: Any, language: str | None) -> Any:
    """``own`` (the bank's language) unless ``language`` has a non-empty wording of ``field``.

    A language without one falls back to the bank's wording, so a half-translated bank shows
    English rather than nothing; a cycle never opens in such a language (hr.cycles checks).
    """
    language = (language or get_language() or BANK_LANGUAGE).split("-")[0]
    if language == BANK_LANGUAGE or not own:
        return own
    value = (translations or {}).get(language, {}).get(field)
    return value if value else own


# The fields that carry a question's meaning: changing one of them on a used question is a
# new version, never an edit.
MEANING_FIELDS = (
    "text",
    "self_text",
    "help_text",
    "reverse_scored",
    "scale_min",
    "scale_max",
    "scale_labels",
    "kind",
    "pillar_id",
)


class QuestionInUse(Exception):
    """Raised when code tries to change a used question's meaning in place."""


class QuestionBank(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("question bank")

    def __str__(self) -> str:
        return self.name


class Pillar(models.Model):
    """A pillar of a bank. ``direction`` says which end of its scale is good: most pillars are
    "higher is better", but a bank may measure something to keep low (hostility, strain), and
    then every colour, message and piece of advice about the pillar has to read the other way."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="pillars")
    key = models.SlugField(_("key"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    # {"de": {"name": …, "description": …}}: the same pillar in other languages.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )

    class Meta:
        ordering = ["bank", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "key"], name="pillar_unique_key_per_bank")
        ]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        """The name in the active language."""
        return _translated(self.translations, "name", self.name, None)

    @property
    def local_description(self) -> str:
        return _translated(self.translations, "description", self.description, None)

    def missing_in(self, language: str) -> list[str]:
        """The fields this pillar still lacks in ``language`` (empty: fully translated)."""
        if language == BANK_LANGUAGE:
            return []
        have = (self.translations or {}).get(language, {})
        return [f for f in PILLAR_TRANSLATED_FIELDS if getattr(self, f) and not have.get(f)]


class QuestionQuerySet(models.QuerySet["Question"]):
    def current(self) -> QuestionQuerySet:
        """The active version of every question."""
        return self.filter(active=True)

    def ratings(self) -> QuestionQuerySet:
        return self.filter(kind=Question.Kind.RATING)

    def comments(self) -> QuestionQuerySet:
        return self.filter(kind=Question.Kind.COMMENT)

    def in_survey_order(self) -> QuestionQuerySet:
        return self.select_related("pillar").order_by(
            "pillar__order", "pillar__key", "order", "code"
        )


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("Rating")
        COMMENT = "comment", _("Comment")

    bank = models.ForeignKey(QuestionBank, on_delete=models.CASCADE, related_name="questions")
    pillar = models.ForeignKey(Pillar, on_delete=models.PROTECT, related_name="questions")
    code = models.CharField(_("code"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    text = models.TextField(_("wording for team members"))
    self_text = models.TextField(_("wording for the leader's self-assessment"), blank=True)
    help_text = models.TextField(_("help text"), blank=True)
    reverse_scored = models.BooleanField(_("reverse scored"), default=False)
    scale_min = models.SmallIntegerField(_("scale minimum"), default=1)
    scale_max = models.SmallIntegerField(_("scale maximum"), default=5)
    scale_labels = models.JSONField(_("scale labels"), default=list, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RATING)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    # {"de": {"text": …, "self_text": …, "help_text": …, "scale_labels": […]}}. A translation is
    # the same question (answers are keyed by the question, so scores pool across languages);
    # the bank's own wording is its meaning, so a translation is corrected in place.
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["pillar__order", "order", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank", "code", "version"], name="question_unique_code_version"
            ),
            models.UniqueConstraint(
                fields=["bank", "code"],
                condition=models.Q(active=True),
                name="question_one_active_version",
            ),
            models.CheckConstraint(
                condition=models.Q(scale_max__gt=models.F("scale_min")),
                name="question_scale_max_above_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def is_rating(self) -> bool:
        return self.kind == self.Kind.RATING

    @property
    def scale_points(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    def labels(self, language: str | None = None) -> list[str]:
        """One label per scale point, in the active language: the bank's, else
        :func:`scale_labels_default`."""
        labels = _translated(self.translations, "scale_labels", self.scale_labels, language)
        if labels and len(labels) == len(self.scale_points):
            return [str(label) for label in labels]
        return scale_labels_default(scale_min=self.scale_min, scale_max=self.scale_max)

    def wording_for(self, role: str, language: str | None = None) -> str:
        """The leader reads the "I …" wording; everyone else the team wording; both in the
        active language (or ``language``)."""
        if role == "self" and self.self_text:
            return _translated(self.translations, "self_text", self.self_text, language)
        return _translated(self.translations, "text", self.text, language)

    @property
    def local_text(self) -> str:
        return _translated(self.translations, "text", self.text, None)

    @property
    def local_help_text(self) -> str:
        return _translated(self.translations, "help_text", self.help_text, None)

    @property
    def local_self_text(self) -> str:
        return _translated(self.translations, "self_text", self.self_text, None)

    @property
    def untranslated(self) -> list[str]:
        """The site's languages this question still lacks wording in, named for the reader."""
        from django.utils.translation import get_language_info

        return [
            get_language_info(code)["name_translated"]
            for code, _name in settings.LANGUAGES
            if self.missing_in(code)
        ]

    def missing_in(self, language: str) -> list[str]:
        """The fields this question still lacks in ``language`` (empty: fully translated)."""
        if language == BANK_LANGUAGE:
            return []
        have = (self.translations or {}).get(language, {})
        return [
            field
            for field in QUESTION_TRANSLATED_FIELDS
            if getattr(self, field) and not have.get(field)
        ]

    def is_used(self) -> bool:
        """True once any cycle has included this exact version."""
        return self.cycles.exists()

    def meaning(self) -> dict[str, Any]:
        return {field: getattr(self, field) for field in MEANING_FIELDS}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk and self.is_used():
            stored = Question.objects.filter(pk=self.pk).values(*MEANING_FIELDS).first()
            if stored and stored != self.meaning():
                raise QuestionInUse(
                    f"Question {self.code} v{self.version} is used by a cycle; use revise()."
                )
        super().save(*args, **kwargs)

    @transaction.atomic
    def revise(self, **changes: Any) -> Question:
        """Apply ``changes``: in place while unused, as a new version once a cycle used it.

        Returns the question that now carries the change (``self`` or the new version).
        """
        meaning_changed = any(
            (field in MEANING_FIELDS or f"{field}_id" in MEANING_FIELDS)
            and getattr(self, field) != value
            for field, value in changes.items()
        )
        if not meaning_changed or not self.is_used():
            for field, value in changes.items():
                setattr(self, field, value)
            self.save()
            return self
        Question.objects.filter(pk=self.pk).update(active=False)
        new = Question.objects.get(pk=self.pk)
        new.pk = None
        new.version = (
            Question.objects.filter(bank=self.bank, code=self.code).aggregate(
                models.Max("version")
            )["version__max"]
            + 1
        )
        new.active = True
        for field, value in changes.items():
            setattr(new, field, value)
        new.save()
        self.active = False
        return new


class Profile(models.Model):
    """What a signed-in person chose for themself: for now, the language of their pages, PDFs
    and emails (empty: the organisation's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)

    def __str__(self) -> str:
        return f"{self.user} ({self.language or '-'})"


def translations_missing(questions: Any, *, language: str) -> list[str]:
    """What ``questions`` (and their pillars) lack to be asked in ``language``: question codes
    and pillar keys, in order, each once; empty when all of it is translated."""
    missing: list[str] = []
    pillars_seen: set[int] = set()
    for question in questions:
        if question.pillar_id not in pillars_seen:
            pillars_seen.add(question.pillar_id)
            if question.pillar.missing_in(language):
                missing.append(question.pillar.key)
        if question.missing_in(language):
            missing.append(question.code)
    return missing


class RateCount(models.Model):
    """Requests counted in one rate-limit window for one hashed client address (see
    ``leadership/ratelimit.py``). In the database so every app server shares the count; a row
    is deleted once its window is long over."""

    bucket = models.CharField(max_length=100, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit count")
