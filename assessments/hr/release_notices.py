"""Telling leaders that a cycle's results are released: one email per leader, with a link to
each of their teams' dashboards in the cycle.

Sent by the worker through an email run (kind ``release``, started by the release itself), batch
by batch like invitations. A leader's :class:`~assessments.models.ReleaseNotice` row is written
and committed before their email goes out, and deleted when the send fails: two runs at once (one
stopped as stalled whose worker was only slow) cannot both email a leader, a worker killed
mid-run never emails a leader twice, and whoever an error kept from their email is reached by
sending again.

Every leader of a team in the cycle is told, whether or not the team's scores are shown: the
email carries no figure, and the dashboard says what is shown and why.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from assessments.hr.invitations import BatchResult, error_describe
from assessments.models import EmailRun, ReleaseNotice, Team
from leadership.languages import user_language

if TYPE_CHECKING:
    import datetime as dt

    from assessments.models import Cycle

logger = logging.getLogger(__name__)


def _leader_teams(cycle: Cycle) -> dict[int, list[Team]]:
    """The cycle's teams by leader id, in name order."""
    teams: dict[int, list[Team]] = defaultdict(list)
    memberships = Team.leaders.through.objects.filter(
        team__in=cycle.teams.filter(is_department=False)
    ).select_related("team")
    for membership in memberships.order_by("team__name"):
        teams[membership.user_id].append(membership.team)
    return teams


def release_leaders(*, cycle: Cycle) -> list[Any]:
    """Leaders of the cycle's teams who can be emailed (they have an address), by address."""
    ids = _leader_teams(cycle).keys()
    users = get_user_model().objects.filter(pk__in=ids, is_active=True).exclude(email="")
    return list(users.order_by("email", "pk"))


def release_notices_needing(*, cycle: Cycle) -> list[int]:
    """Ids of the leaders still to be told that this cycle's results are out."""
    told = set(ReleaseNotice.objects.filter(cycle=cycle).values_list("user_id", flat=True))
    return [user.pk for user in release_leaders(cycle=cycle) if user.pk not in told]


def results_url(*, cycle: Cycle, team: Team) -> str:
    path = reverse("assessments:team-dashboard", args=[cycle.slug, team.slug])
    return f"{settings.SITE_URL}{path}"


def _message(*, cycle: Cycle, user: Any, teams: list[Team]) -> EmailMessage:
    context = {
        "cycle": cycle,
        "name": user.first_name,
        "links": [(team, results_url(cycle=cycle, team=team)) for team in teams],
        "home": f"{settings.SITE_URL}{reverse('home')}",
    }
    with translation.override(user_language(user)):
        subject = render_to_string("assessments/email/release_subject.txt", context)
        body = render_to_string("assessments/email/release.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body.strip() + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


def _notice_withdraw(notice: ReleaseNotice, *, run: EmailRun | None) -> None:
    """The email did not go out: no notice, no count, so sending again reaches them."""
    with transaction.atomic():
        notice.delete()
        if run is not None:
            EmailRun.objects.filter(pk=run.pk).update(sent=F("sent") - 1)


def release_notices_batch_send(
    *, cycle: Cycle, ids: list[int], now: dt.datetime | None = None, run: EmailRun | None = None
) -> BatchResult:
    """Email the leaders among ``ids`` not told yet, each under their notice row.

    The row (and ``run``'s count) is committed before the email goes out and deleted if the mail
    server does not take it: a worker killed in between leaves the leader counted as told, so the
    retry never emails them twice (at most once).
    """
    now = now or timezone.now()
    if not cycle.is_released:
        return BatchResult(sent=0, skipped=len(ids))
    teams = _leader_teams(cycle)
    told = set(
        ReleaseNotice.objects.filter(cycle=cycle, user_id__in=ids).values_list("user_id", flat=True)
    )
    users = [
        user
        for user in get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("pk")
        if user.pk not in told and user.email and teams.get(user.pk)
    ]
    connection = get_connection()
    sent, skipped, refused = 0, len(ids) - len(users), []
    error: BaseException | None = None
    done = 0  # leaders handled, whatever the outcome
    try:
        connection.open()
        for user in users:
            try:
                with transaction.atomic():
                    notice = ReleaseNotice.objects.create(cycle=cycle, user=user, sent_at=now)
                    if run is not None:
                        EmailRun.objects.filter(pk=run.pk).update(
                            sent=F("sent") + 1, progressed_at=now
                        )
            except IntegrityError:
                skipped += 1  # another run told them meanwhile
                done += 1
                continue
            try:
                accepted = connection.send_messages(
                    [_message(cycle=cycle, user=user, teams=teams[user.pk])]
                )
                if not accepted:
                    raise smtplib.SMTPException("the mail server did not take the message")
            except smtplib.SMTPRecipientsRefused as refusal:
                _notice_withdraw(notice, run=run)
                refused.append(error_describe(refusal))
            except Exception:
                _notice_withdraw(notice, run=run)
                raise
            else:
                sent += 1
            done += 1
    except Exception as failure:  # the server is down, refuses us, or hung up
        logger.warning("Sending release notices of cycle %s failed: %s", cycle.pk, failure)
        error = failure
    finally:
        with contextlib.suppress(Exception):
            connection.close()
    described = error_describe(error) if error else ""
    if refused:
        described = "; ".join(filter(None, [described, refused[0]]))
    return BatchResult(
        sent=sent,
        skipped=skipped,
        not_sent=len(refused) + (len(users) - done),
        error=described,
        broken=error is not None,
    )
