"""The same directory on both stores, side by side in one run (issue #13): a SQLite file,
and a PostgreSQL database on a throwaway local cluster that this starts and stops.

    python bench/store_bench.py [users=1000000] [folder=/tmp/dirctl_store_bench]

On one generated template CSV (bench/import_bench.py's: users in 3 groups each out of
1,000), for each store:
- the import of every row (org.import_users_csv, create_groups=True), rows/s;
- open + load of the imported directory (dirctl.open, then the org's user count);
- single mutation latency: 300 user updates, each its own transaction (median, p99);
- batch create: 10,000 users in one d.batch(), objects/s;
- check_many: one admin against every user, checks/s (in memory: the same on both).
On PostgreSQL also the floor for the import: PostgreSQL's own COPY of the same user rows,
events and memberships (exported from the imported database) into empty tables of the same
shape, indexes and all.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
import dirctl  # noqa: E402
from import_bench import generate  # noqa: E402
from pg_cluster import PgCluster  # noqa: E402


def psql(url: str, query: str) -> str:
    return subprocess.run(["psql", url, "-qAtc", query], check=True, capture_output=True, text=True,
                          timeout=3600).stdout.strip()


def measure(location: str, csv: Path, rows: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with dirctl.open(location, timeout=60) as d:
        org = d.orgs.create("acme")
        t = time.perf_counter()
        report = org.import_users_csv(str(csv), create_groups=True)
        out["import_s"] = time.perf_counter() - t
        assert report.ok and report.written and len(org.users) == rows, report.summary()
        admin = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    t = time.perf_counter()
    with dirctl.open(location, timeout=60) as d:
        org = d.orgs.get("acme")
        assert len(org.users) == rows
        out["open_load_s"] = time.perf_counter() - t
        user = org.users.get("user1")
        lat = []
        for i in range(300):
            t = time.perf_counter()
            org.users.update(user, department=f"d{i}")
            lat.append(time.perf_counter() - t)
        out["update_median_ms"] = statistics.median(lat) * 1000
        out["update_p99_ms"] = sorted(lat)[int(len(lat) * 0.99)] * 1000
        n = 10000
        t = time.perf_counter()
        with d.batch():
            for i in range(n):
                org.users.create(username=f"batch{i}", email=f"batch{i}@acme.com")
        out["batch_per_s"] = n / (time.perf_counter() - t)
        ids = org.users.to_frame().index.to_numpy()
        t = time.perf_counter()
        allowed = d.check_many(admin, "users.edit", ids)
        out["check_many_per_s"] = len(ids) / (time.perf_counter() - t)
        assert allowed.all()
    return out


def copy_floor(url: str, folder: Path) -> float:
    """PostgreSQL's COPY of the imported users, events and memberships into empty twins."""
    tables = ("users", "events", "edges")
    for t in tables:
        psql(url, f"\\copy {t} TO '{folder / (t + '.copy')}'")
        psql(url, f"CREATE TABLE floor_{t} (LIKE {t} INCLUDING ALL)")
    t0 = time.perf_counter()
    for t in tables:
        psql(url, f"\\copy floor_{t} FROM '{folder / (t + '.copy')}'")
    return time.perf_counter() - t0


def main() -> int:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    folder = Path(sys.argv[2] if len(sys.argv) > 2 else tempfile.gettempdir() + "/dirctl_store_bench")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)  # the server (user postgres) reads and writes the COPY files through psql's \copy
    csv = folder / "users.csv"
    generate(csv, rows)
    print(f"store_bench: {rows:,} users, 3 groups each; PostgreSQL 15 on a local socket, SQLite on local disk")
    results = {"sqlite": measure(str(folder / "acme.db"), csv, rows)}
    with PgCluster() as url:
        psql(url, "CREATE DATABASE bench")
        pg = url.replace("/postgres?", "/bench?", 1)
        results["postgresql"] = measure(pg, csv, rows)
        floor = copy_floor(pg, folder)
    print(f"{'':32}{'SQLite':>14}{'PostgreSQL':>14}")
    s, p = results["sqlite"], results["postgresql"]
    print(f"{'import (rows/s)':32}{rows / s['import_s']:>14,.0f}{rows / p['import_s']:>14,.0f}")
    print(f"{'  PostgreSQL COPY floor (rows/s)':32}{'':>14}{rows / floor:>14,.0f}"
          f"   import at {floor / p['import_s']:.0%} of it")
    print(f"{'open + load (s)':32}{s['open_load_s']:>14.2f}{p['open_load_s']:>14.2f}")
    print(f"{'one update, median (ms)':32}{s['update_median_ms']:>14.3f}{p['update_median_ms']:>14.3f}")
    print(f"{'one update, p99 (ms)':32}{s['update_p99_ms']:>14.3f}{p['update_p99_ms']:>14.3f}")
    print(f"{'batch create (objects/s)':32}{s['batch_per_s']:>14,.0f}{p['batch_per_s']:>14,.0f}")
    print(f"{'check_many (checks/s)':32}{s['check_many_per_s']:>14,.0f}{p['check_many_per_s']:>14,.0f}")
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
