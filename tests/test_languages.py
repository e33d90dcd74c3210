"""Who reads which language: a respondent their invitation's (per person, team or the
organisation's), switched on the intro page for the survey and its reminders; a leader or HR
person the language of their account, for pages, PDFs, zips and emails. And the anonymity rule:
a respondent's choice of language shows nowhere HR or a leader looks."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from assessments.charts import svg
from assessments.hr.cycles import cycle_open
from assessments.hr.invitations import invitations_batch_send
from assessments.models import EmailRun, Invitation, ReportFile, ReportJob, Submission
from assessments.reports import ready
from assessments.reports.jobs import report_job_build
from assessments.survey import flow
from leadership.models import Profile
from tests.builders import (
    draft_cycle_make,
    drafts_fill,
    invitation_make,
    open_cycle_make,
    report_answers_add,
    report_cycle_make,
    report_team_make,
    roster_team_make,
    survey_enter,
    tiny_bank_make,
    user_make,
)
from tests.pdf_text import pdf_text

pytestmark = pytest.mark.django_db


def _german(user) -> None:
    Profile.objects.update_or_create(user=user, defaults={"language": "de"})


# --- respondents ---------------------------------------------------------------------------


def test_a_respondent_reads_the_survey_in_the_language_of_their_invitation(client, bank):
    team = roster_team_make("Platform", members=["kim@example.com"])
    team.members.update(language="de")
    cycle = draft_cycle_make(bank, [team])
    cycle_open(cycle=cycle, actor=None)
    invitation = Invitation.objects.get(cycle=cycle)
    assert invitation.language == "de"
    invitation, token = invitation, _token_set(invitation)
    key = survey_enter(client, token)
    page = client.get(reverse("assessments:survey", args=[key])).content.decode()
    assert '<html lang="de">' in page
    assert "Wie erlebt Ihr Team die Führung?" in page
    assert "How is leadership" not in page
    step = client.get(reverse("assessments:survey-step", args=[key, 1])).content.decode()
    assert "Strategische Klarheit" in step
    assert "Meine Führungskraft erklärt, wohin sich unser Team" in step
    assert "Stimme voll und ganz zu" in step
    assert "Strategic Clarity" not in step


def _token_set(invitation: Invitation) -> str:
    from assessments.hr.cycles import invitation_token_rotate

    return invitation_token_rotate(invitation=invitation)


def test_the_intro_page_switch_keeps_the_token_flow_and_sticks_for_pages_and_reminders(
    client, bank
):
    team = roster_team_make("Platform", members=2)
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    invitation.sent_at = invitation.created_at
    invitation.save()
    key = survey_enter(client, token)
    intro = client.get(reverse("assessments:survey", args=[key])).content.decode()
    assert "How is leadership working for your team?" in intro
    assert 'name="language"' in intro
    assert ">Deutsch<" in intro
    response = client.post(reverse("assessments:survey-language", args=[key]), {"language": "de"})
    assert response.status_code == 302
    assert token not in response["Location"]
    invitation.refresh_from_db()
    assert invitation.language == "de"
    page = client.get(response["Location"]).content.decode()
    assert "Wie erlebt Ihr Team die Führung?" in page
    # The thank-you page after submitting, too.
    drafts_fill(invitation)
    client.post(reverse("assessments:survey-submit", args=[key]))
    thanks = client.get(reverse("assessments:survey-thanks", args=[key])).content.decode()
    assert "Vielen Dank!" in thanks


def test_a_reminder_goes_out_in_the_language_the_respondent_chose(bank, settings):
    settings.PILLARS_REMINDER_INTERVAL_HOURS = 0
    team = roster_team_make("Platform", members=["a@example.com", "b@example.com"])
    cycle = draft_cycle_make(bank, [team])
    cycle_open(cycle=cycle, actor=None)
    ids = list(Invitation.objects.filter(cycle=cycle).values_list("pk", flat=True))
    invitations_batch_send(kind=EmailRun.Kind.INVITATION, cycle=cycle, ids=ids)
    assert all("How is leadership going" in m.subject for m in mail.outbox)
    chooser = Invitation.objects.get(cycle=cycle, email="a@example.com")
    assert flow.invitation_language_set(invitation=chooser, language="de")
    mail.outbox.clear()
    invitations_batch_send(kind=EmailRun.Kind.REMINDER, cycle=cycle, ids=ids)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert by_address["a@example.com"].subject.startswith("Erinnerung: Ihre Sicht auf die Führung")
    assert "Ihr persönlicher Link" in by_address["a@example.com"].body
    assert by_address["b@example.com"].subject.startswith("Reminder:")


def test_the_invitation_email_writes_the_closing_date_the_german_way(bank):
    team = roster_team_make("Platform", members=["a@example.com"])
    team.language = "de"
    team.save()
    cycle = draft_cycle_make(bank, [team])
    cycle_open(cycle=cycle, actor=None)
    import datetime as dt

    from django.utils import timezone

    cycle.closes_at = timezone.now() + dt.timedelta(days=10)
    cycle.save()
    ids = list(Invitation.objects.filter(cycle=cycle).values_list("pk", flat=True))
    invitations_batch_send(kind=EmailRun.Kind.INVITATION, cycle=cycle, ids=ids)
    body = mail.outbox[0].body
    closes = timezone.localtime(cycle.closes_at, cycle.zone())
    assert "Guten Tag," in body
    assert f"{closes:%d.%m.%Y}" in body


def test_a_language_the_questions_lack_cannot_be_chosen_and_nothing_changes(client):
    bank = tiny_bank_make()  # English only
    team = roster_team_make("Platform", members=2)
    cycle = open_cycle_make(bank, teams=[team])
    invitation, token = invitation_make(cycle, team)
    key = survey_enter(client, token)
    intro = client.get(reverse("assessments:survey", args=[key])).content.decode()
    assert 'name="language"' not in intro  # only English to offer
    client.post(reverse("assessments:survey-language", args=[key]), {"language": "de"})
    client.post(reverse("assessments:survey-language", args=[key]), {"language": "xx"})
    invitation.refresh_from_db()
    assert invitation.language == ""
    page = client.get(reverse("assessments:survey", args=[key])).content.decode()
    assert "How is leadership working for your team?" in page


def test_the_switch_refuses_a_stale_or_foreign_session_key(client, bank):
    response = client.post(
        reverse("assessments:survey-language", args=["not-a-key"]), {"language": "de"}
    )
    assert response.status_code == 403


# --- the anonymity rule --------------------------------------------------------------------


def _hr_and_leader_views(client, hr, leader, cycle, team) -> dict[str, str]:
    """Everything HR and the leader can look at for this cycle and team, as text."""
    views = {}
    client.force_login(hr)
    for name, url in {
        "cycle": reverse("assessments:hr-cycle", args=[cycle.pk]),
        "cycle-team": reverse("assessments:hr-cycle-team", args=[cycle.pk, team.pk]),
        "teams": reverse("assessments:hr-teams"),
        "home": reverse("home"),
        "audit": reverse("assessments:hr-audit"),
    }.items():
        views[f"hr-{name}"] = client.get(url).content.decode()
    client.force_login(leader)
    views["leader-home"] = client.get(reverse("home")).content.decode()
    views["leader-results"] = client.get(reverse("assessments:my-results")).content.decode()
    client.logout()
    return views


def _normalised(page: str) -> str:
    """The page without what differs on every render anyway (CSRF tokens)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_hr_and_the_leader_cannot_tell_who_switched_language(client, bank):
    """The attack: HR or the team's leader compares everything they can see before and after a
    respondent switches the survey to German. Every page reads the same, byte for byte, and
    the submission that follows carries no language."""
    hr = user_make("hr@example.com", hr=True)
    leader = user_make("lead@example.com")
    team = roster_team_make(
        "Platform", leaders=(leader,), members=["kim@example.com", "sam@example.com"]
    )
    cycle = draft_cycle_make(bank, [team], self_assessment=False)
    cycle_open(cycle=cycle, actor=None)
    kim = Invitation.objects.get(cycle=cycle, email="kim@example.com")
    respondent = type(client)()
    key = survey_enter(respondent, _token_set(kim))
    before = _hr_and_leader_views(client, hr, leader, cycle, team)
    respondent.post(reverse("assessments:survey-language", args=[key]), {"language": "de"})
    kim.refresh_from_db()
    assert kim.language == "de"
    after = _hr_and_leader_views(client, hr, leader, cycle, team)
    for name, page in before.items():
        assert _normalised(page) == _normalised(after[name]), name
    # Kim submits: the submission holds no language (nor invitation, nor email).
    drafts_fill(kim)
    respondent.post(reverse("assessments:survey-submit", args=[key]))
    assert Submission.objects.filter(cycle=cycle).count() == 1
    field_names = {field.name for field in Submission._meta.get_fields()}
    assert not {"language", "invitation", "email"} & field_names


