"""The directory handle: ``dirctl.open(path)``."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from . import _core
from .collections import AdminCollection, OrgCollection
from .events import Event, build_filter, events_frame
from .objects import KINDS, Object


class Directory:
    """One directory file. Acts as `system`: every change is still audited."""

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0) -> None:
        self._path = os.fspath(path)
        self._core = _core.Directory(self._path, busy_timeout_ms=int(timeout * 1000))

    # -- collections --------------------------------------------------------
    @property
    def orgs(self) -> OrgCollection:
        """The orgs of the directory."""
        return OrgCollection(self)

    @property
    def admins(self) -> AdminCollection:
        """The admins of the directory."""
        return AdminCollection(self)

    # -- transactions -------------------------------------------------------
    @contextlib.contextmanager
    def batch(self) -> Iterator[Directory]:
        """Group mutations into one transaction: all commit together, or none do.

        Batches nest; only the outermost commits. Another process waits for
        the batch to end before it writes (it may read meanwhile).
        """
        self._core.begin_batch()
        try:
            yield self
        except BaseException:
            self._core.rollback_batch()
            raise
        self._core.commit_batch()

    # -- audit log ----------------------------------------------------------
    def events(self, **criteria: Any) -> list[Event]:
        """Audit events, oldest first. Criteria: type, since, until, initiated_by (object, id or
        'system'/'admin'/'user'), resource (object or id), resource_type, org, success, after_seq, limit."""
        return [Event._from_core(e) for e in self._core.events(build_filter(_core, **criteria))]

    def events_frame(self, **criteria: Any) -> Any:
        """The same events as a pandas DataFrame indexed by seq."""
        return events_frame(self.events(**criteria))

    # -- life cycle ---------------------------------------------------------
    @property
    def path(self) -> str:
        return self._path

    @property
    def schema_version(self) -> int:
        return int(self._core.schema_version)

    def integrity_check(self) -> str:
        """SQLite's integrity check of the file: 'ok' when sound."""
        return str(self._core.integrity_check())

    def close(self) -> None:
        """Close the file (an open batch is rolled back). Idempotent."""
        self._core.close()

    @property
    def closed(self) -> bool:
        return bool(self._core.closed)

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return f"<dirctl.Directory {self._path!r} (closed)>"
        orgs = self._core.count("org", 0)
        admins = self._core.count("admin", 0)
        return f"<dirctl.Directory {self._path!r}: {orgs} orgs, {admins} admins, schema {self.schema_version}>"

    # -- internal -----------------------------------------------------------
    def _wrap(self, record: dict[str, Any]) -> Any:
        return KINDS[record["kind"]](self, record)

    def __getitem__(self, obj_id: int) -> Object:
        """Any object by id."""
        return self._wrap(self._core.get(int(obj_id)))


def open(path: str | os.PathLike[str] = ":memory:", *, timeout: float = 10.0) -> Directory:  # noqa: A001
    """Create or open a directory file (":memory:" for a private in-memory one).

    timeout: seconds a write waits for another process's transaction to end.
    """
    return Directory(path, timeout=timeout)
