"""Agents: what executes runs on devices.

``d.agent(device)`` speaks the engine's protocol for one device: ``next_run()``
takes the oldest queued run and marks it running (atomically, across
processes), ``report()`` ends it. An agent acts for a device, so only the
directory's own handle makes one; a view's attempt is refused and audited.

Two ways to execute runs:
- ``LocalAgent``: runs each on this host (dirctl.execution), as the command's
  run-as user, with its timeout and output limits;
- ``CallbackAgent``: hands each run to your callable (SSH, a job system...),
  which returns an Outcome.

Both loop with ``run_pending()`` (what is queued now) or ``serve()`` (until
stopped; the CLI ``dirctl agent`` stops it cleanly on SIGTERM).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from .args import object_id, text
from .base import Handle, Object, wrap
from .errors import InvalidArgument, InvalidState
from .execution import Outcome, execute_local
from .runs import Run, optional_ms


def _wait_for_change(handle: Handle, stop: threading.Event, seconds: float) -> None:
    """Sleep up to `seconds`, waking early when another process commits (a PostgreSQL
    notification; a file's WAL index) or when `stop` is set (looked at every 0.2 s)."""
    deadline = time.monotonic() + seconds
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0 or handle._core.wait_for_change(int(min(left, 0.2) * 1000)):
            return


class Agent:
    """The agents' protocol for one device (from the directory's own handle)."""

    def __init__(self, directory: Handle, device: Object | int, *, name: str | None = None) -> None:
        self._dir = directory
        self.device_id = object_id(device, "device")
        self.name = text(name, "agent name") if name is not None else f"{socket.gethostname()}:{os.getpid()}"

    @property
    def device(self) -> Object:
        return wrap(self._dir, self._dir._core.get(self.device_id))

    def next_run(self, *, now: Any = None) -> Run | None:
        """The device's oldest queued run, now running for this agent; None if none is queued.
        Notes the device's last contact either way. now: a fake clock (tests)."""
        rec = self._dir._core.next_run(self.device_id, self.name, optional_ms(now, "now"))
        return None if rec is None else Run(self._dir, rec)

    def report(self, run: Run | int, exit_code: int | None = None, stdout: str = "", stderr: str = "", *,
               signal: int | None = None, timed_out: bool = False, stdout_truncated: bool = False,
               stderr_truncated: bool = False, now: Any = None) -> Run:
        """End a running run: succeeded for exit code 0, failed for another code or a signal,
        timed_out when the agent killed it at the timeout (or the report is late).
        InvalidState if the run is not running (cancelled, timed out by the engine...)."""
        run_id = run.id if isinstance(run, Run) else int(run)
        return Run(self._dir, self._dir._core.report_run(
            self.device_id, self.name, run_id, exit_code, signal, text(stdout, "stdout"), text(stderr, "stderr"),
            bool(stdout_truncated), bool(stderr_truncated), bool(timed_out), optional_ms(now, "now")))

    def state_of(self, run: Run) -> str:
        return str(self._dir._core.run(run.id, output=False)["state"])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(device={self.device_id}, name={self.name!r})"


class CallbackAgent(Agent):
    """An agent whose runs are executed by a callable: execute(run) -> Outcome.

    The callable receives the Run (script, shell, run_as, timeout, variables, device) and
    returns what happened; an exception it raises is reported as a failure (exit code 1)
    with the exception in stderr, so a run is never left running by a broken transport.
    """

    def __init__(self, directory: Handle, device: Object | int, execute: Callable[[Run], Outcome], *,
                 name: str | None = None) -> None:
        super().__init__(directory, device, name=name)
        if not callable(execute):
            raise InvalidArgument(f"execute must be callable (run -> Outcome), got {type(execute).__name__}")
        self._execute = execute
        self._stop = threading.Event()

    def execute(self, run: Run) -> Outcome:
        try:
            return self._execute(run)
        except Exception as exc:  # noqa: BLE001 - the transport's failure is the run's result
            return Outcome(exit_code=1, stderr=f"dirctl agent: the executor failed: {type(exc).__name__}: {exc}")

    def run_one(self, run: Run) -> Run | None:
        """Execute one taken run and report it; None if it was cancelled meanwhile."""
        out = self.execute(run)
        if out.cancelled:
            return None
        try:
            return self.report(run, out.exit_code, out.stdout, out.stderr, signal=out.signal,
                               timed_out=out.timed_out, stdout_truncated=out.stdout_truncated,
                               stderr_truncated=out.stderr_truncated)
        except InvalidState:  # cancelled or timed out by the engine while it ran
            return None

    def run_pending(self, *, limit: int | None = None) -> list[Run]:
        """Execute what is queued for the device now, oldest first; returns the reported runs."""
        done: list[Run] = []
        while (limit is None or len(done) < limit) and not self._stop.is_set():
            run = self.next_run()
            if run is None:
                break
            reported = self.run_one(run)
            if reported is not None:
                done.append(reported)
        return done

    def serve(self, *, poll_interval: float = 1.0) -> None:
        """Poll and execute until stop() is called (from a signal handler or another thread)."""
        while not self._stop.is_set():
            if not self.run_pending():
                _wait_for_change(self._dir, self._stop, poll_interval)

    def stop(self) -> None:
        """Stop serving: a run in progress is killed (LocalAgent) and reported; no new one is taken."""
        self._stop.set()


class LocalAgent(CallbackAgent):
    """Executes runs on this host: the command's shell with its variables as the
    environment, in its own process group, as its run-as user (when the agent runs as
    root; otherwise only runs whose run-as user is the agent's own), killed with its
    children at the timeout, stdout and stderr kept up to output_limit bytes each."""

    def __init__(self, directory: Handle, device: Object | int, *, name: str | None = None,
                 output_limit: int = 1 << 20) -> None:
        if isinstance(output_limit, bool) or not isinstance(output_limit, int) or output_limit < 0:
            raise InvalidArgument(f"output_limit: expected bytes (an integer >= 0), got {output_limit!r}")
        self.output_limit = output_limit
        super().__init__(directory, device, self._local, name=name)

    def _local(self, run: Run) -> Outcome:
        return execute_local(run, output_limit=self.output_limit,
                             cancelled=lambda: self.state_of(run) == "cancelled", stop=self._stop)
