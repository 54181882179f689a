#!/usr/bin/env python3
"""Checks the engine's layer rules; run it from anywhere: python3 tests/check_layers.py

1. SQL text lives only in cpp/src/store/.
2. Directory::Impl is named only in cpp/src/directory/.
3. #include arrows between rooms point one way (docs/ARCHITECTURE.md):
   directory -> {importer, schedule -> commands, identity, insights, audit -> {graph, authz}} -> service
   -> {io -> model, store} -> util;
   store and model do not know each other.
Prints what it checked and every violation; exits 1 if there is one.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "cpp" / "src"

# Each room may include the rooms listed (and itself, and the public headers).
ALLOWED = {
    "directory": {"importer", "schedule", "commands", "identity", "insights", "service", "audit", "graph", "authz", "io", "model",
                  "store", "util"},
    "importer": {"authz", "io", "model", "store", "util"},
    "schedule": {"commands", "service", "authz", "model", "store", "util"},
    "commands": {"service", "authz", "model", "store", "util"},
    "identity": {"service", "authz", "model", "store", "util"},
    "insights": {"service", "authz", "io", "model", "store", "util"},
    "service": {"authz", "model", "store", "util"},
    "audit": {"graph", "authz", "model", "util"},
    "graph": {"model", "util"},
    "authz": {"model", "util"},
    "io": {"model", "util"},
    "model": {"util"},
    "store": {"util"},
    "util": set(),
}
SQL = re.compile(r'"\s*(SELECT|INSERT|UPDATE|DELETE|PRAGMA|BEGIN|COMMIT|CREATE|DROP|SAVEPOINT|RELEASE|ROLLBACK)\b')
INCLUDE = re.compile(r'#include "([a-z_]+)/')


def main() -> int:
    problems: list[str] = []
    files = sorted(p for p in SRC.rglob("*") if p.suffix in (".h", ".cpp"))
    for path in files:
        room = path.relative_to(SRC).parts[0] if len(path.relative_to(SRC).parts) > 1 else ""
        text = path.read_text()
        rel = path.relative_to(SRC.parents[1])
        for n, line in enumerate(text.splitlines(), 1):
            if room != "store" and SQL.search(line):
                problems.append(f"{rel}:{n}: SQL outside store/: {line.strip()}")
            if room != "directory" and "Directory::Impl" in line:
                problems.append(f"{rel}:{n}: Directory::Impl outside directory/: {line.strip()}")
            m = INCLUDE.search(line)
            if m and room in ALLOWED and m.group(1) not in ALLOWED[room] | {room, "dirctl"}:
                problems.append(f"{rel}:{n}: {room}/ may not include {m.group(1)}/: {line.strip()}")
    print(f"checked {len(files)} files under {SRC}")
    for p in problems:
        print(p)
    print("ok" if not problems else f"{len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
