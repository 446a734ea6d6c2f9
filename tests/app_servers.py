"""Real app servers, a real worker and a real mail server on 127.0.0.1, for the tests of running several servers.

Each gunicorn server, worker and scheduler is a process of its own, with the settings a deployment gives them:
PostgreSQL (the test database), Redis for the cache and the sessions, the database task queue, and SMTP to
``MailServer``, which records each message it accepted, by its Message-ID.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """An SMTP server that accepts every message, unless ``hold`` is set: then it keeps the next message's
    final answer back until ``release``, and a client that goes away meanwhile has handed over nothing, as with
    any mail server that had not yet said it took the message."""

    def __init__(self) -> None:
        self.accepted: list[tuple[str, str]] = []  # (Message-ID, recipient)
        self.lock = threading.Condition()
        self.hold = False
        self.holding = threading.Event()
        self.released = threading.Event()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.hold:
            self.hold = False
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.released.wait)
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.accepted.extend((message["Message-ID"], recipient) for recipient in envelope.rcpt_tos)
            self.lock.notify_all()
        return "250 OK"

    def wait_for_messages(self, count: int, timeout: float = 60) -> None:
        """Until this many messages are accepted (the worker sends them on its own)."""
        with self.lock:
            if not self.lock.wait_for(lambda: len(self.accepted) >= count, timeout):
                raise AssertionError(f"{len(self.accepted)} of {count} messages arrived")

    def release(self) -> None:
        self.released.set()

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(message_id for message_id, _recipient in self.accepted)

    def recipients(self) -> Counter:
        with self.lock:
            return Counter(recipient for _message_id, recipient in self.accepted)

    def __enter__(self) -> MailServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.controller.stop()


def environment(database: dict, redis_url: str, mail_port: int, secret_key: str) -> dict[str, str]:
    """The settings of every process of the deployment: one database, one Redis, one mail server, and the
    secret key of the test process (placements' addresses are signed with it)."""
    env = {key: value for key, value in os.environ.items() if key not in ("GUNICORN_CMD_ARGS", "DEBUG")}
    env.update(
        DEBUG="false",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_MANIFEST="false",
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
            f"{database['NAME']}"
        ),
        DATABASE_CONN_MAX_AGE="60",
        REDIS_URL=redis_url,
        TASKS_BACKEND="database",
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(mail_port),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(REPO_ROOT),
    )
    return env


PGBOUNCER = shutil.which("pgbouncer", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


@contextlib.contextmanager
def pgbouncer(database: dict, tmp_dir: Path) -> Iterator[int]:
    """PgBouncer in transaction mode in front of the test database (a server connection per transaction, not
    per client); yields its port."""
    port = free_port()
    host, server_port, name = database["HOST"] or "127.0.0.1", database["PORT"] or 5432, database["NAME"]
    (tmp_dir / "users.txt").write_text(f'"{database["USER"]}" ""\n')
    config = tmp_dir / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"{name} = host={host} port={server_port} dbname={name}\n"
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {tmp_dir / 'users.txt'}\n"
        "pool_mode = transaction\ndefault_pool_size = 4\nmax_client_conn = 100\n"
        "log_connections = 0\nlog_disconnections = 0\nlog_stats = 0\n"
    )
    # It refuses to run as root: as root, it switches to the database's own system user.
    as_user = ["--user", "postgres"] if os.geteuid() == 0 else []
    process = subprocess.Popen(  # noqa: S603
        [PGBOUNCER, *as_user, str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    # It says when it listens; what it says afterwards is read and dropped, so that it never waits on the pipe.
    said = []
    for line in process.stdout:
        said.append(line)
        if f"listening on 127.0.0.1:{port}" in line:
            break
    else:
        raise RuntimeError("PgBouncer did not start:\n" + "".join(said))
    threading.Thread(target=process.stdout.read, daemon=True).start()
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


class Processes:
    """Started processes, each stopped when the block ends (a whole process group: gunicorn's workers too)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *args: str, pass_fds: tuple[int, ...] = (), read: bool = False) -> subprocess.Popen:
        """Start a process; with ``read``, its output is for the test to read (process.stdout), else logged."""
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 (the test's own commands)
            [PYTHON, *args],
            cwd=REPO_ROOT,
            env={**self.env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE if read else log,
            stderr=log,
            text=read,
            start_new_session=True,
            pass_fds=pass_fds,
        )
        self.started.append(process)
        return process

    def app_server(self, name: str) -> str:
        """A gunicorn server with two workers on a socket bound here, so that a request waits in the socket's
        queue until the server has started, rather than failing; returns its address."""
        listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        port = listener.getsockname()[1]
        with listener:
            self.start(
                name,
                *("-m", "gunicorn", "innopraksis.wsgi", "--config", "gunicorn.conf.py"),
                *("--bind", f"fd://{listener.fileno()}", "--workers", "2"),
                pass_fds=(listener.fileno(),),
            )
        return f"http://127.0.0.1:{port}"

    def worker(self, name: str = "worker") -> subprocess.Popen:
        return self.start(name, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.05")

    def scheduler(self, name: str) -> subprocess.Popen:
        """``run_schedule``, once its first run of send_reminders has finished."""
        process = self.start(name, "manage.py", "run_schedule", "--every", "3600", read=True)
        for line in process.stdout:
            if "person(s) of" in line:
                return process
        raise RuntimeError(
            f"The scheduler {name} stopped before it had run: {(self.log_dir / f'{name}.log').read_text()}"
        )

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", *args], cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, check=True
        )

    def stop_all(self) -> None:
        for process in self.started:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextlib.contextmanager
def deployment(env: dict[str, str], log_dir: Path) -> Iterator[Processes]:
    processes = Processes(env, log_dir)
    try:
        yield processes
    finally:
        processes.stop_all()
