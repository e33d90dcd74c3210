"""import_responses, export_scores and create_api_token, as HR's scripts call them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from assessments.models import Answer, ApiToken, Cycle, Role, Submission, Team, token_hash
from tests.builders import tiny_bank_make

pytestmark = pytest.mark.django_db

GOOD = (
    "team,role,Q1,Q2,Q3\n"
    "Alpha,member,4,2,3\n"
    "Alpha,member,5,,4\n"
    "Alpha,member,3,3,2\n"
    "Alpha,self,5,1,4\n"
)


def run_import(tmp_path, text: str, *, encoding: str = "utf-8", **options) -> str:
    path = tmp_path / "responses.csv"
    path.write_bytes(text.encode(encoding))
    out = io.StringIO()
    call_command(
        "import_responses",
        str(path),
        bank="Tiny",
        cycle=options.pop("cycle", "Imported"),
        stdout=out,
        **options,
    )
    return out.getvalue()


def nothing_written() -> bool:
    return not (Cycle.objects.exists() or Team.objects.exists() or Submission.objects.exists())


def test_an_import_creates_a_released_cycle_its_teams_and_anonymous_submissions(tmp_path):
    tiny_bank_make()
    output = run_import(tmp_path, GOOD)
    assert "4 responses" in output
    cycle = Cycle.objects.get(name="Imported")
    assert cycle.state == Cycle.State.RELEASED
    assert cycle.released_at is not None
    assert list(cycle.teams.values_list("name", flat=True)) == ["Alpha"]
    assert Submission.objects.filter(cycle=cycle, role=Role.MEMBER).count() == 3
    assert Submission.objects.filter(cycle=cycle, role=Role.SELF).count() == 1
    assert Answer.objects.filter(submission__cycle=cycle, value__isnull=True).count() == 1


def test_an_import_reuses_existing_teams_and_reads_semicolons_with_a_bom(tmp_path):
    tiny_bank_make()
    existing = Team.objects.create(name="Alpha", slug="alpha")
    run_import(tmp_path, "\ufeff" + GOOD.replace(",", ";"), team_column="TEAM")
    assert Team.objects.count() == 1
    assert Submission.objects.filter(team=existing).count() == 4


def test_a_custom_team_column_names_the_teams(tmp_path):
    tiny_bank_make()
    run_import(tmp_path, "COMPID,Q1,Q2,Q3\n12,1,1,1\n13,2,2,2\n", team_column="COMPID")
    assert set(Team.objects.values_list("name", flat=True)) == {"12", "13"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("team,Q1,Q9\nAlpha,1,1\n", "column “q9”"),
        ("team,Q1,Q3\nAlpha,1,1\nAlpha,6,1\n", "Row 3, column “q1”: 6 is outside the scale 1–5"),
        ("team,Q1,Q3\nAlpha,1,5\n", "Row 2, column “q3”: 5 is outside the scale 0–4"),
        ("team,Q1,Q3\nAlpha,1,2.5\n", "Row 2, column “q3”: “2.5” is not a whole number"),
        ("team,Q1,Q3\nAlpha,x,1\n", "Row 2, column “q1”"),
        ("team,role,Q1\nAlpha,boss,1\n", "Row 2, column “role”"),
        ("team,Q1\n,1\n", "Row 2, column “team”: The team is missing"),
        ("group,Q1\nAlpha,1\n", "column “team”: This required column is missing"),
        ("team,Q1\nAlpha,1,2\n", "Row 2: Expected 2 cells"),
    ],
)
def test_a_bad_file_names_the_row_and_column_and_writes_nothing(tmp_path, text, message):
    tiny_bank_make()
    with pytest.raises(CommandError) as error:
        run_import(tmp_path, text)
    assert "Nothing was imported" in str(error.value)
    assert message in str(error.value)
    assert nothing_written()


def test_an_import_into_an_existing_cycle_name_is_refused(tmp_path):
    tiny_bank_make()
    run_import(tmp_path, GOOD)
    with pytest.raises(CommandError, match="already exists"):
        run_import(tmp_path, GOOD)
    assert Submission.objects.count() == 4


def test_an_unknown_bank_is_refused(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(GOOD)
    with pytest.raises(CommandError, match="No question bank"):
        call_command("import_responses", str(path), bank="Nope", cycle="X")


def test_export_scores_writes_the_documented_json_document(tmp_path):
    tiny_bank_make()
    run_import(tmp_path, GOOD)
    target = tmp_path / "scores.json"
    call_command("export_scores", cycle="Imported", format="json", output=str(target))
    document = json.loads(target.read_text())
    assert set(document) == {"cycle", "min_group_size", "pillars", "teams"}
    assert document["cycle"] == "Imported"
    assert document["min_group_size"] == 3
    assert set(document["pillars"]) == {"p1", "p2"}
    assert set(document["pillars"]["p1"]) == {"name", "alpha", "icc1", "icc2", "mean", "n"}
    assert document["pillars"]["p1"]["name"] == "Pillar one"
    (team,) = document["teams"]
    assert set(team) == {"team", "n", "suppressed", "pillars"}
    assert team["team"] == "Alpha"
    assert team["n"] == 3
    assert team["suppressed"] is False
    p1 = team["pillars"]["p1"]
    assert set(p1) == {"n", "mean", "sd", "ci_low", "ci_high", "rwg", "favourable_pct", "self"}
    assert p1["mean"] == pytest.approx(4.0)
    assert p1["self"] == pytest.approx(5.0)
    assert document["pillars"]["p1"]["icc1"] is None  # one team: no between-team variance


def test_export_scores_as_csv_has_one_row_per_team_and_pillar(tmp_path):
    tiny_bank_make()
    run_import(tmp_path, GOOD)
    out = io.StringIO()
    call_command("export_scores", cycle="imported", format="csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["team"], r["pillar"]) for r in rows] == [("Alpha", "p1"), ("Alpha", "p2")]
    assert float(rows[0]["mean"]) == pytest.approx(4.0)
    assert rows[0]["suppressed"] == "false"


def test_a_team_below_k_exports_its_count_and_nulls(tmp_path):
    tiny_bank_make()
    run_import(tmp_path, "team,Q1,Q2,Q3\nSolo,4,2,3\nSolo,5,1,4\n")
    out = io.StringIO()
    call_command("export_scores", cycle="Imported", stdout=out)
    (team,) = json.loads(out.getvalue())["teams"]
    assert team["n"] == 2
    assert team["suppressed"] is True
    assert all(value is None for value in team["pillars"]["p1"].values())


def test_export_scores_of_an_unknown_cycle_fails():
    with pytest.raises(CommandError, match="No cycle"):
        call_command("export_scores", cycle="Nope")


def test_create_api_token_prints_a_token_once_and_stores_only_its_hash(hr_user):
    out = io.StringIO()
    call_command(
        "create_api_token", user="hr@example.com", name="BI", stdout=out, stderr=io.StringIO()
    )
    token = out.getvalue().strip()
    stored = ApiToken.objects.get()
    assert stored.token_hash == token_hash(token)
    assert token not in stored.token_hash


def test_create_api_token_refuses_a_user_outside_hr(leader_a):
    with pytest.raises(CommandError, match="not in the HR group"):
        call_command("create_api_token", user=leader_a.email, name="BI")
    assert not ApiToken.objects.exists()


def test_export_scores_csv_rounds_as_the_pages_do_and_names_each_pillar(tmp_path):
    tiny_bank_make()
    # Three members whose p1 scores are 4.5, 4 and 3 (Q2 reverse-scored): a mean of 3.8333…
    run_import(tmp_path, "team,Q1,Q2,Q3\nAlpha,4,1,3\nAlpha,5,3,4\nAlpha,3,3,2\n")
    out = io.StringIO()
    call_command("export_scores", cycle="Imported", format="csv", stdout=out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["pillar"], row["pillar_name"]) == ("p1", "Pillar one")
    assert row["mean"] == "3.83"
    assert row["favourable_pct"] == "50"
    assert all(len(row[f].split(".")[-1]) == 2 for f in ("mean", "sd", "ci_low", "ci_high"))
    full = io.StringIO()
    call_command("export_scores", cycle="Imported", format="json", stdout=full)
    mean = json.loads(full.getvalue())["teams"][0]["pillars"]["p1"]["mean"]
    assert mean == pytest.approx(23 / 6)  # the JSON keeps full precision
    assert mean != 3.83
