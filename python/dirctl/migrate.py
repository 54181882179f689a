"""Moving a directory between stores: a SQLite file and a PostgreSQL database, either way.

    counts = dirctl.migrate("acme.db", "postgresql://dirctl@db.example.com/acme")
    dirctl migrate --from acme.db --to postgresql://dirctl@db.example.com/acme

Everything goes across (objects, relations, credential hashes, runs, reviews, schedules'
history, the whole event log with its seq and times), in one transaction on the target,
so ``dirctl.open(target)`` gives the same directory. The target must be new: a file that
does not exist yet, or an empty database.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, Callable

from . import _core
from .args import path as path_arg
from .errors import InvalidArgument


def migrate(source: str | os.PathLike[str], target: str | os.PathLike[str], *, timeout: float = 10.0,
            progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy the directory at `source` to the new store at `target`; returns rows copied per table.
    `progress(table, rows_so_far)` is called after each batch (in the calling thread)."""
    src, dst = path_arg(source, "source"), path_arg(target, "target")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 86400:
        raise InvalidArgument(f"timeout: expected seconds from 0 to 86400, got {timeout!r}")
    if progress is not None and not callable(progress):
        raise InvalidArgument(f"progress must be callable, not {progress!r}")
    return dict(_core.migrate(src, dst, busy_timeout_ms=int(timeout * 1000), progress=progress))


def add_migrate_parser(sub: Any) -> None:
    p = sub.add_parser("migrate", help="copy a directory to another store (a file or postgresql://...)")
    p.add_argument("--from", dest="source", required=True, help="the directory to copy (a .db file or a URL)")
    p.add_argument("--to", dest="target", required=True, help="the new store: a new .db file or an empty database")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def migrate_main(args: argparse.Namespace) -> int:
    def show(table: str, rows: int) -> None:
        print(f"\r{table}: {rows} rows", end="", file=sys.stderr, flush=True)

    counts = migrate(args.source, args.target, progress=None if args.quiet or not sys.stderr.isatty() else show)
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    total = sum(counts.values())
    print(f"copied {total} rows in {len(counts)} tables to {args.target}")
    for table, n in counts.items():
        if n:
            print(f"  {table}: {n}")
    return 0
