"""HR → Teams → Import: the preview says what will be added, changed and removed and which
open cycles take it; the kept file is applied all or nothing, once, by the person who uploaded
it, while it is still what the preview showed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from assessments.hr.cycles import cycle_open
from assessments.hr.team_imports import teams_import_preview
from assessments.hr.teams import teams_import_plan
from assessments.models import AuditEvent, Cycle, Team, TeamMember
from leadership.uploads import UPLOAD_FOLDER, uploads_sweep
from tests.builders import draft_cycle_make, excel_csv, roster_team_make, user_make

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2027, 2, 1, 12, tzinfo=dt.UTC)
FILE = """team,department,leader_email,member_email
Platform,Engineering,ana@example.com,platform.1@example.com
Platform,Engineering,ana@example.com,new.person@example.com
Data,Product,chen@example.com|lee@example.com,data.1@example.com
Design,Product,,d1@example.com
"""


@pytest.fixture
def org(db):
    ana = user_make("ana@example.com")
    engineering = Team.objects.create(name="Engineering", slug="engineering", is_department=True)
    platform = roster_team_make("Platform", leaders=(ana,), members=3, department=engineering)
    data = roster_team_make("Data", leaders=(ana,), members=2, department=engineering)
    return platform, data


@pytest.fixture(autouse=True)
def _media_root_own(settings, tmp_path):
    """Kept uploads of this test only."""
    settings.MEDIA_ROOT = tmp_path


def _preview(text: str = FILE):
    return teams_import_preview(teams_file=teams_import_plan(text.encode()))


def _kept_files() -> list[str]:
    try:
        return default_storage.listdir(f"{UPLOAD_FOLDER}/teams")[1]
    except FileNotFoundError:
        return []


def _upload(client, data: bytes = FILE.encode(), name: str = "teams.csv"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("assessments:hr-teams-import"), {"file": upload}, follow=True)


def test_the_preview_says_what_is_added_changed_and_removed(org):
    preview = _preview()
    assert [d.name for d in preview.new] == ["Design"]
    assert [d.name for d in preview.changed] == ["Data", "Platform"]
    assert preview.departments_new == ["Product"]
    assert preview.members_removed == [
        ("Data", "data.2@example.com"),
        ("Platform", "platform.2@example.com"),
        ("Platform", "platform.3@example.com"),
    ]
    assert preview.members_added == [
        ("Design", "d1@example.com"),
        ("Platform", "new.person@example.com"),
    ]
    assert preview.leaders_added == [("Data", "chen@example.com"), ("Data", "lee@example.com")]
    assert preview.leaders_removed == [("Data", "ana@example.com")]
    assert preview.leader_accounts_new == ["chen@example.com", "lee@example.com"]
    data = next(d for d in preview.changed if d.name == "Data")
    assert (data.department_before, data.department_after, data.moves) == (
        "Engineering",
        "Product",
        True,
    )
    assert preview.source == "UTF-8, separated by commas"
    assert preview.rows == 4


def test_a_preview_writes_nothing(org):
    before = list(TeamMember.objects.order_by("pk").values_list("team_id", "email"))
    _preview()
    assert list(TeamMember.objects.order_by("pk").values_list("team_id", "email")) == before
    assert not Team.objects.filter(name__in=["Design", "Product"]).exists()


def test_a_file_that_repeats_the_teams_as_they_are_changes_nothing(org):
    platform, _data = org
    emails = platform.members.values_list("email", flat=True)
    text = "team,department,leader_email,member_email\n" + "".join(
        f"Platform,engineering,ANA@example.com,{email}\n" for email in emails
    )
    preview = _preview(text)
    assert (preview.new, preview.changed, preview.unchanged) == ([], [], 1)
    assert not preview.changes_anything


def test_the_preview_names_the_open_cycles_that_take_the_change_and_not_the_closed_ones(org, bank):
    platform, data = org
    with time_machine.travel(NOON, tick=False):
        open_cycle = draft_cycle_make(bank, [platform, data], name="2027 Q1")
        cycle_open(cycle=open_cycle, actor=None, closes_at=NOON + dt.timedelta(days=7))
        closed = draft_cycle_make(bank, [platform, data], name="2026 Q4")
        Cycle.objects.filter(pk=closed.pk).update(recorded_state=Cycle.State.CLOSED)
        preview = _preview()
    [effect] = preview.open_cycles
    assert effect.cycle == open_cycle
    assert effect.moved == ("Data",)
    assert effect.members_changed == ("Data", "Platform")


def test_hr_sees_the_preview_page_with_counts_lists_and_open_cycles(client, hr_user, org, bank):
    platform, data = org
    open_cycle = draft_cycle_make(bank, [platform, data], name="2027 Q1")
    cycle_open(cycle=open_cycle, actor=None)
    client.force_login(hr_user)
    response = _upload(client)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("assessments:hr-teams-import-preview")
    assert "Nothing has changed yet." in page
    assert "Read as UTF-8, separated by commas" in page
    assert 'id="count-members-removed">3<' in page
    assert "Engineering → <strong>Product</strong>" in page
    assert "platform.2@example.com" in page
    assert "2027 Q1" in page
    assert "Data changes department in its results." in page
    assert "This import removes people or moves teams." in page
    assert len(_kept_files()) == 1


def test_the_preview_of_a_big_import_shows_the_first_rows_and_every_count(client, hr_user):
    client.force_login(hr_user)
    rows = "".join(f"Team {n:04},Dept {n % 12},,m{n}@example.com\n" for n in range(1000))
    response = _upload(client, ("team,department,leader_email,member_email\n" + rows).encode())
    page = response.content.decode()
    assert 'id="count-new">1000<' in page
    assert "The first 10 of 1000." in page
    assert page.count("<tr>") < 60


def test_the_preview_takes_a_fixed_number_of_queries_whatever_the_teams(
    django_assert_max_num_queries, org
):
    rows = "".join(
        f"Team {n:04},Dept {n % 12},lead{n}@example.com,m{n}@example.com\n" for n in range(500)
    )
    teams_file = teams_import_plan(("team,department,leader_email,member_email\n" + rows).encode())
    with django_assert_max_num_queries(10):
        teams_import_preview(teams_file=teams_file)


def test_applying_makes_exactly_the_previewed_changes_and_deletes_the_file(client, hr_user, org):
    client.force_login(hr_user)
    preview = _upload(client).context["preview"]
    response = client.post(
        reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest}, follow=True
    )
    assert (
        "Imported: 1 new teams, 2 changed; 2 members added, 3 removed." in response.content.decode()
    )
    assert sorted(Team.objects.get(name="Platform").members.values_list("email", flat=True)) == [
        "new.person@example.com",
        "platform.1@example.com",
    ]
    assert Team.objects.get(name="Data").parent.name == "Product"
    assert _kept_files() == []
    event = AuditEvent.objects.get(action="teams.import")
    assert event.detail["members_removed"] == 3
    assert event.detail["moved"] == 1
    again = client.post(reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest})
    assert again.status_code == 302
    assert again.url == reverse("assessments:hr-teams-import")


def test_a_change_between_preview_and_apply_shows_the_new_preview_and_applies_nothing(
    client, hr_user, org
):
    platform, _data = org
    client.force_login(hr_user)
    preview = _upload(client).context["preview"]
    TeamMember.objects.create(team=platform, email="joined.meanwhile@example.com")
    response = client.post(reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest})
    assert response.status_code == 409
    page = response.content.decode()
    assert "The teams changed since this preview was made" in page
    assert "joined.meanwhile@example.com" in page
    assert platform.members.filter(email="platform.2@example.com").exists()
    assert not Team.objects.filter(name="Design").exists()
    assert len(_kept_files()) == 1


def test_an_upload_left_too_long_is_gone_and_nothing_is_applied(client, hr_user, org, settings):
    with time_machine.travel(NOON, tick=False) as clock:
        client.force_login(hr_user)
        preview = _upload(client).context["preview"]
        clock.move_to(NOON + dt.timedelta(minutes=settings.PILLARS_UPLOAD_KEEP_MINUTES + 1))
        response = client.post(
            reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest}, follow=True
        )
        assert "Upload it again." in response.content.decode()
        assert not Team.objects.filter(name="Design").exists()
        assert uploads_sweep() == 1
    assert _kept_files() == []


def test_an_upload_is_kept_until_its_time_is_up(client, hr_user, org, settings):
    with time_machine.travel(NOON, tick=False) as clock:
        client.force_login(hr_user)
        preview = _upload(client).context["preview"]
        clock.move_to(NOON + dt.timedelta(minutes=settings.PILLARS_UPLOAD_KEEP_MINUTES - 1))
        assert uploads_sweep() == 0
        client.post(reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest})
    assert Team.objects.filter(name="Design").exists()


def test_a_kept_file_changed_on_the_server_is_refused(client, hr_user, org):
    client.force_login(hr_user)
    preview = _upload(client).context["preview"]
    [name] = _kept_files()
    path = f"{UPLOAD_FOLDER}/teams/{name}"
    default_storage.delete(path)
    default_storage.save(path, SimpleUploadedFile(name, b"team,member_email\nEvil,e@example.com\n"))
    response = client.post(reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest})
    assert response.status_code == 302
    assert not Team.objects.filter(name="Evil").exists()


def test_another_hr_person_cannot_apply_someone_elses_upload(client, hr_user, org):
    client.force_login(hr_user)
    preview = _upload(client).context["preview"]
    client.force_login(user_make("other-hr@example.com", hr=True))
    response = client.post(reverse("assessments:hr-teams-import-apply"), {"digest": preview.digest})
    assert response.status_code == 302
    assert not Team.objects.filter(name="Design").exists()


def test_cancel_deletes_the_kept_file_and_applies_nothing(client, hr_user, org):
    client.force_login(hr_user)
    _upload(client)
    response = client.post(reverse("assessments:hr-teams-import-cancel"), follow=True)
    assert "Nothing was imported" in response.content.decode()
    assert _kept_files() == []
    assert not Team.objects.filter(name="Design").exists()


def test_a_new_upload_replaces_the_one_waiting(client, hr_user, org):
    client.force_login(hr_user)
    _upload(client)
    _upload(client, b"team,member_email\nSolo,s@example.com\n")
    assert len(_kept_files()) == 1


def test_a_bad_file_keeps_nothing_and_names_the_encoding_it_guessed(client, hr_user):
    client.force_login(hr_user)
    response = _upload(client, excel_csv([["équipe", "membre"], ["Données", "x@example.com"]]))
    page = response.content.decode()
    assert response.status_code == 400
    assert "This required column is missing." in page
    assert "read as Windows-1252" in page
    assert "File → Save As → “CSV UTF-8" in page
    assert _kept_files() == []


def test_the_daily_retention_run_deletes_uploads_left_unconfirmed(client, hr_user, org, settings):
    with time_machine.travel(NOON, tick=False) as clock:
        client.force_login(hr_user)
        _upload(client)
        clock.move_to(NOON + dt.timedelta(minutes=settings.PILLARS_UPLOAD_KEEP_MINUTES + 1))
        out = io.StringIO()
        call_command("apply_retention", "--dry-run", stdout=out)
        assert "Would delete 1 uploaded import files" in out.getvalue()
        assert len(_kept_files()) == 1
        call_command("apply_retention", stdout=out)
    assert _kept_files() == []
