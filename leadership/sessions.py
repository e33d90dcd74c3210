"""Django's database sessions, read through SQL compiled once.

Every respondent's request reads its session first; Django's store builds and compiles the same
``Session.objects.get(session_key=…, expire_date__gt=now)`` each time, which costs several times
the read itself. This store reads the row by its key with a :class:`PreparedQuery` and checks the
expiry in Python, with the same outcome. Saving changes to an existing session is one UPDATE
(Django's store runs the model's save machinery inside a transaction of its own for that single
statement); creating and deleting stay Django's own.

A respondent's pages also read the same, unchanged session text again and again, so each
process remembers the texts whose signature it has already checked, with their content: the
next read of an identical text skips the signature check and the decompression. A text that
fails the check is never remembered.
"""

from __future__ import annotations

from typing import Any

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

# Signed session text → its content, serialized again; cleared when full. Bounded, so a flood of
# sessions costs at most this many entries of a few hundred bytes each.
_VERIFIED_MAX = 4096
_verified: dict[str, bytes] = {}


class SessionStore(db.SessionStore):
    def _session_data(self) -> str | None:
        """The session's stored text, or None when it is missing or expired (the key is then
        dropped, as Django's store does)."""
        rows = _session_read.rows(self.session_key, using=router.db_for_read(self.model))
        if rows and rows[0][1] > timezone.now():
            return rows[0][0]
        self._session_key = None
        return None

    def load(self) -> dict[str, Any]:
        session_data = self._session_data()
        return self.decode(session_data) if session_data is not None else {}

    def decode(self, session_data: str) -> dict[str, Any]:
        known = _verified.get(session_data)
        if known is not None:
            return self.serializer().loads(known)
        decoded = super().decode(session_data)
        if decoded:  # an empty result may be a failed check: never remembered
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[session_data] = self.serializer().dumps(decoded)
        return decoded

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
