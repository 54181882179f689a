"""A throwaway PostgreSQL 15 cluster for the tests (issue #13's test store).

    with PgCluster() as url:        # "postgresql://dirctl@/postgres?host=<socket dir>&port=<port>"
        ...

    python3 tests/pg_cluster.py start STATE.json [--no-fsync]  # for CTest's fixture: starts one, notes it in STATE
    python3 tests/pg_cluster.py stop STATE.json    # stops the one STATE notes (and removes STATE)

`start()` runs Debian's `initdb` into a fresh temporary folder (as the `postgres` system
user when run as root: the server refuses to run as root), then `pg_ctl start` listening
on a Unix socket in that folder only (no TCP), on a free port number. `stop()` stops the
server (fast shutdown; SIGKILL to the postmaster if it does not end in time), checks that
no process of it is left, and removes the folder. Nothing outlives a `with` block; an
interrupted run stops the cluster at interpreter exit as well.

Durability settings stay PostgreSQL's defaults (fsync on), so a test that kills a client
or the server sees what a deployment would; pytest's session cluster, which no test crashes,
runs with `PgCluster(durable=False)` (no fsync) for speed, and so does CTest's (`--no-fsync`):
no test crashes the server, and a client killed mid-transaction is rolled back either way.
"""

from __future__ import annotations

import atexit
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType

BIN_DIRS = ("/usr/lib/postgresql/15/bin",)
USER = "dirctl"  # the cluster's superuser, with trust authentication on the socket


def bin_dir() -> Path:
    """Where initdb and pg_ctl are (Debian's postgresql-15 package); a clear error if missing."""
    for d in BIN_DIRS:
        if (Path(d) / "initdb").exists():
            return Path(d)
    raise RuntimeError("PostgreSQL 15 is not installed: `make deps` installs Debian's postgresql-15")


def free_port() -> int:
    """A port number nothing listens on now (the socket file's name carries it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """One local cluster in a temporary folder. Not thread-safe; one owner starts and stops it."""

    def __init__(self, durable: bool = True) -> None:
        """durable=False: the server neither fsyncs nor waits for its WAL at commit. For the pytest
        session's cluster, which no test crashes: a client killed mid-transaction is rolled back by
        the server either way, and only a crash of the server itself could lose recent commits."""
        self.durable = durable
        self.root: Path | None = None
        self.port = 0
        self.pid = 0  # the postmaster's, once started

    # The server refuses root: as root, run its programs as Debian's `postgres` user.
    def _as_server_user(self, argv: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv

    @property
    def url(self) -> str:
        assert self.root is not None, "start() first"
        return f"postgresql://{USER}@/postgres?host={self.root / 'sock'}&port={self.port}"

    def start(self, outlive: bool = False, state: Path | None = None) -> str:
        """Creates and starts the cluster; returns its URL. With outlive, it is left running when
        this process exits (the CLI's start; its stop ends it). `state` is written as soon as the
        folder exists, so a start cut short can still be stopped from it."""
        bins = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="dirctl_pg_"))
        self.port = free_port()
        if state is not None:
            self.save(state)
        (self.root / "sock").mkdir()
        if os.geteuid() == 0:
            server = pwd.getpwnam("postgres")
            for p in (self.root, self.root / "sock"):
                os.chown(p, server.pw_uid, server.pw_gid)
        if not outlive:
            atexit.register(self.stop)
        data = self.root / "data"
        try:
            subprocess.run(self._as_server_user([str(bins / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                                                 "-E", "UTF8", "--locale=C.UTF-8"]),
                           check=True, capture_output=True, text=True, timeout=60)
            options = f"-k {self.root / 'sock'} -p {self.port} -c listen_addresses='' -c max_connections=100"
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            started = subprocess.run(self._as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-l",
                                                           str(self.root / "server.log"), "-w", "-t", "60", "-o",
                                                           options, "start"]),
                                     capture_output=True, text=True, timeout=90)
            if started.returncode != 0:
                log = self.root / "server.log"
                raise RuntimeError(f"PostgreSQL did not start: {started.stderr.strip()}\n"
                                   f"{log.read_text(errors='replace')[-2000:] if log.exists() else ''}")
            self.pid = _postmaster_pid(data)
        except BaseException:
            self.stop()  # a server that started anyway is found by its postmaster.pid and stopped
            raise
        if state is not None:
            self.save(state)
        return self.url

    def save(self, state: Path) -> None:
        state.write_text(json.dumps({"url": self.url, "root": str(self.root), "port": self.port, "pid": self.pid}))

    def stop(self) -> None:
        """Stops the server (if one runs from this folder) and removes the folder; idempotent."""
        if self.root is None:
            return
        data = self.root / "data"
        pid = self.pid or _postmaster_pid(data)
        if pid or (data / "postmaster.pid").exists():
            subprocess.run(self._as_server_user([str(bin_dir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                                 "-t", "30", "stop"]), capture_output=True, timeout=60)
        if pid and _serves(pid, data):
            deadline = time.monotonic() + 10
            while _serves(pid, data) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _serves(pid, data):  # a fast shutdown that hung: the postmaster's children die with it
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 5
                while _serves(pid, data) and time.monotonic() < deadline:
                    time.sleep(0.05)
            if _serves(pid, data):
                raise RuntimeError(f"PostgreSQL (pid {pid}) is still running after SIGKILL")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root, self.pid = None, 0

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return fields[0] != "Z"


def _serves(pid: int, data: Path) -> bool:
    """True while `pid` is alive and is the postmaster of `data` (never another process that got the pid)."""
    if not _alive(pid):
        return False
    try:
        return str(data) in Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return False


def _postmaster_pid(data: Path) -> int:
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return 0


def main(argv: list[str]) -> int:
    fast = "--no-fsync" in argv[3:]
    if len(argv) not in (3, 4) or argv[1] not in ("start", "stop") or (len(argv) == 4 and not fast):
        print("usage: pg_cluster.py start|stop STATE.json [--no-fsync]", file=sys.stderr)
        return 2
    state = Path(argv[2])
    cluster = PgCluster(durable=not fast)
    if argv[1] == "start":
        print(cluster.start(outlive=True, state=state))
        return 0
    if not state.exists():
        return 0
    noted = json.loads(state.read_text())
    cluster.root, cluster.port, cluster.pid = Path(noted["root"]), int(noted["port"]), int(noted["pid"])
    cluster.stop()
    state.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
