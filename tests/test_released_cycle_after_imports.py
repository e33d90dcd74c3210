"""Issue 13's scenario on the demo: importing the Import page's own sample CSV, or moving a team
to another department, leaves a released cycle's export and organisation dashboard identical,
while the open cycle follows the edit."""

from __future__ import annotations

import html
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessments.demo import demo_seed
from assessments.models import Cycle, Team
from assessments.results.stored import cycle_report

pytestmark = pytest.mark.django_db

# What changes from one request to the next whatever the data: tokens and script nonces.
VOLATILE = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|nonce=")[^"&]+')


@pytest.fixture
def demo(bank, demo_day):
    demo_seed()
    return Cycle.objects.released().order_by("-opens_at").first()


def _export(cycle: Cycle) -> dict:
    out = io.StringIO()
    call_command("export_scores", cycle=cycle.slug, format="json", stdout=out)
    return json.loads(out.getvalue())


def _dashboard(client, cycle: Cycle) -> str:
    page = client.get(reverse("assessments:org-dashboard"), {"cycle": cycle.slug})
    assert page.status_code == 200
    return VOLATILE.sub(r"\1…", page.content.decode())


def _sample_csv(client) -> bytes:
    """The example file the Import page shows, as HR would copy it."""
    page = client.get(reverse("assessments:hr-teams-import")).content.decode()
    sample = re.search(r'<pre class="sample"[^>]*>(.*?)</pre>', page, re.S)
    assert sample is not None
    return html.unescape(sample.group(1)).encode()


def _import_through_the_page(client, data: bytes) -> None:
    upload = SimpleUploadedFile("sample.csv", data, content_type="text/csv")
    preview = client.post(reverse("assessments:hr-teams-import"), {"file": upload}, follow=True)
    assert preview.status_code == 200
    applied = client.post(
        reverse("assessments:hr-teams-import-apply"),
        {"digest": preview.context["preview"].digest},
        follow=True,
    )
    assert applied.redirect_chain[-1][0] == reverse("assessments:hr-teams")


def _open_cycle_departments() -> dict[str, str]:
    cycle = Cycle.objects.open().get()
    return {team.name: team.department for team in cycle_report(cycle).teams}


def test_the_sample_import_leaves_the_released_cycle_identical_and_reaches_the_open_one(
    client, demo
):
    client.login(username="hr@example.com", password="pillars-demo")
    export, dashboard = _export(demo), _dashboard(client, demo)
    assert "Product &amp; Engineering" in dashboard

    _import_through_the_page(client, _sample_csv(client))

    platform = Team.objects.get(name="Platform")
    assert platform.parent.name == "Engineering"
    assert platform.members.count() == 2
    assert _export(demo) == export
    assert _dashboard(client, demo) == dashboard
    assert _open_cycle_departments()["Platform"] == "Engineering"


def test_moving_a_team_to_another_department_leaves_the_released_cycle_identical(client, demo):
    client.login(username="hr@example.com", password="pillars-demo")
    export, dashboard = _export(demo), _dashboard(client, demo)
    platform = Team.objects.get(name="Platform")
    response = client.post(
        reverse("assessments:hr-team-edit", args=[platform.pk]),
        {
            "name": "Platform",
            "department": "Operations",
            "leaders": "ana@example.com",
            "members": "\n".join(platform.members.values_list("email", flat=True)),
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("assessments:hr-teams")
    assert Team.objects.get(pk=platform.pk).parent.name == "Operations"
    assert _export(demo) == export
    assert _dashboard(client, demo) == dashboard
    assert _open_cycle_departments()["Platform"] == "Operations"
