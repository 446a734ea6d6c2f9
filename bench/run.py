"""The benchmark behind `make bench`: a national-scale data set on PostgreSQL, served by gunicorn, loaded by wrk.

Everything runs on 127.0.0.1. A fresh database is made next to DATABASE_URL's
and dropped afterwards; gunicorn is stopped when the run ends, even on error.
Results go to bench/results/ as JSON and a Markdown table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/innopraksis python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable

FULL = {"organisations": 200, "placements": 5000, "checkins": 10, "duration": 10, "connections": 4}
QUICK = {"organisations": 10, "placements": 60, "checkins": 3, "duration": 1, "connections": 2}


def bench_database_url(base: str) -> tuple[str, str]:
    parts = urlsplit(base)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
    name = f"{parts.path.lstrip('/') or 'innopraksis'}_bench"
    return urlunsplit(parts._replace(path=f"/{name}")), name


def admin_psql(base: str, sql: str, dbname: str = "postgres") -> None:
    parts = urlsplit(base)
    command = [
        "psql",
        "--no-psqlrc",
        "--quiet",
        "--host",
        parts.hostname or "127.0.0.1",
        "--port",
        str(parts.port or 5432),
    ]
    command += ["--username", parts.username or "postgres", "--dbname", dbname, "--command", sql]
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    subprocess.run(command, check=True, env=env, capture_output=True)  # noqa: S603 (fixed arguments)


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


SESSIONS_SCRIPT = r"""
import json, secrets, sys, time
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from feedback.models import CheckIn
from innopraksis.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from innopraksis.models import User
from django.utils import timezone

