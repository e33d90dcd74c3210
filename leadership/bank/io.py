"""Question banks to and from CSV.

A bank file has one row per question with at least the columns ``pillar``, ``code``, ``text``,
``reverse``, ``scale_min`` and ``scale_max``; optionally ``self_text``, ``pillar_name``,
``pillar_description``, ``kind`` (``rating`` or ``comment``), ``help_text``, ``scale_labels``
(labels separated by ``|``) and ``pillar_direction`` (``higher`` or ``lower``: which end of the
pillar's scale is better; ``higher`` when empty). Pillars take the order in which they first
appear; questions the order of their rows. Importing is all or nothing and idempotent: the same
file twice changes nothing.

Every other language of the site (``LANGUAGES`` besides the bank's own English) has a column set
of its own, named by its code: ``text_de``, ``self_text_de``, ``help_text_de``,
``scale_labels_de``, ``pillar_name_de``, ``pillar_description_de``. They follow the English
columns. A translation is the same question (scores pool across languages), so changing one never
makes a new version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadership.csvfiles import (
    CsvProblem,
    CsvTable,
    csv_read,
    parse_bool,
    parse_int,
)
from leadership.csvwrite import cell_restore, csv_text
from leadership.languages import BANK_LANGUAGE, language_codes
from leadership.models import (
    MEANING_FIELDS,
    PILLAR_TRANSLATED_FIELDS,
    QUESTION_TRANSLATED_FIELDS,
    Pillar,
    Question,
    QuestionBank,
)

REQUIRED_COLUMNS = ("pillar", "code", "text", "reverse", "scale_min", "scale_max")
OPTIONAL_COLUMNS = (
    "self_text",
    "pillar_name",
    "pillar_description",
    "kind",
    "help_text",
    "scale_labels",
    "pillar_direction",  # last, so files written before it existed keep their column order
)
# A translated column's field, before ``_<language code>``; pillar columns say "pillar_".
TRANSLATED_COLUMNS = (
    *QUESTION_TRANSLATED_FIELDS,
    *(f"pillar_{field}" for field in PILLAR_TRANSLATED_FIELDS),
)


def translation_languages() -> list[str]:
    """The languages a bank file carries columns for: every site language but the bank's own."""
    return [code for code in language_codes() if code != BANK_LANGUAGE]


def translated_columns() -> tuple[str, ...]:
    return tuple(
        f"{column}_{code}" for code in translation_languages() for column in TRANSLATED_COLUMNS
    )


KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_SCALE_POINTS = 11


@dataclass(frozen=True)
class PillarSpec:
    key: str
    name: str
    description: str
    order: int
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    direction: str = Pillar.Direction.HIGHER


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
    translations: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class BankSpec:
    pillars: list[PillarSpec]
    questions: list[QuestionSpec]
    source: str = ""  # how the file was read, for a person
    # The languages the file has columns for; a bank keeps its wording in any other.
    languages: tuple[str, ...] = ()


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
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS + translated_columns():
            problems.append(CsvProblem(1, column, _("Unknown column.")))
    pillars: dict[str, PillarSpec] = {}
    pillar_translations: dict[str, dict[str, dict[str, str]]] = {}
    questions: list[QuestionSpec] = []
    codes: dict[str, int] = {}
    for row in table.rows:
        key = row.get("pillar")
        code = row.get("code")
        text = cell_restore(row.get("text"))
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
        labels = [
            label.strip()
            for label in cell_restore(row.get("scale_labels")).split("|")
            if label.strip()
        ]
        if labels and len(labels) != scale_max - scale_min + 1:
            problems.append(
                CsvProblem(
                    row.number,
                    "scale_labels",
                    _("Give one label per scale point (%s), separated by |.")
                    % (scale_max - scale_min + 1),
                )
            )
        translations = _row_translations(row, points=scale_max - scale_min + 1, problems=problems)
        for language, words in translations.pop("pillar", {}).items():
            found = pillar_translations.setdefault(key, {}).setdefault(language, {})
            for name, value in words.items():
                found.setdefault(name, value)
        direction = (row.get("pillar_direction") or "").strip().lower()
        if direction and direction not in Pillar.Direction.values:
            problems.append(
                CsvProblem(
                    row.number,
                    "pillar_direction",
                    _("Direction must be “higher” or “lower” (which end of the scale is better)."),
                )
            )
        elif key in pillars and direction and direction != pillars[key].direction:
            problems.append(
                CsvProblem(
                    row.number,
                    "pillar_direction",
                    _("Pillar “%(key)s” already has direction “%(direction)s” on an earlier row.")
                    % {"key": key, "direction": pillars[key].direction},
                )
            )
        if key and key not in pillars:
            pillars[key] = PillarSpec(
                key=key,
                name=cell_restore(row.get("pillar_name")) or key.replace("_", " ").title(),
                description=cell_restore(row.get("pillar_description")),
                order=len(pillars) + 1,
                direction=direction
                if direction in Pillar.Direction.values
                else Pillar.Direction.HIGHER,
            )
        questions.append(
            QuestionSpec(
                pillar=key,
                code=code,
                text=text,
                self_text=cell_restore(row.get("self_text")),
                help_text=cell_restore(row.get("help_text")),
                reverse_scored=reverse,
                scale_min=scale_min,
                scale_max=scale_max,
                scale_labels=labels,
                kind=kind,
                order=row.number - 1,
                translations=translations,
            )
        )
    if problems:
        raise table.error(problems)
    specs = [replace(p, translations=pillar_translations.get(p.key, {})) for p in pillars.values()]
    languages = tuple(
        code
        for code in translation_languages()
        if any(column.endswith(f"_{code}") for column in table.columns)
    )
    return BankSpec(pillars=specs, questions=questions, source=table.source, languages=languages)


