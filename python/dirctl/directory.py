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
        self._actor: tuple[str, int] | None = None  # None: the system handle
        self._acting: Object | None = None

    # -- acting contexts ------------------------------------------------------
    def _view(self, actor: tuple[str, int], acting: Object) -> Directory:
        view = object.__new__(type(self))
        view._path, view._core, view._actor, view._acting = self._path, self._core, actor, acting
        return view

    def as_admin(self, admin: Object | int | str) -> Directory:
        """A view with this API in which every call is authorised for the admin and audited."""
        a = admin if isinstance(admin, Object) else self.admins.get(admin)
        return self._view(tuple(self._core.actor_for(a.id)), a)

    def as_api_key(self, admin: Object | int | str) -> Directory:
        """A view acting through the admin's API key: the admin's role, only while API access is on."""
        a = admin if isinstance(admin, Object) else self.admins.get(admin)
        return self._view(tuple(self._core.actor_for(a.id, api_key=True)), a)

    def as_user(self, user: Object | int) -> Directory:
        """A view acting as a directory user (Runops group match decides what it may run)."""
        uid = user.id if isinstance(user, Object) else int(user)
        actor = tuple(self._core.actor_for(uid))
        if actor[0] != "user":
            from .errors import InvalidArgument

            raise InvalidArgument(f"object {uid} is not a user; use as_admin for admins")
        return self._view(actor, user if isinstance(user, Object) else self._wrap(self._core.get(uid)))

    @property
    def actor(self) -> Object | None:
        """Who this handle acts as (None: the system handle)."""
        return self._acting

    # -- decisions ------------------------------------------------------------
    def _actor_of(self, actor: Any) -> tuple[str, int] | None:
        if actor is None:
            return None
        if isinstance(actor, Directory):
            return actor._actor
        if isinstance(actor, tuple):
            return actor
        return tuple(self._core.actor_for(actor.id if isinstance(actor, Object) else int(actor)))

    def check(self, actor: Any, action: str, resource: Object | int | None = None) -> Any:
        """Whether actor (admin, user, view, or None for system) may do action on resource.
        Returns a Decision: truthy when allowed, with .rule and .reason."""
        rid = 0 if resource is None else (resource.id if isinstance(resource, Object) else int(resource))
        return self._core.check(self._actor_of(actor), action, rid)

    def check_many(self, actors: Any, actions: Any, resources: Any = None, *, with_rules: bool = False) -> Any:
        """Many checks in one native call. actors and resources: ids (int arrays or sequences,
        objects allowed, 0/None for no resource); actions: a string or a sequence. Each has
        length n or 1. Returns a numpy bool array (and uint8 rule ids, see rule_names())."""

        def ids(xs: Any) -> Any:
            if xs is None or isinstance(xs, (int, Object)):
                return 0 if xs is None else (xs.id if isinstance(xs, Object) else xs)
            if hasattr(xs, "dtype"):
                return xs
            return [0 if x is None else (x.id if isinstance(x, Object) else int(x)) for x in xs]

        return self._core.check_many(ids(actors), actions, ids(resources), with_rules)

    @staticmethod
    def rule_names() -> list[str]:
        """Rule ids in the order of check_many's rule codes."""
        return list(_core.rule_names())

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
        return [Event._from_core(e) for e in self._core.events(build_filter(_core, **criteria), actor=self._actor)]

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
        """Close the file (an open batch is rolled back). Idempotent. A view closes the shared handle too."""
        self._core.close()

    @property
    def closed(self) -> bool:
        return bool(self._core.closed)

    def __enter__(self) -> Directory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._acting is not None:
            return f"<dirctl.Directory {self._path!r} acting as {self._actor[0]} {self._acting!r}>"
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
        return self._wrap(self._core.get(int(obj_id), actor=self._actor))


def open(path: str | os.PathLike[str] = ":memory:", *, timeout: float = 10.0) -> Directory:  # noqa: A001
    """Create or open a directory file (":memory:" for a private in-memory one).

    timeout: seconds a write waits for another process's transaction to end.
    """
    return Directory(path, timeout=timeout)
