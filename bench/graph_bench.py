"""who_can_access from Python, beside a straightforward pure-Python implementation.

    python bench/graph_bench.py [users=100000] [path=/tmp/dirctl_graph.db]

Builds a synthetic org through the Python API in one batch (users/100 user
groups, each user in 3; users/10 devices in users/1000 device groups; 10% of
user groups bound to a device group), then in the same run times:
- dirctl: org.audit.who_can_access() -> DataFrame (engine + frame);
- baseline: the same answer computed in plain Python with dicts and sets from
  the file's edges (read with the sqlite3 module, not timed), as a script
  without dirctl would.
and prints both, the ratio, and whether the two agree row for row.
"""

from __future__ import annotations

import os
import random
import sqlite3
import sys
import time
from collections import defaultdict

import dirctl


def build(path: str, n: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    rng = random.Random(2026)
    with dirctl.open(path) as d, d.batch():
        org = d.orgs.create("synthetic")
        ugs = [org.user_groups.create(f"ug{i}") for i in range(n // 100)]
        dgs = [org.device_groups.create(f"dg{i}") for i in range(max(1, n // 1000))]
        for i in range(n // 10):
            org.device_groups.add_member(dgs[i % len(dgs)], org.devices.create(hostname=f"host-{i}"))
        for i in range(n):
            u = org.users.create(username=f"user{i}", email=f"user{i}@synthetic.example",
                                 state="suspended" if i % 97 == 0 else "active")
            for _ in range(3):
                org.user_groups.add_member(ugs[rng.randrange(len(ugs))], u)
        for g in ugs[::10]:
            org.associate(g, dgs[rng.randrange(len(dgs))])


def baseline(path: str) -> set[tuple[int, int]]:
    """who_can_access in plain Python over dicts and sets."""
    con = sqlite3.connect(path)
    kind = {}
    for table, k in (("users", "user"), ("user_groups", "user_group"), ("device_groups", "device_group"),
                     ("devices", "device")):
        for (i,) in con.execute(f"SELECT id FROM {table}"):
            kind[i] = k
    adj = defaultdict(list)
    for a, b in con.execute("SELECT a, b FROM edges"):
        adj[a].append(b)
        adj[b].append(a)
    con.close()

    t0 = time.perf_counter()
    order = {"user": 0, "user_group": 1, "device_group": 2, "device": 3}
    rows = set()
    for u, k in kind.items():
        if k != "user":
            continue
        seen = {u}
        frontier = [u]
        while frontier:  # breadth-first, downhill only
            nxt = []
            for v in frontier:
                for w in adj[v]:
                    if w not in seen and w in kind and order[kind[w]] > order[kind[v]]:
                        seen.add(w)
                        nxt.append(w)
                        if kind[w] == "device":
                            rows.add((u, w))
            frontier = nxt
    baseline.seconds = time.perf_counter() - t0  # type: ignore[attr-defined]
    return rows


def main(n: int, path: str) -> None:
    t0 = time.perf_counter()
    build(path, n)
    print(f"dirctl graph_bench.py: {n} users (built through the Python API in {time.perf_counter() - t0:.1f} s)")
    with dirctl.open(path) as d:
        org = d.orgs.get("synthetic")
        org.audit.who_can_access(user=org.users.get("user0"))  # warm: builds the graph once
        t0 = time.perf_counter()
        frame = org.audit.who_can_access()
        ours = time.perf_counter() - t0
    theirs_rows = baseline(path)
    theirs = baseline.seconds  # type: ignore[attr-defined]
    ours_rows = set(zip(frame["user_id"].tolist(), frame["device_id"].tolist()))
    print(f"dirctl who_can_access  {ours:8.2f} s  {len(frame):,} rows -> DataFrame ({len(frame) / ours / 1e6:.1f} M rows/s)")
    print(f"pure-Python baseline   {theirs:8.2f} s  {len(theirs_rows):,} rows (dicts and sets)")
    print(f"ratio                  {theirs / ours:8.1f}x (target >= 50x: {'met' if theirs / ours >= 50 else 'MISSED'}); "
          f"answers {'agree' if ours_rows == theirs_rows else 'DIFFER'}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, sys.argv[2] if len(sys.argv) > 2 else "/tmp/dirctl_graph.db")
