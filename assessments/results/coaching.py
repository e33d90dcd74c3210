"""GROW coaching prompts for a team's development conversation.

GROW — Goal, Reality, Options, Will — turns a score into a conversation: where the leader wants
the pillar to be, what is true today, which moves are open, and what they will actually do next.
The prompts are written for Pillars from the ideas of the two articles the pillars come from
(direction and saying no; trust and safety to speak up; coaching and stretch; cadence and
obstacles; reflection, experiments and learning from setbacks). A bank with other pillars gets
the general prompts.

The dashboard shows them for the team's two weakest pillars: the lowest team scores, ties broken
by the bank's pillar order so the choice is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from collections.abc import Sequence

    from django.utils.functional import Promise

WEAKEST_COUNT = 2


@dataclass(frozen=True)
class GrowStep:
    key: str  # goal, reality, options, will
    title: Promise | str
    prompts: tuple[Promise | str, ...]


@dataclass(frozen=True)
class CoachingPlan:
    """The four GROW steps for one pillar, with the team score that put the pillar here."""

    pillar_key: str
    pillar_name: str
    score_pct: float | None
    steps: tuple[GrowStep, ...]


@dataclass(frozen=True)
class PillarScore:
    """What the chooser needs to know about a pillar: plain data, from any results object."""

    key: str
    name: str
    score_pct: float | None  # the team's score on the percent scale; None when suppressed


STEP_TITLES: dict[str, Promise] = {
    "goal": _("Goal — where do you want this to be?"),
    "reality": _("Reality — what is true today?"),
    "options": _("Options — what could you try?"),
    "will": _("Will — what will you do next?"),
}

# pillar key → step key → prompts. Written for this product; none is quoted from the articles.
PROMPTS: dict[str, dict[str, tuple[Promise, ...]]] = {
    "clarity": {
        "goal": (
            _(
                "If someone on your team explained the team's purpose to a new colleague in two "
                "sentences a year from now, what would you want them to say?"
            ),
            _("Which two or three outcomes would make this year a success for the team?"),
        ),
        "reality": (
            _(
                "Ask three people separately what the team's top priority is this quarter. "
                "How close are their answers to yours?"
            ),
            _("What did the team take on last month that does not serve those outcomes?"),
        ),
        "options": (
            _(
                "Which piece of work could you stop, postpone or hand back, so the priorities "
                "get the attention they need?"
            ),
            _(
                "Where could the team hear the reasons behind a priority, and not just the "
                "priority itself?"
            ),
        ),
        "will": (
            _(
                "Write down the priorities on one page and share it this week. When will you "
                "check together whether it still holds?"
            ),
        ),
    },
    "trust": {
        "goal": (
            _(
                "What would your team meetings sound like if everyone raised bad news and "
                "disagreement as easily as good news?"
            ),
        ),
        "reality": (
            _(
                "Think of the last mistake someone on the team brought to you. What did your "
                "first reaction teach them about speaking up?"
            ),
            _("Which of your recent promises to the team did you keep, and which slipped?"),
        ),
        "options": (
            _(
                "How could you invite disagreement before a decision is made, for example by "
                "asking who sees it differently?"
            ),
            _(
                "Which recent decision could you explain again, with the reasoning and the "
                "trade-offs you weighed?"
            ),
        ),
        "will": (
            _(
                "Pick one commitment you made to the team and close it visibly this week. Who "
                "will you ask, in a month, whether speaking up feels safer?"
            ),
        ),
    },
    "development": {
        "goal": (
            _(
                "For each person on your team: what could they do in a year that they cannot "
                "do today?"
            ),
        ),
        "reality": (
            _(
                "When did you last give someone feedback that was specific enough to act on? "
                "How much of your one-to-one time is status, and how much is growth?"
            ),
        ),
        "options": (
            _(
                "Which task that you usually do yourself could become a stretch assignment for "
                "someone else?"
            ),
            _(
                "In your next one-to-ones, what happens if you answer a question with a "
                "question and let the person find the way?"
            ),
        ),
        "will": (
            _(
                "Book one conversation about growth with each person in the next month, and "
                "protect it when the calendar gets busy. What will you ask first?"
            ),
        ),
    },
    "execution": {
        "goal": (
            _(
                "What would it look like if the team's most important work finished on time "
                "without late nights or heroics?"
            ),
        ),
        "reality": (
            _(
                "Where does work stall today: unclear owners, waiting on others, or too many "
                "things started at once?"
            ),
            _("How does the team learn that a commitment is slipping, and how late?"),
        ),
        "options": (
            _(
                "Could a short, regular check-in on commitments and blockers replace a longer "
                "status meeting?"
            ),
            _("Which obstacle could you remove yourself this week, so the team does not have to?"),
        ),
        "will": (
            _(
                "Choose the one result that matters most this month, name its owner and its "
                "next step, and review it with the team every week."
            ),
        ),
    },
    "learning": {
        "goal": (
            _(
                "What would the team do differently if every setback were treated as "
                "information instead of as blame?"
            ),
        ),
        "reality": (
            _(
                "What did the team change after its last retrospective or post-mortem, and "
                "did the change stick?"
            ),
            _("When did you last ask the team for feedback on how you lead?"),
        ),
        "options": (
            _(
                "Which small experiment could the team run for two weeks, with a clear way to "
                "tell whether it worked?"
            ),
            _(
                "After the next thing that goes wrong, how could you open with the question "
                "'what do we need now?'"
            ),
        ),
        "will": (
            _(
                "Put fifteen minutes of reflection in the diary at the end of each week: what "
                "went well, what did not, what you will try next. Who will you share it with?"
            ),
        ),
    },
}

GENERAL_PROMPTS: dict[str, tuple[Promise, ...]] = {
    "goal": (
        _("Where would you like your team's answers on this pillar to be next cycle, and why?"),
    ),
    "reality": (
        _(
            "Which items scored lowest, and what would team members point to as the reason? "
            "What does the team see that you do not?"
        ),
    ),
    "options": (
        _(
            "List three things you could start, stop or do differently. Which would the team "
            "notice first?"
        ),
    ),
    "will": (_("Which one will you start this week, and how will you know it is working?"),),
}


def grow_steps(*, pillar_key: str) -> tuple[GrowStep, ...]:
    """The four GROW steps for a pillar, falling back to the general prompts for other banks."""
    prompts = PROMPTS.get(pillar_key, GENERAL_PROMPTS)
    return tuple(
        GrowStep(key=key, title=STEP_TITLES[key], prompts=prompts[key]) for key in STEP_TITLES
    )


def weakest_pillars(
    *, pillars: Sequence[PillarScore], count: int = WEAKEST_COUNT
) -> list[PillarScore]:
    """The ``count`` pillars with the lowest team score; suppressed pillars are never chosen.

    ``pillars`` comes in the bank's order, and the sort is stable, so ties keep that order.
    """
    scored = [(pillar.score_pct, pillar) for pillar in pillars if pillar.score_pct is not None]
    return [pillar for _, pillar in sorted(scored, key=lambda pair: pair[0])][:count]


def coaching_plans(
    *, pillars: Sequence[PillarScore], count: int = WEAKEST_COUNT
) -> list[CoachingPlan]:
    """GROW plans for the team's weakest pillars, weakest first."""
    return [
        CoachingPlan(
            pillar_key=pillar.key,
            pillar_name=pillar.name,
            score_pct=pillar.score_pct,
            steps=grow_steps(pillar_key=pillar.key),
        )
        for pillar in weakest_pillars(pillars=pillars, count=count)
    ]
