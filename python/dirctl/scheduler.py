"""``d.scheduler``: commands that launch themselves, and ``d.trigger``.

The engine (cpp/src/schedule/) decides what is due and launches each fire time
exactly once, even when several processes tick at the same moment. ``due(now)``
is pure and takes any clock; ``tick(now)`` launches; ``serve()`` is the daemon
loop of ``dirctl scheduler``: it ticks, then sleeps until the next fire time
(at most ``max_sleep`` seconds, so schedules other processes change are seen),
and returns when ``stop()`` is called (the CLI calls it on SIGTERM).

Missed fire times (the scheduler was down) give one catch-up launch, for the
newest missed time, with ``missed`` saying how many it stands for.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, NamedTuple

from .agents import _wait_for_change
from .args import object_id, text
from .base import Handle, Object
from .runs import Launch, from_ms, to_ms


class DueFire(NamedTuple):
    command_id: int
    org_id: int
    fire_at: dt.datetime  # the newest due fire time (UTC)
    missed: int           # earlier fire times it stands for


class Fired(NamedTuple):
    fire: DueFire
    launch_id: int | None  # None: nothing launched (see note)
    note: str


def _now(now: Any) -> int:
    return to_ms(dt.datetime.now(dt.timezone.utc) if now is None else now, "now")


def _fire(rec: Any) -> DueFire:
    return DueFire(rec["command"], rec["org"], from_ms(rec["fire_at"]), rec["missed"])  # type: ignore[arg-type]


class Scheduler:
    """The scheduler of one directory (the directory's own handle only)."""

    def __init__(self, directory: Handle) -> None:
        self._dir = directory
        self._stop = threading.Event()

    def due(self, now: Any) -> list[DueFire]:
        """What tick(now) would launch; writes nothing."""
        return [_fire(r) for r in self._dir._core.schedule_due(_now(now))]

    def tick(self, now: Any = None) -> list[Fired]:
        """Launch what is due at now (default: the real clock), each fire time once."""
        return [Fired(_fire(r), r["launch"] or None, r["note"]) for r in self._dir._core.schedule_tick(_now(now))]

    def next_wakeup(self, now: Any = None) -> dt.datetime | None:
        """The earliest fire time of any schedule after now."""
        ms = self._dir._core.schedule_next_wakeup(_now(now))
        return None if ms is None else from_ms(ms)

    def serve(self, *, max_sleep: float = 60.0, on_fire: Any = None) -> None:
        """Tick, sleep until the next fire time (at most max_sleep s), until stop()."""
        while not self._stop.is_set():
            for fired in self.tick():
                if on_fire is not None:
                    on_fire(fired)
            wake = self.next_wakeup()
            delay = max_sleep if wake is None else (wake - dt.datetime.now(dt.timezone.utc)).total_seconds()
            _wait_for_change(self._dir, self._stop, min(max(delay, 0.0), max_sleep))

    def stop(self) -> None:
        self._stop.set()

    def __repr__(self) -> str:
        return "<scheduler: due(now), tick(now), serve(), next_wakeup()>"


def trigger(directory: Handle, org: Object | int, name: str, payload: Any = None) -> list[Launch]:
    """Launch the org's trigger commands named name, the payload's keys as variables."""
    from .runs import _variables

    ids = directory._core.trigger(object_id(org, "org"), text(name, "trigger name"), _variables(payload))
    return [Launch(directory, directory._core.launch(rec["id"])) for rec in ids]
