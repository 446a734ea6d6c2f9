"""Start the test OpenID Connect provider (``tests.oidc_provider``) on 127.0.0.1 in a subprocess.

The provider is a real one (django-oauth-toolkit behind gunicorn): discovery, JWKS, RS256-signed ID
tokens, the authorisation-code flow with PKCE (S256) required, and claims shaped like Feide's. It
differs from Feide only in its issuer, ``http://127.0.0.1:<port>/o``. Each start gets a fresh
database, signing key, client and set of people (see ``PEOPLE``) with random passwords and ``sub``
values, all returned to the caller in an ``OidcProvider``.

Usage::

    with running_provider(tmp_dir, PORTAL_REDIRECT_URIS) as provider:
        ...  # provider.issuer, provider.client_id, provider.client_secret, provider.identities

or ``start_provider`` and ``stop_provider`` for a fixture that manages the process itself. Should
the test process end without stopping it, the server stops by itself within a few seconds. Its log
(access log and errors) is ``provider.log_path``.

Redirect URIs
-------------
The provider compares a redirect URI with the registered ones exactly (scheme, host, port, path and
query), with one exception from RFC 8252 section 7.3: a registered ``http://127.0.0.1/...`` URI
allows any port. So the portal's callback is registered once, before the portal runs, without a
port (``PORTAL_REDIRECT_URIS``): it covers pytest-django's ``live_server`` on whatever port it gets,
and ``http://testserver/...`` covers Django's test client. Any other URI can be added to a running
provider with ``allow_redirect_uri``; it applies from the next request on.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.oidc_provider import FEIDE_EPPN_CLAIM

__all__ = [
    "FEIDE_CALLBACK_PATH",
    "FEIDE_EPPN_CLAIM",
    "FEIDE_SCOPES",
    "PEOPLE",
    "PORTAL_REDIRECT_URIS",
    "Identity",
    "OidcProvider",
    "allow_redirect_uri",
    "browser",
    "running_provider",
    "sign_in",
    "start_provider",
    "stop_provider",
]

REPO_ROOT = Path(__file__).resolve().parent.parent

# django-allauth's callback for the openid_connect app whose provider_id is "feide".
FEIDE_CALLBACK_PATH = "/accounts/oidc/feide/login/callback/"
PORTAL_REDIRECT_URIS = [f"http://127.0.0.1{FEIDE_CALLBACK_PATH}", f"http://testserver{FEIDE_CALLBACK_PATH}"]
# The scopes the portal asks Feide for; the provider knows all of them.
FEIDE_SCOPES = ["openid", "userid", "userid-feide", "profile", "email"]

# The provider's people: Feide name (user@realm) and full name.
PEOPLE = {
    "siri@uni.example": "Siri Student",
    "kari@uni.example": "Kari Koordinator",
    "ukjent@uni.example": "Ulf Ukjent",
    "ola@annen.example": "Ola Annensted",
}

STARTUP_TIMEOUT = 20.0
_SETTINGS_MODULE = "tests.oidc_provider.settings"


@dataclass(frozen=True)
class Identity:
    """One person at the provider. ``username`` is the Feide name; ``sub`` the opaque subject."""

    username: str
    password: str
    name: str
    email: str
    sub: str


@dataclass(frozen=True)
class OidcProvider:
    """A running provider and the portal's client registered at it."""

    issuer: str
    client_id: str
    client_secret: str
    identities: dict[str, Identity]
    db_path: Path
    log_path: Path

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def authorization_endpoint(self) -> str:
        return f"{self.issuer}/authorize/"

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/token/"

    @property
    def userinfo_endpoint(self) -> str:
        return f"{self.issuer}/userinfo/"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    @property
    def login_url(self) -> str:
        return self.issuer.removesuffix("/o") + "/login/"


def start_provider(tmp_dir: Path, redirect_uris: list[str]) -> tuple[OidcProvider, subprocess.Popen]:
    """Set up a fresh provider in ``tmp_dir`` and start it; return it once its discovery document answers.

    ``redirect_uris`` are the client's registered redirect URIs (see the module's docstring).
    Stop the returned process with ``stop_provider``.
    """
    tmp_dir = Path(tmp_dir)
    tmp_dir.mkdir(parents=True, exist_ok=True)
    key_path = tmp_dir / "oidc-provider-key.pem"
    db_path = tmp_dir / "oidc-provider.sqlite3"
    log_path = tmp_dir / "oidc-provider.log"
    _write_signing_key(key_path)
    db_path.unlink(missing_ok=True)

    identities = {username: _new_identity(username, name) for username, name in PEOPLE.items()}
    client_id = str(uuid.uuid4())
    client_secret = secrets.token_urlsafe(32)
    spec = {
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uris": list(redirect_uris),
        "identities": [asdict(identity) for identity in identities.values()],
    }
    _provision(spec, _provider_env(db_path, key_path))

    # A free port can be taken by someone else before the server binds it: try again with another.
    for _attempt in range(3):
        port = _free_port()
        issuer = f"http://127.0.0.1:{port}/o"
        process = _start_server(port, tmp_dir, log_path, _provider_env(db_path, key_path, issuer))
        if _wait_until_ready(port, "/o/.well-known/openid-configuration", process):
            provider = OidcProvider(issuer, client_id, client_secret, identities, db_path, log_path)
            return provider, process
    raise RuntimeError(f"The test OpenID Connect provider did not start:\n{_tail(log_path)}")


