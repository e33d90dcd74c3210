"""gunicorn settings for Pillars: `gunicorn -c deploy/gunicorn.conf.py leadership.wsgi`.

Every value can be changed through the environment, so one file serves every app server:
  BIND                 address to listen on (default 127.0.0.1:8000; the TLS proxy connects here)
  WEB_CONCURRENCY      worker processes (default: 2 per CPU + 1, at most 9)
  GUNICORN_THREADS     threads per worker (default 4)
  FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-* headers are trusted (default 127.0.0.1)
  GUNICORN_ACCESS_LOG  "-" for stdout (default), or a path, or "" for none
  GUNICORN_CONTROL_SOCKET  path of gunicorn's control socket (default: none, so several
                       instances on one host never fight over $HOME/.gunicorn/gunicorn.ctl)
"""

from __future__ import annotations

import multiprocessing
import os

from gunicorn.glogging import Logger

wsgi_app = "leadership.wsgi:application"
bind = [os.environ.get("BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 9)))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# A slow PDF is built by the worker process, not here: a minute is generous for any page.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows; the jitter keeps them from all
# restarting at once.
max_requests = 2000
max_requests_jitter = 200

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request line and header limits: the app has no use for more.
limit_request_line = 4094
limit_request_fields = 60

control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No query strings and no referrer in the access log; the path's secret segments (survey and
# shared links' tokens, password-reset tokens) are redacted by the logger class below.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


class RedactingLogger(Logger):
    """Gunicorn's logger with every secret URL segment redacted (leadership.logredact), and
    without an access line for every load-balancer probe of /healthz."""

    def access(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") == "/healthz":
            return
        super().access(resp, req, environ, request_time)

    def atoms(self, resp, req, environ, request_time):  # type: ignore[no-untyped-def]
        from leadership.logredact import redact

        return {
            key: redact(value) if isinstance(value, str) else value
            for key, value in super().atoms(resp, req, environ, request_time).items()
        }

    def error(self, msg, *args, **kwargs):  # type: ignore[no-untyped-def]
        from leadership.logredact import redact

        super().error(redact(str(msg % args if args else msg)), **kwargs)

    def warning(self, msg, *args, **kwargs):  # type: ignore[no-untyped-def]
        from leadership.logredact import redact

        super().warning(redact(str(msg % args if args else msg)), **kwargs)


logger_class = RedactingLogger


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Import every view before taking requests, so no visitor waits for the first-use imports
    (pandas, WeasyPrint, plotly) — and a freshly recycled worker is as quick as an old one."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loading the URLconf imports the views
