"""Gunicorn settings for the portal: `gunicorn innopraksis.wsgi` reads this file from the working directory.

Sync workers (they beat threaded ones for this app); several app servers can
run behind a load balancer, as no state lives in the process.
"""

import gc
import multiprocessing
import os

from gunicorn import glogging

from innopraksis.logredact import RedactSecrets, redact

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so that a slow leak never grows; not so often that a busy worker
# keeps starting cold (its templates and URL patterns are loaded again after a restart).
max_requests = 10000
max_requests_jitter = 1000
accesslog = "-"
errorlog = "-"


class SecretsBlankedLogger(glogging.Logger):
    """Gunicorn's logger with the secrets of calendar, invitation and password-reset addresses blanked: in
    every field of an access-log line, and in the error log's messages and tracebacks."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(RedactSecrets())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()}


logger_class = SecretsBlankedLogger
# The load balancer's address, when it sets X-Forwarded-Proto (see TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """The application is loaded: move its startup objects out of the garbage collector's way, so that
    a full collection during a request walks only what requests made."""
    gc.freeze()
