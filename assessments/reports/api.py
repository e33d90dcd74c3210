"""The read-only JSON API for HR's BI tools: cycles and their scores document.

HR only, by session (a signed-in HR user) or by bearer token (issued on HR's API tokens page or
by ``create_api_token``; only the token's SHA-256 hash is stored; tokens expire and can be
revoked). Anyone else gets 401 on every endpoint — no data, and no hint of which cycles exist. The
OpenAPI schema at ``/api/openapi.json`` answers the same people; the interactive docs page is off
because it would load Swagger UI from a CDN.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, JsonResponse
from ninja import NinjaAPI, Schema
from ninja.security import HttpBearer, SessionAuth

from assessments.models import Cycle
from assessments.reports.api_tokens import api_token_user
from assessments.reports.score_document import score_document
from assessments.results.access import report_for_viewer, results_preparing
from leadership.roles import user_is_hr

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpResponse


class HrSession(SessionAuth):
    """A signed-in HR user's session (GET only, so no CSRF token is needed)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return request.user if user_is_hr(request.user) else None


class HrToken(HttpBearer):
    """``Authorization: Bearer <token>`` of an active HR user, neither expired nor revoked."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return api_token_user(token=token)


_AUTHS = (HrToken(), HrSession())


def hr_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema answers whom the API answers, and anyone else gets the API's own 401."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not any(auth(request) for auth in _AUTHS):
            return JsonResponse({"detail": "Unauthorized"}, status=401)
        return view(request, *args, **kwargs)

    return wrapped


api = NinjaAPI(
    title="Pillars scores API",
    version="1",
    description=(
        "Read-only, anonymity-safe scores of leadership survey cycles, for HR. "
        "Figures of groups below the cycle's minimum group size are null. Figures are at full "
        "precision; the CSV and XLSX exports round them as the pages do."
    ),
    auth=list(_AUTHS),
    docs_url=None,
    docs_decorator=hr_only,
    urls_namespace="api",
)


class CycleOut(Schema):
    slug: str
    name: str
    state: str
    min_group_size: int
    scores_visible: bool


class PillarFigures(Schema):
    name: str
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
        for cycle in Cycle.objects.started().newest_first()
    ]


@api.get(
    "/cycles/{slug}/scores",
    response=ScoresDocument,
    summary="A cycle's scores document (null where suppressed or not computable)",
)
def cycle_scores(request: HttpRequest, slug: str) -> dict[str, Any] | JsonResponse:
    cycle = Cycle.objects.started().filter(slug=slug).first()
    if cycle is None:
        raise Http404
    # django-ninja's token check sets ``request.auth`` to the token's user before the view runs.
    user = request.auth  # type: ignore[attr-defined]
    report = report_for_viewer(cycle=cycle, user=user, detail=False)
    if results_preparing(report):
        # Not figures to mistake for suppressed ones: come back once the worker has stored them.
        response = JsonResponse(
            {"detail": "The results of this cycle are being prepared; try again shortly."},
            status=503,
        )
        response["Retry-After"] = "30"
        return response
    return score_document(report=report)
