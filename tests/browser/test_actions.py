"""From results to action in Chromium (issue 15): a leader picks focus areas and writes a plan,
runs the debrief with the keyboard, shares the plan (a team member opens the link); HR launches
a pulse; the leader sees the change on their focus pillars. Phone and laptop screenshots."""

from __future__ import annotations

import re

import pytest

from assessments.demo import demo_seed
from assessments.models import Cycle, Team
from tests.browser.pages import axe_violations, screenshot
from tests.builders import report_answers_add

PASSWORD = "pillars-demo"


@pytest.fixture
def demo(bank, demo_day):
    demo_seed()


def _sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.django_db(transaction=True)
def test_from_release_to_pulse_a_leader_plans_debriefs_shares_and_sees_the_change(
    live_server, laptop, browser, demo
):
    page = laptop
    errors = _errors(page)
    _sign_in(page, live_server, "ana@example.com")

    # 1. From the dashboard to focus areas and a plan.
    page.goto(f"{live_server.url}/results/2026-q3/platform/")
    page.get_by_role("link", name="Focus areas and plan").click()
    assert page.get_by_text("What your results suggest (you decide):").is_visible()
    page.get_by_label("People Development").check()
    page.get_by_label("Disciplined Execution").check()
    page.get_by_role("button", name="Save focus areas").click()
    assert page.get_by_role("heading", name="People Development", exact=True).is_visible()
    page.get_by_label("Focus area", exact=True).select_option(label="People Development")
    page.get_by_label("What will be done").fill("A growth conversation with each person")
    page.fill("#id_owner", "Ana")
    page.fill("#id_due_on", "2026-12-18")
    page.get_by_role("button", name="Add to the plan").click()
    assert page.get_by_text("A growth conversation with each person").is_visible()
    page.get_by_label("Status", exact=True).select_option("in_progress")
    page.get_by_role("button", name="Update").click()
    assert page.locator(".action-in_progress").count() == 1
    screenshot(page, "actions-plan-laptop")
    assert axe_violations(page) == []

    # 2. The debrief: one step per screen, moved by the keyboard (what a clicker sends).
    page.get_by_role("link", name="Run the team debrief").click()
    steps = page.locator(".debrief-step")
    count = steps.count()
    assert count >= 7
    page.wait_for_selector(".debrief-live")
    assert page.locator(".debrief-step:visible").count() == 1, errors
    assert page.get_by_role("heading", name="How to read these results").is_visible()
    screenshot(page, "actions-debrief-1-laptop")
    page.keyboard.press("ArrowRight")
    assert page.get_by_role("heading", name="Our pillars at a glance").is_visible()
    screenshot(page, "actions-debrief-2-laptop")
    page.keyboard.press("PageDown")
    page.keyboard.press(" ")
    assert page.get_by_role("heading", name="Where there is most room to grow").is_visible()
    page.keyboard.press("ArrowLeft")
    assert page.get_by_role("heading", name="What we value most").is_visible()
    page.keyboard.press("End")
    assert page.locator("[data-step-count]").inner_text() == f"{count} / {count}"
    assert page.get_by_role("heading", name="What we agree").is_visible()
    page.get_by_label("What will be done").fill("Demo our work every Friday")
    page.get_by_label("What will be done").press("Space")  # typing is not a step
    assert page.get_by_role("heading", name="What we agree").is_visible()
    page.get_by_label("Focus area", exact=True).select_option(label="Disciplined Execution")
    page.get_by_role("button", name="Write it into the plan").click()
    assert page.get_by_text("Added to the plan.").is_visible()
    assert page.get_by_text("Debrief recorded as held on").is_visible()
    screenshot(page, "actions-debrief-last-laptop")
    page.emulate_media(media="print")
    assert page.locator(".debrief-step:visible").count() == count  # print shows every step
    page.emulate_media(media="screen")

    # 3. Share the plan; a team member opens the link without an account.
    page.get_by_role("link", name="Leave").click()
    page.get_by_role("button", name="Share a read-only link").click()
    link = page.locator("#link").input_value()
    member = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    member_page = member.new_page()
    member_page.goto(link)
    assert member_page.get_by_text("Demo our work every Friday").is_visible()
    assert member_page.get_by_role("heading", name="Platform: our plan").is_visible()
    assert not re.search(r"\b\d\.\d\b", member_page.locator("main").inner_text())
    screenshot(member_page, "actions-shared-phone")
    _fits(member_page, 390)
    member.close()

    # 4. HR launches a pulse on the focus pillars for Platform.
    hr = browser.new_context(viewport={"width": 1280, "height": 900})
    hr_page = hr.new_page()
    _sign_in(hr_page, live_server, "hr@example.com")
    hr_page.goto(f"{live_server.url}/organisation/plans/?cycle=2026-q3")
    assert hr_page.get_by_text("Demo our work every Friday").is_visible()  # shared, so HR reads it
    screenshot(hr_page, "actions-overview-laptop")
    hr_page.get_by_role("link", name="Launch a pulse on chosen pillars").click()
    hr_page.get_by_label("People Development").check()
    hr_page.get_by_label("Disciplined Execution").check()
    hr_page.get_by_label(re.compile(r"Platform \(\d+ people\)")).check()
    screenshot(hr_page, "actions-pulse-form-laptop")
    hr_page.get_by_role("button", name="Create the pulse as a draft").click()
    assert hr_page.get_by_text("created as a draft").is_visible()
    screenshot(hr_page, "actions-pulse-created-laptop")
    hr.close()

    # The pulse runs (answers arrive through the survey in real life) and is released.
    pulse = Cycle.objects.get(kind=Cycle.Kind.PULSE)
    report_answers_add(pulse, Team.objects.get(slug="platform"), values=[5, 5, 5, 5, 5, 4, 5])
    Cycle.objects.filter(pk=pulse.pk).update(recorded_state=Cycle.State.RELEASED)

    # 5. The leader sees the change on the focus pillars, on the dashboard and the plan.
    page.goto(f"{live_server.url}/results/{pulse.slug}/platform/")
    assert page.get_by_role("heading", name=re.compile("Since your plan began")).is_visible()
    assert page.locator(".change-list li").count() == 2
    screenshot(page, "actions-pulse-dashboard-laptop")
    page.goto(f"{live_server.url}/results/2026-q3/platform/plan/")
    assert page.get_by_role("heading", name=re.compile("Since your plan began")).is_visible()
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_the_plan_and_the_debrief_read_well_on_a_phone(live_server, phone, demo):
    errors = _errors(phone)
    _sign_in(phone, live_server, "ana@example.com")
    phone.goto(f"{live_server.url}/results/2026-q3/platform/")
    screenshot(phone, "actions-dashboard-phone")
    phone.goto(f"{live_server.url}/results/2026-q3/platform/plan/")
    phone.get_by_label("Continuous Learning").check()
    phone.get_by_role("button", name="Save focus areas").click()
    phone.get_by_label("What will be done").fill("A short retro after each release")
    phone.get_by_role("button", name="Add to the plan").click()
    _fits(phone, 390)
    screenshot(phone, "actions-plan-phone")
    assert axe_violations(phone) == []
    phone.goto(f"{live_server.url}/results/2026-q3/platform/debrief/")
    _fits(phone, 390)
    screenshot(phone, "actions-debrief-1-phone")
    phone.get_by_role("button", name="Next").click()
    assert phone.get_by_role("heading", name="Our pillars at a glance").is_visible()
    _fits(phone, 390)
    screenshot(phone, "actions-debrief-2-phone")
    assert axe_violations(phone) == []
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_every_page_of_the_loop_fits_a_phone_and_a_laptop(live_server, browser, demo):
    """Each page from plan to pulse at 390 and 1280 wide: no sideways scrolling, no script
    error, and a screenshot to look at."""
    from django.contrib.auth import get_user_model

    from assessments.actions import plans
    from assessments.hr.pulses import pulse_create
    from assessments.models import ActionPlan, FocusArea
    from leadership.models import Pillar

    cycle = Cycle.objects.get(slug="2026-q3")
    team = Team.objects.get(slug="platform")
    ana = get_user_model().objects.get(username="ana@example.com")
    plan = plans.plan_for(cycle=cycle, team=team, user=ana)
    for key in ("development", "execution"):
        focus = FocusArea.objects.create(
            plan=plan,
            pillar=Pillar.objects.get(bank=cycle.bank, key=key),
            created_at=plan.created_at,
        )
        plans.action_add(focus=focus, text=f"A first step on {key}", owner="Ana")
    token = plans.plan_share(plan=ActionPlan.objects.get(pk=plan.pk))
    pulse = pulse_create(
        actor=None,
        parent=cycle,
        name="2026 Q3 pulse",
        pillar_keys=["development", "execution"],
        teams=[team],
    )
    report_answers_add(pulse, team, values=[5, 5, 4, 5, 5, 4, 5])
    Cycle.objects.filter(pk=pulse.pk).update(recorded_state=Cycle.State.RELEASED)
    pages = [
        ("ana@example.com", "plan", "/results/2026-q3/platform/plan/"),
        ("ana@example.com", "debrief", "/results/2026-q3/platform/debrief/"),
        ("ana@example.com", "dashboard", "/results/2026-q3/platform/"),
        ("ana@example.com", "pulse-dashboard", f"/results/{pulse.slug}/platform/"),
        ("hr@example.com", "overview", "/organisation/plans/"),
        ("hr@example.com", "pulse-form", f"/hr/cycles/{cycle.pk}/pulse/"),
        (None, "shared", f"/plan/{token}/"),
    ]
    for width, label in ((390, "phone"), (1280, "laptop")):
        signed_in = {}
        for user, name, path in pages:
            if user not in signed_in:
                context = browser.new_context(
                    viewport={"width": width, "height": 844 if width == 390 else 900},
                    is_mobile=width == 390,
                )
                signed_in[user] = context.new_page()
                if user:
                    _sign_in(signed_in[user], live_server, user)
            page = signed_in[user]
            errors = _errors(page)
            page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            _fits(page, width)
            screenshot(page, f"actions-tour-{name}-{label}")
            assert errors == [], (name, label, errors)
        for page in signed_in.values():
            page.context.close()


@pytest.mark.django_db(transaction=True)
def test_hrs_menu_in_german_fits_a_phone(live_server, phone, demo):
    """German's longer words ("Befragungsrunden") wrap the menu into rows, not off the edge."""
    from django.contrib.auth import get_user_model

    from leadership.models import Profile

    hr = get_user_model().objects.get(username="hr@example.com")
    Profile.objects.update_or_create(user=hr, defaults={"language": "de"})
    _sign_in(phone, live_server, "hr@example.com")
    for path in ("/", "/organisation/", "/hr/cycles/", "/organisation/plans/"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.get_by_role("link", name="Befragungsrunden", exact=True).is_visible()
        _fits(phone, 390)