def session_for(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "innopraksis.backends.SignInBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    now = int(time.time())
    store[SESSION_STARTED_KEY] = now
    store[SESSION_SEEN_KEY] = now
    store.create()
    return store.session_key

posts = int(sys.argv[1])
coordinator = User.objects.get(email="koordinator@bench.example")
supervisor = User.objects.get(email="veileder000@bench.example")
open_checkins = list(
    CheckIn.objects.filter(student_answered_at__isnull=True, due_on__gte=timezone.localdate())
    .select_related("placement__student__user").order_by("placement_id", "due_on")[:posts]
)
student_sessions = {}
answers = []
for checkin in open_checkins:
    user = checkin.placement.student.user
    if user.pk not in student_sessions:
        student_sessions[user.pk] = session_for(user)
    answers.append({
        "session": student_sessions[user.pk],
        "path": reverse("checkin_detail", kwargs={"pk": checkin.placement_id, "checkin_pk": checkin.pk}),
    })
first = open_checkins[0]
print(json.dumps({
    "coordinator": session_for(coordinator),
    "supervisor": session_for(supervisor),
    "student": student_sessions[first.placement.student.user_id],
    "checkin_path": answers[0]["path"],
    "answers": answers[1:],
    "admin_path": "/admin/students/placement/",
}))
"""

POST_SCRIPT = """
local requests = {%s}
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local i = nil
request = function()
  -- each of wrk's two threads answers its own half of the check-ins: every answer is a new one
  if i == nil then i = first end
  local r = requests[i %% #requests + 1]
  i = i + 2
  return wrk.format("POST", r[1], {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = r[2]}, r[3])
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 (127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not start")


def parse_wrk(output: str) -> dict:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": requests,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "bad": int(errors.group(1)) if errors else 0,
    }


def run_wrk(url: str, *, cookie: str, duration: int, connections: int, script: Path | None = None) -> dict:
    command = [
        "wrk",
        "--latency",
        "--timeout",
        "60s",
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{duration}s",
        "-H",
        f"Cookie: {cookie}",
    ]
    if script is not None:
        command += ["-s", str(script)]
    result = subprocess.run([*command, url], check=True, capture_output=True, text=True)  # noqa: S603
    return parse_wrk(result.stdout)


def warm_up(url: str, cookie: str, requests: int = 4) -> None:
    """A few requests before measuring, so that each worker has loaded its code and, for the dashboard,
    computed what it keeps (measured on its own by ``after_a_change``)."""
    for _ in range(requests):
        request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 (127.0.0.1)
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()


def after_a_change(url: str, cookie: str, *, base_url: str, database: str, times: int = 7) -> dict:
    """A page right after its cohort's data changed: the stamp is renewed in the database (as any write
    does), then one request, timed; the median and the slowest of ``times``."""
    took = []
    for _ in range(times):
        admin_psql(base_url, "UPDATE feedback_dashboardstamp SET token = gen_random_uuid()", dbname=database)
        start = time.perf_counter()
        warm_up(url, cookie, requests=1)
        took.append((time.perf_counter() - start) * 1000)
    took.sort()
    return {"p50_ms": round(took[len(took) // 2], 1), "max_ms": round(took[-1], 1), "requests": times}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny data and one-second runs, to check the harness.")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Where to write the results.")
    options = parser.parse_args()
    size = QUICK if options.quick else FULL
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    base_url = os.environ.get("DATABASE_URL", "")
    bench_url, bench_name = bench_database_url(base_url)
    admin_psql(base_url, f'DROP DATABASE IF EXISTS "{bench_name}"')
    admin_psql(base_url, f'CREATE DATABASE "{bench_name}"')
    env = {
        **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": bench_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "false",
        "STATIC_MANIFEST": "false",
        "DATABASE_CONN_MAX_AGE": "600",
        "EMAIL_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
    }
    server = None
    try:
        manage(env, "migrate", "--verbosity", "0")
        print(
            manage(
                env,
                "bench_data",
                "--organisations",
                str(size["organisations"]),
                "--placements",
                str(size["placements"]),
                "--checkins",
                str(size["checkins"]),
            ).strip()
        )
        posts = 4000 if not options.quick else 50
        sessions = json.loads(
            manage(env, "shell", "--command", SESSIONS_SCRIPT.replace("sys.argv[1]", str(posts))).splitlines()[-1]
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(  # noqa: S603
            [PYTHON, "-m", "gunicorn", "innopraksis.wsgi", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_until_up(base)
        csrf = secrets.token_hex(16)
        cookie = lambda role: f"sessionid={sessions[role]}; csrftoken={csrf}"  # noqa: E731
        answer = urlencode(
            {"csrfmiddlewaretoken": csrf, "workload": 3, "resource": 4, "learning": 4, "safe_to_ask": "yes"}
        )
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            entries = ",".join(
                f'{{"{item["path"]}", "sessionid={item["session"]}; csrftoken={csrf}", "{answer}"}}'
                for item in sessions["answers"]
            )
            script.write(POST_SCRIPT % entries)

        def run(path: str, role: str, script: Path | None = None) -> dict:
            if script is None:
                warm_up(base + path, cookie(role))
            return run_wrk(
                base + path,
                cookie=cookie(role),
                duration=size["duration"],
                connections=size["connections"],
                script=script,
            )

        results = {
            "floor": run("/ping/", "coordinator"),
            "admin_changelist": run(sessions["admin_path"], "coordinator"),
            "dashboard": run("/dashboard/", "coordinator"),
            "dashboard_filtered": run("/dashboard/?flag=workload&sort=-workload", "coordinator"),
            "supervisor_home": run("/supervisor/", "supervisor"),
            "student_home": run("/student/", "student"),
            "checkin_get": run(sessions["checkin_path"], "student"),
            "checkin_post": run("/", "student", Path(script.name)),
            "csv_export": run("/dashboard/export.csv", "coordinator"),
        }
        changed = {
            page: after_a_change(base + path, cookie("coordinator"), base_url=base_url, database=bench_name)
            for page, path in (("dashboard", "/dashboard/"), ("csv_export", "/dashboard/export.csv"))
        }
        report(results, size, quick=options.quick, folder=options.results, changed=changed)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        admin_psql(base_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    return 0


TARGETS = {
    "dashboard": ("floor", 0.13),
    "supervisor_home": ("floor", 0.25),
    "student_home": ("floor", 0.25),
    "checkin_get": ("floor", 0.2),
    "checkin_post": ("floor", 0.3),
}


def report(results: dict, size: dict, *, quick: bool, folder: Path, changed: dict) -> None:
    floor, admin = results["floor"]["rps"], results["admin_changelist"]["rps"]
    for result in results.values():
        result["x_floor"] = round(result["rps"] / floor, 3) if floor else None
        result["x_admin"] = round(result["rps"] / admin, 2) if admin else None
    checks = {name: results[name]["x_floor"] >= minimum for name, (_base, minimum) in TARGETS.items()}
    checks["dashboard_x_admin"] = results["dashboard"]["x_admin"] >= 3.5
    checks["dashboard_p99_vs_admin_p50"] = results["dashboard"]["p99_ms"] <= results["admin_changelist"]["p50_ms"] / 2
    checks["csv_vs_dashboard"] = results["csv_export"]["p50_ms"] <= 8 * results["dashboard"]["p50_ms"]
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    document = {
        "when": stamp,
        "size": size,
        "quick": quick,
        "results": results,
        "after_a_change": changed,
        "targets_met": checks,
    }
    lines = [
        f"# Benchmark {stamp}{' (quick)' if quick else ''}",
        "",
        f"{size['placements']} placements, {size['organisations']} organisations, {size['checkins']} check-ins each; "
        f"wrk {size['duration']} s, {size['connections']} connections, gunicorn 2 sync workers, "
        "after four warm-up requests per page.",
        "",
        "| page | req/s | p50 ms | p99 ms | × floor | × admin | non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result['rps']:.1f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | "
            f"{result['x_floor']} | {result['x_admin']} | {result['bad']} |"
        )
    lines += [
        "",
        "Right after a change of the cohort's data (what is kept is computed again), one request at a time:",
        "",
        "| page | p50 ms | slowest ms | requests |",
        "|---|---:|---:|---:|",
    ]
    for name, result in changed.items():
        lines.append(f"| {name} | {result['p50_ms']:.1f} | {result['max_ms']:.1f} | {result['requests']} |")
    lines += ["", "| target | met |", "|---|---|"] + [
        f"| {name} | {'yes' if met else 'no'} |" for name, met in checks.items()
    ]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if quick else ""
    (folder / f"latest{suffix}.json").write_text(json.dumps(document, indent=2))
    (folder / f"latest{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
