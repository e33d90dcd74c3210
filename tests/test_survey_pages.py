"""The survey's step page, built from a frame rendered once, is the page its template renders."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.safestring import mark_safe

from assessments.models import Cycle, DraftAnswer, DraftComment, Role
from assessments.survey import flow
from assessments.survey.page_frames import frame_cut, slot
from assessments.survey.views import _context
from assessments.templatetags.survey_items import survey_items_html
from tests.builders import invitation_make, led_team_make, open_cycle_make, survey_enter

pytestmark = pytest.mark.django_db

_TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]+')


def _without_csrf_tokens(html: str) -> str:
    """Every rendering masks the CSRF secret afresh."""
    return _TOKENS.sub(r"\1…", html)


def _template_render(response, key: str, number: int) -> str:
    """The step as the template renders it for this request, without the frame."""
    entry = response.wsgi_request.session["pillars_survey"][key]
    invitation = flow.invitation_open(invitation_id=entry["invitation"])
    survey_ = flow.survey_build(invitation=invitation)
    step = survey_.step(number)
    context = _context(
        key,
        survey_,
        step=step,
        items_html=survey_items_html(step.items),
        error=None,
        show_missing=False,
        progress=round(100 * survey_.answered_items / survey_.total_items),
        other_answered=survey_.answered_items - step.answered,
    )
    return render_to_string("assessments/survey/step.html", context, request=response.wsgi_request)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.SELF])
def test_a_step_page_is_byte_for_byte_what_its_template_renders(client, bank, role):
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

    for _ in range(2):  # the first request renders the frame, the second reuses it
        response = client.get(reverse("assessments:survey-step", args=[key, 2]))
        assert response.status_code == 200
        page = response.content.decode()
        assert _without_csrf_tokens(page) == _without_csrf_tokens(
            _template_render(response, key, 2)
        )
    assert "&lt;/textarea&gt;&lt;b&gt;&amp;amp;&lt;/b&gt;</textarea>" in page
    assert "R&amp;D &lt;&quot;core&quot;&gt; · Q4 &lt;i&gt;&amp;&lt;/i&gt;" in page
    assert response["Referrer-Policy"] == "no-referrer"
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


def test_a_closed_cycle_is_seen_at_once_by_a_step_page_already_shown(client, bank):
    team = led_team_make("Platform")
    cycle = open_cycle_make(bank, teams=[team])
    _, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    url = reverse("assessments:survey-step", args=[key, 1])
    assert client.get(url).status_code == 200
    Cycle.objects.filter(pk=cycle.pk).update(recorded_state=Cycle.State.CLOSED)
    assert client.get(url).status_code == 410


def test_a_frame_fills_each_slot_escaped_wherever_it_sits():
    html = f"<p title='{slot('name')}'>{slot('name')}xyz {slot('count')}%</p>{slot('part')}"
    frame = frame_cut(html, slots=["name", "count", "part"])
    filled = frame.fill({"name": "<b>&", "count": 7, "part": mark_safe("<i>ok</i>")})
    assert filled == "<p title='&lt;b&gt;&amp;'>&lt;b&gt;&amp;xyz 7%</p><i>ok</i>"


def test_a_frame_missing_a_slot_is_refused_rather_than_served_stale():
    with pytest.raises(ValueError, match="expected"):
        frame_cut(f"<p>{slot('name')}</p>", slots=["name", "comment"])
