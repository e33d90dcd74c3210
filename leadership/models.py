"""The question bank: banks of pillars, and versioned questions inside them.

A question that a cycle has used is never edited in place: :meth:`Question.revise` makes a new
version and retires the old one, so old cycles keep the exact wording their answers refer to.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

DEFAULT_BANK_NAME = "Pillars"
DEFAULT_SCALE_LABELS = [
    _("Strongly disagree"),
    _("Disagree"),
    _("Neither agree nor disagree"),
    _("Agree"),
    _("Strongly agree"),
]

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
    direction = models.CharField(
        _("direction"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )

    class Meta:
        ordering = ["bank", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "key"], name="pillar_unique_key_per_bank")
        ]

    def __str__(self) -> str:
        return self.name


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

    def labels(self) -> list[str]:
        """One label per scale point; the default agreement labels for a 5-point scale."""
        if self.scale_labels and len(self.scale_labels) == len(self.scale_points):
            return [str(label) for label in self.scale_labels]
        if len(self.scale_points) == len(DEFAULT_SCALE_LABELS):
            return [str(label) for label in DEFAULT_SCALE_LABELS]
        return [str(point) for point in self.scale_points]

    def wording_for(self, role: str) -> str:
        """The leader reads the "I …" wording; everyone else the team wording."""
        if role == "self" and self.self_text:
            return self.self_text
        return self.text

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


class RateCount(models.Model):
    """Requests counted in one rate-limit window for one hashed client address (see
    ``leadership/ratelimit.py``). In the database so every app server shares the count; a row
    is deleted once its window is long over."""

    bucket = models.CharField(max_length=100, primary_key=True)
    hits = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("rate-limit count")
