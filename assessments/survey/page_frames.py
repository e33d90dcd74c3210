"""A page rendered once from its template with stand-ins for what changes per request.

Most of a survey step is the same for everyone who sees that step of that cycle: the frame, the
headings, the translated labels, the URLs of the static files. Rendering it through the template
engine costs far more than the rest of the request, so the survey renders such a page once with
*slots* (unique stand-in words) where a respondent's values go, splits the result at the slots,
and per request only joins the pieces with those values, escaped as the template would escape
them. The template stays the one source of the markup.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# Letters and digits only, so that escaping and URL quoting leave a slot as it is; random per
# process, so no text an administrator types can look like one.
_NONCE = secrets.token_hex(8)
# The nonce is lowercase hex and names are lowercase: the capitals delimit a name unambiguously.
_SLOT = re.compile(rf"slot{_NONCE}X([a-z_]+)Z")


def slot(name: str) -> SafeString:
    """The stand-in for ``name`` while the frame is rendered."""
    if not re.fullmatch(r"[a-z_]+", name):
        raise ValueError(f"a slot name is lowercase letters and underscores, not {name!r}")
    return mark_safe(f"slot{_NONCE}X{name}Z")


@dataclass(frozen=True)
class PageFrame:
    pieces: tuple[str, ...]  # the text around the slots
    names: tuple[str, ...]  # the slot after each piece but the last

    def fill(self, values: Mapping[str, Any]) -> SafeString:
        """The page with each slot's value, escaped unless it is already safe HTML."""
        parts = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            value = values[name]
            # A number needs no escaping; anything else is escaped as {{ value }} would be.
            parts.append(str(value) if type(value) is int else conditional_escape(value))
            parts.append(piece)
        return mark_safe("".join(parts))


def frame_render(template_name: str, context: dict[str, Any], *, slots: Iterable[str]) -> PageFrame:
    """Render the template (without a request: no context processors) and cut it at the slots.

    Raises ValueError when a slot is missing from the output or an unknown one appears, so a
    template change that drops or mangles a slot fails loudly instead of serving a stale value.
    """
    return frame_cut(render_to_string(template_name, context), slots=slots, source=template_name)


def frame_cut(html: str, *, slots: Iterable[str], source: str = "page") -> PageFrame:
    """Cut rendered HTML at its slots (see :func:`frame_render`)."""
    split = _SLOT.split(html)
    pieces, names = tuple(split[0::2]), tuple(split[1::2])
    if set(names) != set(slots):
        raise ValueError(
            f"{source}: slots {sorted(set(names))} rendered, {sorted(set(slots))} expected"
        )
    return PageFrame(pieces=pieces, names=names)
