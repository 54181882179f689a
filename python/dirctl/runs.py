"""Command runs: launches, their per-device runs, and results.

``org.commands.run(cmd)`` makes a Launch with one queued Run per target device;
agents (dirctl.agents) take runs and report them; ``org.commands.results()``
and ``results_frame()`` read what happened. The engine (cpp/src/commands/)
authorises and audits every call and enforces ttl and timeout; this module
converts times and wraps records.

A run's states: queued -> running -> succeeded | failed | timed_out, or queued ->
expired (no agent took it within the ttl), or cancelled from queued or running. A
command with a review policy starts its runs pending_review (dirctl.reviews): they are
queued once approved, cancelled when rejected or revoked, expired when the review is.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from . import _core
from .args import integer, object_id, text
from .base import Handle, Object, wrap
from .errors import InvalidArgument

if TYPE_CHECKING:  # pragma: no cover
    from ._core import LaunchRecord, RunRecord
    from .frames import DataFrame

STATES = tuple(_core.RUN_STATES)  # the engine's order: results_frame's state codes index it
ENDED = frozenset(("succeeded", "failed", "timed_out", "expired", "cancelled"))
_REQUESTER_TYPES = ("system", "admin", "user", "api_key")
_NO_CODE = -(2**31)


def to_ms(when: Any, what: str) -> int:
    """A timezone-aware datetime (or epoch seconds) as integer milliseconds."""
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            raise InvalidArgument(f"{what}: give a timezone-aware datetime (e.g. datetime.now(timezone.utc)), "
                                  f"not a naive one ({when!r})")
        return int(when.timestamp() * 1000)
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        return int(when * 1000)
    raise InvalidArgument(f"{what}: expected a timezone-aware datetime or epoch seconds, got {type(when).__name__}")


def from_ms(ms: int | None) -> dt.datetime | None:
    """Integer milliseconds as a UTC datetime (None stays None)."""
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)


def optional_ms(when: Any, what: str) -> int | None:
    """to_ms, with None passed through."""
    return None if when is None else to_ms(when, what)


class Run:
    """One command run on one device and, once it ended, its result (a snapshot; refresh() re-reads).

    Fields: id, launch_id, command_id, command_name, device_id, device_name, state, exit_code, signal, stdout, stderr,
    stdout_truncated, stderr_truncated, requested_by ("admin:12"), requester_name,
    requested_at, expires_at, started_at, finished_at (UTC datetimes or None), started_by,
    finished_by (the actor of each transition), script, shell, run_as, timeout, variables.
    """

    __slots__ = ("_dir", "_r")

    def __init__(self, directory: Handle, record: RunRecord) -> None:
        self._dir = directory
        self._r = record

    id = property(lambda self: self._r["id"])
    launch_id = property(lambda self: self._r["launch"])
    org_id = property(lambda self: self._r["org"])
    command_id = property(lambda self: self._r["command"])
    device_id = property(lambda self: self._r["device"])
    device_name = property(lambda self: self._r["device_name"], doc="the device's hostname (as named now)")
    command_name = property(lambda self: self._r["command_name"])
    state = property(lambda self: self._r["state"], doc="pending_review | queued | running | succeeded | failed | "
                                                          "timed_out | expired | cancelled")
    exit_code = property(lambda self: self._r["exit_code"])
    signal = property(lambda self: self._r["signal"])
    stdout = property(lambda self: self._r["stdout"])
    stderr = property(lambda self: self._r["stderr"])
    stdout_truncated = property(lambda self: self._r["stdout_truncated"])
    stderr_truncated = property(lambda self: self._r["stderr_truncated"])
    requested_by = property(lambda self: self._r["requested_by"])
    requester_name = property(lambda self: self._r["requester_name"])
    started_by = property(lambda self: self._r["started_by"])
    finished_by = property(lambda self: self._r["finished_by"])
    script = property(lambda self: self._r["script"])
    shell = property(lambda self: self._r["shell"])
    run_as = property(lambda self: self._r["run_as"])
    timeout = property(lambda self: self._r["timeout"])
    variables = property(lambda self: dict(self._r["variables"]))

    @property
    def requested_at(self) -> dt.datetime:
        return from_ms(self._r["queued_at"])  # type: ignore[return-value]

    @property
    def expires_at(self) -> dt.datetime:
        """When a queued run expires if no agent has taken it."""
        return from_ms(self._r["expires_at"])  # type: ignore[return-value]

    @property
    def started_at(self) -> dt.datetime | None:
        return from_ms(self._r["started_at"])

    @property
    def finished_at(self) -> dt.datetime | None:
        return from_ms(self._r["finished_at"])

    @property
    def ended(self) -> bool:
        return self.state in ENDED

    @property
    def device(self) -> Object:
        """The device it ran (or runs, or was to run) on (a devices.read; device_name needs none)."""
        return wrap(self._dir, self._dir._core.get(self.device_id))

    @property
    def command(self) -> Object:
        return wrap(self._dir, self._dir._core.get(self.command_id))

    def refresh(self) -> Run:
        """The run as stored now."""
        return Run(self._dir, self._dir._core.run(self.id))

    def to_dict(self) -> dict[str, Any]:
        return dict(self._r)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Run) and self._r == other._r

    def __hash__(self) -> int:
        return hash(("run", self.id))

    def __repr__(self) -> str:
        parts = [f"id={self.id}", f"device={self.device_name or self.device_id!r}", f"state={self.state!r}"]
        if self.exit_code is not None:
            parts.append(f"exit_code={self.exit_code}")
        if self.signal is not None:
            parts.append(f"signal={self.signal}")
        return f"Run({', '.join(parts)})"


class Launch:
    """One launch of a command (JumpCloud's runCommand): its runs, one per device."""

    __slots__ = ("_dir", "_l")

    def __init__(self, directory: Handle, record: LaunchRecord) -> None:
        self._dir = directory
        self._l = record

    id = property(lambda self: self._l["id"])
    command_id = property(lambda self: self._l["command"])
    org_id = property(lambda self: self._l["org"])
    requested_by = property(lambda self: self._l["requested_by"])
    requester_name = property(lambda self: self._l["requester_name"])
    ttl = property(lambda self: self._l["ttl"], doc="seconds a queued run waits for its device")
    run_ids = property(lambda self: list(self._l["runs"]))
    review_id = property(lambda self: self._l["review"] or None, doc="the review its runs wait for, if any")

    @property
    def requested_at(self) -> dt.datetime:
        return from_ms(self._l["requested_at"])  # type: ignore[return-value]

    def runs(self) -> list[Run]:
        """Its runs as stored now, with their results."""
        return [Run(self._dir, r) for r in self._dir._core.runs(org=self.org_id, launch=self.id)]

    def pending(self) -> int:
        """How many of its runs have not ended."""
        return int(self._dir._core.pending_runs(self.id))

    def wait(self, timeout: float | None = None, *, poll: float = 0.05) -> list[Run]:
        """Wait until every run ended (agents report, or the engine expires or times them
        out); returns the runs. TimeoutError if some are still queued or running after
        timeout seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while (left := self.pending()):
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"launch {self.id}: {left} of {len(self._l['runs'])} runs have not ended after "
                                   f"{timeout} s; launch.cancel() ends them, or wait again")
            time.sleep(poll)
        return self.runs()

    def cancel(self) -> int:
        """Cancel its queued and running runs; returns how many it ended."""
        return int(self._dir._core.cancel_launch(self.id))

    def results_frame(self) -> DataFrame:
        return results_frame(self._dir, org=self.org_id, launch=self.id)

    def __repr__(self) -> str:
        return (f"Launch(id={self.id}, command={self.command_id}, runs={len(self._l['runs'])}, "
                f"by={self.requester_name or self.requested_by!r})")


def _ids(devices: Any, what: str) -> list[int]:
    if devices is None:
        return []
    if isinstance(devices, (Object, int)):
        devices = [devices]
    if not isinstance(devices, Iterable) or isinstance(devices, (str, bytes)):
        raise InvalidArgument(f"{what}: expected devices (objects or ids), got {type(devices).__name__}")
    return [object_id(x, what) for x in devices]


def _variables(variables: Any) -> dict[str, str]:
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        raise InvalidArgument(f"variables: expected a mapping of names to text, got {type(variables).__name__}")
    out = {}
    for k, v in variables.items():
        out[text(k, "variable name")] = text(v if isinstance(v, str) else str(v), f"variable {k}")
    return out


def launch(directory: Handle, command: Object | int, devices: Any = None, variables: Any = None, *,
           ttl: int | None = None, now: Any = None) -> Launch:
    """See CommandCollection.run."""
    rec = directory._core.run_command(object_id(command, "command"), _ids(devices, "devices"),
                                      _variables(variables), None if ttl is None else integer(ttl, "ttl"),
                                      optional_ms(now, "now"))
    return Launch(directory, rec)


def _filter(org: int, command: Any, device: Any, state: Any, since: Any, launch_id: Any) -> dict[str, Any]:
    if state is not None and state not in STATES:
        raise InvalidArgument(f"state {state!r} is not one of {', '.join(STATES)}")
    return {"org": org, "command": None if command is None else object_id(command, "command"),
            "device": None if device is None else object_id(device, "device"),
            "launch": None if launch_id is None else integer(launch_id, "launch"),
            "state": state, "since": optional_ms(since, "since")}


def results(directory: Handle, org: int, command: Any = None, device: Any = None, state: Any = None,
            since: Any = None, launch_id: Any = None) -> list[Run]:
    f = _filter(org, command, device, state, since, launch_id)
    return [Run(directory, r) for r in directory._core.runs(**f)]


def results_frame(directory: Handle, org: int, command: Any = None, device: Any = None, state: Any = None,
                  since: Any = None, launch: Any = None) -> DataFrame:
    """Results as a DataFrame built from the engine's columns (no per-row Python objects):
    run id index; launch, command, device, state, requester (categoricals), requested_by,
    requested_at/started_at/finished_at (UTC, NaT when not yet), exit_code and signal
    (nullable Int32), duration (seconds)."""
    import numpy as np

    from .frames import Coded, frame_from_columns, nullable_ints

    c = directory._core.run_columns(**_filter(org, command, device, state, since, launch))
    name_of = dict(zip(c["named"].tolist(), c["names"]))

    def names(ids: Any, what: str) -> Coded:
        uniq, codes = np.unique(ids, return_inverse=True)
        return Coded(codes.astype(np.int32), [name_of.get(int(i)) or f"{what} {i}" for i in uniq],
                     [int(i) for i in uniq])

    def times(ms: Any) -> Any:
        out = ms.astype("datetime64[ms]")
        out[ms == 0] = np.datetime64("NaT")
        return out

    def codes(v: Any) -> Any:
        return nullable_ints(v, v == _NO_CODE)

    req_key = c["requester_type"].astype(np.uint64) << np.uint64(32) | c["requester_id"].astype(np.uint64)
    uniq, inverse = np.unique(req_key, return_inverse=True)
    req_labels: list[str] = []  # per distinct requester, not per row
    requester: list[str] = []
    for k in uniq.tolist():
        kind, rid = _REQUESTER_TYPES[k >> 32], k & 0xFFFFFFFF
        req_labels.append("system" if kind == "system" else f"{kind}:{rid}")
        requester.append("system" if kind == "system" else name_of.get(rid) or req_labels[-1])
    started, finished = c["started_at"], c["finished_at"]
    duration = np.where((started > 0) & (finished > 0), (finished - started) / 1000.0, np.nan)
    frame = frame_from_columns({
        "id": c["id"], "launch": c["launch"], "command": names(c["command"], "command"),
        "device": names(c["device"], "device"),
        "state": Coded(c["state"].astype(np.int32), list(STATES)),
        "requester": Coded(inverse.astype(np.int32), requester, None),
        "requested_by": Coded(inverse.astype(np.int32), req_labels, None),
        "requested_at": times(c["queued_at"]), "started_at": times(started), "finished_at": times(finished),
        "exit_code": codes(c["exit_code"]), "signal": codes(c["signal"]), "duration": duration,
        "command_id": c["command"], "device_id": c["device"],
    }, index="id", times=("requested_at", "started_at", "finished_at"))
    return frame


def older_than_ms(older_than: Any) -> int:
    """A purge cutoff: a timedelta (that long before now) or a timezone-aware datetime."""
    if isinstance(older_than, dt.timedelta):
        if older_than < dt.timedelta(0):
            raise InvalidArgument(f"older_than: {older_than} is negative; give how old a result must be")
        return to_ms(dt.datetime.now(dt.timezone.utc) - older_than, "older_than")
    return to_ms(older_than, "older_than")