def _row_translations(
    row: Any, *, points: int, problems: list[CsvProblem]
) -> dict[str, dict[str, Any]]:
    """{language: {field: wording}} of one row, only what it fills in; the pillar's columns
    under the key "pillar" ({"pillar": {language: {field: …}}})."""
    found: dict[str, Any] = {}
    pillar: dict[str, dict[str, str]] = {}
    for language in translation_languages():
        words: dict[str, Any] = {}
        for name in QUESTION_TRANSLATED_FIELDS:
            column = f"{name}_{language}"
            value = cell_restore(row.get(column))
            if not value:
                continue
            if name == "scale_labels":
                labels = [label.strip() for label in value.split("|") if label.strip()]
                if len(labels) != points:
                    problems.append(
                        CsvProblem(
                            row.number,
                            column,
                            _("Give one label per scale point (%s), separated by |.") % points,
                        )
                    )
                words[name] = labels
            else:
                words[name] = value
        if words:
            found[language] = words
        for name in PILLAR_TRANSLATED_FIELDS:
            value = cell_restore(row.get(f"pillar_{name}_{language}"))
            if value:
                pillar.setdefault(language, {})[name] = value
    if pillar:
        found["pillar"] = pillar
    return found


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
            "translations": _kept(pillar.translations, pillar_spec.translations, spec.languages),
            "direction": pillar_spec.direction,
        }
        if any(getattr(pillar, field) != value for field, value in wanted.items()):
            for field, value in wanted.items():
                setattr(pillar, field, value)
            pillar.save()
        pillars[pillar_spec.key] = pillar

    current = {question.code: question for question in bank.questions.current()}
    created = versioned = updated = unchanged = 0
    for question_spec in spec.questions:
        wanted = _question_wanted(question_spec, pillar_id=pillars[question_spec.pillar].pk)
        existing = current.get(question_spec.code)
        if existing is not None:
            wanted["translations"] = _kept(
                existing.translations, question_spec.translations, spec.languages
            )
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


def _kept(
    stored: dict[str, Any], given: dict[str, Any], languages: tuple[str, ...]
) -> dict[str, Any]:
    """The file's translations, and the stored ones of languages the file has no columns for
    (an English-only file does not erase the German wording)."""
    kept = {code: words for code, words in (stored or {}).items() if code not in languages}
    return {**kept, **given}


def _question_wanted(spec: QuestionSpec, *, pillar_id: int | None) -> dict[str, Any]:
    """The question's fields as the file gives them (``pillar_id`` None: a pillar not made yet)."""
    return {
        "pillar_id": pillar_id,
        "text": spec.text,
        "self_text": spec.self_text,
        "help_text": spec.help_text,
        "reverse_scored": spec.reverse_scored,
        "scale_min": spec.scale_min,
        "scale_max": spec.scale_max,
        "scale_labels": spec.scale_labels,
        "kind": spec.kind,
        "order": spec.order,
        "translations": spec.translations,
    }


# --- What an import would do, before it does it -----------------------------------------------


FIELD_NAMES = {
    "pillar_id": gettext_lazy("pillar"),
    "text": gettext_lazy("wording"),
    "self_text": gettext_lazy("self-assessment wording"),
    "help_text": gettext_lazy("help text"),
    "reverse_scored": gettext_lazy("reverse flag"),
    "scale_min": gettext_lazy("scale"),
    "scale_max": gettext_lazy("scale"),
    "scale_labels": gettext_lazy("point labels"),
    "kind": gettext_lazy("kind"),
    "order": gettext_lazy("order"),
    "translations": gettext_lazy("translations"),
}


@dataclass(frozen=True)
class QuestionPlan:
    code: str
    pillar: str
    text: str
    before: str = ""  # the wording it replaces, when that changes
    fields: tuple[str, ...] = ()  # the fields that change
    cycles: int = 0  # cycles that used the current version (and keep it)

    @property
    def field_names(self) -> str:
        """What changes, for a person ("wording, scale")."""
        return ", ".join(dict.fromkeys(str(FIELD_NAMES.get(f, f)) for f in self.fields))


