"""Number formats for reports: the template side of ``assessments.reports.content.fmt_*``."""

from __future__ import annotations

from django import template

from assessments.reports import content

register = template.Library()

register.filter("score", content.fmt_score)
register.filter("signed", content.fmt_signed)
register.filter("pct", content.fmt_pct)
register.filter("ratio", content.fmt_ratio)
register.filter("rate", content.fmt_rate)