def stop_provider(process: subprocess.Popen) -> None:
    """Stop a provider started by ``start_provider``."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_provider(tmp_dir: Path, redirect_uris: list[str]) -> Iterator[OidcProvider]:
    """``start_provider`` as a context manager: the provider stops when the block ends."""
    provider, process = start_provider(tmp_dir, redirect_uris)
    try:
        yield provider
    finally:
        stop_provider(process)


def allow_redirect_uri(provider: OidcProvider, uri: str) -> None:
    """Register one more redirect URI for the portal's client at a running provider."""
    with contextlib.closing(sqlite3.connect(provider.db_path, timeout=20)) as connection, connection:
        (registered,) = connection.execute(
            "SELECT redirect_uris FROM oauth2_provider_application WHERE client_id = ?", (provider.client_id,)
        ).fetchone()
        uris = registered.split()
        if uri not in uris:
            connection.execute(
                "UPDATE oauth2_provider_application SET redirect_uris = ? WHERE client_id = ?",
                (" ".join([*uris, uri]), provider.client_id),
            )


def _new_identity(username: str, name: str) -> Identity:
    realm = username.partition("@")[2]
    email = f"{name.lower().replace(' ', '.')}@{realm}"
    return Identity(username, secrets.token_urlsafe(12), name, email, str(uuid.uuid4()))


def _write_signing_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.touch(mode=0o600)
    path.write_bytes(pem)


def _provider_env(db_path: Path, key_path: Path, issuer: str = "") -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "GUNICORN_CMD_ARGS"}
    env.update(
        DJANGO_SETTINGS_MODULE=_SETTINGS_MODULE,
        OIDC_PROVIDER_DB=str(db_path),
        OIDC_PROVIDER_KEY=str(key_path),
        OIDC_PROVIDER_ISSUER=issuer,
        # The server stops by itself when this process is gone (see tests/oidc_provider/wsgi.py).
        OIDC_PROVIDER_PARENT_PID=str(os.getpid()),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
    )
    return env


def _provision(spec: dict, env: dict[str, str]) -> None:
    """Create the provider's tables, people and client, in a subprocess with the provider's settings."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.oidc_server", "provision"],
        input=json.dumps(spec),
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"Setting up the test OpenID Connect provider failed:\n{result.stdout}{result.stderr}")


def _start_server(port: int, tmp_dir: Path, log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    # Run from tmp_dir, so that gunicorn does not read the portal's gunicorn.conf.py from the
    # repository root; --chdir puts the repository root on the import path. Threads, not the sync
    # worker: a browser's idle speculative connection would otherwise block the only worker.
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tests.oidc_provider.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(REPO_ROOT),
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--graceful-timeout",
        "2",
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
    ]
    with log_path.open("ab") as log:
        return subprocess.Popen(command, cwd=tmp_dir, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def _wait_until_ready(port: int, path: str, process: subprocess.Popen) -> bool:
    """Poll until the server answers ``path`` with 200: True; False if it exits first. Bounded in time."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return True
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.05)
    stop_provider(process)
    raise TimeoutError(f"The test OpenID Connect provider did not answer in {STARTUP_TIMEOUT:.0f} s.")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _provision_from_stdin() -> None:
    """Run inside the provider's settings: migrate, then create the people and the client given on stdin."""
    import django

    django.setup()

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from oauth2_provider.models import get_application_model

    spec = json.load(sys.stdin)
    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    user_model = get_user_model()
    for identity in spec["identities"]:
        # The provider keeps each person's subject identifier in last_name (see validators.py).
        user_model.objects.create_user(
            identity["username"],
            identity["email"],
            identity["password"],
            first_name=identity["name"],
            last_name=identity["sub"],
        )
    application_model = get_application_model()
    application_model.objects.create(
        name="Innopraksis portal",
        client_id=spec["client_id"],
        # Stored hashed; the caller keeps the plain secret.
        client_secret=spec["client_secret"],
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(spec["redirect_uris"]),
        algorithm=application_model.RS256_ALGORITHM,
        skip_authorization=True,
    )


if __name__ == "__main__":
    if sys.argv[1:] != ["provision"]:
        sys.exit("usage: python -m tests.oidc_server provision < spec.json")
    _provision_from_stdin()


def browser() -> requests.Session:
    session = requests.Session()
    # Straight to 127.0.0.1, never through a proxy named in the environment.
    session.trust_env = False
    return session


def sign_in(provider: OidcProvider, session: requests.Session, url: str, username: str) -> requests.Response:
    """Open ``url`` at the provider, signing in on its login page when sent there; return the response
    that leaves the provider (a redirect, not followed) or the provider's last page."""
    response = session.get(url, allow_redirects=False)
    if response.is_redirect and urlsplit(response.headers["Location"]).path == "/login/":
        login_url = urljoin(url, response.headers["Location"])
        page = session.get(login_url)
        assert page.status_code == 200
        assert 'for="id_username">Username<' in page.text
        assert 'for="id_password">Password<' in page.text
        assert ">Sign in</button>" in page.text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        next_url = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
        form = {
            "csrfmiddlewaretoken": csrf,
            "username": username,
            "password": provider.identities[username].password,
            "next": next_url,
        }
        signed_in = session.post(login_url, data=form, headers={"Referer": login_url}, allow_redirects=False)
        assert signed_in.status_code == 302, signed_in.text
        response = session.get(urljoin(url, signed_in.headers["Location"]), allow_redirects=False)
    return response
