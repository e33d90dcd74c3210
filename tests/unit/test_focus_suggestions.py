"""Focus suggestions and the change after a pulse, on plain dataclasses (no database), for
pillars where higher is better and where lower is better."""

from __future__ import annotations

import dataclasses

from assessments.actions.suggestions import (
    REASON_AGREEMENT,
    REASON_DROP,
    REASON_LOWEST,
    focus_suggestions,
)
from assessments.results.followup import focus_changes
from assessments.results.report import TeamPillar, TeamResult


def pillar(key: str, mean: float, *, sd: float = 0.5, n: int = 8, rwg: float = 0.9, **more):
    shown = dataclasses.replace(
        TeamPillar.hidden(key=key, name=key.title(), reason=""),
        n=n,
        mean=mean,
        sd=sd,
        percent=(mean - 1) * 25,
        rwg=rwg,
        suppressed=False,
        suppressed_reason="",
    )
    return dataclasses.replace(shown, **more)


def team(*pillars: TeamPillar, suppressed: str = "") -> TeamResult:
    return TeamResult(
        team_id=1,
        slug="t",
        name="T",
        department_id=None,
        department="",
        invited=8,
        n=8,
        self_n=0,
        response_rate=1.0,
        suppressed=bool(suppressed),
        suppressed_reason=suppressed,
        comments_shown=True,
        pillars=pillars,
    )


def reasons(result, previous=None, lower=()):
    return {
        s.key: s.reasons for s in focus_suggestions(team=result, previous=previous, lower=lower)
    }


def test_the_lowest_pillar_is_the_least_favourable_one_in_its_direction():
    result = team(pillar("clarity", 3.0), pillar("stress", 4.5))
    assert REASON_LOWEST in reasons(result)["clarity"]
    assert REASON_LOWEST in reasons(result, lower={"stress"})["stress"]


def test_a_drop_is_named_only_beyond_its_margin_and_a_rise_is_the_drop_where_lower_is_better():
    before = team(pillar("clarity", 4.2), pillar("stress", 2.0))
    clear = team(
        pillar("clarity", 3.0, change=-1.2, previous_mean=4.2),
        pillar("stress", 3.5, change=1.5, previous_mean=2.0),
    )
    assert REASON_DROP in reasons(clear, before)["clarity"]
    assert REASON_DROP not in reasons(clear, before).get("stress", ())
    assert REASON_DROP in reasons(clear, before, lower={"stress"})["stress"]
    noisy = team(pillar("clarity", 4.0, sd=1.2, n=4, change=-0.2, previous_mean=4.2))
    assert REASON_DROP not in reasons(noisy, team(pillar("clarity", 4.2, sd=1.2, n=4)))["clarity"]


def test_weak_agreement_is_suggested_and_a_hidden_pillar_never_is():
    result = team(
        pillar("clarity", 4.0, rwg=0.3),
        dataclasses.replace(TeamPillar.hidden(key="trust", name="Trust", reason="few_answers")),
    )
    found = reasons(result)
    assert REASON_AGREEMENT in found["clarity"]
    assert "trust" not in found
    assert reasons(team(pillar("clarity", 2.0), suppressed="too_few")) == {}


def test_a_change_after_a_pulse_is_better_in_the_pillars_direction():
    parent = team(pillar("clarity", 3.0), pillar("stress", 3.0))
    pulse = team(
        pillar("clarity", 4.0, change=1.0, previous_mean=3.0),
        pillar("stress", 2.0, change=-1.0, previous_mean=3.0),
    )
    changes = {
        c.key: c
        for c in focus_changes(
            pulse=pulse, parent=parent, keys=["clarity", "stress"], lower={"stress"}
        )
    }
    assert changes["clarity"].meaningful
    assert changes["clarity"].better
    assert changes["stress"].meaningful
    assert changes["stress"].better
    hidden = focus_changes(pulse=team(pillar("clarity", 4.0)), parent=parent, keys=["clarity"])
    assert not hidden[0].shown
    assert not hidden[0].meaningful
