"""Many simultaneous submits of the same survey: exactly one submission each, never an error.

Runs on whichever database the suite runs on: SQLite (a real file in WAL mode, IMMEDIATE
transactions) and PostgreSQL (SELECT … FOR UPDATE) when DATABASE_URL points there.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, DraftAnswer, DraftComment, Invitation, Submission
from assessments.survey import flow
from tests.builders import drafts_fill, invitation_make, led_team_make, open_cycle_make

INVITATIONS = 50
SUBMITS_EACH = 10


@pytest.mark.django_db(transaction=True)
def test_fifty_invitations_submitted_ten_times_at_once_give_exactly_fifty_submissions(
    bank, settings
):
    # Every thread comes from 127.0.0.1: lift the per-address limits for this test.
    settings.PILLARS_RATELIMIT_SUBMIT = "100000/60"
    settings.PILLARS_RATELIMIT_TOKEN = "100000/60"
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    tokens = []
    for _ in range(INVITATIONS):
        invitation, token = invitation_make(cycle, team)
        drafts_fill(invitation, value=3, comment="Same time")
        tokens.append(token)
    barriers = {token: threading.Barrier(SUBMITS_EACH, timeout=60) for token in tokens}

    def submit(token: str) -> str:
        try:
            browser = Client()
            start = browser.get(reverse("assessments:survey-start", args=[token]))
            key = start["Location"].rstrip("/").split("/")[-1]
            barriers[token].wait()
            response = browser.post(reverse("assessments:survey-submit", args=[key]))
            return str(response.status_code)
        except Exception as error:  # counted, so a failure names itself in the assertion
            return f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=INVITATIONS) as pool:
        outcomes = Counter(pool.map(submit, [t for t in tokens for _ in range(SUBMITS_EACH)]))

    assert outcomes == {"302": INVITATIONS, "409": INVITATIONS * (SUBMITS_EACH - 1)}
    assert Submission.objects.count() == INVITATIONS
    per_submission = Answer.objects.values("submission").annotate(n=Count("id"))
    assert {row["n"] for row in per_submission} == {cycle.questions.ratings().count()}
    assert set(Invitation.objects.values_list("state", flat=True)) == {"submitted"}


@pytest.mark.django_db(transaction=True)
def test_an_autosave_arriving_while_a_submit_on_another_server_holds_the_lock_saves_nothing(
    bank,
):
    """Two servers: the autosave arrives while the submit holds the invitation's lock (its page
    was read before the submit began). Once the submit commits, the autosave must not write a
    draft: an answer or a comment left against a submitted invitation would tie it to the
    person's email."""
    team = led_team_make()
    cycle = open_cycle_make(bank, teams=[team])
    invitation, _ = invitation_make(cycle, team)
    drafts_fill(invitation, value=3)
    question = cycle.questions.ratings().first()
    late = flow.DraftInput(answers={question.pk: 5}, comments={question.pillar_id: "Late words"})
    read_before = flow.invitation_open(invitation_id=invitation.pk, page=False)
    locked = threading.Event()

    def submit_elsewhere() -> None:
        try:
            with transaction.atomic():
                Invitation.objects.select_for_update().get(pk=invitation.pk)
                locked.set()
                time.sleep(0.5)  # the autosave arrives meanwhile and waits for the lock
                flow.submission_create(invitation_id=invitation.pk)
        finally:
            connection.close()

    other = threading.Thread(target=submit_elsewhere)
    other.start()
    assert locked.wait(timeout=30)
    with pytest.raises(flow.SurveyError) as refused:
        flow.drafts_save(invitation_id=read_before.pk, drafts=late)
    other.join(timeout=30)

    assert refused.value.problem == flow.SUBMITTED
    assert Submission.objects.count() == 1
    assert not DraftAnswer.objects.exists()
    assert not DraftComment.objects.exists()
