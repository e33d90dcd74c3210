"""`seed_demo` prints working survey links, Ana's self-assessment first."""

from __future__ import annotations

import io
import re

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
def test_seed_demo_prints_working_survey_links_including_anas_self_assessment(bank, client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "Platform — Leader (self-assessment) (ana@example.com)" in text
    urls = re.findall(rf"{re.escape(settings.SITE_URL)}(/s/[\w-]+/)", text)
    assert len(urls) == 3
    ana = client.get(urls[0], follow=True)
    assert ana.status_code == 200
    assert "Your self-assessment" in ana.content.decode()
    member = client.get(urls[1], follow=True)
    assert "How is leadership working for your team?" in member.content.decode()
