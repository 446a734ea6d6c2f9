"""The benchmark's quick variant: tiny data and one-second runs, so that `make bench` cannot rot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_end_to_end_and_reports_every_page(db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs on PostgreSQL")
    if shutil.which("wrk") is None:
        if os.environ.get("REQUIRE_BROWSER_TESTS"):  # CI installs wrk with the browser
            pytest.fail("wrk is not installed")
        pytest.skip("wrk is not installed (apt-get install wrk)")
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/innopraksis"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "bench/run.py", "--quick", "--results", str(tmp_path)],
        cwd=ROOT,
        env={**env, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads((tmp_path / "latest-quick.json").read_text())
    pages = document["results"]
    assert set(pages) == {
        "floor",
        "admin_changelist",
        "dashboard",
        "dashboard_filtered",
        "supervisor_home",
        "student_home",
        "checkin_get",
        "checkin_post",
        "csv_export",
    }
    for name, page in pages.items():
        assert page["rps"] > 0, name
        if name != "checkin_post":  # a repeated answer to the same check-in is refused, as it should be
            assert page["bad"] == 0, name
    # The writer wrote while the pages were measured: the pages were read with fresh data.
    assert sum(page["writes"] for page in pages.values()) > 0
    imported = document["placement_import"]
    assert imported["rows"] == imported["created"] > 0
    assert imported["confirm_queries"] < 100  # whatever the number of rows
    assert document["matching"]["students"] == imported["rows"]
    assert document["matching"]["seconds"] >= 0
    assert document["targets_met"]  # every target is judged (met or not: the quick run is too small to tell)
    assert (tmp_path / "latest-quick.md").read_text().startswith("# Benchmark")
    # Nothing left behind: no benchmark database, no server.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'innopraksis_bench'")
        assert cursor.fetchone() is None
