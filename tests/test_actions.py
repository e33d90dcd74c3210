"""From results to action (issue 15): focus areas and their suggestions, action plans, the team's
read-only link, HR's overview, the team debrief, and pulses with their anonymity rules."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments.actions.suggestions import (
    REASON_AGREEMENT,
    REASON_BLIND_SPOT,
    REASON_LOWEST,
    focus_suggestions,
)
from assessments.hr.cycles import CycleError
from assessments.hr.pulses import pulse_create
from assessments.models import Action, ActionPlan, AuditEvent, Cycle
from assessments.results.access import report_for_viewer
from tests.builders import (
    pillar_keys,
    released_org_make,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    roster_add,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def parent(bank):
    return report_cycle_make(bank, name="2026 Q2")


@pytest.fixture
def platform(parent, leader_a):
    """Six members answered; the leader rated themself 5 everywhere (a blind spot); pillar 2 is
    the lowest and pillar 3 splits the team."""
    team = report_team_make(parent, "Platform", leader=leader_a)
    roster_add(team, 6)
    report_answers_add(
        parent,
        team,
        values=[4, 4, 4, 4, 4, 4],
        comments=["Clear goals.", "We plan well.", "Good.", "Fine.", "Yes.", "More of it."],
        self_value=5,
        shifts=(0, -2, 0, 0, 0),
    )
    return team


def keys(bank):
    return pillar_keys(bank)


def plan_url(cycle, team, name="team-plan"):
    return reverse(f"assessments:{name}", args=[cycle.slug, team.slug])


def result_of(cycle, team, user=None):
    return report_for_viewer(cycle=cycle, user=user, team_id=team.pk).team(team.pk)


# --- suggestions ---------------------------------------------------------------------------


def test_the_lowest_pillar_and_a_meaningful_blind_spot_are_suggested_with_their_reasons(
    bank, parent, platform
):
    suggestions = focus_suggestions(team=result_of(parent, platform), previous=None)
    by_key = {s.key: s.reasons for s in suggestions}
    second = keys(bank)[1]
    assert REASON_LOWEST in by_key[second]
    assert REASON_BLIND_SPOT in by_key[second]  # self 5 against a team near 2: beyond its margin
    assert all(s.reason_texts for s in suggestions)


def test_a_team_whose_results_are_hidden_gets_no_suggestion(bank, parent, leader_b):
    small = report_team_make(parent, "Small", leader=leader_b)
    report_answers_add(parent, small, values=[2, 5])
    assert focus_suggestions(team=result_of(parent, small), previous=None) == []


def test_weak_agreement_is_suggested_where_the_team_is_split(bank, parent, leader_b):
    split = report_team_make(parent, "Split", leader=leader_b)
    report_answers_add(parent, split, values=[1, 5, 1, 5, 1, 5])
    reasons = [
        r
        for s in focus_suggestions(team=result_of(parent, split), previous=None)
        for r in s.reasons
    ]
    assert REASON_AGREEMENT in reasons


# --- the plan ------------------------------------------------------------------------------


def test_a_leader_picks_focus_areas_and_writes_actions(client, bank, parent, platform, leader_a):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    page = client.get(url).text
    assert "What your results suggest" in page
    first, second = keys(bank)[:2]
    client.post(url, {"op": "focus", "pillars": [first, second]})
    plan = ActionPlan.objects.get(cycle=parent, team=platform)
    assert sorted(plan.focus_areas.values_list("pillar__key", flat=True)) == sorted([first, second])
    focus = plan.focus_areas.get(pillar__key=second)
    assert focus.reason == REASON_LOWEST
    response = client.post(
        url,
        {
            "op": "add",
            "focus": focus.pk,
            "text": "Weekly priorities",
            "owner": "Ana",
            "due_on": "2027-01-15",
        },
    )
    assert response.status_code == 302
    action = Action.objects.get()
    assert (action.text, action.owner, str(action.due_on)) == (
        "Weekly priorities",
        "Ana",
        "2027-01-15",
    )
    client.post(url, {"op": "status", "action": action.pk, "status": "in_progress"})
    action.refresh_from_db()
    assert action.status == Action.Status.IN_PROGRESS
    page = client.get(url).text
    assert "Weekly priorities" in page
    assert "Goal — where do you want this to be?" in page


def test_a_german_leaders_plan_names_the_focus_pillars_in_german(
    client, bank, parent, platform, leader_a
):
    from leadership.models import Pillar, Profile

    Profile.objects.update_or_create(user=leader_a, defaults={"language": "de"})
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    first = keys(bank)[0]
    client.post(url, {"op": "focus", "pillars": [first]})
    pillar = Pillar.objects.get(bank=bank, key=first)
    german = pillar.translations["de"]["name"]
    assert german != pillar.name
    page = client.get(url).text
    assert re.search(rf"<h2 id=\"focus-\d+\">{re.escape(german)}</h2>", page)
    assert f">{german}</option>" in page  # the focus of a new action
    assert pillar.name not in page
    debrief = client.get(plan_url(parent, platform, "team-debrief")).text
    assert f"<strong>{german}</strong>" in debrief
    assert pillar.name not in debrief


def test_three_focus_areas_are_refused_and_nothing_changes(
    client, bank, parent, platform, leader_a
):
    client.force_login(leader_a)
    response = client.post(
        plan_url(parent, platform), {"op": "focus", "pillars": keys(bank)[:3]}, follow=True
    )
    assert "Pick one or two pillars to focus on." in response.text
    assert not ActionPlan.objects.filter(focus_areas__isnull=False).exists()


def test_a_focus_with_actions_is_not_dropped_silently(client, bank, parent, platform, leader_a):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    first, second = keys(bank)[:2]
    client.post(url, {"op": "focus", "pillars": [first]})
    focus = ActionPlan.objects.get().focus_areas.get()
    client.post(url, {"op": "add", "focus": focus.pk, "text": "One-to-ones"})
    response = client.post(url, {"op": "focus", "pillars": [second]}, follow=True)
    assert "has actions: delete them first" in response.text
    assert list(ActionPlan.objects.get().focus_areas.values_list("pillar__key", flat=True)) == [
        first
    ]


def test_bad_posts_change_nothing(client, bank, parent, platform, leader_a):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    client.post(url, {"op": "focus", "pillars": [keys(bank)[0]]})
    focus = ActionPlan.objects.get().focus_areas.get()
    for data in (
        {"op": "add", "focus": focus.pk, "text": ""},
        {"op": "add", "focus": focus.pk, "text": "x", "due_on": "31/31/2027"},
        {"op": "add", "focus": 999999, "text": "x"},
        {"op": "add", "focus": focus.pk, "text": "x" * 301},
        {"op": "status", "action": 999999, "status": "done"},
        {"op": "focus", "pillars": ["nope"]},
        {"op": "whatever"},
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert 'class="message message-error"' in response.text, data
    assert not Action.objects.exists()


def test_the_plan_is_the_leaders_own(client, parent, platform, leader_b, hr_user):
    for user in (leader_b, hr_user):
        client.force_login(user)
        assert client.get(plan_url(parent, platform)).status_code == 404
        assert client.post(plan_url(parent, platform), {"op": "share"}).status_code == 404
        assert client.get(plan_url(parent, platform, "team-debrief")).status_code == 404


def test_no_plan_before_release_or_for_a_hidden_team(
    client, bank, parent, platform, leader_a, leader_b
):
    Cycle.objects.filter(pk=parent.pk).update(recorded_state=Cycle.State.CLOSED)
    client.force_login(leader_a)
    assert client.get(plan_url(parent, platform)).status_code == 404
    Cycle.objects.filter(pk=parent.pk).update(recorded_state=Cycle.State.RELEASED)
    small = report_team_make(parent, "Small", leader=leader_b)
    report_answers_add(parent, small, values=[2, 5])
    client.force_login(leader_b)
    page = client.get(plan_url(parent, small)).text
    assert "A plan starts from results your team can see" in page
    assert "Fewer responses than the minimum group size" in page  # the rule's own reason
    assert "Results are being prepared" not in page
    client.post(plan_url(parent, small), {"op": "focus", "pillars": [keys(bank)[0]]})
    client.get(plan_url(parent, small, "team-debrief"))
    assert not ActionPlan.objects.filter(team=small).exists()


def test_while_the_worker_computes_the_plan_page_says_being_prepared_not_hidden(
    client, bank, settings, leader_a
):
    settings.PILLARS_RESULTS_TASKS_BACKEND = "default"  # the database queue, as in production
    cycle, teams = released_org_make(bank, teams=2, respondents=4, leader=leader_a)
    client.force_login(leader_a)
    page = client.get(plan_url(cycle, teams[0])).text
    assert "Results are being prepared" in page
    assert "Fewer responses than the minimum group size" not in page
    assert not ActionPlan.objects.exists()


# --- sharing -------------------------------------------------------------------------------


def _share(client, url) -> str:
    page = client.post(url, {"op": "share"}).text
    return re.search(r'id="link" value="([^"]+)"', page).group(1)


def test_the_team_reads_the_shared_plan_without_an_account_and_sees_no_score(
    client, bank, parent, platform, leader_a
):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    client.post(url, {"op": "focus", "pillars": [keys(bank)[1]]})
    focus = ActionPlan.objects.get().focus_areas.get()
    client.post(url, {"op": "add", "focus": focus.pk, "text": "Say no to one thing a week"})
    link = _share(client, url)
    assert link.split("/plan/")[1].rstrip("/") not in ActionPlan.objects.get().share_token_hash
    client.logout()
    response = client.get(link)
    assert response.status_code == 200
    assert "Say no to one thing a week" in response.text
    assert response["Referrer-Policy"] == "no-referrer"
    # No figure of the results: no score, no count, no comment.
    assert not re.search(r"\b\d\.\d\b", response.text)
    assert "Clear goals." not in response.text


def test_a_new_link_or_stopping_sharing_turns_the_old_link_off(
    client, bank, parent, platform, leader_a
):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    client.post(url, {"op": "focus", "pillars": [keys(bank)[0]]})
    first = _share(client, url)
    second = _share(client, url)
    anonymous = client.__class__()
    assert anonymous.get(first).status_code == 404
    assert "This link does not open a plan" in anonymous.get(first).text
    assert anonymous.get(second).status_code == 200
    client.post(url, {"op": "unshare"})
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/plan/" + "x" * 500 + "/").status_code == 404


def test_hr_sees_how_far_plans_got_but_not_their_text_unless_shared(
    client, bank, parent, platform, leader_a, hr_user
):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    client.post(url, {"op": "focus", "pillars": [keys(bank)[0]]})
    focus = ActionPlan.objects.get().focus_areas.get()
    for text in ("Private idea", "Another"):
        client.post(url, {"op": "add", "focus": focus.pk, "text": text})
    client.post(url, {"op": "status", "action": Action.objects.first().pk, "status": "done"})
    client.force_login(hr_user)
    page = client.get(reverse("assessments:plans-overview")).text
    assert "Platform" in page
    assert "1 focus area" in page
    assert "(not shared)" in page
    assert "Private idea" not in page
    assert re.search(r'data-label="Planned">1<', page)
    assert re.search(r'data-label="Done">1<', page)
    client.force_login(leader_a)
    _share(client, url)
    client.force_login(hr_user)
    assert "Private idea" in client.get(reverse("assessments:plans-overview")).text


def test_leaders_cannot_open_hrs_overview(client, leader_a, parent, platform):
    client.force_login(leader_a)
    assert client.get(reverse("assessments:plans-overview")).status_code == 404


# --- the debrief ---------------------------------------------------------------------------


def test_the_debrief_shows_the_released_results_step_by_step_and_records_what_is_agreed(
    client, bank, parent, platform, leader_a
):
    client.force_login(leader_a)
    client.post(plan_url(parent, platform), {"op": "focus", "pillars": [keys(bank)[1]]})
    url = plan_url(parent, platform, "team-debrief")
    page = client.get(url).text
    for title in (
        "How to read these results",
        "What we value most",
        "Questions to discuss",
        "What we agree",
    ):
        assert title in page
    assert page.count('class="debrief-step"') >= 7
    assert "Clear goals." in page  # six responses reach the comment threshold of five
    focus = ActionPlan.objects.get().focus_areas.get()
    response = client.post(
        url, {"op": "add", "focus": focus.pk, "text": "Demo every Friday", "owner": "the team"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#agree")
    plan = ActionPlan.objects.get()
    assert plan.debrief_held_on == parent.local_date()
    assert Action.objects.get().text == "Demo every Friday"


def test_the_debrief_shows_no_comment_below_the_comment_threshold(client, bank, parent, leader_b):
    team = report_team_make(parent, "Four", leader=leader_b)
    report_answers_add(parent, team, values=[3, 4, 4, 3], comments=["Secret words."])
    client.force_login(leader_b)
    page = client.get(plan_url(parent, team, "team-debrief")).text
    assert "How to read these results" in page
    assert "Secret words." not in page
    assert "What people wrote" not in page


# --- pulses --------------------------------------------------------------------------------


def test_a_pulse_asks_only_the_chosen_pillars_items_of_its_parent(bank, parent, platform, hr_user):
    chosen = keys(bank)[1]
    pulse = pulse_create(
        actor=hr_user, parent=parent, name="Pulse", pillar_keys=[chosen], teams=[platform]
    )
    assert pulse.is_pulse
    assert pulse.parent == parent
    assert pulse.state == Cycle.State.DRAFT
    assert set(pulse.questions.values_list("pillar__key", flat=True)) == {chosen}
    assert set(pulse.questions.all()) <= set(parent.questions.all())
    assert (pulse.min_group_size, pulse.comment_min_group_size) == (
        parent.min_group_size,
        parent.comment_min_group_size,
    )
    assert AuditEvent.objects.filter(action="pulse.create").exists()


def test_hr_cannot_launch_a_pulse_to_a_team_smaller_than_k(bank, parent, hr_user, leader_b):
    three = report_team_make(parent, "Three", leader=leader_b)
    roster_add(three, 2)
    with pytest.raises(CycleError, match="a pulse needs at least 3"):
        pulse_create(
            actor=hr_user, parent=parent, name="Pulse", pillar_keys=keys(bank)[:1], teams=[three]
        )
    assert not Cycle.objects.filter(kind=Cycle.Kind.PULSE).exists()


def test_a_pulse_of_a_pulse_or_of_an_unreleased_cycle_is_refused(bank, parent, platform, hr_user):
    pulse = pulse_create(
        actor=hr_user, parent=parent, name="Pulse", pillar_keys=keys(bank)[:1], teams=[platform]
    )
    with pytest.raises(CycleError):
        pulse_create(
            actor=hr_user,
            parent=pulse,
            name="Pulse 2",
            pillar_keys=keys(bank)[:1],
            teams=[platform],
        )
    Cycle.objects.filter(pk=parent.pk).update(recorded_state=Cycle.State.CLOSED)
    parent.refresh_from_db()
    with pytest.raises(CycleError):
        pulse_create(
            actor=hr_user,
            parent=parent,
            name="Pulse 3",
            pillar_keys=keys(bank)[:1],
            teams=[platform],
        )


def test_hrs_pulse_form_creates_a_draft_and_refuses_a_small_team_with_a_message(
    client, bank, parent, platform, hr_user, leader_b
):
    small = report_team_make(parent, "Tiny", leader=leader_b)
    roster_add(small, 2)
    client.force_login(hr_user)
    url = reverse("assessments:hr-pulse-new", args=[parent.pk])
    response = client.post(
        url, {"name": "Q2 pulse", "pillars": [keys(bank)[1]], "teams": [platform.pk, small.pk]}
    )
    assert "“Tiny” has 2 people on its roster" in response.text
    assert not Cycle.objects.filter(kind=Cycle.Kind.PULSE).exists()
    response = client.post(
        url, {"name": "Q2 pulse", "pillars": [keys(bank)[1]], "teams": [platform.pk]}
    )
    pulse = Cycle.objects.get(kind=Cycle.Kind.PULSE)
    assert response.status_code == 302
    assert str(pulse.pk) in response["Location"]


def _released_pulse(bank, parent, team, values, hr_user):
    pulse = pulse_create(
        actor=hr_user, parent=parent, name="Pulse", pillar_keys=[keys(bank)[1]], teams=[team]
    )
    report_answers_add(pulse, team, values=values)
    Cycle.objects.filter(pk=pulse.pk).update(recorded_state=Cycle.State.RELEASED)
    pulse.refresh_from_db()
    return pulse


def test_the_leader_sees_the_change_on_their_focus_pillar_marked_meaningful_beyond_its_margin(
    client, bank, parent, platform, leader_a, hr_user
):
    client.force_login(leader_a)
    client.post(plan_url(parent, platform), {"op": "focus", "pillars": [keys(bank)[1]]})
    pulse = _released_pulse(bank, parent, platform, [5, 5, 5, 5, 5, 5], hr_user)
    page = client.get(reverse("assessments:team-dashboard", args=[pulse.slug, platform.slug])).text
    assert "Since your plan began" in page
    assert "a real improvement" in page
    plan_page = client.get(plan_url(parent, platform)).text
    assert "Since your plan began: Pulse" in plan_page
    assert "a real improvement" in plan_page


def test_the_plan_page_gives_the_change_the_margin_stored_with_the_pulses_results(
    bank, parent, platform, hr_user
):
    # One margin for a change, wherever it is shown: the plan page, the dashboard and the PDF
    # read the one the worker stored with the pulse's results.
    from assessments.results.followup import pulse_focus_changes
    from assessments.results.stored import results_read
    from tests.builders import results_ready

    pulse = _released_pulse(bank, parent, platform, [5, 4, 5, 4, 5, 3], hr_user)
    results_ready(pulse)
    report = results_read(pulse, teams={platform.pk}, detail=False)
    team = next(t for t in report.teams if t.team_id == platform.pk)
    stored = team.pillar(keys(bank)[1])
    assert stored.change is not None
    assert stored.change_margin is not None
    (change,) = pulse_focus_changes(cycle_id=pulse.pk, team=team)
    assert (change.change, change.margin) == (stored.change, stored.change_margin)


def test_a_small_change_is_called_within_the_uncertainty(
    client, bank, parent, platform, leader_a, hr_user
):
    client.force_login(leader_a)
    client.post(plan_url(parent, platform), {"op": "focus", "pillars": [keys(bank)[1]]})
    pulse = _released_pulse(bank, parent, platform, [2, 2, 3, 2, 2, 3], hr_user)
    page = client.get(reverse("assessments:team-dashboard", args=[pulse.slug, platform.slug])).text
    assert "within the uncertainty" in page
    assert "a real improvement" not in page


def test_attack_a_leader_cannot_isolate_anyone_by_comparing_a_small_pulse_with_the_full_cycle(
    client, bank, parent, platform, leader_a, hr_user
):
    """Two people answer the pulse: the leader sees the count and nothing else — no score and no
    change on the dashboard, the plan page, or the pulse's report — so the pulse against the full
    cycle cannot single out one or two people's answers."""
    client.force_login(leader_a)
    client.post(plan_url(parent, platform), {"op": "focus", "pillars": [keys(bank)[1]]})
    pulse = _released_pulse(bank, parent, platform, [1, 5], hr_user)
    result = result_of(pulse, platform, leader_a)
    assert result.suppressed
    assert all(p.mean is None and p.change is None for p in result.pillars)
    page = client.get(reverse("assessments:team-dashboard", args=[pulse.slug, platform.slug])).text
    assert "Since your plan began" not in page
    assert "uncertainty ±" not in page
    plan_page = client.get(plan_url(parent, platform)).text
    assert "Too few people answered the pulse" in plan_page
    assert "then," not in plan_page


