"""``dirctl events`` and ``dirctl events-purge``: the audit log for SIEM pipelines (see dirctl.cli).

    dirctl events --db F [--since 7d] [--until T] [--type T ...] [--initiated-by WHO] [--resource ID]
                  [--resource-type KIND] [--org ORG ...] [--failed | --succeeded] [--search-term JSON]
                  [--sort asc|desc] [--limit N] [--format json|csv] [--page N]
    dirctl events-purge --db F --before T --export-to FILE [--format json|csv] [--force]

``events`` streams matching events to stdout, one JSON object per line as Directory
Insights exports them (or CSV with a header), a page at a time, flushed after each
page so a pipeline sees them as they are read. Times are durations ago (30m, 12h, 7d,
2w), ISO-8601 times with a timezone, or dates (midnight UTC). ``events-purge`` removes
the events before a time once they are written to FILE and read back, and prints what
it did.

Who reads: the API key in $DIRCTL_API_KEY, else --as-admin EMAIL, else the directory's
own handle. An admin sees the events of its orgs (and the directory-wide ones if its
role reads admins). Exit status: 0; 1 for a dirctl error; 2 for usage errors; 141 (as
if killed by SIGPIPE, and without a message) when the reader closes stdout early,
e.g. ``| head``; 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import sys
from typing import IO, Any, Callable, cast

from .directory import Directory
from .directory import open as open_directory
from .errors import InvalidArgument, NotFound
from .events import ACTOR_TYPES, build_filter

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process killed by SIGPIPE
EXIT_INTERRUPTED = 128 + 2


def when(value: str) -> _dt.timedelta | str:
    """A --since/--until/--before value: a duration ago (30m, 12h, 7d, 2w) as a timedelta,
    else the text, once the API has accepted it as a time (argparse reports the error)."""
    raw = value.strip()
    m = _DURATION.fullmatch(raw)
    parsed: _dt.timedelta | str = raw
    try:
        if m:
            parsed = _dt.timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        build_filter({"start_time": parsed})  # the API's own check, so the CLI and Python agree
    except InvalidArgument as exc:
        reason = str(exc).removeprefix("start_time: ")
        raise argparse.ArgumentTypeError(f"{reason}; or a duration ago: 30m, 12h, 7d, 2w") from None
    except OverflowError:  # a duration reaching before year 1
        raise argparse.ArgumentTypeError(f"{value!r} reaches further back than any date") from None
    return parsed


def _count(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            n = minimum - 1
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{value!r}: give a whole number from {minimum}")
        return n
    return parse


def _search_term(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(
            f"not JSON ({exc.msg} at character {exc.pos}); write e.g. "
            '\'{"and": [{"event_type": "admin_update"}, {"changes.field": "role"}]}\'') from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", required=True, help="the directory file (must exist)")
    p.add_argument("--as-admin", metavar="EMAIL",
                   help="read as this admin (default: $DIRCTL_API_KEY's admin, else the directory's own handle)")


def add_events_parsers(sub: Any) -> None:
    ev = sub.add_parser("events", help="stream audit events (Directory Insights) as JSON lines or CSV",
                        description="Stream matching audit events to stdout, oldest first: one JSON object "
                                    "per line (as Directory Insights exports them) or CSV with a header.")
    _common(ev)
    ev.add_argument("--since", type=when, metavar="TIME", help="from this time: 7d, 12h, 30m, 2w ago, or ISO-8601")
    ev.add_argument("--until", type=when, metavar="TIME", help="before this time (same forms as --since)")
    ev.add_argument("--type", action="append", metavar="EVENT_TYPE", help="e.g. user_update (repeatable)")
    ev.add_argument("--initiated-by", metavar="WHO",
                    help=f"an email, an actor id, or a type ({', '.join(ACTOR_TYPES)})")
    ev.add_argument("--resource", type=_count(1), metavar="ID", help="events about this object (its id)")
    ev.add_argument("--resource-type", metavar="KIND", help="events about objects of this kind, e.g. user, admin")
    ev.add_argument("--org", action="append", metavar="ORG",
                    help="an org's name or id; 0 for directory-wide events (repeatable)")
    outcome = ev.add_mutually_exclusive_group()
    outcome.add_argument("--failed", dest="success", action="store_const", const=False,
                         help="only refused or failed actions")
    outcome.add_argument("--succeeded", dest="success", action="store_const", const=True,
                         help="only actions that succeeded")
    ev.add_argument("--search-term", type=_search_term, metavar="JSON",
                    help='Insights\' search_term, e.g. \'{"changes.field": "role"}\' ("and", "or", "not" nest)')
    ev.add_argument("--sort", type=str.lower, choices=("asc", "desc"), default="asc",
                    help="asc: oldest first (default); desc: newest first")
    ev.add_argument("--limit", type=_count(0), metavar="N", help="at most N events")
    ev.add_argument("--format", choices=("json", "csv"), default="json", help="json: one object a line (default)")
    ev.add_argument("--page", type=_count(1), default=10_000, metavar="N",
                    help="events read and written per page (default 10000)")
    purge = sub.add_parser("events-purge", help="remove old audit events after exporting them to a file",
                           description="Write the events before a time to a file, read it back to verify it, "
                                       "then remove them from the log: one audited step (event events_purge).")
    _common(purge)
    purge.add_argument("--before", type=when, required=True, metavar="TIME",
                       help="purge events older than this: 90d ago, or an ISO-8601 time or date")
    purge.add_argument("--export-to", required=True, metavar="FILE", help="where the purged events go")
    purge.add_argument("--format", choices=("json", "csv"),
                       help="default: from FILE's extension (.csv; .json, .jsonl or .ndjson for JSON lines)")
    purge.add_argument("--force", action="store_true", help="replace FILE if it exists (as export --force)")


def _reader(d: Directory, args: argparse.Namespace) -> Directory:
    key = os.environ.get("DIRCTL_API_KEY")
    if key:
        return d.with_api_key(key)
    return d.as_admin(args.as_admin) if args.as_admin else d


def _existing(path: str) -> str:
    """A file must exist (reading must not create one); a server URL is checked on connecting."""
    if path != ":memory:" and not path.startswith(("postgresql://", "postgres://")) and not os.path.exists(path):
        raise NotFound(f"no directory file {path!r}; give --db the path of an existing directory")
    return path


def _org(d: Directory, name: str) -> int:
    if name.isdigit():
        return int(name)  # 0: directory-wide events
    return int(d.orgs.get(name).id)


def _criteria(d: Directory, args: argparse.Namespace) -> dict[str, Any]:
    who: Any = args.initiated_by
    if who is not None and who.isdigit():
        who = int(who)
    return {"since": args.since, "until": args.until, "type": args.type, "initiated_by": who,
            "resource": args.resource, "resource_type": args.resource_type,
            "org": [_org(d, o) for o in args.org] if args.org else None, "success": args.success,
            "search_term": args.search_term, "sort": args.sort.upper(), "limit": args.limit}


class _PageFlushing:
    """stdout's bytes, flushed after every write: events_export writes one page a write."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        n = self._out.write(data)
        self._out.flush()
        return n

    def flush(self) -> None:
        self._out.flush()


def _quietly(run: Callable[[], int]) -> int:
    """run(), with a reader that went away (| head) or Ctrl-C ending it without a traceback."""
    try:
        return run()
    except BrokenPipeError:
        # stdout's buffer still holds what could not be written; point the descriptor at
        # /dev/null so the interpreter's last flush does not report the pipe again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        print("dirctl: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def events_main(args: argparse.Namespace) -> int:
    def stream() -> int:
        with open_directory(_existing(args.db)) as d:
            view = _reader(d, args)
            out = cast(IO[bytes], _PageFlushing(sys.stdout.buffer))  # a file in all events_export uses
            view.events_export(out, format=args.format, page=args.page, **_criteria(view, args))
        return 0
    return _quietly(stream)


def events_purge_main(args: argparse.Namespace) -> int:
    def purge() -> int:
        with open_directory(_existing(args.db)) as d:
            report = _reader(d, args).events_purge(args.before, args.export_to, format=args.format,
                                                   overwrite=args.force)
        span = f" (#{report.first_seq}..#{report.last_seq})" if report.rows else ""
        print(f"purged {report.rows} events{span} into {report.file} (sha256 {report.sha256}); "
              f"recorded as event #{report.seq}")
        return 0
    return _quietly(purge)
