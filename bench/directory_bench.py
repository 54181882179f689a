"""Building a directory from Python through one batch, beside the C++ figure and its floors.

    python bench/directory_bench.py [users=200000] [groups=users/100] [binary=build/bench/bench/directory_bench]

In one run, on fresh files:
- dirctl from Python: `with d.batch():` one org, `groups` user groups and `users`
  users, each created with five fields and added to one group (every object and
  membership with its audit event) -> objects/s, counting users and groups as the
  C++ bench does; target >= 100,000 objects/s;
- the same build through the C++ API, with its floors (SQLite alone writing the
  same rows and events; bare user rows), by running the C++ bench binary
  (`make bench` builds it) on the same sizes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dirctl

DEPARTMENTS = ["Engineering", "IT", "Finance", "Sales", "Support", "Legal"]


def build(path: Path, users: int, groups: int) -> float:
    """Seconds to build the directory from Python in one batch."""
    t0 = time.perf_counter()
    with dirctl.open(str(path)) as d, d.batch():
        org = d.orgs.create("bench")
        made = [org.user_groups.create(f"group{g}") for g in range(groups)]
        create = org.users.create
        add = org.user_groups.add_member
        for i in range(users):
            n = str(i)
            u = create(username="user" + n, email="user" + n + "@example.com", first_name="First" + n,
                       last_name="Last" + n, department=DEPARTMENTS[i % 6])
            add(made[i % groups], u)
    return time.perf_counter() - t0


def main() -> int:
    users = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    groups = int(sys.argv[2]) if len(sys.argv) > 2 else max(1, users // 100)
    binary = Path(sys.argv[3] if len(sys.argv) > 3 else "build/bench/bench/directory_bench")
    print(f"dirctl directory_bench.py: {users:,} users, {groups:,} groups (each user in one group)")
    with tempfile.TemporaryDirectory(prefix="dirctl_directory_bench") as tmp:
        seconds = build(Path(tmp) / "python.db", users, groups)
        rate = (users + groups) / seconds
        print(f"build from Python   {rate:8.0f} objects/s ({seconds:.1f} s, one batch, each object and membership "
              f"with its audit event; target >= 100,000: {'met' if rate >= 100_000 else 'MISSED'})")
        sys.stdout.flush()
        if not binary.exists():
            print(f"  (no C++ baseline: {binary} is missing; `make bench` builds it)")
            return 0
        print("the same build in C++, with its floors (same run):")
        sys.stdout.flush()
        env = dict(os.environ)
        return subprocess.run([str(binary), str(users), str(groups), str(Path(tmp) / "cpp.db")], env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
