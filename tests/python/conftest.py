"""Shared fixtures for the dirctl Python tests.

`d` is a fresh directory, once on each store: ":memory:" SQLite, and a new
database on the session's throwaway PostgreSQL cluster (`pg_server`, started on
first use from tests/pg_cluster.py and stopped at the end); `org` an org in it; `snapshot(d)` captures
everything a failed mutation must leave alone (every object, every membership,
every association, the audit log), and `unchanged(d)` asserts it stayed so.
`run_python` runs a snippet in a fresh interpreter that imports this dirctl.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest

import dirctl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from pg_cluster import PgCluster  # noqa: E402

PER_ORG_KINDS = ("users", "user_groups", "device_groups", "devices", "commands")


STORES = ("sqlite", "postgresql")


def psql(url: str, query: str) -> str:
    return subprocess.run(["psql", url, "-Atc", query], check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


class PgServer:
    """The session's cluster: `database()` gives the URL of a new, empty directory on it,
    copied from a template that dirctl created (so each costs a CREATE DATABASE, ~50 ms)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._names = itertools.count(1)
        psql(url, "CREATE DATABASE dirctl_template")
        dirctl.open(self.url_of("dirctl_template")).close()

    def url_of(self, name: str) -> str:
        return self.url.replace("/postgres?", f"/{name}?", 1)

    def database(self) -> str:
        name = f"d{next(self._names)}"
        psql(self.url, f"CREATE DATABASE {name} TEMPLATE dirctl_template")
        return self.url_of(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    with PgCluster(durable=False) as url:  # no test here crashes the server (pg_cluster.py)
        yield PgServer(url)


@pytest.fixture(params=STORES)
def store(request) -> str:
    return request.param


def server_database(request) -> str:
    """A new database on the session's cluster; its secret key file (TOTP seeds) in the test's
    tmp folder rather than ~/.config/dirctl/keys/, for this process and the ones it starts."""
    request.getfixturevalue("monkeypatch").setenv(
        "DIRCTL_SECRET_KEY_FILE", str(request.getfixturevalue("tmp_path") / "server.key"))
    return request.getfixturevalue("pg_server").database()


def module_location(request) -> str:
    """For a module-scoped fixture parametrised by STORES: ":memory:" or a new database."""
    if request.param == "sqlite":
        return ":memory:"
    return request.getfixturevalue("pg_server").database()


@pytest.fixture
def location(store: str, request) -> str:
    """Where a fresh directory lives on the test's store: ":memory:", or a new database's URL."""
    if store == "sqlite":
        return ":memory:"
    return server_database(request)


@pytest.fixture
def shared(store: str, request, tmp_path: Path) -> str:
    """A new directory that several processes open at once: a file, or a database on the cluster."""
    if store == "sqlite":
        return str(tmp_path / "dir.db")
    return server_database(request)


@pytest.fixture
def d(location):
    with dirctl.open(location) as directory:
        yield directory


@pytest.fixture
def org(d):
    return d.orgs.create("acme")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "dir.db"


def take_snapshot(directory: dirctl.Directory) -> dict[str, Any]:
    """Every object (all fields), relation and event of a directory."""
    snap: dict[str, Any] = {
        "orgs": [o.to_dict() for o in directory.orgs],
        "admins": [a.to_dict() for a in directory.admins],
        "events": [(e.seq, e.event_type) for e in directory.events()],
        "counts": {"orgs": len(directory.orgs), "admins": len(directory.admins)},
    }
    for o in directory.orgs:
        for kind in PER_ORG_KINDS:
            coll = getattr(o, kind)
            objs = list(coll)
            snap[(o.id, kind)] = [x.to_dict() for x in objs]
            snap["counts"][(o.id, kind)] = len(coll)
            for x in objs:
                if kind in ("user_groups", "device_groups"):
                    snap[("members", x.id)] = sorted(m.id for m in coll.members(x))
                snap[("assoc", x.id)] = sorted(a.id for a in o.associations(x))
    for a in directory.admins:
        snap[("admin_orgs", a.id)] = sorted(a.org_ids)
    return snap


@pytest.fixture
def snapshot():
    return take_snapshot


@pytest.fixture
def unchanged():
    """`with unchanged(d), pytest.raises(...)`: the failed call changed nothing."""

    @contextlib.contextmanager
    def check(directory: dirctl.Directory):
        before = take_snapshot(directory)
        yield
        after = take_snapshot(directory)
        assert after == before

    return check


def child_env() -> dict[str, str]:
    """The environment for a child interpreter: ours, with dirctl importable."""
    env = dict(os.environ)
    pkg_root = str(Path(dirctl.__file__).resolve().parent.parent)
    parts = [pkg_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    return env


@pytest.fixture
def run_python():
    """Run a Python snippet in a fresh interpreter; returns the CompletedProcess."""

    def run(code: str, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
            env=child_env(), capture_output=True, text=True, timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    return run


@pytest.fixture
def spawn_python():
    """Start a Python snippet in a fresh interpreter (Popen); every one is reaped at teardown."""
    procs: list[subprocess.Popen] = []

    def spawn(code: str, *args: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def enrolled(user: Any) -> Any:
    """The user, enrolled in MFA: seed 003 gives admin roles only to such users.
    Through the handle the user was read with (ids are returned as they are)."""
    if not isinstance(user, dirctl.User):
        return user
    return dirctl.User(user._dir, user._dir._core.update(user.id, [("mfa_status", "enrolled")]))