def test_the_privacy_export_of_a_person_does_not_say_which_language_they_chose(client, bank):
    hr = user_make("hr@example.com", hr=True)
    team = roster_team_make("Platform", members=["kim@example.com"])
    cycle = draft_cycle_make(bank, [team])
    cycle_open(cycle=cycle, actor=None)
    client.force_login(hr)
    url = reverse("assessments:hr-privacy-export") + "?email=kim%40example.com"
    before = client.get(url).content
    kim = Invitation.objects.get(cycle=cycle)
    flow.invitation_language_set(invitation=kim, language="de")
    after = client.get(url).content
    strip = [b'"exported_at"', b"exported"]
    assert _without_stamps(before, strip) == _without_stamps(after, strip)


def _without_stamps(data: bytes, keys: list[bytes]) -> list[bytes]:
    return [line for line in data.splitlines() if not any(key in line for key in keys)]


# --- leaders and HR ------------------------------------------------------------------------


def test_a_leader_chooses_german_on_their_account_and_pages_follow(client, leader_a):
    client.force_login(leader_a)
    page = client.get(reverse("account-language")).content.decode()
    assert "Language" in page
    response = client.post(reverse("account-language"), {"language": "de"})
    assert response.status_code == 302
    assert Profile.objects.get(user=leader_a).language == "de"
    home = client.get(reverse("home")).content.decode()
    assert '<html lang="de">' in home
    assert "Abmelden" in home
    assert "Sign out" not in home
    assert client.post(reverse("account-language"), {"language": "xx"}).status_code == 200
    assert Profile.objects.get(user=leader_a).language == "de"


