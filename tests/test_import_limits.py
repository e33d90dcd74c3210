"""Upload limits on CSV imports: too big or too long files are refused whole, clearly."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from assessments.hr.teams import TEAM_IMPORT_MAX_BYTES
from assessments.models import Team
from leadership.csvfiles import CsvImportError, csv_read
from leadership.models import QuestionBank

BANK_HEADER = "pillar,code,text,reverse,scale_min,scale_max\n"


def bank_csv(rows: int) -> bytes:
    lines = [f"trust,T{n},Question {n},no,1,5\n" for n in range(rows)]
    return (BANK_HEADER + "".join(lines)).encode()


def test_a_file_over_the_byte_limit_is_refused_before_it_is_parsed():
    with pytest.raises(CsvImportError) as caught:
        csv_read(data=b"a,b\n" + b"1,2\n" * 100, max_bytes=50)
    assert str(caught.value) == "The file is 404 bytes; the limit is 50 bytes."


def test_a_file_over_the_row_limit_is_refused_naming_the_row_where_it_stopped():
    with pytest.raises(CsvImportError) as caught:
        csv_read(data=bank_csv(6), max_rows=5)
    assert str(caught.value) == "Row 7: More than 5 rows; split the file."


@override_settings(PILLARS_MAX_IMPORT_BYTES=64, PILLARS_MAX_IMPORT_ROWS=1000)
def test_the_byte_limit_comes_from_the_setting_by_default():
    with pytest.raises(CsvImportError, match="the limit is 64 bytes"):
        csv_read(data=bank_csv(5))


@pytest.mark.django_db
@override_settings(PILLARS_MAX_IMPORT_ROWS=3)
def test_importing_a_bank_over_the_row_limit_writes_nothing(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_bytes(bank_csv(4))
    with pytest.raises(CommandError) as caught:
        call_command("import_bank", str(path), name="Too long")
    assert "Nothing was imported." in str(caught.value)
    assert "More than 3 rows; split the file." in str(caught.value)
    assert not QuestionBank.objects.filter(name="Too long").exists()


@pytest.mark.django_db
def test_hr_uploading_an_oversized_team_file_sees_the_limit_and_nothing_changes(client, hr_user):
    client.force_login(hr_user)
    padding = "x" * 80
    body = "team,member_email\n" + "".join(
        f"Team {n % 7},{padding}{n}@example.com\n" for n in range(TEAM_IMPORT_MAX_BYTES // 100)
    )
    assert len(body) > TEAM_IMPORT_MAX_BYTES
    upload = SimpleUploadedFile("teams.csv", body.encode(), content_type="text/csv")
    response = client.post(reverse("assessments:hr-teams-import"), {"file": upload})
    page = response.content.decode()
    assert f"the limit is {TEAM_IMPORT_MAX_BYTES} bytes" in page
    assert not Team.objects.exists()


@pytest.mark.django_db
def test_importing_a_bank_is_recorded_in_the_audit_log(tmp_path):
    from assessments.models import AuditEvent

    path = tmp_path / "bank.csv"
    path.write_bytes(bank_csv(2))
    call_command("import_bank", str(path), name="Small", stdout=open("/dev/null", "w"))  # noqa: SIM115
    event = AuditEvent.objects.get(action="bank.import")
    assert event.target == "Small"
    assert event.detail["created"] == 2
