"""Executing one run on this host: the process side of LocalAgent.

The script runs under the command's shell (bash, sh; powershell as ``pwsh``
where installed) with a small environment (PATH, HOME, USER, LOGNAME, SHELL,
LANG) plus the launch's variables, in a new session and so its own process
group, from the run-as user's home directory. Started as root it switches to
the run-as user (with that user's groups); started as anyone else it runs only
commands whose run-as user is itself, and refuses the rest (exit code 126 and
a message on stderr). At the timeout, on cancellation and when the agent stops,
the whole group is killed. stdout and stderr are read as they come (so a chatty
process never blocks) and kept up to a limit each, truncation marked.
"""

from __future__ import annotations

import os
import pwd
import selectors
import shutil
import signal as signals
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REFUSED = 126  # the shell's "found but cannot execute"
NOT_FOUND = 127
TRUNCATED_MARK = "\n[dirctl: output truncated at {limit} bytes; {dropped} more bytes dropped]\n"
_CHECK_EVERY = 0.5  # seconds between cancellation checks
_DRAIN_AFTER_EXIT = 0.2  # seconds to collect output once the shell has exited


@dataclass
class Outcome:
    """What happened to a run: exactly one of exit_code and signal (or timed_out)."""

    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    timed_out: bool = False
    cancelled: bool = False  # cancelled while running: nothing to report


def _shell(name: str) -> list[str] | None:
    if name in ("bash", "sh"):
        path = shutil.which(name)
        return [path, "-c"] if path else None
    if name == "powershell":
        path = shutil.which("pwsh") or shutil.which("powershell")
        return [path, "-NonInteractive", "-Command"] if path else None
    return None  # cmd: Windows only


class _Capture:
    """One stream, kept up to limit bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0

    def add(self, chunk: bytes) -> None:
        room = self.limit - len(self.kept)
        if room > 0:
            self.kept += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> tuple[str, bool]:
        out = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            out += TRUNCATED_MARK.format(limit=self.limit, dropped=self.dropped)
        return out, self.dropped > 0


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signals.SIGKILL)
    except ProcessLookupError:
        pass


def _identity(run_as: str) -> tuple[dict[str, Any], pwd.struct_passwd] | str:
    """Popen's user arguments for run_as, or why it cannot run as that user."""
    me = pwd.getpwuid(os.geteuid())
    want = run_as or me.pw_name
    try:
        user = pwd.getpwnam(want)
    except KeyError:
        return f"the run-as user '{want}' does not exist on this host"
    if os.geteuid() == 0:
        groups = os.getgrouplist(user.pw_name, user.pw_gid)
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": groups}, user
    if user.pw_uid != me.pw_uid:
        return (f"this agent runs as '{me.pw_name}', not root, so it cannot run a command as '{want}'; "
                f"start the agent as root, or set the command's user to '{me.pw_name}'")
    return {}, user


def execute_local(run: Any, *, output_limit: int = 1 << 20, cancelled: Callable[[], bool] = lambda: False,
                  stop: threading.Event | None = None) -> Outcome:
    """Execute run (script, shell, run_as, timeout, variables) here and wait for it."""
    argv = _shell(run.shell)
    if argv is None:
        return Outcome(exit_code=NOT_FOUND, stderr=f"dirctl agent: the shell '{run.shell}' is not available on "
                                                   "this host")
    ident = _identity(run.run_as)
    if isinstance(ident, str):
        return Outcome(exit_code=REFUSED, stderr=f"dirctl agent: {ident}\n")
    user_args, user = ident
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": user.pw_dir,
           "USER": user.pw_name, "LOGNAME": user.pw_name, "SHELL": argv[0], "LANG": "C.UTF-8"}
    env.update(run.variables)
    cwd = user.pw_dir if os.path.isdir(user.pw_dir) else "/"
    try:
        proc = subprocess.Popen(argv + [run.script], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=cwd, start_new_session=True, **user_args)
    except OSError as exc:
        return Outcome(exit_code=REFUSED, stderr=f"dirctl agent: cannot start the command: {exc}\n")
    return _watch(proc, run.timeout, output_limit, cancelled, stop)


def _watch(proc: subprocess.Popen[bytes], timeout: float, limit: int, cancelled: Callable[[], bool],
           stop: threading.Event | None) -> Outcome:
    """Collect output until the process (and whatever holds its pipes) ends, or kill the group."""
    assert proc.stdout is not None and proc.stderr is not None
    captures = {proc.stdout.fileno(): _Capture(limit), proc.stderr.fileno(): _Capture(limit)}
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    sel = selectors.DefaultSelector()
    for f in (proc.stdout, proc.stderr):
        os.set_blocking(f.fileno(), False)
        sel.register(f, selectors.EVENT_READ)
    start = time.monotonic()
    deadline = start + timeout
    next_check = start + _CHECK_EVERY
    exited_at: float | None = None
    why = ""
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                why = "timeout"
            elif stop is not None and stop.is_set():
                why = "stop"
            elif now >= next_check:
                next_check = now + _CHECK_EVERY
                if cancelled():
                    why = "cancel"
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if why:
                break
            if exited_at is not None and (not sel.get_map() or now - exited_at > _DRAIN_AFTER_EXIT):
                break  # the shell is gone; a background child still holding the pipes is killed below
            wait = min(0.1, max(0.0, deadline - now))
            if not sel.get_map():  # output closed, the shell still running: wait for it, not kill it
                try:
                    proc.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    pass
                continue
            for key, _ in sel.select(timeout=wait):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    captures[key.fd].add(chunk)
                else:
                    sel.unregister(key.fileobj)
    finally:
        _kill_group(proc)  # the group's leftovers, or all of it on timeout, cancel and stop
        sel.close()
        code = proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    out, out_cut = captures[out_fd].text()
    err, err_cut = captures[err_fd].text()
    if why == "stop" and exited_at is None:
        err += "\n[dirctl: the agent stopped; the run was killed]\n"
    result = Outcome(stdout=out, stderr=err, stdout_truncated=out_cut, stderr_truncated=err_cut,
                     timed_out=why == "timeout" and exited_at is None, cancelled=why == "cancel")
    if code < 0:
        result.signal = -code
    else:
        result.exit_code = code
    return result