def test_a_german_team_pdf_has_german_headings_and_no_english_ones(client, bank, leader_a):
    _german(leader_a)
    cycle = report_cycle_make(bank)
    team = report_team_make(cycle, "Platform", leader=leader_a)
    report_answers_add(cycle, team, values=[5, 4, 5, 4, 4, 3], self_value=4)
    client.force_login(leader_a)
    response = client.get(reverse("assessments:team-report-pdf", args=[cycle.pk, team.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content).lower()  # headings are set in capitals
    for german in (
        "Bericht zum 360-Grad-Feedback",
        "Zusammenfassung",
        "Drei Dinge zum Mitnehmen",
        "Strategische Klarheit",
        "Wie das Team jede Frage beantwortet hat",
        "Methode und Datenschutz",
        "Ziel – wo möchten Sie hier stehen?",
        "Meine Führungskraft erklärt",
        "So lesen Sie diesen Bericht",
        "Wie sicher eine Zahl ist",
        "Arbeitsblatt für Maßnahmen",
        "Schwerpunktsäule",
        "Verantwortlich",
        "Stimme voll und ganz zu",
    ):
        assert german.lower() in text, german
    for english in (
        "Leadership 360 report",
        "Three things to take away",
        "Strategic Clarity",
        "Method and privacy",
        "Goal —",
        "My leader explains",
        "How the team answered",
        "How to read this report",
        "How sure a figure is",
        "Action worksheet",
        "Focus pillar",
        "Owner",
        "Strongly agree",
        "Questions:",
        "beyond chance",
    ):
        assert english.lower() not in text, english
    assert re.search(r"\b[1-5],\d\d\b", text)  # 4,52, not 4.52
    assert not re.search(r"\b[1-5]\.\d\d\b", text)


def test_a_german_organisation_pdf_has_no_english_headings_or_legends(client, bank, hr_user):
    _german(hr_user)
    cycle = report_cycle_make(bank)
    for name, values in (("Platform", [5, 4, 4, 3]), ("Data", [3, 4, 2, 3]), ("Web", [4, 4, 5])):
        report_answers_add(cycle, report_team_make(cycle, name), values=values)
    client.force_login(hr_user)
    response = client.get(reverse("assessments:org-report-pdf", args=[cycle.pk]))
    assert response.status_code == 200
    text = pdf_text(response.content).lower()
    for german in (
        "Die Organisation in den Säulen",
        "Median der Teams je Säule",
        "Wie weit die Teams auseinanderliegen",
        "Streuung der Teamwerte",
        "Werte über die Teams",
        "Farbe (wie günstig)",
        "Organisation (Median der Teams)",
        "Strategische Klarheit",
    ):
        assert german.lower() in text, german
    for english in (
        "The organisation on the pillars",
        "Median team",
        "How far apart teams are",
        "Lower quarter",
        "Scores across teams",
        "Colour (how favourable)",
        "Strategic Clarity",
        "hidden",
    ):
        assert english.lower() not in text, english


def test_charts_in_german_keep_the_svg_decimal_point():
    """SVG coordinates are SVG's syntax, not a figure for the reader: "83,6" would break the
    shapes of every chart in a German PDF."""
    with translation.override("de"):
        charts = [
            svg.radar_svg(
                axes=["A", "B", "C"],
                series=[svg.RadarSeries("T", [50.5, 60.25, 70.75], "#3b3fd8", fill=True)],
                title="t",
                desc="d",
            ),
            svg.spread_svg(
                rows=[svg.SpreadRow("A", 10.25, 20.5, 30.75, 40.15, 50.35)], title="t", desc="d"
            ),
        ]
    for chart in charts:
        sizes = re.findall(r' (?:x|y|x1|x2|y1|y2|cx|cy|r|width|height|font-size)="([^"]*)"', chart)
        assert sizes
        assert not [size for size in sizes if "," in size]
        for points in re.findall(r' points="([^"]*)"', chart):
            assert all(pair.count(",") == 1 for pair in points.split()), points


def test_a_bulk_zip_has_each_team_in_its_leaders_language(bank, hr_user, leader_a, leader_b):
    _german(leader_a)
    cycle = report_cycle_make(bank)
    german = report_team_make(cycle, "Platform", leader=leader_a)
    english = report_team_make(cycle, "Data", leader=leader_b)
    for team in (german, english):
        report_answers_add(cycle, team, values=[5, 4, 4, 3])
    job = ReportJob.objects.create(cycle=cycle, requested_by=hr_user)
    with translation.override("en"):
        report_job_build(job)
    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE, job.failures
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        texts = {name: pdf_text(archive.read(name)) for name in archive.namelist()}
    platform = next(text for name, text in texts.items() if "platform" in name)
    data = next(text for name, text in texts.items() if name.endswith("-data.pdf"))
    assert "Strategische Klarheit" in platform
    assert "Strategic Clarity" not in platform
    assert "Strategic Clarity" in data
    assert "Strategische Klarheit" not in data


def test_stored_pdfs_are_english_and_a_german_reader_never_gets_one(
    client, bank, hr_user, leader_a, leader_b
):
    """The worker stores the bank language's PDFs; a German leader's download and a German
    requester's zip are rendered in German, an English leader's download is the stored file."""
    _german(leader_a)
    _german(hr_user)
    cycle = report_cycle_make(bank)
    german = report_team_make(cycle, "Platform", leader=leader_a)
    english = report_team_make(cycle, "Data", leader=leader_b)
    for team in (german, english):
        report_answers_add(cycle, team, values=[5, 4, 4, 3])
    assert ready.report_files_render(cycle=cycle).rendered == 3
    assert ReportFile.objects.filter(cycle=cycle).count() == 3

    def download(user, team):
        client.force_login(user)
        response = client.get(reverse("assessments:team-report-pdf", args=[cycle.pk, team.pk]))
        assert response.status_code == 200
        data = b"".join(response.streaming_content) if response.streaming else response.content
        return response.streaming, pdf_text(data)

    streamed, text = download(leader_b, english)
    assert streamed  # the stored file
    assert "Strategic Clarity" in text
    streamed, text = download(leader_a, german)
    assert not streamed  # rendered now, in German
    assert "Strategische Klarheit" in text
    assert "Strategic Clarity" not in text

    job = ReportJob.objects.create(cycle=cycle, requested_by=hr_user)
    with translation.override("en"):
        report_job_build(job)
    job.refresh_from_db()
    assert job.state == ReportJob.State.DONE, job.failures
    with job.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        texts = {name: pdf_text(archive.read(name)) for name in archive.namelist()}
    platform = next(text for name, text in texts.items() if "platform" in name)
    data = next(text for name, text in texts.items() if name.endswith("-data.pdf"))
    organisation = next(text for name, text in texts.items() if "organisation" in name)
    assert "Strategische Klarheit" in platform
    assert "Strategic Clarity" not in platform
    assert "Strategic Clarity" in data
    assert "Strategische Klarheit" in organisation
    assert "Strategic Clarity" not in organisation


# --- the team file's language column -------------------------------------------------------


def test_the_team_file_sets_each_members_language_and_names_a_wrong_one(client, hr_user):
    from assessments.hr.team_imports import teams_import_preview
    from assessments.hr.teams import teams_import, teams_import_plan
    from assessments.models import TeamMember
    from leadership.csvfiles import CsvImportError

    rows = "team,member_email,language\nPlatform,kim@example.com,de\nPlatform,sam@example.com,\n"
    teams_import(data=rows.encode(), actor=hr_user)
    languages = dict(TeamMember.objects.values_list("email", "language"))
    assert languages == {"kim@example.com": "de", "sam@example.com": ""}
    # Only a language changes: the preview says so, and applying it changes it.
    changed = rows.replace("kim@example.com,de", "kim@example.com,en")
    preview = teams_import_preview(teams_file=teams_import_plan(changed.encode()))
    assert preview.changes_anything
    assert preview.languages_changed == 1
    teams_import(data=changed.encode(), actor=hr_user)
    assert TeamMember.objects.get(email="kim@example.com").language == "en"
    # A file without the column leaves the languages as they are.
    teams_import(data=b"team,member_email\nPlatform,kim@example.com\n", actor=hr_user)
    assert TeamMember.objects.get(email="kim@example.com").language == "en"
    with pytest.raises(CsvImportError) as refused:
        teams_import_plan(b"team,member_email,language\nPlatform,kim@example.com,fr\n")
    assert "language" in " ".join(refused.value.lines())
    assert TeamMember.objects.get(email="kim@example.com").language == "en"
