"""Who may open what: every URL pattern of the project × five kinds of visitor.

The table below has one row per URL name. A test walks the resolver and fails when a pattern has
no row, so a view added later must say here who may see it. Django's own admin is covered by its
index (the rest of it is guarded by the same staff check).

Expectations: ``LOGIN`` is a redirect to the sign-in page; a number is the status code. Another
leader's team answers 404, never 403, so nothing says that it exists.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assessments.hr.cycles import cycle_open, invitation_token_rotate, shared_link_rotate
from assessments.models import (
    Answer,
    Cycle,
    Invitation,
    ReportJob,
    Role,
    Submission,
    Team,
)
from assessments.reports.api_tokens import api_token_issue
from leadership.models import DEFAULT_BANK_NAME, QuestionBank
from tests.builders import draft_cycle_make, roster_team_make, user_make

LOGIN = "login"
ROLES = ("anonymous", "respondent", "leader_a", "leader_b", "hr")


@dataclass
class World:
    bank: Any
    team_a: Team
    team_b: Team
    open_cycle: Cycle
    released: Cycle
    invitation_a: Invitation
    token: str
    shared_token: str
    survey_key: str
    job: ReportJob
    api_token_id: int
    cookies: dict[str, dict[str, str]]  # each visitor's cookies, copied into a fresh client


@dataclass(frozen=True)
class Row:
    kwargs: Callable[[World], dict[str, Any]]
    expect: dict[str, int | str]
    method: str = "get"


def _all(code: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, code)


# Signed-in HR only; everyone else signed in: 404; not signed in: the sign-in page.
HR_ONLY = {"anonymous": LOGIN, "respondent": LOGIN, "leader_a": 404, "leader_b": 404, "hr": 200}
HR_ONLY_POST = HR_ONLY | {"hr": 302}
SIGNED_IN = {"anonymous": LOGIN, "respondent": LOGIN, "leader_a": 200, "leader_b": 200, "hr": 200}
# Team A's objects: its leader and HR; leader B gets 404.
TEAM_A = {"anonymous": LOGIN, "respondent": LOGIN, "leader_a": 200, "leader_b": 404, "hr": 200}
# The survey pages behind a session key: only the respondent's session holds the key.
SURVEY = {"anonymous": 403, "respondent": 200, "leader_a": 403, "leader_b": 403, "hr": 403}
API = {"anonymous": 401, "respondent": 401, "leader_a": 401, "leader_b": 401, "hr": 200}


def _none(w: World) -> dict[str, Any]:
    return {}


def _cycle(w: World) -> dict[str, Any]:
    return {"cycle_id": w.open_cycle.pk}


def _cycle_team_a(w: World) -> dict[str, Any]:
    return {"cycle_id": w.open_cycle.pk, "team_id": w.team_a.pk}


def _question(w: World) -> dict[str, Any]:
    return {"question_id": w.bank.questions.current().order_by("pk").first().pk}


def _pillar(w: World) -> dict[str, Any]:
    return {"pillar_id": w.bank.pillars.order_by("pk").first().pk}


def _key(w: World) -> dict[str, Any]:
    return {"key": w.survey_key}


TABLE: dict[str, Row] = {
    # Root
    "home": Row(_none, SIGNED_IN),
    "health": Row(_none, _all(200)),
    "login": Row(_none, _all(200)),
    "logout": Row(_none, _all(LOGIN), method="post"),
    # Setting a password: open to all, and the same answer whoever asks.
    "password_reset": Row(_none, _all(200)),
    "password_reset_done": Row(_none, _all(200)),
    "password_reset_confirm": Row(lambda w: {"uidb64": "MQ", "token": "bad-token"}, _all(200)),
    "password_reset_complete": Row(_none, _all(200)),
    # A signed-in person's own language.
    "account-language": Row(_none, SIGNED_IN),
    "leadership:bank": Row(_none, SIGNED_IN),
    "leadership:bank-detail": Row(lambda w: {"bank_id": w.bank.pk}, SIGNED_IN),
    "leadership:bank-import": Row(_none, HR_ONLY),
    # Without an upload waiting, HR is sent back to the upload form.
    "leadership:bank-import-preview": Row(_none, HR_ONLY | {"hr": 302}),
    "leadership:bank-import-apply": Row(_none, HR_ONLY_POST, method="post"),
    "leadership:bank-import-cancel": Row(_none, HR_ONLY_POST, method="post"),
    "leadership:bank-export": Row(lambda w: {"bank_id": w.bank.pk}, HR_ONLY),
    "leadership:question-new": Row(lambda w: {"bank_id": w.bank.pk}, HR_ONLY),
    "leadership:question-edit": Row(_question, HR_ONLY),
    "leadership:question-move": Row(
        lambda w: {**_question(w), "direction": "down"}, HR_ONLY_POST, method="post"
    ),
    "leadership:question-retire": Row(_question, HR_ONLY_POST, method="post"),
    "leadership:question-restore": Row(_question, HR_ONLY_POST, method="post"),
    "leadership:pillar-new": Row(lambda w: {"bank_id": w.bank.pk}, HR_ONLY),
    "leadership:pillar-edit": Row(_pillar, HR_ONLY),
    "leadership:pillar-move": Row(
        lambda w: {**_pillar(w), "direction": "down"}, HR_ONLY_POST, method="post"
    ),
    "admin:index": Row(_none, _all(302)),  # nobody here is staff: the admin's own sign-in
    # HR: cycles
    "assessments:hr-cycles": Row(_none, HR_ONLY),
    "assessments:hr-cycle-new": Row(_none, HR_ONLY),
    "assessments:hr-cycle": Row(_cycle, HR_ONLY),
    "assessments:hr-cycle-transition": Row(
        lambda w: {"cycle_id": w.open_cycle.pk, "to": "closed"}, HR_ONLY_POST, method="post"
    ),
    "assessments:hr-cycle-edit": Row(_cycle, HR_ONLY),
    "assessments:hr-cycle-delete": Row(_cycle, HR_ONLY),  # asks (and says only drafts go)
    "assessments:hr-cycle-send-release-notices": Row(
        lambda w: {"cycle_id": w.released.pk}, HR_ONLY_POST, method="post"
    ),
    "assessments:hr-cycle-send-invitations": Row(_cycle, HR_ONLY_POST, method="post"),
    "assessments:hr-cycle-send-reminders": Row(_cycle, HR_ONLY_POST, method="post"),
    "assessments:hr-cycle-team": Row(_cycle_team_a, HR_ONLY),
    "assessments:hr-shared-link": Row(_cycle_team_a, HR_ONLY, method="post"),
    "assessments:hr-invitation-link": Row(
        lambda w: {"cycle_id": w.open_cycle.pk, "invitation_id": w.invitation_a.pk},
        HR_ONLY_POST,
        method="post",
    ),
    # HR: teams
    "assessments:hr-teams": Row(_none, HR_ONLY),
    "assessments:hr-team-new": Row(_none, HR_ONLY),
    "assessments:hr-teams-import": Row(_none, HR_ONLY),
    # Without an upload waiting, HR is sent back to the upload form.
    "assessments:hr-teams-import-preview": Row(_none, HR_ONLY | {"hr": 302}),
    "assessments:hr-teams-import-apply": Row(_none, HR_ONLY_POST, method="post"),
    "assessments:hr-teams-import-cancel": Row(_none, HR_ONLY_POST, method="post"),
    "assessments:hr-team-edit": Row(lambda w: {"team_id": w.team_a.pk}, HR_ONLY),
    "assessments:hr-leader-password-email": Row(
        lambda w: {"team_id": w.team_a.pk, "user_id": w.team_a.leaders.get().pk},
        HR_ONLY_POST,
        method="post",
    ),
    # HR: privacy and audit
    "assessments:hr-privacy": Row(_none, HR_ONLY),
    "assessments:hr-privacy-export": Row(_none, HR_ONLY_POST, method="post"),
    "assessments:hr-privacy-erase": Row(_none, HR_ONLY | {"hr": 400}, method="post"),  # empty form
    "assessments:hr-audit": Row(_none, HR_ONLY),
    # A leader's own self-assessment: only for a team they lead (HR leads none here).
    "assessments:self-assessment-start": Row(
        _cycle_team_a, TEAM_A | {"leader_a": 302, "hr": 404}, method="post"
    ),
    # The respondent's journey: a token is the key, then the session is.
    "assessments:survey-start": Row(lambda w: {"token": w.token}, _all(302)),
    # The team's own leader is turned away from its shared link (they self-assess instead).
    "assessments:shared-start": Row(
        lambda w: {"token": w.shared_token}, _all(302) | {"leader_a": 403}
    ),
    "assessments:survey": Row(_key, SURVEY),
    "assessments:survey-step": Row(lambda w: {"key": w.survey_key, "number": 1}, SURVEY),
    "assessments:survey-autosave": Row(_key, SURVEY, method="post"),
    "assessments:survey-review": Row(_key, SURVEY),
    # The intro page's language switch: no language posted, so nothing changes; back to intro.
    "assessments:survey-language": Row(_key, SURVEY | {"respondent": 302}, method="post"),
    "assessments:survey-submit": Row(
        _key, SURVEY | {"respondent": 422}, method="post"
    ),  # incomplete
    "assessments:survey-thanks": Row(_key, SURVEY | {"respondent": 302}),  # not submitted yet
    # Dashboards and reports
    "assessments:my-results": Row(_none, SIGNED_IN),
    "assessments:org-dashboard": Row(_none, HR_ONLY),
    # Whether a cycle's results are ready, the same for everyone signed in (an HX-Refresh).
    "assessments:results-status": Row(lambda w: {"cycle_id": w.released.pk}, SIGNED_IN),
    "assessments:team-dashboard": Row(
        lambda w: {"cycle_slug": w.released.slug, "team_slug": w.team_a.slug}, TEAM_A
    ),
    "assessments:team-report-pdf": Row(
        lambda w: {"cycle_id": w.released.pk, "team_id": w.team_a.pk}, TEAM_A
    ),
    "assessments:org-report-pdf": Row(lambda w: {"cycle_id": w.released.pk}, HR_ONLY),
    "assessments:report-jobs": Row(lambda w: {"cycle_id": w.released.pk}, HR_ONLY),
    "assessments:report-job": Row(lambda w: {"job_id": w.job.pk}, HR_ONLY),
    "assessments:report-job-download": Row(lambda w: {"job_id": w.job.pk}, HR_ONLY | {"hr": 404}),
    "assessments:api-tokens": Row(_none, HR_ONLY),
    "assessments:api-token-revoke": Row(
        lambda w: {"token_id": w.api_token_id}, HR_ONLY_POST, method="post"
    ),
    "assessments:cycle-export": Row(
        lambda w: {"cycle_id": w.released.pk, "kind": "scores", "fmt": "csv"}, HR_ONLY
    ),
    # From results to action: the plan and the debrief are the team's leader's own (HR: 404);
    # HR sees how far plans got and launches pulses; a plan's link answers no wrong token.
    "assessments:team-plan": Row(
        lambda w: {"cycle_slug": w.released.slug, "team_slug": w.team_a.slug},
        TEAM_A | {"hr": 404},
    ),
    "assessments:team-debrief": Row(
        lambda w: {"cycle_slug": w.released.slug, "team_slug": w.team_a.slug},
        TEAM_A | {"hr": 404},
    ),
    "assessments:shared-plan": Row(lambda w: {"token": "not-a-plan-token"}, _all(404)),
    "assessments:plans-overview": Row(_none, HR_ONLY),
    "assessments:hr-pulse-new": Row(lambda w: {"cycle_id": w.released.pk}, HR_ONLY),
    # The JSON API (HR session or bearer token)
    "api:api-root": Row(_none, _all(404)),
    "api:openapi-json": Row(_none, API),
    "api:cycles": Row(_none, API),
    "api:cycle_scores": Row(lambda w: {"slug": w.released.slug}, API),
}


def _names(patterns: list, namespace: str = "") -> list[str]:
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            if inner == "admin":
                continue  # covered by admin:index
            names += _names(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern):
            names.append(f"{namespace}:{pattern.name}" if namespace else str(pattern.name))
    return names


def test_every_url_pattern_has_a_row_in_the_access_table():
    names = _names(get_resolver().url_patterns)
    missing = sorted(set(names) - set(TABLE))
    assert not missing, f"Add these URL names to TABLE in {__file__}: {missing}"


# --- The world the table is checked against -------------------------------------------------


def _submissions(cycle: Cycle, team: Team, count: int) -> None:
    questions = list(cycle.questions.ratings())
    for n in range(count):
        submission = Submission.objects.create(
            cycle=cycle, team=team, role=Role.MEMBER, submitted_on=timezone.localdate()
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question=q, value=(n + q.pk) % 5 + 1) for q in questions
        )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """Built once for the module (each test still rolls its own changes back), then flushed."""
    with django_db_blocker.unblock():
        call_command("load_bank", verbosity=0, stdout=io.StringIO())
        yield _world_build()
        call_command("flush", interactive=False, verbosity=0)


def _world_build() -> World:
    bank = QuestionBank.objects.get(name=DEFAULT_BANK_NAME)
    hr = user_make("hr@example.com", hr=True)
    leader_a = user_make("leader-a@example.com")
    leader_b = user_make("leader-b@example.com")
    team_a = roster_team_make("Alpha", leaders=(leader_a,), members=4)
    team_b = roster_team_make("Beta", leaders=(leader_b,), members=4)
    released = draft_cycle_make(bank, [team_a, team_b], name="2026 Q2")
    cycle_open(cycle=released, actor=None)
    Cycle.objects.filter(pk=released.pk).update(
        recorded_state=Cycle.State.RELEASED, released_at=timezone.now()
    )
    released.refresh_from_db()
    _submissions(released, team_a, 4)
    _submissions(released, team_b, 4)
    now = timezone.now()
    open_cycle = draft_cycle_make(
        bank,
        [team_a, team_b],
        name="2026 Q4",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=10),
    )
    cycle_open(cycle=open_cycle, actor=None)
    invitations = list(Invitation.objects.filter(cycle=open_cycle, team=team_a, role=Role.MEMBER))
    token = invitation_token_rotate(invitation=invitations[0])
    shared_token = shared_link_rotate(cycle=open_cycle, team=team_a, actor=None)
    clients = {role: Client() for role in ROLES}
    clients["leader_a"].force_login(leader_a)
    clients["leader_b"].force_login(leader_b)
    clients["hr"].force_login(hr)
    # The respondent: a session that exchanged its own token (not the one the table tests).
    respondent_token = invitation_token_rotate(invitation=invitations[1])
    start = clients["respondent"].get(reverse("assessments:survey-start", args=[respondent_token]))
    survey_key = start["Location"].rstrip("/").split("/")[-1]
    return World(
        bank=bank,
        team_a=team_a,
        team_b=team_b,
        open_cycle=open_cycle,
        released=released,
        invitation_a=invitations[0],
        token=token,
        shared_token=shared_token,
        survey_key=survey_key,
        job=ReportJob.objects.create(cycle=released, requested_by=hr),
        api_token_id=api_token_issue(user=hr, name="BI", actor=hr)[0].pk,
        cookies={
            role: {name: morsel.value for name, morsel in client.cookies.items()}
            for role, client in clients.items()
        },
    )


def _outcome(response: Any) -> int | str:
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


def _existing(names: list[str]) -> list[str]:
    present = set(_names(get_resolver().url_patterns)) | {"admin:index"}
    return [name for name in names if name in present]


@pytest.mark.django_db
@pytest.mark.parametrize("name", _existing(list(TABLE)))
def test_each_kind_of_visitor_gets_what_the_table_says(name, world):
    row = TABLE[name]
    url = reverse(name, kwargs=row.kwargs(world))
    got = {}
    for role in ROLES:  # HR last: its POSTs change things
        client = Client()
        client.cookies.load(world.cookies[role])
        response = getattr(client, row.method)(url)
        got[role] = _outcome(response)
    assert got == row.expect, f"{row.method.upper()} {url}"
