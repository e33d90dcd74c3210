"""A cycle's report in the reader's language: the bank's wording swapped for its translation.

The stored report is computed once, in the bank's language (its fingerprint knows nothing of
readers); a German reader gets a copy whose pillar names, descriptions and scale labels and whose
statements are the bank's German wording. Only words change: every figure is the same, because a
translated question is the same question (answers are keyed by it, not by its text).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language

from assessments.results.data import pillar_scale_labels
from leadership.languages import BANK_LANGUAGE

if TYPE_CHECKING:
    from assessments.models import Cycle
    from assessments.results.report import CycleReport
    from leadership.models import Question


def _wordings(cycle: Cycle) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, str]]]:
    """(pillar key → name/description/scale labels, question code → text/self_text) in the
    active language."""
    pillars: dict[str, dict[str, Any]] = {}
    questions: dict[str, dict[str, str]] = {}
    ratings: dict[str, list[Question]] = {}
    for question in cycle.questions.in_survey_order():
        pillar = question.pillar
        pillars.setdefault(
            pillar.key, {"name": pillar.local_name, "description": pillar.local_description}
        )
        questions[question.code] = {
            "text": question.wording_for("member"),
            "self_text": question.wording_for("self"),
        }
        if question.kind == question.Kind.RATING:
            ratings.setdefault(pillar.key, []).append(question)
    for key, items in ratings.items():
        pillars[key]["scale_labels"] = pillar_scale_labels(items)
    return pillars, questions


def _items(items: tuple[Any, ...], questions: dict[str, dict[str, str]]) -> tuple[Any, ...]:
    changed = []
    for item in items:
        wording = questions.get(item.code)
        if wording is None:
            changed.append(item)
            continue
        fields = {"text": wording["text"]}
        if hasattr(item, "self_text"):
            fields["self_text"] = wording["self_text"]
        changed.append(dataclasses.replace(item, **fields))
    return tuple(changed)


def report_translated(report: CycleReport, *, cycle: Cycle) -> CycleReport:
    """``report`` with the active language's wording; the report itself when that is the
    bank's language. A new object: the stored and cached copies are never changed."""
    language = (get_language() or BANK_LANGUAGE).split("-")[0]
    if language == BANK_LANGUAGE:
        return report
    pillars, questions = _wordings(cycle)

    def pillar_words(key: str, name: str) -> str:
        return pillars.get(key, {}).get("name") or name

    summaries = tuple(
        dataclasses.replace(
            p,
            name=pillar_words(p.key, p.name),
            description=pillars.get(p.key, {}).get("description") or p.description,
            scale_labels=pillars.get(p.key, {}).get("scale_labels") or p.scale_labels,
            item_total=_items(p.item_total, questions),
        )
        for p in report.pillars
    )
    teams = tuple(
        dataclasses.replace(
            team,
            pillars=tuple(
                dataclasses.replace(
                    p, name=pillar_words(p.key, p.name), items=_items(p.items, questions)
                )
                for p in team.pillars
            ),
            strengths=_items(team.strengths, questions),
            opportunities=_items(team.opportunities, questions),
        )
        for team in report.teams
    )
    return dataclasses.replace(report, pillars=summaries, teams=teams)
