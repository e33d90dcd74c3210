"""GROW coaching prompts and the plain-words helpers the dashboards use."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessments.results.coaching import (
    GENERAL_PROMPTS,
    PROMPTS,
    PillarScore,
    coaching_plans,
    grow_steps,
    weakest_pillars,
)
from assessments.results.wording import (
    agreement_words,
    alpha_verdict,
    change_words,
    gap_words,
    item_total_verdict,
    precision_note,
)

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
PILLARS = ("clarity", "trust", "development", "execution", "learning")


def _scores(**values: float | None) -> list[PillarScore]:
    return [PillarScore(key=key, name=key.title(), score_pct=values.get(key)) for key in PILLARS]


def test_the_two_weakest_pillars_are_chosen_weakest_first():
    chosen = weakest_pillars(
        pillars=_scores(clarity=70, trust=40, development=55, execution=35, learning=80)
    )
    assert [pillar.key for pillar in chosen] == ["execution", "trust"]


def test_ties_keep_the_bank_order_and_suppressed_pillars_are_never_chosen():
    chosen = weakest_pillars(
        pillars=_scores(clarity=None, trust=50, development=50, execution=50, learning=90)
    )
    assert [pillar.key for pillar in chosen] == ["trust", "development"]


def test_a_team_with_every_pillar_suppressed_gets_no_coaching():
    assert coaching_plans(pillars=_scores()) == []


def test_every_default_pillar_has_all_four_grow_steps_with_prompts():
    for key in PILLARS:
        steps = grow_steps(pillar_key=key)
        assert [step.key for step in steps] == ["goal", "reality", "options", "will"]
        assert all(step.prompts and all(str(p).strip() for p in step.prompts) for step in steps)


def test_a_pillar_from_another_bank_gets_the_general_prompts():
    steps = grow_steps(pillar_key="curiosity")
    assert steps[0].prompts == GENERAL_PROMPTS["goal"]


def test_a_coaching_plan_carries_the_pillar_name_and_score():
    plans = coaching_plans(pillars=_scores(clarity=20, trust=30, development=90))
    assert [(plan.pillar_name, plan.score_pct) for plan in plans] == [
        ("Clarity", 20),
        ("Trust", 30),
    ]


def _sentences(text: str) -> set[str]:
    normalised = " ".join(text.replace("’", "'").split()).lower()
    return {part.strip() for part in normalised.replace("?", ".").split(".") if part.strip()}


def test_no_prompt_copies_a_sentence_or_a_long_phrase_from_the_articles():
    if not SEEDS.is_dir():
        pytest.skip("seed articles not available")
    articles = " ".join(
        " ".join(path.read_text(encoding="utf-8").replace("’", "'").split()).lower()
        for path in SEEDS.glob("*.txt")
    )
    prompts = [
        str(p)
        for steps in [*PROMPTS.values(), GENERAL_PROMPTS]
        for ps in steps.values()
        for p in ps
    ]
    for prompt in prompts:
        words = " ".join(prompt.replace("’", "'").split()).lower().split()
        # No run of eight consecutive words appears in the articles.
        for start in range(max(0, len(words) - 7)):
            assert " ".join(words[start : start + 8]) not in articles, prompt


@pytest.mark.parametrize(
    ("rwg", "level"),
    [
        (0.95, "good"),
        (0.70, "good"),
        (0.69, "fair"),
        (0.50, "fair"),
        (0.49, "weak"),
        (0.0, "weak"),
        (None, "none"),
    ],
)
def test_agreement_is_put_in_words_at_the_lebreton_senter_thresholds(rwg, level):
    assert agreement_words(rwg=rwg).level == level


def test_a_score_from_few_respondents_carries_a_precision_note():
    note = precision_note(n=3, ci_low=2.0, ci_high=4.5, scale_min=1, scale_max=5)
    assert "only 3 responses" in note


def test_a_wide_interval_carries_a_precision_note_and_a_narrow_one_none():
    wide = precision_note(n=8, ci_low=2.6, ci_high=3.9, scale_min=1, scale_max=5)
    assert "2.60 to 3.90" in wide
    assert precision_note(n=8, ci_low=3.6, ci_high=4.1, scale_min=1, scale_max=5) == ""


def test_blind_spots_and_hidden_strengths_read_as_plain_sentences():
    assert gap_words(kind="blind_spot").startswith("Blind spot")
    assert gap_words(kind="hidden_strength").startswith("Hidden strength")
    assert gap_words(kind="") == ""


def test_change_since_last_cycle_reads_up_down_or_about_the_same():
    assert change_words(change=0.34) == "Up 0.34 since last cycle"
    assert change_words(change=-0.25) == "Down 0.25 since last cycle"
    assert change_words(change=0.04) == "About the same as last cycle"
    assert change_words(change=None) == ""


def test_low_alpha_and_miskeyed_items_are_flagged():
    assert alpha_verdict(alpha=0.82).level == "good"
    assert alpha_verdict(alpha=0.55).level == "weak"
    negative = item_total_verdict(r=-0.3)
    assert negative.level == "weak"
    assert "reverse keying" in negative.text
    assert item_total_verdict(r=0.1).level == "fair"
    assert item_total_verdict(r=0.5).level == "good"


def test_change_names_the_cycle_it_is_measured_against_when_given():
    assert change_words(change=0.34, since="2026 Q1") == "Up 0.34 since 2026 Q1"
    assert change_words(change=-0.25, since="2026 Q1") == "Down 0.25 since 2026 Q1"
    assert change_words(change=0.04, since="2026 Q1") == "About the same as in 2026 Q1"
    assert change_words(change=None, since="2026 Q1") == ""
