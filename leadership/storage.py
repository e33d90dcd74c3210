"""Where report PDFs and zips are kept: Django's storage API, named in ``STORAGES``.

Two aliases, so each kind of file can move on its own:

- ``"reports"``: the PDFs the worker renders once a cycle's results are stored
  (``pdfs/<cycle id>/<fingerprint>/<team id>.pdf`` — ids and fingerprints only, never a name);
- ``"zips"``: the zips of every team's reports that HR asks for (``reports/<cycle>.zip``).

The default is the file system under ``MEDIA_ROOT`` (one server, ``make run``). With several app
servers and workers every process must see the same files, so ``PILLARS_FILE_STORAGE=s3`` puts
them in one private S3-compatible bucket through django-storages (docs/deploy.md). Objects are
never public: every download is streamed through the app, after its access check. The model
fields find their storage by alias (``assessments/models/files.py``).
"""

from __future__ import annotations

from typing import Any

FILESYSTEM = "filesystem"
S3 = "s3"
S3_BACKEND = "storages.backends.s3.S3Storage"
REPORTS = "reports"
ZIPS = "zips"


def s3_storage_options(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    prefix: str = "",
    access_key: str = "",
    secret_key: str = "",
) -> dict[str, Any]:
    """A ``STORAGES`` entry for a private bucket; empty values are left to boto3's defaults
    (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, an instance role, ``AWS_DEFAULT_REGION``)."""
    options: dict[str, Any] = {
        "bucket_name": bucket,
        # Objects stay private (the bucket's default, no public-read ACL) and a URL, should
        # anything ask for one, is signed and short-lived; downloads are streamed by the app.
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 60,
        # A name that exists gets a suffix instead of silently replacing another file.
        "file_overwrite": False,
    }
    for key, value in {
        "endpoint_url": endpoint_url,
        "region_name": region,
        "location": prefix,
        "access_key": access_key,
        "secret_key": secret_key,
    }.items():
        if value:
            options[key] = value
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def filesystem_storage() -> dict[str, Any]:
    """Files under ``MEDIA_ROOT`` (read when used, so a test's own ``MEDIA_ROOT`` applies)."""
    return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
