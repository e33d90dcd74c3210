"""Django's database sessions, read through SQL compiled once.

Every respondent's request reads its session first; Django's store builds and compiles the same
``Session.objects.get(session_key=…, expire_date__gt=now)`` each time, which costs several times
the read itself. This store reads the row by its key with a :class:`PreparedQuery` and checks the
expiry in Python, with the same outcome. Saving changes to an existing session is one UPDATE
(Django's store runs the model's save machinery inside a transaction of its own for that single
statement); creating and deleting stay Django's own.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.db import router
from django.utils import timezone

from leadership.prepared import PreparedQuery

_session_read = PreparedQuery(
    lambda session_key: (
        Session.objects.filter(session_key=session_key)
        .order_by()
        .values_list("session_data", "expire_date")
    ),
    kinds=(str,),
)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        model = self.model
        rows = _session_read.rows(self.session_key, using=router.db_for_read(model))
        if rows and rows[0][1] > timezone.now():
            session_data, expire_date = rows[0]
            return model(
                session_key=self.session_key, session_data=session_data, expire_date=expire_date
            )
        self._session_key = None
        return None

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            super().save(must_create=must_create)
            return
        updated = self.model.objects.filter(session_key=self.session_key).update(
            session_data=self.encode(self._get_session()), expire_date=self.get_expiry_date()
        )
        if not updated:
            # As Django's store does: the session was deleted meanwhile (e.g. by logging out in
            # another tab); SessionMiddleware turns this into SessionInterrupted.
            raise UpdateError
