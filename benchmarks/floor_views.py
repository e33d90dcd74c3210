"""Floors for the survey benchmark: the least a view of each kind can cost on this stack.

They run through the same middleware, gunicorn workers and database as the survey's views, so a
ratio against them measures what the survey's own logic costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from assessments.models import Answer, Submission

if TYPE_CHECKING:
    from django.http import HttpRequest


@require_GET
def floor_trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def floor_insert(request: HttpRequest) -> HttpResponse:
    """One INSERT: a bare submission row."""
    Submission.objects.create(
        cycle_id=int(request.POST["cycle"]),
        team_id=int(request.POST["team"]),
        submitted_on=timezone.localdate(),
    )
    return HttpResponse("ok")


@csrf_exempt
@require_POST
def floor_insert_many(request: HttpRequest) -> HttpResponse:
    """1 + N INSERTs in one transaction: a submission and one answer per question."""
    questions = [int(pk) for pk in request.POST.getlist("q")]
    with transaction.atomic():
        submission = Submission.objects.create(
            cycle_id=int(request.POST["cycle"]),
            team_id=int(request.POST["team"]),
            submitted_on=timezone.localdate(),
        )
        Answer.objects.bulk_create(
            Answer(submission=submission, question_id=question, value=3) for question in questions
        )
    return HttpResponse("ok")
