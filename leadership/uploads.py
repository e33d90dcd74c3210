"""An uploaded file kept between its preview and its confirmation.

An import is shown before it is applied: the file is read, the preview shown, and the person
confirms. The bytes wait on the server meanwhile — through Django's storage API (a folder, or
object storage shared by several app servers), under a random name — so the confirmation does
not depend on the browser sending the same file again. The session holds a signed reference
with the file's SHA-256: a reference that is forged, another person's, of another kind, older
than ``PILLARS_UPLOAD_KEEP_MINUTES`` or pointing at changed bytes is refused. Kept files hold
personal data (emails), so they are deleted on confirmation, on cancel, when a new upload of the
same kind replaces them, and by :func:`uploads_sweep` once they are older than the limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

UPLOAD_FOLDER = "uploads"
SALT = "leadership.uploads"
ERROR_UPLOAD_GONE = _(
    "The uploaded file is no longer kept (files wait %(minutes)s minutes for confirmation). "
    "Upload it again."
)


class UploadGone(Exception):
    """The kept file expired, was used or cancelled, or the reference is not this person's."""


@dataclass(frozen=True)
class KeptUpload:
    data: bytes
    filename: str
    # What the upload form said beside the file (e.g. the bank to import into).
    meta: dict[str, str] = field(default_factory=dict)


def _keep_for() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PILLARS_UPLOAD_KEEP_MINUTES)


def _session_key(kind: str) -> str:
    return f"upload:{kind}"


def upload_keep(
    *,
    request: Any,
    kind: str,
    data: bytes,
    filename: str = "",
    meta: dict[str, str] | None = None,
) -> None:
    """Store ``data`` and remember it in the session as the pending upload of ``kind``
    (replacing and deleting any earlier one)."""
    upload_forget(request=request, kind=kind)
    uploads_sweep()
    # The name starts with the time it was kept: the sweep reads it there, which works on every
    # storage (object stores may not report a modification time) and follows the app's clock.
    kept_at = int(timezone.now().timestamp())
    name = default_storage.save(
        f"{UPLOAD_FOLDER}/{kind}/{kept_at}-{secrets.token_hex(16)}.bin", ContentFile(data)
    )
    request.session[_session_key(kind)] = signing.dumps(
        {
            "name": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "user": request.user.pk,
            "kind": kind,
            "filename": filename[:200],
            "meta": meta or {},
        },
        salt=SALT,
    )


def _reference(request: Any, kind: str) -> dict[str, Any]:
    signed = request.session.get(_session_key(kind))
    if not signed:
        raise UploadGone
    try:
        reference = signing.loads(signed, salt=SALT, max_age=_keep_for())
    except signing.BadSignature as error:  # includes SignatureExpired
        raise UploadGone from error
    if reference.get("user") != request.user.pk or reference.get("kind") != kind:
        raise UploadGone
    return reference


def upload_take(*, request: Any, kind: str) -> KeptUpload:
    """The pending upload: its bytes, original file name and meta; raises :class:`UploadGone`."""
    reference = _reference(request, kind)
    try:
        with default_storage.open(reference["name"], "rb") as kept:
            data = kept.read()
    except (FileNotFoundError, OSError) as error:
        raise UploadGone from error
    if hashlib.sha256(data).hexdigest() != reference["sha256"]:
        raise UploadGone
    return KeptUpload(data, reference.get("filename", ""), reference.get("meta") or {})


def upload_forget(*, request: Any, kind: str) -> None:
    """Delete the pending upload of ``kind``, if any, and its reference."""
    signed = request.session.pop(_session_key(kind), None)
    if not signed:
        return
    try:
        name = signing.loads(signed, salt=SALT)["name"]
    except (signing.BadSignature, KeyError, TypeError):
        return
    if name.startswith(f"{UPLOAD_FOLDER}/"):
        default_storage.delete(name)


def uploads_sweep(*, now: dt.datetime | None = None, dry_run: bool = False) -> int:
    """Delete kept uploads older than the limit (abandoned previews); returns how many."""
    cutoff = ((now or timezone.now()) - _keep_for()).timestamp()
    deleted = 0
    try:
        kinds, _files = default_storage.listdir(UPLOAD_FOLDER)
    except FileNotFoundError:
        return 0
    for kind in kinds:
        _folders, files = default_storage.listdir(f"{UPLOAD_FOLDER}/{kind}")
        for file in files:
            kept_at, _sep, _rest = file.partition("-")
            # A name without a time is not ours to keep: it goes too.
            if not kept_at.isdigit() or int(kept_at) < cutoff:
                if not dry_run:
                    default_storage.delete(f"{UPLOAD_FOLDER}/{kind}/{file}")
                deleted += 1
    return deleted
