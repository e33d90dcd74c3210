"""Signing in, in a real browser, and the bank page's accessibility."""

from __future__ import annotations

import pytest

from tests.browser.pages import axe_violations, login, screenshot


@pytest.mark.django_db(transaction=True)
def test_a_leader_signs_in_and_reads_the_question_bank(live_server, laptop, bank, leader_a):
    login(laptop, live_server, leader_a)
    laptop.goto(f"{live_server.url}/bank/")
    assert laptop.get_by_role("heading", name="Strategic Clarity").is_visible()
    screenshot(laptop, "bank-laptop")
    assert axe_violations(laptop) == []


@pytest.mark.django_db(transaction=True)
def test_the_sign_in_page_works_on_a_phone(live_server, phone):
    phone.goto(f"{live_server.url}/accounts/login/")
    screenshot(phone, "login-phone")
    assert phone.get_by_role("heading", name="Sign in").is_visible()
    assert axe_violations(phone) == []
