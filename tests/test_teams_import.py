"""Importing teams from CSV: all or nothing, every bad cell named by row and column."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.hr.teams import (
    TEAM_IMPORT_MAX_BYTES,
    TEAM_IMPORT_MAX_ROWS,
    CsvImportError,
    teams_import,
)
from assessments.models import Team, TeamMember
from tests.builders import roster_team_make

pytestmark = pytest.mark.django_db

GOOD = """team,department,leader_email,member_email
Platform,Engineering,ana@example.com,sam@example.com
Platform,Engineering,ana@example.com,kim@example.com
Platform,Engineering,ana@example.com,lee@example.com
Data,Engineering,chen@example.com|dora@example.com,ola@example.com
Data,,,Pia@Example.com
"""


def _import(text: str, *, encoding: str = "utf-8") -> object:
    return teams_import(data=text.encode(encoding), actor=None)


def _problems(text: str) -> list[str]:
    with pytest.raises(CsvImportError) as caught:
        _import(text)
    return [str(problem) for problem in caught.value.problems]


def _nothing_written() -> None:
    assert not Team.objects.exists()
    assert not TeamMember.objects.exists()
    assert not get_user_model().objects.exists()


def test_a_good_file_creates_teams_departments_leaders_and_members():
    result = _import(GOOD)
    assert (result.teams_created, result.teams_updated, result.members) == (2, 0, 5)
    platform = Team.objects.get(name="Platform")
    assert platform.parent.name == "Engineering"
    assert platform.parent.is_department
    assert sorted(platform.members.values_list("email", flat=True)) == [
        "kim@example.com",
        "lee@example.com",
        "sam@example.com",
    ]
    data = Team.objects.get(name="Data")
    assert sorted(u.email for u in data.leaders.all()) == ["chen@example.com", "dora@example.com"]
    assert "pia@example.com" in data.members.values_list("email", flat=True)
    assert result.leader_accounts_created == [
        "ana@example.com",
        "chen@example.com",
        "dora@example.com",
    ]
    ana = get_user_model().objects.get(email="ana@example.com")
    assert not ana.has_usable_password()


def test_importing_the_same_file_twice_changes_nothing():
    _import(GOOD)
    result = _import(GOOD)
    assert (result.teams_created, result.teams_updated) == (0, 2)
    assert Team.objects.count() == 3
    assert TeamMember.objects.count() == 5
    assert result.leader_accounts_created == []


def test_a_team_in_the_file_gets_exactly_the_members_the_file_lists(leader_a):
    roster_team_make("Platform", members=["old@example.com", "sam@example.com"])
    untouched = roster_team_make("Other", leaders=(leader_a,), members=2)
    _import(GOOD)
    platform = Team.objects.get(name="Platform")
    assert "old@example.com" not in platform.members.values_list("email", flat=True)
    assert untouched.members.count() == 2
    assert list(untouched.leaders.all()) == [leader_a]


def test_an_existing_leader_account_is_reused(leader_a):
    _import(f"team,leader_email,member_email\nAlpha,{leader_a.email.upper()},x@example.com\n")
    assert list(Team.objects.get(name="Alpha").leaders.all()) == [leader_a]
    assert get_user_model().objects.count() == 1


def test_a_file_with_bom_and_semicolons_imports():
    text = (
        "\ufeffteam;department;leader_email;member_email\n"
        "Équipe Nord;Ventes;ana@example.com;zoe@exemple.fr\n"
    )
    _import(text)
    team = Team.objects.get(name="Équipe Nord")
    assert team.parent.name == "Ventes"
    assert team.members.get().email == "zoe@exemple.fr"


def test_a_bad_member_email_is_named_by_row_and_column_and_nothing_is_written():
    text = GOOD + "Data,Engineering,chen@example.com,not-an-email\n"
    assert _problems(text) == [
        "Row 7, column “member_email”: “not-an-email” is not a valid email address."
    ]
    _nothing_written()


def test_a_bad_leader_email_is_named_by_row_and_column():
    problems = _problems(
        "team,leader_email,member_email\nAlpha,ana@example.com|oops,a@example.com\n"
    )
    assert problems == ["Row 2, column “leader_email”: “oops” is not a valid email address."]
    _nothing_written()


def test_an_empty_team_name_is_named():
    problems = _problems("team,member_email\n,a@example.com\n")
    assert problems == ["Row 2, column “team”: The team name is empty."]
    _nothing_written()


def test_a_missing_required_column_is_named():
    problems = _problems("team,leader\nAlpha,a@example.com\n")
    assert problems == ["Row 1, column “member_email”: This required column is missing."]
    _nothing_written()


def test_a_team_listed_under_two_departments_is_named():
    problems = _problems(
        "team,department,member_email\nAlpha,Sales,a@example.com\nAlpha,Ops,b@example.com\n"
    )
    assert problems == [
        "Row 3, column “department”: Team “Alpha” is in department “Sales” on an earlier row."
    ]
    _nothing_written()


def test_a_department_with_a_team_s_name_is_refused():
    problems = _problems(
        "team,department,member_email\nSales,Alpha,a@example.com\nAlpha,,b@example.com\n"
    )
    assert problems == [
        "Row 2, column “department”: “Alpha” is a team; a department cannot have the same name."
    ]
    _nothing_written()


def test_a_ragged_row_is_named():
    problems = _problems("team,member_email\nAlpha,a@example.com,extra\n")
    assert problems == ["Row 2: Expected 2 cells, found 3."]
    _nothing_written()


def test_several_problems_are_all_reported_at_once():
    problems = _problems(
        "team,leader_email,member_email\nAlpha,bad,a@example.com\n,x@example.com,b@example.com\n"
        "Beta,b@example.com,worse\n"
    )
    assert [problem.split(":")[0] for problem in problems] == [
        "Row 2, column “leader_email”",
        "Row 3, column “team”",
        "Row 4, column “member_email”",
    ]
    _nothing_written()


def test_an_old_excel_workbook_is_refused_with_the_fix():
    with pytest.raises(CsvImportError, match=r"Excel 97–2003 workbook \(\.xls\)"):
        teams_import(data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), actor=None)
    _nothing_written()


def test_too_many_rows_are_refused_with_the_limit_in_the_message():
    rows = "".join(f"Alpha,m{n}@example.com\n" for n in range(TEAM_IMPORT_MAX_ROWS + 1))
    problems = _problems("team,member_email\n" + rows)
    assert problems == [
        f"Row {TEAM_IMPORT_MAX_ROWS + 2}: More than {TEAM_IMPORT_MAX_ROWS} rows; split the file."
    ]
    _nothing_written()


def test_an_oversized_upload_is_refused_before_it_is_read(client, hr_user):
    client.force_login(hr_user)
    big = SimpleUploadedFile("teams.csv", b"team,member_email\n" + b"x" * TEAM_IMPORT_MAX_BYTES)
    response = client.post(reverse("assessments:hr-teams-import"), {"file": big})
    assert response.status_code == 200
    assert "the limit is" in response.content.decode()
    assert not Team.objects.exists()


def test_hr_uploads_a_good_file_checks_the_preview_applies_it_and_lands_on_the_team_list(
    client, hr_user
):
    client.force_login(hr_user)
    upload = SimpleUploadedFile("teams.csv", GOOD.encode(), content_type="text/csv")
    response = client.post(reverse("assessments:hr-teams-import"), {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assessments:hr-teams-import-preview")
    assert not Team.objects.exists()
    digest = response.context["preview"].digest
    response = client.post(
        reverse("assessments:hr-teams-import-apply"), {"digest": digest}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("assessments:hr-teams")
    page = response.content.decode()
    assert "Imported: 2 new teams, 0 changed; 5 members added, 0 removed." in page
    assert "Platform" in page
    assert "Each is emailed a link to set its password" in page


def test_hr_sees_every_bad_cell_of_a_bad_upload(client, hr_user):
    client.force_login(hr_user)
    upload = SimpleUploadedFile("teams.csv", b"team,member_email\nAlpha,nope\n")
    response = client.post(reverse("assessments:hr-teams-import"), {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Row 2, column “member_email”: “nope” is not a valid email address." in page
    assert not Team.objects.exists()
