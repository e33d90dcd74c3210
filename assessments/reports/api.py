"""The read-only JSON API for HR's BI tools: cycles and their scores document.

HR only, by session (a signed-in HR user) or by bearer token (``create_api_token``; only the
token's SHA-256 hash is stored). Anyone else gets 401 on every endpoint — no data, and no hint of
which cycles exist. The OpenAPI schema is at ``/api/openapi.json``; the interactive docs page is
off because it would load Swagger UI from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer, SessionAuth

from assessments.models import ApiToken, Cycle, token_hash
from assessments.reports.score_document import score_document
from assessments.results.access import report_for_viewer
from leadership.roles import user_is_hr


class HrSession(SessionAuth):
    """A signed-in HR user's session (GET only, so no CSRF token is needed)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if user_is_hr(request.user) else None


class HrToken(HttpBearer):
    """``Authorization: Bearer <token>`` of an active HR user."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user").filter(token_hash=token_hash(token)).first()
        )
        if api_token is None or not api_token.user.is_active or not user_is_hr(api_token.user):
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        return api_token.user


api = NinjaAPI(
    title="Pillars scores API",
    version="1",
    description=(
        "Read-only, anonymity-safe scores of leadership survey cycles, for HR. "
        "Figures of groups below the cycle's minimum group size are null."
    ),
    auth=[HrToken(), HrSession()],
    docs_url=None,
    urls_namespace="api",
)


class CycleOut(Schema):
    slug: str
    name: str
    state: str
    min_group_size: int
    scores_visible: bool


class PillarFigures(Schema):
    alpha: float | None
    icc1: float | None
    icc2: float | None
    mean: float | None
    n: int | None


class TeamPillarFigures(Schema):
    n: int | None
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    rwg: float | None
    favourable_pct: float | None
    self: float | None


class TeamScores(Schema):
    team: str
    n: int
    suppressed: bool
    pillars: dict[str, TeamPillarFigures]


class ScoresDocument(Schema):
    cycle: str
    min_group_size: int
    pillars: dict[str, PillarFigures]
    teams: list[TeamScores]


@api.get("/cycles/", response=list[CycleOut], summary="Cycles, newest first")
def cycles(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "slug": cycle.slug,
            "name": cycle.name,
            "state": cycle.state,
            "min_group_size": cycle.min_group_size,
            "scores_visible": cycle.has_ended,
        }
        for cycle in Cycle.objects.started()
    ]


@api.get(
    "/cycles/{slug}/scores",
    response=ScoresDocument,
    summary="A cycle's scores document (null where suppressed or not computable)",
)
def cycle_scores(request: HttpRequest, slug: str) -> dict[str, Any]:
    cycle = Cycle.objects.started().filter(slug=slug).first()
    if cycle is None:
        raise Http404
    report = report_for_viewer(cycle=cycle, user=request.auth, detail=False)
    return score_document(report=report)
