"""Settings for the benchmark's gunicorn: the app's own, plus the floor views' URLs."""

from __future__ import annotations

from leadership.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
