"""Prepared statements do what the ORM call they stand for does, compiled once."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_delete

from assessments.models import DraftAnswer, DraftComment, Invitation
from leadership.prepared import PreparedDelete, PreparedQuery, PreparedUpdate
from tests.builders import drafts_fill, invitation_make, led_team_make, open_cycle_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_invitations(bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitations = [invitation_make(cycle, team)[0] for _ in range(2)]
    for invitation in invitations:
        drafts_fill(invitation, comment="Fine.")
    return invitations


def test_a_prepared_query_gives_what_the_orm_gives_for_each_id(
    two_invitations, django_assert_num_queries
):
    invitations = two_invitations
    query = PreparedQuery(
        lambda pk: (
            Invitation.objects.filter(pk=pk, cycle__recorded_state="open")
            .order_by()
            .values_list("pk", "email", "created_at", "cycle__opens_at")
        )
    )
    for invitation in invitations:
        expected = Invitation.objects.filter(pk=invitation.pk).values_list(
            "pk", "email", "created_at", "cycle__opens_at"
        )[0]
        with django_assert_num_queries(1):
            rows = query.rows(invitation.pk)
        assert rows == [list(expected)]
    assert query.rows(-1) == []


def test_a_prepared_delete_removes_only_the_rows_its_query_names(
    two_invitations, django_assert_num_queries
):
    first, second = two_invitations
    kept = DraftAnswer.objects.filter(invitation=second).count()
    clear = PreparedDelete(lambda pk: DraftAnswer.objects.filter(invitation_id=pk))
    expected = DraftAnswer.objects.filter(invitation=first).count()
    assert expected > 0
    with django_assert_num_queries(1):
        assert clear.run(first.pk) == expected
    assert not DraftAnswer.objects.filter(invitation=first).exists()
    assert DraftAnswer.objects.filter(invitation=second).count() == kept
    assert clear.run(first.pk) == 0


def test_a_prepared_delete_refuses_rows_that_others_cascade_from(two_invitations):
    """Deleting an invitation deletes its drafts too: one statement cannot do that."""
    remove = PreparedDelete(lambda pk: Invitation.objects.filter(pk=pk))
    with pytest.raises(ValueError, match="one statement"):
        remove.run(two_invitations[0].pk)
    assert Invitation.objects.count() == 2


def test_a_prepared_update_sets_its_values_on_the_rows_its_query_names(
    two_invitations, django_assert_num_queries
):
    first, second = two_invitations
    submitted = PreparedUpdate(
        lambda pk: Invitation.objects.filter(pk=pk), values={"state": Invitation.State.SUBMITTED}
    )
    with django_assert_num_queries(1):
        assert submitted.run(first.pk) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == Invitation.State.SUBMITTED
    assert second.state != Invitation.State.SUBMITTED
    assert submitted.run(-1) == 0


def test_prepared_statements_refuse_the_wrong_number_of_arguments(two_invitations):
    read = PreparedQuery(lambda pk: DraftComment.objects.filter(invitation_id=pk).values_list("pk"))
    with pytest.raises(TypeError, match="expected 1 arguments"):
        read.rows(1, 2)


@pytest.mark.parametrize(
    "build",
    [
        lambda pk: DraftAnswer.objects.filter(invitation_id=pk).order_by("pk")[:1],
        lambda pk: DraftAnswer.objects.filter(invitation_id=pk).values("pk"),
    ],
    ids=["sliced", "values"],
)
def test_prepared_writes_refuse_what_delete_and_update_refuse(two_invitations, build):
    first = two_invitations[0]
    before = DraftAnswer.objects.count()
    with pytest.raises(TypeError, match="Cannot delete"):
        PreparedDelete(build).run(first.pk)
    with pytest.raises(TypeError, match="Cannot update"):
        PreparedUpdate(build, values={"value": 1}).run(first.pk)
    assert DraftAnswer.objects.count() == before


def test_a_prepared_delete_refuses_once_a_delete_signal_listens(two_invitations):
    first, second = two_invitations
    clear = PreparedDelete(lambda pk: DraftComment.objects.filter(invitation_id=pk))
    assert clear.run(first.pk) > 0  # compiled while nothing listens

    def listener(**kwargs):
        pass

    post_delete.connect(listener, sender=DraftComment)
    try:
        with pytest.raises(ValueError, match="delete signals"):
            clear.run(second.pk)
    finally:
        post_delete.disconnect(listener, sender=DraftComment)
    assert DraftComment.objects.filter(invitation=second).exists()
