"""A throwaway PostgreSQL 15 cluster for the tests (issue #13's test store).

    with PgCluster() as url:        # "postgresql://dirctl@/postgres?host=<socket dir>&port=<port>"
        ...

    python3 tests/pg_cluster.py start STATE.json   # for CTest's fixture: starts one, notes it in STATE
    python3 tests/pg_cluster.py stop STATE.json    # stops the one STATE notes (and removes STATE)

`start()` runs Debian's `initdb` into a fresh temporary folder (as the `postgres` system
user when run as root: the server refuses to run as root), then `pg_ctl start` listening
on a Unix socket in that folder only (no TCP), on a free port number. `stop()` stops the
server (fast shutdown; SIGKILL to the postmaster if it does not end in time), checks that
no process of it is left, and removes the folder. Nothing outlives a `with` block; an
interrupted run stops the cluster at interpreter exit as well.

Durability settings stay PostgreSQL's defaults (fsync on), so a test that kills a client
or the server sees what a deployment would.
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

    def __init__(self) -> None:
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

    def start(self, outlive: bool = False) -> str:
        """Creates and starts the cluster; returns its URL. With outlive, it is left running when
        this process exits (the CLI's start; its stop ends it)."""
        bins = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="dirctl_pg_"))
        (self.root / "sock").mkdir()
        if os.geteuid() == 0:
            server = pwd.getpwnam("postgres")
            for p in (self.root, self.root / "sock"):
                os.chown(p, server.pw_uid, server.pw_gid)
        if not outlive:
            atexit.register(self.stop)
        data = self.root / "data"
        subprocess.run(self._as_server_user([str(bins / "initdb"), "-D", str(data), "-U", USER, "-A", "trust",
                                             "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True, text=True, timeout=120)
        self.port = free_port()
        options = f"-k {self.root / 'sock'} -p {self.port} -c listen_addresses='' -c max_connections=64"
        started = subprocess.run(self._as_server_user([str(bins / "pg_ctl"), "-D", str(data), "-l",
                                                       str(self.root / "server.log"), "-w", "-t", "60", "-o", options,
                                                       "start"]),
                                 capture_output=True, text=True, timeout=90)
        if started.returncode != 0:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr.strip()}\n{log[-2000:]}")
        self.pid = int((data / "postmaster.pid").read_text().split()[0])
        return self.url

    def stop(self) -> None:
        """Stops the server and removes its folder; idempotent."""
        if self.root is None:
            return
        data = self.root / "data"
        if self.pid:
            subprocess.run(self._as_server_user([str(bin_dir() / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                                                 "-t", "30", "stop"]), capture_output=True, timeout=60)
            deadline = time.monotonic() + 10
            while _alive(self.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _alive(self.pid):  # a fast shutdown that hung: the postmaster's children die with it
                os.kill(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 5
                while _alive(self.pid) and time.monotonic() < deadline:
                    time.sleep(0.05)
            if _alive(self.pid):
                raise RuntimeError(f"PostgreSQL (pid {self.pid}) is still running after SIGKILL")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root, self.pid = None, 0

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print("usage: pg_cluster.py start|stop STATE.json", file=sys.stderr)
        return 2
    state = Path(argv[2])
    cluster = PgCluster()
    if argv[1] == "start":
        url = cluster.start(outlive=True)
        state.write_text(json.dumps({"url": url, "root": str(cluster.root), "port": cluster.port, "pid": cluster.pid}))
        print(url)
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
