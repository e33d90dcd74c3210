"""Statistics in plain words, for the dashboards and the PDFs.

Each helper takes plain numbers and returns a short translated sentence (or a
:class:`Verdict`: a level for styling plus the sentence), so a leader who has never heard of a
confidence interval or r_wg still knows how far to trust a figure.

Thresholds and their sources:
- Agreement r_wg: 0.70 and above is strong agreement, 0.50–0.69 moderate, below 0.50 the team's
  views differ (LeBreton, J. M., & Senter, J. L. (2008). Answers to 20 questions about interrater
  reliability and interrater agreement. Organizational Research Methods, 11, 815–852).
- Cronbach's alpha below 0.70 is the usual sign that a pillar's items do not measure one thing
  well enough (Nunnally, 1978).
- A corrected item–total correlation below 0.20 is weak; a negative one means the item runs
  against the rest, usually a wording problem or a missing reverse key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from assessments.results.rounding import SCORE_PLACES, figure_text

Level = Literal["good", "fair", "weak", "none"]

RWG_STRONG = 0.70
RWG_MODERATE = 0.50
ALPHA_ACCEPTABLE = 0.70
ITEM_TOTAL_WEAK = 0.20
# Fewer respondents than this, or a 95% interval wider than this share of the scale, earns a
# precision note next to the score.
PRECISION_MIN_N = 5
PRECISION_MAX_CI_SHARE = 0.25
# A change smaller than this (in scale points) reads as "about the same".
CHANGE_NOTICEABLE = 0.1
# Below this share of favourable answers (%), a team's best pillar is not called a strength.
FAVOURABLE_MAJORITY = 50

ICC_EXPLANATION = gettext_lazy(
    "ICC(1) is the share of the differences in answers that comes from which team a person is "
    "in; ICC(2) says how dependably a team's average tells it apart from other teams (0.70 or "
    "more is dependable)."
)
ITEM_CHECK = gettext_lazy("Check this item's wording or reverse keying.")


@dataclass(frozen=True)
class Verdict:
    level: Level
    text: str


def agreement_words(*, rwg: float | None) -> Verdict:
    """Within-team agreement r_wg in words (LeBreton & Senter, 2008)."""
    if rwg is None:
        return Verdict("none", _("Too few answers to judge agreement."))
    if rwg >= RWG_STRONG:
        return Verdict("good", _("Strong agreement: the team largely sees this the same way."))
    if rwg >= RWG_MODERATE:
        return Verdict("fair", _("Moderate agreement: most of the team sees this similarly."))
    return Verdict(
        "weak", _("Views differ: some people experience this very differently from others.")
    )


def precision_note(
    *,
    n: int,
    ci_low: float | None,
    ci_high: float | None,
    scale_min: int,
    scale_max: int,
) -> str:
    """A caution when a score rests on few people or has a wide 95% interval; "" otherwise."""
    if n < PRECISION_MIN_N:
        return ngettext(
            "Based on only %(n)d response: read it as a rough indication.",
            "Based on only %(n)d responses: read it as a rough indication.",
            n,
        ) % {"n": n}
    if ci_low is None or ci_high is None:
        return ""
    if (ci_high - ci_low) > PRECISION_MAX_CI_SHARE * (scale_max - scale_min):
        return _(
            "The likely range is wide (%(low)s to %(high)s): a few people answering "
            "differently would move this score noticeably."
        ) % {
            "low": figure_text(ci_low, SCORE_PLACES),
            "high": figure_text(ci_high, SCORE_PLACES),
        }
    return ""


def gap_words(*, kind: str) -> str:
    """A blind spot or hidden strength in words; "" for neither."""
    if kind == "blind_spot":
        return _("Blind spot: you rate yourself noticeably higher than your team rates you.")
    if kind == "hidden_strength":
        return _("Hidden strength: your team rates you noticeably higher than you rate yourself.")
    return ""


def change_words(*, change: float | None, since: str = "", meaningful: bool | None = None) -> str:
    """Change since the previous cycle (named by ``since`` if given), in scale points, as words.

    The amount is rounded as every table prints it (:mod:`assessments.results.rounding`), so the
    words and the figure beside them agree. ``meaningful`` (from
    :func:`assessments.results.scoring.difference_meaningful`) adds whether the change is beyond
    what chance alone — which people happened to answer — could explain; None says nothing.
    """
    if change is None:
        return ""
    amount = figure_text(abs(change), SCORE_PLACES)
    if abs(change) < CHANGE_NOTICEABLE:
        if since:
            return _("About the same as in %(cycle)s") % {"cycle": since}
        return _("About the same as last cycle")
    if since:
        if change > 0:
            text = _("Up %(change)s since %(cycle)s") % {"change": amount, "cycle": since}
        else:
            text = _("Down %(change)s since %(cycle)s") % {"change": amount, "cycle": since}
    elif change > 0:
        text = _("Up %(change)s since last cycle") % {"change": amount}
    else:
        text = _("Down %(change)s since last cycle") % {"change": amount}
    if meaningful is True:
        return _("%(change)s, more than chance alone would explain") % {"change": text}
    if meaningful is False:
        return _("%(change)s, within what chance alone could explain") % {"change": text}
    return text


def alpha_verdict(*, alpha: float | None) -> Verdict:
    """Cronbach's alpha of a pillar across the cycle."""
    if alpha is None:
        return Verdict("none", _("Not enough complete answers to compute."))
    if alpha >= ALPHA_ACCEPTABLE:
        return Verdict("good", _("The items hang together well."))
    return Verdict(
        "weak",
        _("Below 0.70: the items may not measure one thing. Look at the item–total figures."),
    )


def item_total_verdict(*, r: float | None) -> Verdict:
    """A corrected item–total correlation: negative or very low earns a warning."""
    if r is None:
        return Verdict("none", "")
    if r < 0:
        return Verdict("weak", _("Runs against the other items. %(check)s") % {"check": ITEM_CHECK})
    if r < ITEM_TOTAL_WEAK:
        return Verdict(
            "fair",
            _("Barely related to the other items. %(check)s") % {"check": ITEM_CHECK},
        )
    return Verdict("good", "")
