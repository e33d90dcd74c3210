"""One survey statement as a fieldset of radio buttons, built in Python.

A step shows about seven statements of six choices each: as template nodes that is hundreds of
variable lookups, escapes and number formats per page. A statement's markup depends only on the
statement (its wording, points and translated labels, fixed once its cycle is open), so it is
built once per process; a request only picks each choice's checked or unchecked form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from assessments.survey.steps import CANT_SAY

if TYPE_CHECKING:
    from collections.abc import Iterable

    from assessments.survey.steps import Item, Statement

register = template.Library()

_OPEN = '<fieldset class="item{}" id="item-{}"{}>'
_DESCRIBED_BY = ' aria-describedby="help-{}"'
_LEGEND = (
    '<legend><span class="item-number" aria-hidden="true">{}</span>'
    '<span class="item-text">{}</span></legend>'
)
_HELP = '<p class="help" id="help-{}">{}</p>'
_ERROR = '<p class="item-error">{}</p>'
_CHOICE = (
    '<label class="choice"><input type="radio" name="{}" value="{}"{}>'
    '<span class="choice-face"><span class="choice-point" aria-hidden="true">{}</span>'
    '<span class="choice-label">{}</span></span></label>'
)
_CANT_SAY = (
    '<label class="choice choice-na"><input type="radio" name="{}" value="{}"{}>'
    '<span class="choice-face"><span class="choice-label">{}</span></span></label>'
)
_CHECKED = " checked"


@dataclass(frozen=True)
class _Markup:
    opening: str  # fieldset tag
    opening_missing: str  # the same, marked as missing an answer
    legend: str  # legend, then help text if any
    scale_open: str
    # value (None for "can't say") → (unchecked, checked); the scale's in order, "can't say" last
    choices: tuple[tuple[int | None, str, str], ...]


@lru_cache(maxsize=4096)
def _markup(statement: Statement) -> _Markup:
    question_id, field = statement.question_id, statement.field
    described_by = format_html(_DESCRIBED_BY, question_id) if statement.help_text else ""
    legend = format_html(_LEGEND, statement.number, statement.text)
    if statement.help_text:
        legend += format_html(_HELP, question_id, statement.help_text)
    choices: list[tuple[int | None, SafeString, SafeString]] = [
        (
            point,
            format_html(_CHOICE, field, point, "", point, label),
            format_html(_CHOICE, field, point, _CHECKED, point, label),
        )
        for point, label in zip(statement.points, statement.labels, strict=True)
    ]
    choices.append(
        (
            None,
            format_html(_CANT_SAY, field, CANT_SAY, "", statement.cant_say_label),
            format_html(_CANT_SAY, field, CANT_SAY, _CHECKED, statement.cant_say_label),
        )
    )
    return _Markup(
        opening=format_html(_OPEN, "", question_id, described_by),
        opening_missing=format_html(_OPEN, " item-missing", question_id, described_by),
        legend=legend,
        scale_open=f'<div class="scale" style="--points: {len(statement.points)}">',
        choices=tuple(choices),
    )


def survey_items_html(items: Iterable[Item], *, show_missing: bool = False) -> SafeString:
    """A step's statements, one fieldset each, as the step page shows them."""
    return mark_safe("\n  ".join(survey_item(item, show_missing) for item in items))


@register.simple_tag
def survey_item(item: Item, show_missing: bool = False) -> SafeString:
    """The statement's fieldset: wording, help, its scale and "can't say", the answer checked;
    marked, with a hint, when ``show_missing`` and it has no answer yet."""
    markup = _markup(item.statement)
    missing = show_missing and not item.answered
    parts = [markup.opening_missing if missing else markup.opening, markup.legend]
    if missing:
        parts.append(format_html(_ERROR, gettext("Choose an answer, or “Can't say”.")))
    parts.append(markup.scale_open)
    answered, value = item.answered, item.value
    for point, off, on in markup.choices:
        if point is None:
            parts.append("</div>")
        parts.append(on if answered and point == value else off)
    parts.append("</fieldset>")
    return mark_safe("".join(parts))  # every piece was escaped by format_html
