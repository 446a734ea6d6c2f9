"""The benchmark behind `make bench`: a national-scale data set on PostgreSQL, served by gunicorn, loaded by wrk.

Everything runs on 127.0.0.1. A fresh database is made next to DATABASE_URL's
and dropped afterwards; gunicorn is stopped when the run ends, even on error.
While each page is measured, a writer answers check-ins and ticks onboarding
items in the measured cohort through the portal, about two writes a second, so
that every page is measured as coordinators use it: with fresh data.
Results go to bench/results/ as JSON and a Markdown table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/innopraksis python bench/run.py [--quick]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
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
from importlib import import_module
from django.conf import settings
from django.urls import reverse
from feedback.models import CheckIn
from innopraksis.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from innopraksis.models import User
from students.models import OnboardingItem
from django.utils import timezone

def session_for(user):
    store = import_module(settings.SESSION_ENGINE).SessionStore()  # the database's, or Redis's with REDIS_URL
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
# The writer's: supervisors answer check-ins due today, and tick (then untick) onboarding items.
supervisor_sessions = {}
def supervisor_session(placement):
    person = placement.supervisors.first()
    if person.pk not in supervisor_sessions:
        supervisor_sessions[person.pk] = session_for(person)
    return supervisor_sessions[person.pk]
writes = []
for checkin in CheckIn.objects.filter(supervisor_answered_at__isnull=True, due_on=timezone.localdate()).select_related(
    "placement").order_by("-placement_id")[:posts // 4]:
    writes.append({
        "session": supervisor_session(checkin.placement),
        "path": reverse("checkin_detail", kwargs={"pk": checkin.placement_id, "checkin_pk": checkin.pk}),
        "fields": {"delivery": "meets", "feedback_given": "Bra"},
    })
undone = OnboardingItem.objects.filter(done_at__isnull=True).select_related("placement").order_by("-pk")
for item in undone[:posts // 4]:
    writes.append({
        "session": supervisor_session(item.placement),
        "path": reverse("onboarding_checklist", kwargs={"pk": item.placement_id}),
        "fields": {"item": f"item{item.pk}"},
    })
print(json.dumps({
    "coordinator": session_for(coordinator),
    "supervisor": session_for(supervisor),
    "student": student_sessions[first.placement.student.user_id],
    "checkin_path": answers[0]["path"],
    "answers": answers[1:],
    "writes": writes,
    "admin_path": "/admin/students/placement/",
}))
"""

