"""The ``dirctl commands``, ``dirctl agent`` and ``dirctl scheduler`` verbs of the command line
(see dirctl.cli)."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

from .agents import LocalAgent
from .directory import Directory
from .directory import open as open_directory
from .errors import InvalidArgument, NotFound
from .runs import Run


def add_commands_parser(sub: Any) -> None:
    cmd = sub.add_parser("commands", help="run commands and read their results")
    verbs = cmd.add_subparsers(dest="verb", required=True)
    run = verbs.add_parser("run", help="launch a command on its target devices (or those named)")
    run.add_argument("name", help="the command's name")
    run.add_argument("--db", required=True, help="the directory file")
    run.add_argument("--org", required=True, help="the command's org")
    run.add_argument("--device", action="append", default=[], help="a target device's hostname (repeatable)")
    run.add_argument("--var", action="append", default=[], metavar="NAME=VALUE", help="an environment variable")
    run.add_argument("--ttl", type=int, help="seconds a queued run waits for its device (default 86400)")
    run.add_argument("--wait", type=float, metavar="SECONDS",
                     help="wait this long for the runs to end and print their results")
    res = verbs.add_parser("results", help="print a command's results as a table")
    res.add_argument("name", help="the command's name")
    res.add_argument("--db", required=True, help="the directory file")
    res.add_argument("--org", required=True, help="the command's org")
    res.add_argument("--state", help="only runs in this state")


def add_agent_parser(sub: Any) -> None:
    agent = sub.add_parser("agent", help="execute a device's queued runs on this host")
    agent.add_argument("--db", required=True, help="the directory file")
    agent.add_argument("--device", required=True, help="the device's hostname (or id)")
    agent.add_argument("--org", help="the device's org (needed when several orgs have the hostname)")
    agent.add_argument("--once", action="store_true", help="run what is queued now, then exit")
    agent.add_argument("--poll", type=float, default=1.0, help="seconds between polls (default 1)")
    agent.add_argument("--output-limit", type=int, default=1 << 20, help="bytes kept of stdout and of stderr")


def add_reviews_parser(sub: Any) -> None:
    rev = sub.add_parser("reviews", help="list, approve or reject runs waiting for review")
    verbs = rev.add_subparsers(dest="verb", required=True)
    for verb in ("list", "approve", "reject"):
        v = verbs.add_parser(verb, help=f"{verb} review requests")
        if verb != "list":
            v.add_argument("review", type=int, help="the review's id")
            v.add_argument("--comment", default="", help="why")
        v.add_argument("--db", required=True, help="the directory file")
        v.add_argument("--org", required=True, help="the org")
        who = v.add_mutually_exclusive_group(required=verb != "list")
        who.add_argument("--as-admin", metavar="EMAIL", help="act as this admin")
        who.add_argument("--as-user", metavar="USERNAME", help="act as this user of the org")
        if verb == "list":
            v.add_argument("--state", choices=("pending", "approved", "rejected", "revoked", "expired"))


def reviews_main(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        view: Directory = d
        if args.as_admin:
            view = d.as_admin(args.as_admin)
        elif args.as_user:
            view = d.as_user(d.orgs.get(args.org).users.get(args.as_user))
        commands = view.orgs.get(args.org).commands
        if args.verb == "list":
            rows = [("review", "command", "state", "requested by", "requested at", "waiting for")]
            for r in commands.reviews(args.state):
                rows.append((str(r.id), r.command_name, r.state, r.requester_name or r.requested_by,
                             f"{r.requested_at:%Y-%m-%d %H:%M:%S}", ", ".join(r.waiting_for)))
            widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
            for row in rows:
                print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            return 0
        vote = commands.approve if args.verb == "approve" else commands.reject
        print(vote(args.review, args.comment))
        return 0


def add_scheduler_parser(sub: Any) -> None:
    sch = sub.add_parser("scheduler", help="launch scheduled commands when they are due")
    sch.add_argument("--db", required=True, help="the directory file")
    sch.add_argument("--once", action="store_true", help="launch what is due now, then exit")
    sch.add_argument("--max-sleep", type=float, default=60.0,
                     help="seconds between looks at the schedules at most (default 60)")


def scheduler_main(args: argparse.Namespace) -> int:
    def report(fired: Any) -> None:
        what = f"launch {fired.launch_id}" if fired.launch_id else f"nothing launched: {fired.note}"
        missed = f" (stands for {fired.fire.missed} missed)" if fired.fire.missed else ""
        print(f"{fired.fire.fire_at:%Y-%m-%d %H:%M:%S}Z command {fired.fire.command_id}: {what}{missed}", flush=True)

    with open_directory(args.db) as d:
        scheduler = d.scheduler
        if args.once:
            for fired in scheduler.tick():
                report(fired)
            return 0
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: scheduler.stop())
        print("dirctl scheduler: running; SIGTERM stops", file=sys.stderr, flush=True)
        scheduler.serve(max_sleep=args.max_sleep, on_fire=report)
        print("dirctl scheduler: stopped", file=sys.stderr)
        return 0


def print_table(runs: list[Run]) -> None:
    """Runs as a fixed-width table on stdout."""
    rows = [("run", "device", "state", "exit", "requested by", "requested at", "finished at", "output")]
    for r in runs:
        out = (r.stdout.strip() or r.stderr.strip()).replace("\n", " | ")
        rows.append((str(r.id), r.device_name or str(r.device_id), r.state,
                     "" if r.exit_code is None else str(r.exit_code) if r.signal is None else f"sig {r.signal}",
                     r.requester_name or r.requested_by, f"{r.requested_at:%Y-%m-%d %H:%M:%S}",
                     "" if r.finished_at is None else f"{r.finished_at:%Y-%m-%d %H:%M:%S}", out[:60]))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())


def _variables(pairs: list[str]) -> dict[str, str]:
    out = {}
    for p in pairs:
        name, eq, value = p.partition("=")
        if not eq:
            raise InvalidArgument(f"--var {p!r}: write NAME=VALUE")
        out[name] = value
    return out


def commands_main(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        org = d.orgs.get(args.org)
        cmd = org.commands.get(args.name)
        if args.verb == "results":
            print_table(org.commands.results(cmd, state=args.state))
            return 0
        devices = [org.devices.get(h) for h in args.device] or None
        launch = org.commands.run(cmd, devices, _variables(args.var), ttl=args.ttl)
        print(f"launched {cmd.name!r} on {len(launch.run_ids)} device(s): launch {launch.id}, "
              f"runs {', '.join(map(str, launch.run_ids))}")
        if args.wait is None:
            return 0
        try:
            runs = launch.wait(args.wait)
        except TimeoutError as exc:
            print(f"dirctl: {exc}", file=sys.stderr)
            print_table(launch.runs())
            return 1
        print_table(runs)
        return 0 if all(r.state == "succeeded" for r in runs) else 1


def _device(d: Directory, name: str, org_name: str | None) -> Any:
    orgs = [d.orgs.get(org_name)] if org_name else list(d.orgs)
    found = [org.devices.get(name) for org in orgs if name in org.devices]
    if not found and name.isdigit():
        found = [d[int(name)]]
    if not found:
        raise NotFound(f"no device {name!r}" + (f" in org {org_name!r}" if org_name else " in any org"))
    if len(found) > 1:
        raise InvalidArgument(f"{len(found)} orgs have a device {name!r}; name the org with --org")
    return found[0]


def agent_main(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        agent = LocalAgent(d, _device(d, args.device, args.org), output_limit=args.output_limit)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: agent.stop())
        if args.once:
            runs = agent.run_pending()
            print_table(runs)
            return 0
        print(f"dirctl agent: serving device {args.device!r} as {agent.name}; SIGTERM stops", file=sys.stderr)
        agent.serve(poll_interval=args.poll)
        print("dirctl agent: stopped", file=sys.stderr)
        return 0
