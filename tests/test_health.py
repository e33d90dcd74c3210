"""/healthz: a load balancer's probe that checks the database, answered before anything else."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import reverse

from leadership.health import HealthCheckLogFilter

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_health_answers_ok_with_json_when_the_database_answers(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_health_needs_no_sign_in_and_sets_no_cookie(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["pillars.example.com"], SECURE_SSL_REDIRECT=True)
def test_health_answers_a_probe_by_address_over_plain_http(client):
    # A load balancer probes the backend's own address; neither the host check nor the HTTPS
    # redirect may turn that into a 400 or a 301.
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200


@pytest.mark.clockless
def test_health_answers_503_when_the_database_is_unreachable(tmp_path):
    # A separate process whose database file cannot be opened, as when the server is down.
    env = {
        **os.environ,
        "DATABASE_URL": "",
        "SQLITE_PATH": str(tmp_path / "missing-dir" / "pillars.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "leadership.settings",
    }
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.json()['status'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == ["503", "unavailable"], result.stderr


def test_health_probes_are_kept_out_of_the_request_log():
    log_filter = HealthCheckLogFilter()

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("django.server", logging.INFO, __file__, 1, message, (), None)

    assert not log_filter.filter(record('"GET /healthz HTTP/1.1" 200 33'))
    assert log_filter.filter(record('"GET /bank/ HTTP/1.1" 200 4100'))
