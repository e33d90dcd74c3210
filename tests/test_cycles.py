"""Cycles: created as drafts, moved through their states by the rules, inviting idempotently."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from assessments.hr.cycles import (
    CycleError,
    cycle_close,
    cycle_counts,
    cycle_open,
    cycle_release,
    cycle_transition,
    invitations_create,
    self_invitation_rotate,
    shared_link_rotate,
)
from assessments.models import (
    AuditEvent,
    Cycle,
    Invitation,
    Role,
    SharedLink,
    Submission,
    TeamMember,
    token_hash,
)
from leadership.models import Question
from tests.builders import draft_cycle_make, roster_team_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams(leader_a, leader_b):
    return [
        roster_team_make("Alpha", leaders=(leader_a,), members=4),
        roster_team_make("Beta", leaders=(leader_b,), members=3),
    ]


def test_a_new_cycle_is_a_draft_with_the_bank_s_current_questions_frozen_in(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    assert cycle.state == Cycle.State.DRAFT
    current = set(bank.questions.current().values_list("pk", flat=True))
    assert set(cycle.questions.values_list("pk", flat=True)) == current
    question = bank.questions.current().ratings().first()
    newer = question.revise(text="A reworded statement.")
    assert newer.pk != question.pk
    assert cycle.questions.filter(pk=question.pk).exists()
    assert not cycle.questions.filter(pk=newer.pk).exists()


def test_opening_invites_each_member_once_and_each_leader_for_the_self_assessment(
    bank, teams, leader_a
):
    cycle = draft_cycle_make(bank, teams)
    created = cycle_open(cycle=cycle, actor=None)
    assert created == 4 + 3 + 2
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.OPEN
    assert Invitation.objects.filter(cycle=cycle, role=Role.MEMBER).count() == 7
    selves = Invitation.objects.filter(cycle=cycle, role=Role.SELF)
    assert set(selves.values_list("email", flat=True)) == {leader_a.email, "leader-b@example.com"}


def test_no_self_invitations_when_leaders_do_not_self_assess(bank, teams):
    cycle = draft_cycle_make(bank, teams, self_assessment=False)
    cycle_open(cycle=cycle, actor=None)
    assert not Invitation.objects.filter(cycle=cycle, role=Role.SELF).exists()


def test_creating_invitations_again_adds_only_the_missing_ones(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    before = dict(Invitation.objects.filter(cycle=cycle).values_list("email", "token_hash"))
    assert invitations_create(cycle=cycle) == 0
    TeamMember.objects.create(team=teams[0], email="late.joiner@example.com")
    assert invitations_create(cycle=cycle) == 1
    after = dict(Invitation.objects.filter(cycle=cycle).values_list("email", "token_hash"))
    assert len(after) == len(before) + 1
    assert all(after[email] == hashed for email, hashed in before.items())


def test_reopening_a_closed_cycle_invites_only_people_added_since(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    cycle_close(cycle=cycle, actor=None)
    TeamMember.objects.create(team=teams[1], email="new@example.com")
    assert cycle_open(cycle=cycle, actor=None) == 1
    assert Invitation.objects.filter(cycle=cycle).count() == 10
    assert AuditEvent.objects.filter(action="cycle.reopen").count() == 1


def test_only_sha256_hashes_of_tokens_are_stored(bank, teams, leader_a):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    for stored in Invitation.objects.filter(cycle=cycle).values_list("token_hash", flat=True):
        assert re.fullmatch(r"[0-9a-f]{64}", stored)
    invitation, token = self_invitation_rotate(cycle=cycle, team=teams[0], user=leader_a)
    assert len(token) >= 32  # 192 bits, URL-safe base64
    assert invitation.token_hash == token_hash(token)
    assert not Invitation.objects.filter(token_hash=token).exists()
    shared = shared_link_rotate(cycle=cycle, team=teams[0], actor=None)
    assert SharedLink.objects.get(cycle=cycle, team=teams[0]).token_hash == token_hash(shared)


def test_rotating_a_shared_link_replaces_its_token(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    first = shared_link_rotate(cycle=cycle, team=teams[0], actor=None)
    second = shared_link_rotate(cycle=cycle, team=teams[0], actor=None)
    assert first != second
    assert SharedLink.objects.filter(cycle=cycle).count() == 1
    assert SharedLink.objects.get().token_hash == token_hash(second)


@pytest.mark.parametrize(
    ("state", "to"),
    [
        (Cycle.State.DRAFT, Cycle.State.CLOSED),
        (Cycle.State.DRAFT, Cycle.State.RELEASED),
        (Cycle.State.OPEN, Cycle.State.OPEN),
        (Cycle.State.OPEN, Cycle.State.RELEASED),
        (Cycle.State.RELEASED, Cycle.State.OPEN),
        (Cycle.State.RELEASED, Cycle.State.CLOSED),
        (Cycle.State.CLOSED, "draft"),
        (Cycle.State.OPEN, "bogus"),
    ],
)
def test_transitions_not_in_the_rules_are_refused_and_change_nothing(bank, teams, state, to):
    cycle = draft_cycle_make(bank, teams)
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=state)
    cycle.refresh_from_db()
    with pytest.raises(CycleError):
        cycle_transition(cycle=cycle, to=to, actor=None)
    cycle.refresh_from_db()
    assert cycle.state == state


def test_a_cycle_goes_draft_open_closed_released_with_an_audit_trail(bank, teams, hr_user):
    cycle = draft_cycle_make(bank, teams)
    for to in ("open", "closed", "released"):
        cycle_transition(cycle=cycle, to=to, actor=hr_user)
        cycle.refresh_from_db()
        assert cycle.state == to
    assert cycle.released_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"cycle.create", "cycle.open", "cycle.close", "cycle.release"} <= actions
    assert AuditEvent.objects.filter(action="cycle.release", actor=hr_user).exists()


def test_a_cycle_without_teams_cannot_open(bank):
    cycle = draft_cycle_make(bank, [])
    with pytest.raises(CycleError, match="at least one team"):
        cycle_open(cycle=cycle, actor=None)
    cycle.refresh_from_db()
    assert cycle.state == Cycle.State.DRAFT


def test_releasing_needs_a_closed_cycle(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    with pytest.raises(CycleError):
        cycle_release(cycle=cycle, actor=None)


def test_counts_show_invited_in_progress_and_submitted_per_team(bank, teams):
    cycle = draft_cycle_make(bank, teams)
    cycle_open(cycle=cycle, actor=None)
    alpha = Invitation.objects.filter(cycle=cycle, team=teams[0], role=Role.MEMBER)
    Invitation.objects.filter(pk__in=alpha.values("pk")[:1]).update(state="started")
    Invitation.objects.filter(pk__in=alpha.values("pk")[1:3]).update(state="submitted")
    today = timezone.localdate()
    for _ in range(2):
        Submission.objects.create(cycle=cycle, team=teams[0], role=Role.MEMBER, submitted_on=today)
    Submission.objects.create(cycle=cycle, team=teams[0], role=Role.SELF, submitted_on=today)
    counts = cycle_counts(cycle=cycle)
    alpha_row, beta_row = sorted(counts.teams, key=lambda row: row.team.name)
    assert (alpha_row.invited, alpha_row.in_progress, alpha_row.submitted) == (4, 1, 2)
    assert alpha_row.rate == 50
    assert alpha_row.self_submitted
    assert (beta_row.invited, beta_row.submitted, beta_row.rate) == (3, 0, 0)
    assert beta_row.self_invited
    assert not beta_row.self_submitted
    assert (counts.invited, counts.submitted, counts.rate) == (7, 2, 29)


def test_a_window_is_kept_on_the_cycle(bank, teams):
    opens = timezone.now()
    cycle = draft_cycle_make(bank, teams, opens_at=opens, closes_at=opens + dt.timedelta(days=14))
    cycle_open(cycle=cycle, actor=None)
    assert cycle.accepts_answers()
    assert Question.objects.filter(cycles=cycle).count() == cycle.questions.count()
