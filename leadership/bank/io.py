"""Question banks to and from CSV.

A bank file has one row per question with at least the columns ``pillar``, ``code``, ``text``,
``reverse``, ``scale_min`` and ``scale_max``; optionally ``self_text``, ``pillar_name``,
``pillar_description``, ``kind`` (``rating`` or ``comment``), ``help_text`` and ``scale_labels``
(labels separated by ``|``). Pillars take the order in which they first appear; questions the order
of their rows. Importing is all or nothing and idempotent: the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from leadership.csvfiles import (
    CsvProblem,
    CsvTable,
    csv_read,
    parse_bool,
    parse_int,
)
from leadership.models import Pillar, Question, QuestionBank

REQUIRED_COLUMNS = ("pillar", "code", "text", "reverse", "scale_min", "scale_max")
OPTIONAL_COLUMNS = (
    "self_text",
    "pillar_name",
    "pillar_description",
    "kind",
    "help_text",
    "scale_labels",
)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_SCALE_POINTS = 11


@dataclass(frozen=True)
class PillarSpec:
    key: str
    name: str
    description: str
    order: int


@dataclass(frozen=True)
class QuestionSpec:
    pillar: str
    code: str
    text: str
    self_text: str
    help_text: str
    reverse_scored: bool
    scale_min: int
    scale_max: int
    scale_labels: list[str]
    kind: str
    order: int


@dataclass(frozen=True)
class BankSpec:
    pillars: list[PillarSpec]
    questions: list[QuestionSpec]


@dataclass(frozen=True)
class BankImportSummary:
    bank: QuestionBank
    created: int
    versioned: int
    updated: int
    retired: int
    unchanged: int

    @property
    def changed(self) -> bool:
        return bool(self.created or self.versioned or self.updated or self.retired)


def bank_parse(*, data: bytes) -> BankSpec:
    """Validate a bank file completely; raise :class:`CsvImportError` naming every bad cell."""
    table: CsvTable = csv_read(data=data, required=REQUIRED_COLUMNS)
    problems: list[CsvProblem] = []
    for column in table.columns:
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            problems.append(CsvProblem(1, column, _("Unknown column.")))
    pillars: dict[str, PillarSpec] = {}
    questions: list[QuestionSpec] = []
    codes: dict[str, int] = {}
    for row in table.rows:
        key = row.get("pillar")
        code = row.get("code")
        text = row.get("text")
        kind = row.get("kind", Question.Kind.RATING).lower()
        if not KEY_PATTERN.match(key):
            problems.append(
                CsvProblem(row.number, "pillar", _("A pillar key needs letters or digits."))
            )
        if not KEY_PATTERN.match(code):
            problems.append(
                CsvProblem(row.number, "code", _("A code needs letters, digits, - _ or .")),
            )
        elif code in codes:
            problems.append(
                CsvProblem(
                    row.number,
                    "code",
                    _("Code “%(code)s” is already used on row %(row)s.")
                    % {"code": code, "row": codes[code]},
                )
            )
        codes.setdefault(code, row.number)
        if not text:
            problems.append(CsvProblem(row.number, "text", _("The question has no wording.")))
        if kind not in Question.Kind.values:
            problems.append(
                CsvProblem(row.number, "kind", _("Kind must be “rating” or “comment”."))
            )
        reverse = parse_bool(row, "reverse", problems)
        scale_min, scale_max = 1, 5
        if kind == Question.Kind.RATING or row.get("scale_min") or row.get("scale_max"):
            low = parse_int(row, "scale_min", problems)
            high = parse_int(row, "scale_max", problems)
            if low is not None and high is not None:
                if high <= low:
                    problems.append(
                        CsvProblem(
                            row.number, "scale_max", _("The maximum must be above the minimum.")
                        )
                    )
                elif high - low + 1 > MAX_SCALE_POINTS:
                    problems.append(
                        CsvProblem(
                            row.number,
                            "scale_max",
                            _("A scale may have at most %s points.") % MAX_SCALE_POINTS,
                        )
                    )
                scale_min, scale_max = low, high
        labels = [label.strip() for label in row.get("scale_labels").split("|") if label.strip()]
        if labels and len(labels) != scale_max - scale_min + 1:
            problems.append(
                CsvProblem(
                    row.number,
                    "scale_labels",
                    _("Give one label per scale point (%s), separated by |.")
                    % (scale_max - scale_min + 1),
                )
            )
        if key and key not in pillars:
            pillars[key] = PillarSpec(
                key=key,
                name=row.get("pillar_name") or key.replace("_", " ").title(),
                description=row.get("pillar_description"),
                order=len(pillars) + 1,
            )
        questions.append(
            QuestionSpec(
                pillar=key,
                code=code,
                text=text,
                self_text=row.get("self_text"),
                help_text=row.get("help_text"),
                reverse_scored=reverse,
                scale_min=scale_min,
                scale_max=scale_max,
                scale_labels=labels,
                kind=kind,
                order=row.number - 1,
            )
        )
    if problems:
        raise table.error(problems)
    return BankSpec(pillars=list(pillars.values()), questions=questions)


@transaction.atomic
def bank_import(*, name: str, spec: BankSpec, description: str = "") -> BankImportSummary:
    """Make the bank called ``name`` match ``spec``; used questions change by new versions."""
    bank, _created = QuestionBank.objects.get_or_create(
        name=name, defaults={"description": description}
    )
    pillars: dict[str, Pillar] = {}
    for pillar_spec in spec.pillars:
        pillar, _ = Pillar.objects.get_or_create(bank=bank, key=pillar_spec.key)
        wanted = {
            "name": pillar_spec.name,
            "description": pillar_spec.description or pillar.description,
            "order": pillar_spec.order,
        }
        if any(getattr(pillar, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(pillar, field, value)
            pillar.save()
        pillars[pillar_spec.key] = pillar

    current = {question.code: question for question in bank.questions.current()}
    created = versioned = updated = unchanged = 0
    for question_spec in spec.questions:
        wanted = {
            "pillar_id": pillars[question_spec.pillar].pk,
            "text": question_spec.text,
            "self_text": question_spec.self_text,
            "help_text": question_spec.help_text,
            "reverse_scored": question_spec.reverse_scored,
            "scale_min": question_spec.scale_min,
            "scale_max": question_spec.scale_max,
            "scale_labels": question_spec.scale_labels,
            "kind": question_spec.kind,
            "order": question_spec.order,
        }
        existing = current.get(question_spec.code)
        if existing is None:
            latest = bank.questions.filter(code=question_spec.code).order_by("-version").first()
            Question.objects.create(
                bank=bank,
                code=question_spec.code,
                version=latest.version + 1 if latest else 1,
                **wanted,
            )
            created += 1
            continue
        if all(getattr(existing, field) == value for field, value in wanted.items()):
            unchanged += 1
            continue
        result = existing.revise(**wanted)
        if result.pk == existing.pk:
            updated += 1
        else:
            versioned += 1
    codes = {question_spec.code for question_spec in spec.questions}
    retired = bank.questions.current().exclude(code__in=codes).update(active=False)
    return BankImportSummary(
        bank=bank,
        created=created,
        versioned=versioned,
        updated=updated,
        retired=retired,
        unchanged=unchanged,
    )


def bank_export(*, bank: QuestionBank) -> str:
    """The bank's active questions as CSV, in the format :func:`bank_parse` reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    writer.writerow(columns)
    for question in bank.questions.current().in_survey_order():
        row = {
            "pillar": question.pillar.key,
            "code": question.code,
            "text": question.text,
            "reverse": "yes" if question.reverse_scored else "no",
            "scale_min": question.scale_min,
            "scale_max": question.scale_max,
            "self_text": question.self_text,
            "pillar_name": question.pillar.name,
            "pillar_description": question.pillar.description,
            "kind": question.kind,
            "help_text": question.help_text,
            "scale_labels": "|".join(question.scale_labels),
        }
        writer.writerow([row[column] for column in columns])
    return buffer.getvalue()
