"""The PostgreSQL benchmarks, on a throwaway local cluster that this starts and stops.

    python bench/pg_bench.py [events=100000] [binary=build/bench/bench/pg_event_log_bench]

Starts PostgreSQL 15 (tests/pg_cluster.py: initdb into a temporary folder, its own socket,
default durability settings), runs bench/pg_event_log_bench against it (the audit log on
PostgreSQL beside SQLite, and COPY's floor; `make bench` builds it), then stops the cluster.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pg_cluster import PgCluster  # noqa: E402


def main() -> int:
    events = sys.argv[1] if len(sys.argv) > 1 else "100000"
    binary = Path(sys.argv[2] if len(sys.argv) > 2 else "build/bench/bench/pg_event_log_bench")
    if not binary.exists():
        print(f"{binary} is missing; `make bench` builds it")
        return 1
    with PgCluster() as url:
        return subprocess.run([str(binary), url, events]).returncode


if __name__ == "__main__":
    sys.exit(main())
