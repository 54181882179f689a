"""org.users.to_frame() at 1,000,000 users, beside the floor of reading the same rows.

    python bench/frames_bench.py [users=1000000] [path=/tmp/dirctl_frames.db] [floor=PATH_TO_frames_floor]

Builds one org of `users` users through the bulk import (a generated template CSV:
names, emails, department, job title, company, location, employee id, sudo; a tenth
with custom attributes), then times, best of 3, in this process:
- to_frame(): org.users.to_frame() -> DataFrame (the engine's typed columns, then
  pandas strings over Arrow buffers, categoricals, bools);
- _core.columns(): the engine call alone (SQLite -> typed columns -> numpy), and the
  DataFrame built from its result, timed apart;
- floor (Python): the engine's SELECT (same columns, the org's id range in id order)
  through Python's sqlite3 module, fetchall() into tuples: what a Python reader pays.
With the C++ program bench/frames_floor (built with -DDIRCTL_BUILD_BENCH=ON; pass its
path, or it is looked for under build*/bench/), also, in a fresh process:
- floor (C++): the same SELECT stepped with the bare sqlite3 C API, every value
  fetched, nothing kept: the least any reader of this file pays;
- Directory::columns in C++ (no Python).
Prints rows/s of each, and the gap to the goal (>= 5M rows/s) with what bounds it.
"""

from __future__ import annotations

import csv
import glob
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import dirctl

GOAL = 5e6
DEPARTMENTS = ("Engineering", "IT", "Finance", "Sales", "Support", "Marketing", "Legal", "Operations")
TITLES = tuple(f"{level} {role}" for level in ("Junior", "", "Senior", "Lead") for role in ("Engineer", "Analyst",
                                                                                             "Manager", "Specialist"))
LOCATIONS = ("Berlin", "Paris", "New York", "São Paulo", "東京")


def remove(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".key"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def generate(csv_path: Path, users: int) -> None:
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["FirstName", "LastName", "Username", "Email", "Department", "JobTitle", "Company", "Location",
                      "EmployeeIdentifier", "sudo", "Attribute1_name", "Attribute1_value"])
        for i in range(users):
            out.writerow([f"First{i}", f"Last{i}", f"user{i}", f"user{i}@example.com", DEPARTMENTS[i % 8],
                          TITLES[i % len(TITLES)].strip(), "Acme", LOCATIONS[i % 5], f"E{i:07d}",
                          "true" if i % 10 == 0 else "false", "badge" if i % 10 == 0 else "",
                          str(i) if i % 10 == 0 else ""])


def build(path: str, users: int) -> None:
    remove(path)
    csv_path = Path(path + ".csv")
    generate(csv_path, users)
    with dirctl.open(path) as d:
        report = d.orgs.create("bench").import_users_csv(csv_path)
        assert report.created == users and report.errors == 0, (report.created, report.errors)
    csv_path.unlink()


def best(f, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def split_times(d: dirctl.Directory, org_id: int) -> tuple[float, float]:
    """to_frame()'s two steps timed apart, best of 3 each: the engine call, and the frame."""
    from dirctl.collections import _frame_column
    from dirctl.frames import frame_from_columns

    core, frame = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        cols = d._core.columns("user", org_id)
        t1 = time.perf_counter()
        frame_from_columns({name: _frame_column(c) for name, c in cols.items()}, index="id")
        t2 = time.perf_counter()
        core.append(t1 - t0)
        frame.append(t2 - t1)
        del cols
    return min(core), min(frame)


def floor_query(con: sqlite3.Connection, org_id: int) -> tuple[str, tuple[int, ...]]:
    """The SELECT RecordStore::columns runs for the users of a dense org: every readable
    column (the password hash never) over the org's id range, in id order."""
    cols = [r[1] for r in con.execute("PRAGMA table_info(users)") if r[1] != "password_hash"]
    first, last = con.execute("SELECT min(id), max(id) FROM users WHERE org_id = ?", (org_id,)).fetchone()
    return (f"SELECT {', '.join(cols)} FROM users WHERE id BETWEEN ? AND ? AND +org_id = ? ORDER BY id",
            (first, last, org_id))


def cpp_floor(path: str, explicit: str | None) -> str | None:
    exe = explicit
    if exe is None:
        root = Path(__file__).resolve().parents[1]
        found = sorted(glob.glob(str(root / "build*" / "bench" / "frames_floor")) +
                       glob.glob(str(root / "build" / "*" / "bench" / "frames_floor")))
        exe = found[0] if found else None
    if exe is None or not os.access(exe, os.X_OK):
        return None
    return subprocess.run([exe, path], check=True, capture_output=True, text=True).stdout


def main() -> None:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    path = sys.argv[2] if len(sys.argv) > 2 else "/tmp/dirctl_frames.db"
    floor_exe = sys.argv[3] if len(sys.argv) > 3 else None
    t = time.perf_counter()
    build(path, users)
    print(f"dirctl frames_bench.py: {users:,} users in one org, built by the bulk import in "
          f"{time.perf_counter() - t:.1f} s ({os.cpu_count()} cores)")
    with dirctl.open(path) as d:
        org = d.orgs.get("bench")
        frame = org.users.to_frame()
        n = len(frame)
        assert n == users
        t_frame = best(org.users.to_frame)
        t_core, t_pandas = split_times(d, org.id)
        org_id = org.id
    dtypes = ", ".join(f"{c} {frame[c].dtype}" for c in frame.columns)
    del frame
    con = sqlite3.connect(path)
    sql, params = floor_query(con, org_id)
    ncols = len(sql.split(" FROM ")[0].split(","))
    t_floor = best(lambda: con.execute(sql, params).fetchall())
    con.close()
    print(f"users.to_frame()          {n / t_frame / 1e6:6.2f}M rows/s ({n} rows in {t_frame:.3f} s, best of 3)")
    print(f"_core.columns() alone     {n / t_core / 1e6:6.2f}M rows/s ({t_core:.3f} s: SQLite -> typed columns -> "
          f"numpy; the DataFrame from them takes {t_pandas:.3f} s)")
    print(f"Python sqlite3 floor      {n / t_floor / 1e6:6.2f}M rows/s (same SELECT, {ncols} columns, fetchall() "
          f"into tuples, best of 3)")
    cpp = cpp_floor(path, floor_exe)
    cpp_rate = None
    if cpp:
        print(cpp, end="")
        for line in cpp.splitlines():
            if line.startswith("C++ sqlite3 floor"):
                cpp_rate = float(line.split()[3].rstrip("M")) * 1e6
    else:
        print("C++ sqlite3 floor         (bench/frames_floor not built: cmake -DDIRCTL_BUILD_BENCH=ON, or pass its path)")
    rate = n / t_frame
    if rate >= GOAL:
        print(f"goal >= 5M rows/s: met ({rate / 1e6:.2f}M)")
    elif cpp_rate:
        print(f"goal >= 5M rows/s: MISSED by {GOAL / rate:.1f}x ({rate / 1e6:.2f}M). The bare C++ read of the same "
              f"rows runs at {cpp_rate / 1e6:.2f}M rows/s ({GOAL / cpp_rate:.1f}x short of the goal with nothing "
              f"kept): stepping SQLite's rows ({ncols} columns each) bounds it; to_frame() runs at "
              f"{rate / cpp_rate * 100:.0f} % of that floor")
    else:
        print(f"goal >= 5M rows/s: MISSED by {GOAL / rate:.1f}x ({rate / 1e6:.2f}M); build bench/frames_floor "
              f"to see the bare read's floor")
    print(f"dtypes: {dtypes}")
    remove(path)


if __name__ == "__main__":
    main()
