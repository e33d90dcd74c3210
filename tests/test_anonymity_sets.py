"""The pure rules for figures over different people: items beside their pillar, and a group's
figures over time (issue 12, attacks 2 and 3)."""

from __future__ import annotations

import pytest

from assessments.results.anonymity import (
    GroupSets,
    item_shown,
    members_remembered_choose,
    sets_differ_safely,
)


@pytest.mark.parametrize(
    ("scorers", "answered", "shown"),
    [
        (9, 9, True),  # everyone who scored the pillar answered the item
        (9, 8, False),  # one "can't say": the item would give that person away beside the pillar
        (9, 7, False),
        (9, 6, True),  # three said "can't say": a group of k
        (9, 2, False),  # too few answers
        (4, 3, False),  # 3 answers, but 1 fewer than the pillar beside it
        (3, 3, True),
    ],
)
def test_an_item_is_shown_beside_its_pillar_only_over_the_same_people_or_k_fewer(
    scorers, answered, shown
):
    assert item_shown(scorers=scorers, answered=answered, k=3) is shown


def sets(members: set[int], **figures: set[int]) -> GroupSets:
    return GroupSets(
        members=frozenset(members), figures={k: frozenset(v) for k, v in figures.items()}
    )


def test_the_same_people_or_k_more_is_a_safe_change_and_one_more_is_not():
    before = sets({1, 2, 3, 4}, trust={1, 2, 3, 4})
    assert sets_differ_safely(before, before, k=3)
    assert sets_differ_safely(before, sets({1, 2, 3, 4, 5, 6, 7}, trust={1, 2, 3, 4, 5, 6, 7}), k=3)
    assert not sets_differ_safely(before, sets({1, 2, 3, 4, 5}, trust={1, 2, 3, 4, 5}), k=3)


def test_k_more_people_is_not_safe_when_one_figure_of_the_group_moves_by_fewer_than_k():
    """Three new people answered, but only one of them said enough to score "trust"."""
    before = sets({1, 2, 3, 4}, trust={1, 2, 3, 4}, clarity={1, 2, 3, 4})
    after = sets({1, 2, 3, 4, 5, 6, 7}, trust={1, 2, 3, 4, 5}, clarity={1, 2, 3, 4, 5, 6, 7})
    assert not sets_differ_safely(before, after, k=3)
    # Nobody new scoring a pillar leaves it as it was: that is safe.
    quiet = sets({1, 2, 3, 4, 5, 6, 7}, trust={1, 2, 3, 4}, clarity={1, 2, 3, 4, 5, 6, 7})
    assert sets_differ_safely(before, quiet, k=3)


def test_a_group_keeps_the_people_it_was_shown_for_until_the_change_is_safe():
    shown = sets({1, 2, 3, 4}, trust={1, 2, 3, 4})
    one_more = sets({1, 2, 3, 4, 9}, trust={1, 2, 3, 4, 9})
    chosen, held = members_remembered_choose(current=one_more, remembered=shown, k=3)
    assert (chosen, held) == (shown, 1)
    three_more = sets({1, 2, 3, 4, 9, 10, 11}, trust={1, 2, 3, 4, 9, 10, 11})
    chosen, held = members_remembered_choose(current=three_more, remembered=shown, k=3)
    assert (chosen, held) == (three_more, 0)
    assert members_remembered_choose(current=one_more, remembered=None, k=3) == (one_more, 0)
