"""The survey's step page: the respondent's own answers, escaped, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Cycle, DraftAnswer, DraftComment, Role
from assessments.survey import flow
from tests.builders import (
    drafts_fill,
    invitation_make,
    led_team_make,
    open_cycle_make,
    survey_enter,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SELF])
def test_a_step_page_shows_the_saved_answers_and_escapes_every_typed_text(client, bank, role):
    team = led_team_make('R&D <"core">')
    cycle = open_cycle_make(bank, teams=[team], name="Q4 <i>&</i>")
    invitation, token = invitation_make(cycle, team, role=role)
    key = survey_enter(client, token)
    built = flow.survey_build(invitation=invitation)
    step = built.step(2)
    DraftAnswer.objects.create(invitation=invitation, question_id=step.items[0].question_id)
    DraftAnswer.objects.create(
        invitation=invitation, question_id=step.items[1].question_id, value=2
    )
    comment_pillar = int(step.comment_field.removeprefix(flow.COMMENT_PREFIX))
    DraftComment.objects.create(
        invitation=invitation, pillar_id=comment_pillar, text="</textarea><b>&amp;</b>"
    )

    response = client.get(reverse("assessments:survey-step", args=[key, 2]))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="{step.items[0].field}" value="{flow.CANT_SAY}" checked' in page
    assert f'name="{step.items[1].field}" value="2" checked' in page
    assert page.count(" checked") == 2
    assert "&lt;/textarea&gt;&lt;b&gt;&amp;amp;&lt;/b&gt;</textarea>" in page
    assert "R&amp;D &lt;&quot;core&quot;&gt; · Q4 &lt;i&gt;&amp;&lt;/i&gt;" in page
    assert ("Self-assessment" in page) == (role == Role.SELF)
    # Same-origin posts carry their Origin for Django's CSRF check; other origins get no
    # Referer, so the page's address (its survey key) stays on this site.
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_two_respondents_on_the_same_step_each_see_only_their_own_answers(bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    pages = []
    for value in (1, 5):
        invitation, token = invitation_make(cycle, team)
        client = Client()
        key = survey_enter(client, token)
        question = flow.survey_build(invitation=invitation).step(1).items[0]
        DraftAnswer.objects.create(
            invitation=invitation, question_id=question.question_id, value=value
        )
        page = client.get(reverse("assessments:survey-step", args=[key, 1])).content.decode()
        pages.append((key, question.field, value, page))
    for key, field, value, page in pages:
        assert f'name="{field}" value="{value}" checked' in page
        assert page.count(" checked") == 1
        assert f"/survey/{key}/save/" in page
        assert sum(f"/survey/{other}/" in page for other, *_ in pages) == 1


def test_a_step_page_takes_four_queries_once_the_cycle_is_known(
    client, bank, django_assert_num_queries
):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    url = reverse("assessments:survey-step", args=[key, 1])
    client.get(url)
    # The session, the invitation with its cycle and team, its answers, its comments.
    with django_assert_num_queries(4):
        assert client.get(url).status_code == 200


def _statements(client, url: str, data: dict[str, str] | None = None) -> list[str]:
    """The SQL a POST runs, without the savepoints of Django's transactions."""
    with CaptureQueriesContext(connection) as captured:
        client.post(url, data or {})
    return [
        query["sql"].split()[0]
        for query in captured.captured_queries
        if "SAVEPOINT" not in query["sql"] and query["sql"] not in {"BEGIN", "COMMIT"}
    ]


def test_an_autosave_takes_three_statements(client, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    field = flow.survey_build(invitation=invitation).step(1).items[0].field
    url = reverse("assessments:survey-autosave", args=[key])
    # The session, the invitation with its cycle under the row lock a submit takes (so one that
    # commits on another server meanwhile leaves nothing to save), one INSERT … ON CONFLICT.
    assert _statements(client, url, {field: "4"}) == ["SELECT", "SELECT", "INSERT"]


def test_a_submit_takes_a_fixed_number_of_statements_whatever_the_number_of_answers(client, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    drafts_fill(invitation, comment="Fine")
    client.get(reverse("assessments:survey-review", args=[key]))  # the cycle's questions, known
    statements = _statements(client, reverse("assessments:survey-submit", args=[key]))
    assert statements == [
        "INSERT",  # the rate limit's count
        "DELETE",  # … and its windows long over
        "SELECT",  # the session
        "SELECT",  # the invitation, locked, with its cycle and team
        "SELECT",  # its answers
        "SELECT",  # its comments
        "INSERT",  # the submission
        "INSERT",  # its answers, in one statement
        "INSERT",  # its comments, in one statement
        "DELETE",  # the draft answers
        "DELETE",  # the draft comments
        "UPDATE",  # the invitation, submitted
        "UPDATE",  # the session: "done", the invitation forgotten
    ]
    assert invitation.cycle.submissions.count() == 1


def test_a_submit_without_comments_deletes_no_draft_comments(client, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    drafts_fill(invitation)
    client.get(reverse("assessments:survey-review", args=[key]))
    statements = _statements(client, reverse("assessments:survey-submit", args=[key]))
    # As above, less the comments' INSERT and DELETE: none were written.
    assert statements == [
        "INSERT",
        "DELETE",
        "SELECT",
        "SELECT",
        "SELECT",
        "SELECT",
        "INSERT",
        "INSERT",
        "DELETE",
        "UPDATE",
        "UPDATE",
    ]
    assert cycle.submissions.get().comments.count() == 0


def test_a_closed_cycle_is_seen_at_once_by_a_step_page_already_shown(client, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    url = reverse("assessments:survey-step", args=[key, 1])
    assert client.get(url).status_code == 200
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    assert client.get(url).status_code == 410