IMPORT_SCRIPT = r"""
import csv, io, json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from innopraksis.models import User
from students import imports
from students.models import Cohort, ImportBatch, Placement

# Every bench student placed again, in a new cohort, by one CSV file of 5,000 rows: checked, then confirmed.
source = Cohort.objects.order_by("pk").first()
cohort = Cohort.objects.create(name="Import benchmark", starts_on=source.starts_on, ends_on=source.ends_on)
rows = Placement.objects.filter(cohort=source).values_list("student__user__email", "organisation__org_number")
out = io.StringIO()
writer = csv.writer(out, delimiter=";")
writer.writerow(["cohort", "student_email", "org_number", "work_days"])
for email, number in rows:
    writer.writerow([cohort.name, email, number, "tirsdag torsdag"])
text = out.getvalue()
coordinator = User.objects.get(email="koordinator@bench.example")
with CaptureQueriesContext(connection) as checking:
    started = time.perf_counter()
    preview = imports.preview("placements", text)
    check_s = time.perf_counter() - started
assert not preview.errors, preview.errors[:3]
batch = ImportBatch.objects.create(kind="placements", filename="bench.csv", content=text, created_by=coordinator)
with CaptureQueriesContext(connection) as confirming:
    started = time.perf_counter()
    counts = imports.import_confirm(batch=batch, invited_by=coordinator)
    confirm_s = time.perf_counter() - started
print(json.dumps({
    "rows": len(preview.changes), "created": counts["create"],
    "check_s": round(check_s, 2), "check_queries": len(checking),
    "confirm_s": round(confirm_s, 2), "confirm_queries": len(confirming),
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


def time_matching(size: dict, choices: int = 10) -> dict:
    """The match of a matching round (students.matching, plain Python) for as many students and organisations
    as the data set has, each student ranking ``choices`` organisations and each organisation ranking half of
    those who ranked it; capacities leave about one place in six free."""
    sys.path.insert(0, str(ROOT))
    from students.matching import Inputs, match  # plain Python, no Django: imported where it is timed

    lot = random.Random(2026)  # noqa: S311 (data, not a secret)
    organisations = [f"o{n}" for n in range(size["organisations"])]
    students = [f"s{n}" for n in range(size["placements"])]
    preferences = {s: tuple(lot.sample(organisations, min(choices, len(organisations)))) for s in students}
    capacity = max(1, round(len(students) * 1.2 / len(organisations)))
    applicants = {o: [] for o in organisations}
    for student, listed in preferences.items():
        for organisation in listed:
            applicants[organisation].append(student)
    rankings = {o: tuple(lot.sample(applied, len(applied) // 2)) for o, applied in applicants.items()}
    inputs = Inputs(
        preferences=preferences, capacities=dict.fromkeys(organisations, capacity), rankings=rankings, seed=7
    )
    started = time.perf_counter()
    outcome = match(inputs)
    seconds = time.perf_counter() - started
    return {
        "students": len(students),
        "organisations": len(organisations),
        "choices": choices,
        "seconds": round(seconds, 2),
        "unmatched": sum(1 for organisation in outcome.placed.values() if organisation is None),
    }


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
    """A few requests before measuring, so that each worker has loaded its code and opened its connection."""
    for _ in range(requests):
        request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 (127.0.0.1)
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a saved form answers with a redirect: that is the success the writer counts


class Writer(threading.Thread):
    """Sends one write every ``interval`` seconds through the portal until stopped, taking turns between
    answering a check-in and ticking (or unticking) an onboarding item; counts those that were saved."""

    def __init__(self, base: str, writes: list[dict], csrf: str, interval: float = 0.5):
        super().__init__(daemon=True)
        self.base, self.writes, self.csrf, self.interval = base, writes, csrf, interval
        self.stopped = threading.Event()
        self.saved = self.sent = 0
        self.done: dict[str, bool] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.answers = [write for write in writes if "delivery" in write["fields"]]
        self.ticks = [write for write in writes if "delivery" not in write["fields"]]

    def next_write(self) -> dict:
        if self.sent % 2 == 0 and self.answers:
            return self.answers.pop()  # each check-in is answered once
        tick = self.ticks[(self.sent // 2) % len(self.ticks)]
        item = tick["fields"]["item"]
        done = not self.done.get(item, False)
        self.done[item] = done
        # The checklist's one form, carrying this item as it was seen and as it is now.
        fields = {f"{item}-note": "Gjort", f"{item}-seen": "0:Gjort" if done else "1:Gjort"}
        if done:
            fields[f"{item}-done"] = "on"
        return {**tick, "fields": fields}

    def run(self) -> None:
        due = time.monotonic()
        while not self.stopped.is_set():
            write = self.next_write()
            body = urlencode({"csrfmiddlewaretoken": self.csrf, **write["fields"]}).encode()
            request = urllib.request.Request(  # noqa: S310 (127.0.0.1)
                self.base + write["path"],
                data=body,
                headers={"Cookie": f"sessionid={write['session']}; csrftoken={self.csrf}"},
            )
            try:
                self.opener.open(request, timeout=60)
            except urllib.error.HTTPError as error:
                self.saved += error.code == 302
            self.sent += 1
            due += self.interval
            self.stopped.wait(max(0.0, due - time.monotonic()))

    def stop(self) -> int:
        self.stopped.set()
        self.join(timeout=60)
        return self.saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Tiny data and one-second runs, to check the harness.")
    parser.add_argument("--results", type=Path, default=RESULTS, help="Where to write the results.")
    parser.add_argument(
        "--no-figures-cache",
        action="store_true",
        help="Compute the dashboard's figures on every request (CACHE_DASHBOARD_FIGURES=false).",
    )
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="Measure one app server against two (sessions in Redis at REDIS_URL), instead of the pages' costs.",
    )
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
        "CACHE_DASHBOARD_FIGURES": "false" if options.no_figures_cache else "true",
    }
    if options.scale_out:
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14")
    server = None
    try:
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "createcachetable")
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
        if options.scale_out:
            scale_out(env, sessions, size, quick=options.quick, folder=options.results)
            return 0
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

        writes = sessions["writes"]

        def run(path: str, role: str, script: Path | None = None) -> dict:
            if script is None:
                warm_up(base + path, cookie(role))
            writer = Writer(base, writes, csrf)
            writer.start()
            try:
                result = run_wrk(
                    base + path,
                    cookie=cookie(role),
                    duration=size["duration"],
                    connections=size["connections"],
                    script=script,
                )
            finally:
                result_writes = writer.stop()
            writes[:] = writer.answers + writer.ticks  # the answers not yet given, for the next page
            return {**result, "writes": result_writes, "writes_per_s": round(result_writes / size["duration"], 2)}

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
        # The CSV import of every placement, with the server idle: it must finish well inside gunicorn's timeout.
        results_import = json.loads(manage(env, "shell", "--command", IMPORT_SCRIPT).splitlines()[-1])
        report(
            results,
            size,
            quick=options.quick,
            folder=options.results,
            figures_cached=not options.no_figures_cache,
            placement_import=results_import,
            matching=time_matching(size),
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        admin_psql(base_url, f'DROP DATABASE IF EXISTS "{bench_name}" WITH (FORCE)')
    return 0


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "gunicorn", "innopraksis.wsgi", "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_up(base)
    return server, base


def scale_out(env: dict, sessions: dict, size: dict, *, quick: bool, folder: Path) -> None:
    """Each page under the same load on one app server, then split across two (a wrk on each, at once), each
    server one gunicorn worker, sessions in Redis: does throughput grow with the servers?"""
    csrf = secrets.token_hex(16)
    pages = {
        "floor": ("/ping/", "coordinator"),
        "supervisor_home": ("/supervisor/", "supervisor"),
        "student_home": ("/student/", "student"),
        "checkin_get": (sessions["checkin_path"], "student"),
        "dashboard": ("/dashboard/", "coordinator"),
    }
    servers = []
    try:
        servers = [start_server(env, workers=1) for _ in range(2)]
        (_a, base_a), (_b, base_b) = servers
        results = {}
        for name, (path, role) in pages.items():
            cookie = f"sessionid={sessions[role]}; csrftoken={csrf}"
            for base in (base_a, base_b):
                warm_up(base + path, cookie)
            one = run_wrk(base_a + path, cookie=cookie, duration=size["duration"], connections=size["connections"])
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                both = list(
                    pool.map(
                        lambda base, path=path, cookie=cookie: run_wrk(
                            base + path, cookie=cookie, duration=size["duration"], connections=size["connections"]
                        ),
                        (base_a, base_b),
                    )
                )
            two_rps = sum(result["rps"] for result in both)
            results[name] = {
                "one_server_rps": one["rps"],
                "two_servers_rps": round(two_rps, 1),
                "ratio": round(two_rps / one["rps"], 2) if one["rps"] else None,
                "one_server_bad": one["bad"],
                "two_servers_bad": sum(result["bad"] for result in both),
                "two_servers_p99_ms": max(result["p99_ms"] for result in both),
            }
    finally:
        for server, _base in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    lines = [
        f"# Scale-out {stamp}{' (quick)' if quick else ''}",
        "",
        f"{size['placements']} placements; each page for {size['duration']} s with {size['connections']} "
        "connections on server A alone, then the same on A and on B at once (one wrk each). Each server is "
        "gunicorn with one sync worker; sessions and cache in Redis, one PostgreSQL, all on this machine.",
        "",
        "| page | one server req/s | two servers req/s | ratio | errors (one / two) | p99 ms, two |",
        "|---|---:|---:|---:|---:|---:|",
    ] + [
        f"| {name} | {r['one_server_rps']:.1f} | {r['two_servers_rps']:.1f} | {r['ratio']} | "
        f"{r['one_server_bad']} / {r['two_servers_bad']} | {r['two_servers_p99_ms']:.1f} |"
        for name, r in results.items()
    ]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if quick else ""
    document = {"when": stamp, "size": size, "results": results}
    (folder / f"scale-out{suffix}.json").write_text(json.dumps(document, indent=2))
    (folder / f"scale-out{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


# (page, baseline, minimum ratio of requests per second)
TARGETS = [
    ("dashboard", "admin_changelist", 2.5),
    ("dashboard", "floor", 0.08),
    ("dashboard_filtered", "admin_changelist", 2.5),
    ("dashboard_filtered", "floor", 0.08),
    ("supervisor_home", "floor", 0.25),
    ("student_home", "floor", 0.25),
    ("checkin_get", "floor", 0.3),
    ("checkin_post", "floor", 0.25),
]


def report(
    results: dict,
    size: dict,
    *,
    quick: bool,
    folder: Path,
    figures_cached: bool,
    placement_import: dict,
    matching: dict,
) -> None:
    floor, admin = results["floor"]["rps"], results["admin_changelist"]["rps"]
    for result in results.values():
        result["x_floor"] = round(result["rps"] / floor, 3) if floor else None
        result["x_admin"] = round(result["rps"] / admin, 2) if admin else None
    key = {"floor": "x_floor", "admin_changelist": "x_admin"}
    checks = {f"{page} ≥ {minimum} × {base}": results[page][key[base]] >= minimum for page, base, minimum in TARGETS}
    admin_p50 = results["admin_changelist"]["p50_ms"]
    for page in ("dashboard", "dashboard_filtered"):
        checks[f"{page} p99 ≤ 0.6 × admin_changelist p50"] = results[page]["p99_ms"] <= 0.6 * admin_p50
    checks["csv_export p50 ≤ 5 × dashboard p50"] = results["csv_export"]["p50_ms"] <= 5 * results["dashboard"]["p50_ms"]
    checks["placement import confirmed within 10 s (gunicorn's timeout is 30 s)"] = placement_import["confirm_s"] <= 10
    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
    document = {
        "when": stamp,
        "size": size,
        "quick": quick,
        "figures_cached": figures_cached,
        "results": results,
        "placement_import": placement_import,
        "matching": matching,
        "targets_met": checks,
    }
    lines = [
        f"# Benchmark {stamp}{' (quick)' if quick else ''}",
        "",
        f"{size['placements']} placements, {size['organisations']} organisations, {size['checkins']} check-ins each; "
        f"wrk {size['duration']} s, {size['connections']} connections, gunicorn 2 sync workers, "
        "after four warm-up requests per page, while a writer answers check-ins and ticks onboarding items "
        "through the portal (writes saved during each page's run in the last column). "
        + (
            "Each cohort's dashboard figures are cached until a write clears them; nothing else is."
            if figures_cached
            else "Nothing is cached: the dashboard computes its figures on every request."
        ),
        "",
        "| page | req/s | p50 ms | p99 ms | × floor | × admin | non-2xx/3xx | writes/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result['rps']:.1f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | "
            f"{result['x_floor']} | {result['x_admin']} | {result['bad']} | {result['writes_per_s']} |"
        )
    lines += [
        "",
        f"CSV import of {placement_import['rows']} placements: checked in {placement_import['check_s']} s "
        f"({placement_import['check_queries']} queries), confirmed in {placement_import['confirm_s']} s "
        f"({placement_import['confirm_queries']} queries).",
        f"Matching round of {matching['students']} students, {matching['organisations']} organisations and "
        f"{matching['choices']} choices each: matched in {matching['seconds']} s "
        f"({matching['unmatched']} unmatched).",
    ]
    lines += ["", "| target | met |", "|---|---|"] + [
        f"| {name} | {'yes' if met else 'no'} |" for name, met in checks.items()
    ]
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ("-quick" if quick else "") + ("" if figures_cached else "-no-figures-cache")
    (folder / f"latest{suffix}.json").write_text(json.dumps(document, indent=2))
    (folder / f"latest{suffix}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
