"""Number formats for reports: the template side of ``assessments.reports.content.fmt_*``."""

from __future__ import annotations

from django import template

from assessments.reports import content as reports

register = template.Library()

register.filter("score", reports.fmt_score)
register.filter("signed", reports.fmt_signed)
register.filter("pct", reports.fmt_pct)
register.filter("ratio", reports.fmt_ratio)
register.filter("rate", reports.fmt_rate)