def test_a_full_cycle_never_takes_a_pulse_as_its_previous_cycle(bank, parent, platform, hr_user):
    from assessments.results.stored import previous_cycle

    pulse = _released_pulse(bank, parent, platform, [5, 5, 5, 5, 5, 5], hr_user)
    later = report_cycle_make(bank, name="2026 Q4")
    assert previous_cycle(pulse) == parent
    assert previous_cycle(later) == parent


def test_the_pulse_pdf_shows_the_change_on_the_focus_pillars(
    client, bank, parent, platform, leader_a, hr_user, tmp_path
):
    import subprocess

    from tests.pdf_text import pdf_text

    client.force_login(leader_a)
    client.post(plan_url(parent, platform), {"op": "focus", "pillars": [keys(bank)[1]]})
    pulse = _released_pulse(bank, parent, platform, [5, 5, 5, 5, 5, 5], hr_user)
    response = client.get(reverse("assessments:team-report-pdf", args=[pulse.pk, platform.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = pdf_text(data)
    assert "Since the plan began (2026 Q2)" in text
    assert "a real improvement" in text
    (tmp_path / "pulse.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(tmp_path / "pulse.pdf"), "/tmp/action-pulse-pdf"],
        check=True,
    )


def test_the_same_action_posted_twice_is_written_once(client, bank, parent, platform, leader_a):
    client.force_login(leader_a)
    url = plan_url(parent, platform)
    client.post(url, {"op": "focus", "pillars": [keys(bank)[0]]})
    focus = ActionPlan.objects.get().focus_areas.get()
    data = {"op": "add", "focus": focus.pk, "text": "Weekly one-to-ones", "owner": "Ana"}
    client.post(url, data)
    client.post(url, data)
    assert Action.objects.count() == 1


def test_hrs_overview_takes_the_same_few_queries_whatever_the_number_of_teams(
    client, bank, parent, hr_user, django_assert_max_num_queries
):
    pillar = bank.pillars.order_by("order").first()
    for number in range(30):
        team = report_team_make(parent, f"Team {number:02d}")
        plan = ActionPlan.objects.create(cycle=parent, team=team, created_at=parent.created_at)
        focus = plan.focus_areas.create(pillar=pillar, created_at=parent.created_at)
        focus.actions.create(text="One step", created_at=parent.created_at)
    client.force_login(hr_user)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("assessments:plans-overview")).text
    assert "30 of 30 teams have a plan; 0 held a debrief." in page
    assert 'data-table-filter="plans-table"' in page
