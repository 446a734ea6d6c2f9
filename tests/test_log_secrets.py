"""No secret in an address reaches a log: gunicorn's access log or the portal's own."""

import logging
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.urls import reverse

from innopraksis.logredact import REDACTED, RedactSecrets, redact

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Zx9secretTOKENvalue-abc_123"

# Every address in urls.py that carries a secret.
SECRET_ADDRESSES = [
    reverse("calendar_feed", kwargs={"token": SECRET}),
    reverse("invitation_accept", kwargs={"token": SECRET}),
    reverse("password_reset_confirm", kwargs={"uidb64": "MTI", "token": SECRET}),
]


@pytest.mark.parametrize("path", SECRET_ADDRESSES)
def test_the_secret_is_blanked_wherever_the_address_appears(path):
    line = f'127.0.0.1 - - "GET {path}?x=1 HTTP/1.1" 404 "https://portal.example{path}"'
    assert SECRET not in redact(line)
    assert REDACTED in redact(line)


def test_addresses_without_secrets_are_left_as_they_are():
    for path in ("/invitations/", "/invitations/12/resend/", "/password/reset/sent/", "/profile/calendar/renew/"):
        assert redact(path) == path


def test_the_portals_log_records_are_blanked(caplog):
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (SECRET_ADDRESSES[0],), None
    )
    RedactSecrets().filter(record)
    assert SECRET not in record.getMessage()
    assert record.getMessage() == f"Not Found: /calendar/{REDACTED}.ics"


def test_gunicorn_and_django_write_no_secret(tmp_path):
    """The portal served by gunicorn with its own configuration: the access log and Django's warnings."""
    env = {
        **os.environ,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    # gunicorn takes a socket that already listens, so requests wait in its queue until it is up.
    listening = socket.create_server(("127.0.0.1", 0))
    port = listening.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output, listening:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "innopraksis.wsgi"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"fd://{listening.fileno()}", "GUNICORN_WORKERS": "1"},
            pass_fds=[listening.fileno()],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            statuses = [_status(f"http://127.0.0.1:{port}{path}") for path in SECRET_ADDRESSES]
        finally:
            server.terminate()
            server.wait(timeout=30)
    written = log.read_text()
    assert statuses[0] == 404  # the unknown calendar address: Django logs "Not Found: …"
    assert "Not Found: /calendar/[redacted].ics" in written
    assert written.count(f"/calendar/{REDACTED}.ics HTTP/1.1") == 1  # the access-log line
    assert SECRET not in written


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (a local address)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
