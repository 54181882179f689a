"""org.commands.results_frame() from Python over 1,000,000 results, beside the bare
floor of reading the same rows in the same run.

    python bench/runs_bench.py [runs=1000000] [path=/tmp/dirctl_runs.db]

Builds 10,000 devices in one device group and launches one command on them until
there are `runs` runs; the agents' protocol ends a few so that exit codes, times and
durations are not all empty. Then times, best of 3:
- dirctl: org.commands.results_frame() -> DataFrame (C++ columns, then categoricals,
  datetimes and nullable integers);
- floor: the same 13 columns with the same JOIN through Python's sqlite3 module,
  fetchall() into tuples (no frame at all), the least a Python reader pays;
and prints rows/s of each and the goal (>= 10M rows/s).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time

import dirctl

DEVICES = 10_000
FLOOR_SQL = ("SELECT r.id, r.launch_id, r.org_id, r.command_id, r.device_id, r.state, r.queued_at, r.started_at,"
             " r.finished_at, r.exit_code, r.signal, l.requester_type, l.requester_id"
             " FROM runs r JOIN launches l ON l.id = r.launch_id ORDER BY r.id")


def build(path: str, runs: int) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    with dirctl.open(path) as d:
        with d.batch():
            org = d.orgs.create("bench")
            group = org.device_groups.create("fleet")
            devices = [org.devices.create(hostname=f"host-{i}") for i in range(DEVICES)]
            for dev in devices:
                org.device_groups.add_member(group, dev)
            cmd = org.commands.create(name="inventory", script="true")
            org.associate(cmd, group)
        for _ in range(max(1, runs // DEVICES)):
            org.commands.run(cmd)
        for dev in devices[:1000]:
            agent = d.agent(dev)
            agent.report(agent.next_run(), 0, "ok")


def best(f, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = sys.argv[2] if len(sys.argv) > 2 else "/tmp/dirctl_runs.db"
    t = time.perf_counter()
    build(path, runs)
    print(f"dirctl runs_bench.py: {runs} runs on {DEVICES} devices, built in {time.perf_counter() - t:.1f} s")
    with dirctl.open(path) as d:
        org = d.orgs.get("bench")
        frame = org.commands.results_frame()
        n = len(frame)
        t_frame = best(org.commands.results_frame)
    con = sqlite3.connect(path)
    t_floor = best(lambda: con.execute(FLOOR_SQL).fetchall())
    con.close()
    print(f"results_frame()   {n / t_frame / 1e6:6.2f}M rows/s ({n} rows in {t_frame:.3f} s, best of 3)")
    print(f"sqlite3 fetchall  {n / t_floor / 1e6:6.2f}M rows/s (same columns and JOIN, tuples only, best of 3)")
    print(f"ratio             {t_floor / t_frame * 100:6.1f} % of the floor's rate; goal >= 10M rows/s: "
          f"{'met' if n / t_frame >= 10e6 else 'MISSED'}")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


if __name__ == "__main__":
    main()
