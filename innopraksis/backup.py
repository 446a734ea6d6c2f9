"""Backup and restore of the PostgreSQL database with pg_dump and pg_restore (custom format)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg2
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


def _tables_in(database: str, alias: str) -> int:
    """How many tables the public schema of ``database`` (on the same server as ``alias``) holds."""
    settings_dict = connections[alias].settings_dict
    parameters = {"dbname": database, "user": settings_dict.get("USER") or None}
    for name, key in (("host", "HOST"), ("port", "PORT"), ("password", "PASSWORD")):
        if settings_dict.get(key):
            parameters[name] = settings_dict[key]
    try:
        with psycopg2.connect(**parameters) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            return cursor.fetchone()[0]
    except psycopg2.OperationalError as error:
        raise CommandError(
            f"Cannot open the database {database}: {str(error).strip()}. Check that it exists (createdb "
            f"{database} makes it, empty) and that the user in DATABASE_URL may connect to it."
        ) from None


def restore(path: Path, *, database: str, alias: str = "default") -> None:
    """Restore a dump into ``database``, which must exist and be empty."""
    if not path.is_file():
        raise CommandError(f"There is no backup file at {path}.")
    args, env = _connection_args(alias, database)
    tables = _tables_in(database, alias)
    if tables:
        raise CommandError(
            f"The database {database} is not empty ({tables} tables), and a restore never writes over data. "
            f"Restore into a new, empty database (createdb NEW_NAME, then --database NEW_NAME) and point "
            f"DATABASE_URL at it once you have checked it."
        )
    finished = subprocess.run(  # noqa: S603
        ["pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", *args, str(path)],  # noqa: S607
        env=env,
        capture_output=True,
        text=True,
    )
    if finished.returncode != 0:
        raise CommandError(
            f"The restore stopped and changed nothing: {finished.stderr.strip()}. Check that {path} was made by "
            f"backup_database."
        )
