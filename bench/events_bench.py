"""Audit query figures (issue #14), each beside its baseline, on one generated log.

    python bench/events_bench.py [events=1000000] [folder=/tmp/dirctl_events_bench]

Makes a directory file with dirctl, then fills its event log with `events` rows
spread over one year (20 event types, 50 initiators, resource names, change JSON
like an import's) with bare SQL: the engine's clock stamps events as they are
stored, so only SQL can make a year-long log quickly. Every figure then reads
that file through dirctl, and each is printed beside what it is compared with:
- events_frame(): rows/s, against the floor, a bare `SELECT` of the same rows
  and columns into Python tuples (sqlite3 module) in the same run;
- a type + time-range filter returning 1% of the log (goal <= 50 ms), beside
  the same SELECT done bare;
- events_interval("1d") (goal <= 100 ms), beside a bare GROUP BY.
Best of three runs each.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import dirctl

UTC = dt.timezone.utc
YEAR_START = dt.datetime(2025, 12, 1, tzinfo=UTC)
YEAR_MS = 365 * 86_400_000
TYPES = ["user_create", "user_update", "user_delete", "group_member_add", "group_member_remove", "admin_update",
         "device_create", "device_update", "command_run", "user_login_attempt", "admin_login_attempt",
         "association_add", "association_remove", "group_create", "group_update", "command_create",
         "command_update", "organization_update", "insights_read", "user_import"]
COLUMNS = ("seq, time, org_id, event_type, initiated_by_type, initiated_by_id, initiated_by_email, resource_type,"
           " resource_id, resource_name, target_type, target_id, target_name, success, changes, message")


def best(f, runs: int = 3) -> tuple[float, object]:
    out = None
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def build(path: Path, n: int) -> None:
    with dirctl.open(path) as d:
        d.orgs.create("acme")
    rng = random.Random(14)
    db = sqlite3.connect(path)
    step = YEAR_MS / n
    base = int(YEAR_START.timestamp() * 1000)

    def rows():
        for i in range(n):
            t = TYPES[min(int(rng.expovariate(0.35)), len(TYPES) - 1)]
            who = rng.randrange(50)
            user = rng.randrange(1, 200_000)
            changes = json.dumps([["department", None, f"dept{user % 40}"], ["job_title", None, f"title{user % 90}"]],
                                 separators=(",", ":"))
            yield (base + int(i * step), 1, t, "admin", 1000 + who, f"admin{who}@acme.com", "user", user,
                   f"user{user}", "user_group" if "member" in t else "", 7 if "member" in t else 0,
                   "eng" if "member" in t else "", 0 if t.endswith("attempt") and rng.random() < 0.2 else 1, changes,
                   "")

    with db:
        db.executemany("INSERT INTO events (time, org_id, event_type, initiated_by_type, initiated_by_id,"
                       " initiated_by_email, resource_type, resource_id, resource_name, target_type, target_id,"
                       " target_name, success, changes, message) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows())
    db.execute("ANALYZE")
    db.close()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    folder = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/dirctl_events_bench")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    path = folder / "log.db"
    t = time.perf_counter()
    build(path, n)
    print(f"built a log of {n:,} events over one year in {time.perf_counter() - t:.1f} s")
    d = dirctl.open(path)
    bare = sqlite3.connect(path)

    floor_s, rows = best(lambda: bare.execute(f"SELECT {COLUMNS} FROM events ORDER BY time, seq").fetchall())
    assert len(rows) >= n
    del rows
    frame_s, frame = best(lambda: d.events_frame())
    assert len(frame) >= n
    del frame
    print(f"events_frame():             {n / frame_s / 1e6:6.2f} M rows/s ({frame_s * 1000:7.1f} ms)   goal >= 2 M rows/s")
    print(f"  floor, bare SELECT into tuples: {n / floor_s / 1e6:6.2f} M rows/s ({floor_s * 1000:7.1f} ms)"
          f"   dirctl is {floor_s / frame_s:4.1f}x the floor")

    # A type with about a tenth of the log, over about a tenth of the year: 1%.
    counts = dict(bare.execute("SELECT event_type, count(*) FROM events GROUP BY 1").fetchall())
    kind = min(counts, key=lambda k: abs(counts[k] - n / 10))
    share = counts[kind] / n
    span = dt.timedelta(days=365 * 0.01 / share)
    start = YEAR_START + dt.timedelta(days=120)
    end = start + span
    filt_s, part = best(lambda: d.events_frame(event_type=kind, start_time=start, end_time=end))
    s_ms, e_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    bare_s, bare_rows = best(lambda: bare.execute(
        f"SELECT {COLUMNS} FROM events WHERE event_type = ? AND time >= ? AND time < ? ORDER BY time, seq",
        (kind, s_ms, e_ms)).fetchall())
    assert len(bare_rows) == len(part)
    print(f"type + time range ({kind!r}, {span.days} days): {len(part):,} rows = {len(part) / n:.2%} of the log"
          f" in {filt_s * 1000:6.1f} ms   goal <= 50 ms; bare SELECT {bare_s * 1000:6.1f} ms")

    ivl_s, buckets = best(lambda: d.events_interval("1d"))
    assert int(buckets["count"].sum()) >= n
    bare_ivl_s, _ = best(lambda: bare.execute("SELECT time / 86400000, count(*) FROM events GROUP BY 1").fetchall())
    print(f'events_interval("1d"):      {len(buckets)} buckets in {ivl_s * 1000:6.1f} ms   goal <= 100 ms;'
          f" bare GROUP BY {bare_ivl_s * 1000:6.1f} ms")
    cnt_s, total = best(lambda: d.events_count(event_type=kind))
    print(f"events_count(type):         {total:,} in {cnt_s * 1000:6.1f} ms")
    d.close()
    bare.close()


if __name__ == "__main__":
    main()
