"""Email backends for tests: locmem's outbox, plus a mail server that fails when told to.

A test sets the class attributes (``fail_on``, ``fail_from``, ``refuse``) and points
``EMAIL_BACKEND`` here; :func:`reset` puts them back. Every message that is "sent" lands in
``mail.outbox`` like locmem's, so tests read real emails.
"""

from __future__ import annotations

import os
import smtplib
import time
from typing import TYPE_CHECKING, ClassVar

from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.mail.backends.locmem import EmailBackend

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from django.core.mail import EmailMessage

PATH = "tests.email_backends.FlakyBackend"


class FlakyBackend(EmailBackend):
    """Raises SMTPServerDisconnected on the ``fail_on``-th message (1-based) and on every one
    from ``fail_from`` on; refuses the addresses in ``refuse`` like a server rejecting RCPT TO.
    ``on_message`` sees each message before it is handed over."""

    attempts: ClassVar[int] = 0
    fail_on: ClassVar[int | None] = None
    fail_from: ClassVar[int | None] = None
    refuse: ClassVar[frozenset[str]] = frozenset()
    on_message: ClassVar[Callable[[EmailMessage], None] | None] = None

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        for message in messages:
            FlakyBackend.attempts += 1
            n = FlakyBackend.attempts
            if n == self.fail_on or (self.fail_from is not None and n >= self.fail_from):
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed ({n})")
            refused = [to for to in message.to if to in self.refuse]
            if refused:
                raise smtplib.SMTPRecipientsRefused(
                    dict.fromkeys(refused, (550, b"5.1.1 No such user"))
                )
            if FlakyBackend.on_message is not None:
                FlakyBackend.on_message(message)
        return super().send_messages(messages)


def reset() -> None:
    FlakyBackend.attempts = 0
    FlakyBackend.fail_on = FlakyBackend.fail_from = None
    FlakyBackend.refuse = frozenset()
    FlakyBackend.on_message = None


SLOW_FILE_PATH = "tests.email_backends.SlowFileBackend"


class SlowFileBackend(FileBackend):
    """Django's file backend (one folder several worker processes share), taking
    ``PILLARS_TEST_MAIL_SECONDS`` per message like a real mail server does, so a test can kill a
    worker in the middle of a run."""

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in messages:
            time.sleep(float(os.environ.get("PILLARS_TEST_MAIL_SECONDS", "0")))
            sent += super().send_messages([message])
        return sent
