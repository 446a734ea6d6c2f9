import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from innopraksis.env import env_bool, env_choice, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent


def load_settings(**env) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with exactly these variables."""
    environ = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [sys.executable, "-c", "import innopraksis.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )


def test_debug_is_off_unless_set_and_then_a_secret_key_is_required():
    result = load_settings()
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_with_a_secret_key_the_settings_load_with_debug_off_on_sqlite():
    result = load_settings(SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql():
    result = load_settings(SECRET_KEY="x" * 50, DATABASE_URL="postgres://user:pw@db.example:5432/innopraksis")
    assert result.stdout.split() == ["False", "django.db.backends.postgresql"]


def test_a_bad_boolean_stops_start_up_with_the_variable_named():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be one of" in result.stderr


def test_env_readers_parse_and_refuse():
    assert env_bool("X", False, environ={"X": "Yes"}) is True
    assert env_bool("X", True, environ={}) is True
    assert env_int("X", 3, environ={"X": " 42 "}) == 42
    assert env_list("X", [], environ={"X": "a.example, b.example,"}) == ["a.example", "b.example"]
    assert env_choice("X", "console", {"console", "smtp"}, environ={"X": "smtp"}) == "smtp"
    with pytest.raises(ImproperlyConfigured, match="X must be a whole number"):
        env_int("X", 3, environ={"X": "three"})
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X", 3, minimum=1, environ={"X": "0"})
    with pytest.raises(ImproperlyConfigured, match="X must be one of"):
        env_choice("X", "console", {"console", "smtp"}, environ={"X": "carrier-pigeon"})


def test_production_choices():
    assert settings.TIME_ZONE == "Europe/Oslo"
    assert settings.LANGUAGE_CODE == "nb"
    # The test run swaps in a fast hasher; the configured first choice is Argon2.
    from innopraksis import settings as configured

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
