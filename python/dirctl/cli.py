"""The ``dirctl`` command line: a thin client of the Python API.

    dirctl import users.csv --db acme.db --org acme [--mode upsert] [--on-error skip] [--dry-run]
    dirctl export users.csv --db acme.db --org acme
    dirctl commands run NAME --db acme.db --org acme [--device HOST ...] [--var K=V ...] [--wait SECONDS]
    dirctl commands results NAME --db acme.db --org acme [--state STATE]
    dirctl agent --db acme.db --device HOST [--org acme] [--once]
    dirctl scheduler --db acme.db [--once] [--max-sleep SECONDS]
    dirctl reviews list|approve ID|reject ID --db acme.db --org acme [--as-admin EMAIL | --as-user NAME]
    dirctl users create|list|update|approve|reject ... --db acme.db --org acme (Runops' verbs)
    dirctl register --db acme.db --org acme --email E --name NAME [--team T] [--groups dev,support]
    dirctl events --db acme.db [--since 7d] [--type user_update ...] [--format json|csv] ... (SIEM export)
    dirctl events-purge --db acme.db --before 2026-01-01 --export-to old.jsonl [--force]
    dirctl migrate --from acme.db --to postgresql://user@host/db (or back: any store to a new one)

Wherever a command takes --db, a PostgreSQL URL (postgresql://user@host/db) works as well as a file.

Exit status: 0 when every row went in (or would, with --dry-run), every waited-for
run succeeded, or the agent stopped cleanly; 1 otherwise; 2 for usage errors. ``events``
exits 141 when its reader closes the pipe early (see dirctl.events_cli).
"""

from __future__ import annotations

import argparse
import sys

from .agent_cli import (add_agent_parser, add_commands_parser, add_reviews_parser, add_scheduler_parser, agent_main,
                        commands_main, reviews_main, scheduler_main)
from .directory import open as open_directory
from .errors import Error
from .events_cli import add_events_parsers, events_main, events_purge_main
from .migrate import add_migrate_parser, migrate_main
from .users_cli import add_users_parser, register_main, users_main


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dirctl", description="dirctl: a directory core for IT teams")
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import users from a CSV in JumpCloud's template")
    imp.add_argument("csv", help="the CSV file")
    imp.add_argument("--db", required=True, help="the directory file (created if missing)")
    imp.add_argument("--org", required=True, help="the org to import into (created if missing)")
    imp.add_argument("--mode", choices=("create", "update", "upsert"), default="create")
    imp.add_argument("--on-error", choices=("abort", "skip"), default="abort",
                     help="abort: write nothing if any row is bad (default); skip: write the valid rows")
    imp.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    imp.add_argument("--create-groups", action="store_true", help="create user groups the file names")
    imp.add_argument("--strict", action="store_true", help="unknown columns are errors")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    exp = sub.add_parser("export", help="export an org's users to a CSV in the import template")
    exp.add_argument("csv", help="the CSV file to write")
    exp.add_argument("--db", required=True, help="the directory file")
    exp.add_argument("--org", required=True, help="the org to export")
    exp.add_argument("--force", action="store_true", help="replace the CSV file if it exists (keeps its permissions)")
    add_commands_parser(sub)
    add_agent_parser(sub)
    add_scheduler_parser(sub)
    add_reviews_parser(sub)
    add_users_parser(sub)
    add_events_parsers(sub)
    add_migrate_parser(sub)
    return p


def _import(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        org = d.orgs.get(args.org) if args.org in d.orgs else d.orgs.create(args.org)
        report = org.import_users_csv(args.csv, mode=args.mode, on_error=args.on_error, dry_run=args.dry_run,
                                      create_groups=args.create_groups, strict=args.strict,
                                      progress=not args.quiet and sys.stderr.isatty())
    print(report.summary())
    for w in report.warnings:
        print(f"warning: {w}")
    for e in report.error_records:
        print(f"error: {e}")
    return 0 if report.ok and (report.written or report.dry_run) else 1


def _export(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        n = d.orgs.get(args.org).users.export_csv(args.csv, overwrite=args.force)
    print(f"exported {n} users to {args.csv}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        verbs = {"import": _import, "export": _export, "commands": commands_main, "agent": agent_main,
                 "scheduler": scheduler_main, "reviews": reviews_main, "users": users_main,
                 "register": register_main, "events": events_main, "events-purge": events_purge_main,
                 "migrate": migrate_main}
        return verbs[args.command](args)
    except Error as exc:
        print(f"dirctl: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