@dataclass(frozen=True)
class BankPreview:
    name: str
    exists: bool
    source: str
    added: list[QuestionPlan]
    versioned: list[QuestionPlan]
    updated: list[QuestionPlan]
    retired: list[QuestionPlan]
    unchanged: int
    reordered: int  # questions whose place alone changes
    pillars_added: list[str]
    pillars_renamed: list[tuple[str, str]]
    cycles_keeping: list[str]
    digest: str

    @property
    def changes_anything(self) -> bool:
        return bool(
            self.added
            or self.versioned
            or self.updated
            or self.retired
            or self.reordered
            or self.pillars_added
            or self.pillars_renamed
        )


def bank_import_preview(*, name: str, spec: BankSpec) -> BankPreview:
    """What :func:`bank_import` of ``spec`` into the bank called ``name`` would do now; writes
    nothing. Follows the same rules: a used question whose meaning changes gets a new version."""
    bank = QuestionBank.objects.filter(name=name).first()
    pillars = {p.key: p for p in bank.pillars.all()} if bank else {}
    names = {p.key: p.name for p in spec.pillars}
    current: dict[str, Question] = {}
    if bank is not None:
        questions = bank.questions.current().select_related("pillar")
        current = {q.code: q for q in questions.annotate(cycle_count=Count("cycles"))}
    added: list[QuestionPlan] = []
    versioned: list[QuestionPlan] = []
    updated: list[QuestionPlan] = []
    unchanged = reordered = 0
    keeping: set[str] = set()
    for question_spec in spec.questions:
        pillar = pillars.get(question_spec.pillar)
        wanted = _question_wanted(question_spec, pillar_id=pillar.pk if pillar else None)
        existing = current.get(question_spec.code)
        if existing is not None:
            wanted["translations"] = _kept(
                existing.translations, question_spec.translations, spec.languages
            )
        pillar_name = names.get(question_spec.pillar, question_spec.pillar)
        if existing is None:
            added.append(QuestionPlan(question_spec.code, pillar_name, question_spec.text))
            continue
        fields = tuple(f for f, v in wanted.items() if getattr(existing, f) != v)
        if not fields:
            unchanged += 1
            continue
        if fields == ("order",):
            reordered += 1
            continue
        plan = QuestionPlan(
            code=question_spec.code,
            pillar=pillar_name,
            text=question_spec.text,
            before=existing.text if "text" in fields else "",
            fields=fields,
            cycles=existing.cycle_count,  # type: ignore[attr-defined]
        )
        if existing.cycle_count and any(f in MEANING_FIELDS for f in fields):  # type: ignore[attr-defined]
            versioned.append(plan)
            keeping.update(existing.cycles.values_list("name", flat=True))
        else:
            updated.append(plan)
    codes = {question_spec.code for question_spec in spec.questions}
    retired = [
        QuestionPlan(q.code, q.pillar.name, q.text, cycles=q.cycle_count)  # type: ignore[attr-defined]
        for q in current.values()
        if q.code not in codes
    ]
    for question in retired:
        keeping.update(current[question.code].cycles.values_list("name", flat=True))
    pillars_added = [p.name for p in spec.pillars if p.key not in pillars]
    pillars_renamed = [
        (pillars[p.key].name, p.name)
        for p in spec.pillars
        if p.key in pillars and pillars[p.key].name != p.name
    ]
    seen: list[list[Any]] = [
        added,
        versioned,
        updated,
        retired,
        [reordered],
        pillars_added,
        pillars_renamed,
    ]
    digest = hashlib.sha256(
        json.dumps(
            [[asdict(x) if isinstance(x, QuestionPlan) else x for x in part] for part in seen]
        ).encode()
    ).hexdigest()
    return BankPreview(
        name=name,
        exists=bank is not None,
        source=spec.source,
        added=added,
        versioned=versioned,
        updated=updated,
        retired=sorted(retired, key=lambda q: q.code),
        unchanged=unchanged,
        reordered=reordered,
        pillars_added=pillars_added,
        pillars_renamed=pillars_renamed,
        cycles_keeping=sorted(keeping),
        digest=digest,
    )


def bank_export(*, bank: QuestionBank) -> str:
    """The bank's active questions as CSV, in the format :func:`bank_parse` reads (which undoes
    the formula mark :func:`leadership.csvwrite.csv_text` puts on a text such as "- less …")."""
    columns = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + translated_columns()
    rows: list[list[Any]] = [list(columns)]
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
            "pillar_direction": question.pillar.direction,
            "kind": question.kind,
            "help_text": question.help_text,
            "scale_labels": "|".join(question.scale_labels),
        }
        for language in translation_languages():
            words = (question.translations or {}).get(language, {})
            pillar_words = (question.pillar.translations or {}).get(language, {})
            for name in QUESTION_TRANSLATED_FIELDS:
                value = words.get(name, "")
                row[f"{name}_{language}"] = "|".join(value) if isinstance(value, list) else value
            for name in PILLAR_TRANSLATED_FIELDS:
                row[f"pillar_{name}_{language}"] = pillar_words.get(name, "")
        rows.append([row[column] for column in columns])
    return csv_text(rows, lineterminator="\n")
