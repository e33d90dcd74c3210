"""HR's reports page on a phone: every team's PDF as a list, job badges, no serious axe findings."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from assessments.demo import demo_seed
from assessments.models import Cycle, ReportJob
from tests.browser.pages import axe_violations, login, screenshot

PASSWORD = "pillars-demo"


@pytest.fixture
def demo(bank, demo_day):
    demo_seed()


@pytest.mark.django_db(transaction=True)
def test_hr_reads_the_reports_page_on_a_phone_without_serious_axe_findings(
    live_server, phone, demo
):
    cycle = Cycle.objects.get(slug="2026-q3")
    for state in (ReportJob.State.QUEUED, ReportJob.State.FAILED, ReportJob.State.REPLACED):
        ReportJob.objects.create(cycle=cycle, state=state, total=9, done=3)
    hr = get_user_model().objects.get(username="hr@example.com")
    login(phone, live_server, hr, password=PASSWORD)
    phone.goto(f"{live_server.url}{reverse('assessments:report-jobs', args=[cycle.pk])}")

    teams = phone.locator("table.report-teams tbody tr")
    assert teams.count() == cycle.teams.count()
    platform = phone.get_by_role("link", name="A4 PDF of Platform")
    assert platform.is_visible()
    assert phone.locator(".badge-failed").first.is_visible()
    # A list on the phone: nothing sticks out to the right.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "reports-phone")
    assert axe_violations(phone) == []
