"""Settings for the benchmark's gunicorn: the app's own, plus the floor views' URLs.

``BENCH_SESSION_ENGINE`` runs the survey on another of Django's session stores, to compare
(e.g. ``django.contrib.sessions.backends.cached_db``; with ``CACHE_IN_DATABASE=1`` its cache is
the database, as in production).
"""

from __future__ import annotations

import os

from leadership.settings import *  # noqa: F403
from leadership.settings import SESSION_ENGINE

ROOT_URLCONF = "benchmarks.urls"
SESSION_ENGINE = os.environ.get("BENCH_SESSION_ENGINE", SESSION_ENGINE)
