"""Backup and restore of the PostgreSQL database with pg_dump and pg_restore (custom format)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connections


def _connection_args(alias: str = "default", database: str | None = None) -> tuple[list[str], dict]:
    settings_dict = connections[alias].settings_dict
    if connections[alias].vendor != "postgresql":
        raise CommandError("Backups are made of PostgreSQL; with SQLite, copy the database file instead.")
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    args += ["--dbname", database or settings_dict["NAME"]]
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def backup(path: Path, *, alias: str = "default") -> None:
    """Dump the whole database (schema and data) to ``path``."""
    args, env = _connection_args(alias)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args], check=True, env=env)  # noqa: S603, S607


def restore(path: Path, *, database: str, alias: str = "default") -> None:
    """Restore a dump into ``database``, which must exist and be empty."""
    args, env = _connection_args(alias, database)
    subprocess.run(  # noqa: S603
        ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *args, str(path)],  # noqa: S607
        check=True,
        env=env,
    )
