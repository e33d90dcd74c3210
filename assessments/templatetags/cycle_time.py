"""A cycle's times on its own clock: ``{{ cycle.closes_at|cycle_time:cycle }}`` reads
"4 Dec 2026, 18:00 CET" wherever the server or the reader is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.formats import date_format

if TYPE_CHECKING:
    import datetime as dt

    from assessments.models import Cycle

register = template.Library()


@register.filter
def cycle_time(value: dt.datetime | None, cycle: Cycle) -> str:
    """Date, time and zone abbreviation in the cycle's time zone; "" for no time."""
    if value is None:
        return ""
    local = value.astimezone(cycle.zone())
    return f"{date_format(local, 'SHORT_DATETIME_FORMAT')} {local.tzname()}"


@register.filter
def cycle_date(value: dt.datetime | None, cycle: Cycle) -> str:
    """The calendar day in the cycle's time zone ("4 December 2026")."""
    if value is None:
        return ""
    return date_format(value.astimezone(cycle.zone()), "DATE_FORMAT")
