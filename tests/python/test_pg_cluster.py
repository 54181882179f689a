"""tests/pg_cluster.py, the throwaway PostgreSQL cluster the PostgreSQL tests run against:
it starts as a non-root user on a socket of its own, answers, and leaves nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pg_cluster import PgCluster, _alive  # noqa: E402

pytestmark = pytest.mark.slow


def psql(url: str, query: str) -> str:
    return subprocess.run(["psql", url, "-Atc", query], check=True, capture_output=True, text=True,
                          timeout=30).stdout.strip()


def test_a_cluster_starts_answers_and_leaves_nothing(tmp_path):
    cluster = PgCluster()
    with cluster as url:
        root, pid = cluster.root, cluster.pid
        assert psql(url, "SHOW server_version").startswith("15.")
        assert psql(url, "SELECT current_user") == "dirctl"
        assert psql(url, "SHOW listen_addresses") == ""  # its socket only
        owner = subprocess.run(["ps", "-o", "user=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
        assert owner and owner != "root"
    assert not _alive(pid) and root is not None and not root.exists()
    cluster.stop()  # idempotent


def test_the_command_line_starts_one_that_outlives_it_and_stops_it(tmp_path):
    state = tmp_path / "cluster.json"
    script = Path(__file__).resolve().parents[1] / "pg_cluster.py"
    subprocess.run([sys.executable, str(script), "start", str(state)], check=True, capture_output=True, timeout=120)
    noted = json.loads(state.read_text())
    try:
        assert _alive(noted["pid"]) and psql(noted["url"], "SELECT 1") == "1"
    finally:
        subprocess.run([sys.executable, str(script), "stop", str(state)], check=True, timeout=120)
    assert not _alive(noted["pid"]) and not state.exists() and not os.path.exists(noted["root"])


def test_a_start_cut_short_is_still_stopped_from_its_state(tmp_path):
    """The state names the folder before the server starts: a stop that finds no pid in it
    (the start was killed before writing one) stops the server by its postmaster.pid."""
    state = tmp_path / "cluster.json"
    cluster = PgCluster()
    cluster.start(outlive=True, state=state)
    pid = cluster.pid
    noted = json.loads(state.read_text())
    state.write_text(json.dumps({**noted, "pid": 0}))  # as if the start died before noting its pid
    script = Path(__file__).resolve().parents[1] / "pg_cluster.py"
    subprocess.run([sys.executable, str(script), "stop", str(state)], check=True, timeout=120)
    assert not _alive(pid) and not os.path.exists(noted["root"])
