"""The directory handle: ``dirctl.open(path)``."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, overload

from . import _core
from . import objects  # noqa: F401 - defines and registers the kinds that wrap() builds
from .args import object_id, text
from .args import path as path_arg
from .base import Object, wrap
from .agents import Agent
from .collections import AdminCollection, Collection, OrgCollection
from .commands import DirectoryCommands
from .runs import Launch
from .scheduler import Scheduler, trigger
from .errors import InvalidArgument, NotFound, PermissionDenied
from .insights import EventQueries
from .sessions import Session, SessionInfo

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    from numpy.typing import NDArray

    from .frames import DataFrame


_PASSWORD = re.compile(r"(://[^:/@]*):[^@/]*@|([?&]password=)[^&]*")


class Directory(EventQueries):
    """One directory file. Acts as `system`: every change is still audited.

    ``as_admin``/``as_api_key``/``as_user`` give views: the same API, acting as
    that actor. A view's engine session is bound to its actor in C++, so
    nothing reachable from a view (its attributes, its objects, views made
    from it) acts with more rights than that actor. See README, "Trust boundary".
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 10.0, uri: bool = False) -> None:
        self._path = path_arg(path, "directory path")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 86400:
            raise InvalidArgument(f"timeout: expected seconds from 0 to 86400, got {timeout!r}")
        if not isinstance(uri, bool):
            raise InvalidArgument(f"uri must be True or False, not {uri!r}")
        self._core = _core.Directory(self._path, busy_timeout_ms=int(timeout * 1000), uri=uri)
        self._shown = _PASSWORD.sub(lambda m: f"{m[1]}:***@" if m[1] else f"{m[2]}***", self._path)  # never a password
        self._actor: tuple[str, int] | None = None  # None: the system handle
        self._acting: Object | None = None

    # -- acting contexts ------------------------------------------------------
    def _view(self, kind: str, target: Any, collection: Collection | None) -> Directory:
        """A view acting as (kind, target). The engine decides whether this handle may
        make it: the system handle may act as anyone; a view only as itself."""
        want = "user" if kind == "user" else "admin"
        if isinstance(target, Object):
            if target.kind != want:
                raise InvalidArgument(
                    f"{target!r} is a {target.kind}; as_{'user' if kind == 'user' else kind} takes {'a user' if want == 'user' else 'an admin'} "
                    f"(use as_{'admin' if want == 'user' else 'user'} for {target.kind}s)")
            acting: Object | None = target
        elif isinstance(target, str) and collection is not None:
            acting = collection.get(text(target, f"as_{kind}"))
        else:
            acting = None
        tid = acting.id if acting is not None else object_id(target, f"as_{kind}")
        core = self._core.as_actor(kind, tid)
        if acting is None:  # by id: the system handle reads it; a view could only have named itself
            acting = wrap(self, self._core.get(tid)) if self._acting is None else self._acting
        return self._adopt(core, acting)

    def _adopt(self, core: _core.Directory, acting: Object | None) -> Directory:
        """A view on an engine session. The acting object is re-made on the view: one
        read through another handle must not leave that handle reachable from the view."""
        view = object.__new__(type(self))
        view._path, view._shown, view._core, view._actor = self._path, self._shown, core, core.actor
        if acting is None and core.actor is not None:  # read through the new session itself
            try:
                acting = wrap(self, core.get(core.actor[1]))
            except (PermissionDenied, NotFound):
                acting = None
        view._acting = None if acting is None else type(acting)(
            view, {"kind": acting.kind, "id": acting.id, "org": acting.org_id, "fields": acting._fields})
        return view

    # -- identity (seeds 002-004) -------------------------------------------------
    def login(self, email: str, password: str, totp: str | None = None, *, invite: str | None = None,
              portal: str | None = None, org: Object | int | None = None) -> Session:
        """Log in with password (and TOTP code where MFA is on) -> Session, an acting context.

        Admins log in to the Admin Portal (an admin made from a user, with the user's
        credentials); users to the User Portal where their org allows it (portal="user").
        A pending admin's first login gives its invitation (invite=) and sets the password.
        Refusals raise PermissionDenied (rule login_failed, account_locked, mfa_required,
        password_expired, ...); every attempt is an audit event, never with the secret."""
        core, info = self._core.login(text(email, "email"), text(password, "password"),
                                      "" if totp is None else text(totp, "totp"),
                                      "" if invite is None else text(invite, "invite"),
                                      "" if portal is None else text(portal, "portal"),
                                      0 if org is None else object_id(org, "org"))
        return Session(self._adopt(core, None), info, str(info["token"]))

    def resume(self, token: str) -> Session:
        """The live session with this token (from Session.token, e.g. in another process)."""
        core = self._core.resume(text(token, "token"))
        actor = core.actor
        assert actor is not None  # a session always acts as its admin or user
        info = next(x for x in core.sessions(actor[1]) if x["id"] == core.credential)  # itself: always allowed
        return Session(self._adopt(core, None), info, None)

    def with_api_key(self, key: str) -> Directory:
        """A view acting through this API key: exactly its admin's role, while the key is
        live and the admin's API access is on (else PermissionDenied naming the rule)."""
        return self._adopt(self._core.with_api_key(text(key, "key")), None)

    def sessions(self, principal: Object | int) -> list[SessionInfo]:
        """The live sessions of an admin or user."""
        return [SessionInfo._from_core(x) for x in self._core.sessions(object_id(principal, "principal"))]

    def register(self, org: Object | int, email: str, name: str, team: str | None = None,
                 groups: Any = ()) -> Object:
        """Self-registration (Runops): a user waiting in state "reviewing" until an operator
        approves it (org.users.approve). Refused unless the email's domain is one of the
        org's allowed_domains; groups are user group names of the org."""
        if isinstance(groups, str):
            groups = [g.strip() for g in groups.split(",") if g.strip()]
        uid = self._core.register_user(object_id(org, "org"), text(email, "email"), text(name, "name"),
                                       "" if team is None else text(team, "team"),
                                       [text(g, "groups") for g in groups])
        return wrap(self, self._core.get(uid))

    def enroll_totp(self, principal: Object | int) -> str:
        """Start TOTP enrolment for an admin or user (itself, or from the directory handle):
        returns the otpauth:// URI for an authenticator app; confirm with confirm_totp."""
        return str(self._core.enroll_totp(object_id(principal, "principal")))

    def confirm_totp(self, principal: Object | int, code: str) -> None:
        """Finish TOTP enrolment with a first code from the app (the user's mfa_status becomes enrolled)."""
        self._core.confirm_totp(object_id(principal, "principal"), text(code, "code"))

    def reset_totp(self, principal: Object | int) -> None:
        """Remove an admin's or user's TOTP (users.totp_reset_and_enroll; billing admins for admin-linked users)."""
        self._core.reset_totp(object_id(principal, "principal"))

    def as_admin(self, admin: Object | int | str) -> Directory:
        """A view with this API in which every call is authorised for the admin and audited.
        On a view, only the view's own admin is accepted (a view never gains rights)."""
        return self._view("admin", admin, self.admins)

    def as_api_key(self, admin: Object | int | str) -> Directory:
        """A view acting through the admin's API key: the admin's role, only while API access is on."""
        return self._view("api_key", admin, self.admins)

    def as_user(self, user: Object | int) -> Directory:
        """A view acting as a directory user (Runops group match decides what it may run)."""
        if isinstance(user, str):
            raise InvalidArgument(f"as_user takes a User or a user id, not text ({user!r:.60}); "
                                  "look the user up first: org.users.get(name)")
        return self._view("user", user, None)

    @property
    def actor(self) -> Object | None:
        """Who this handle acts as (None: the system handle)."""
        return self._acting

    # -- decisions ------------------------------------------------------------
    def _actor_of(self, actor: Any) -> tuple[str, int] | _core.Directory | None:
        if actor is None:
            return None
        if isinstance(actor, Session):  # a view: the engine takes its actor with its credential
            return actor.view._core  # type: ignore[no-any-return]
        if isinstance(actor, Directory):
            return actor._core
        if isinstance(actor, tuple):
            return actor
        if isinstance(actor, Object) and actor.kind in ("admin", "user"):
            return (actor.kind, actor.id)  # the engine checks the id is what the kind says
        return self._core.actor_for(object_id(actor, "actor"))

    def _check_args(self, actor: Any, action: Any,
                    resource: Any) -> tuple[tuple[str, int] | _core.Directory | None, str, int]:
        """check()'s arguments as the engine takes them: (actor pair, view or None, action, resource id).
        The native check() makes them itself for None, tuples, admin and user objects, str and int,
        and asks this for anything else, so both ways raise the same errors in the same order."""
        rid = 0 if resource is None else object_id(resource, "resource", none=True)
        return self._actor_of(actor), text(action, "action"), rid

    if TYPE_CHECKING:
        def check(self, actor: Any, action: str, resource: Object | int | None = None) -> _core.Decision:
            """Whether actor (admin, user, view, or None for system) may do action on resource.
            Returns a Decision: truthy when allowed, with .rule and .reason."""
            ...
    else:
        # The method is native (bindings/register_authz.cpp, directory_check): one call from Python
        # straight into the engine; its arguments are those of the signature above.
        check = _core.directory_check

    @overload
    def check_many(self, actors: Any, actions: Any, resources: Any = None, *,
                   with_rules: Literal[False] = False) -> NDArray[np.bool_]: ...

    @overload
    def check_many(self, actors: Any, actions: Any, resources: Any = None, *,
                   with_rules: Literal[True]) -> tuple[NDArray[np.bool_], NDArray[np.uint8]]: ...

    def check_many(self, actors: Any, actions: Any, resources: Any = None, *,
                   with_rules: bool = False) -> NDArray[np.bool_] | tuple[NDArray[np.bool_], NDArray[np.uint8]]:
        """Many checks in one native call. actors and resources: ids (int arrays or sequences,
        objects allowed, 0/None for no resource); actions: a string or a sequence. Each has
        length n or 1. Returns a numpy bool array (and uint8 rule ids, see rule_names())."""

        def ids(xs: Any, what: str) -> Any:
            if xs is None:
                return 0
            if isinstance(xs, Object) or (isinstance(xs, int) and not isinstance(xs, bool)):
                return object_id(xs, what, none=True)
            if hasattr(xs, "dtype"):
                return xs
            if isinstance(xs, (str, bytes, bytearray)) or not hasattr(xs, "__iter__"):
                raise InvalidArgument(f"check_many {what}: expected an id, an object, a sequence or an array of them, "
                                      f"got {type(xs).__name__} {xs!r:.60}")
            return [0 if x is None else object_id(x, f"check_many {what}", none=True) for x in xs]

        if isinstance(actions, str):
            actions = text(actions, "check_many actions")
        elif isinstance(actions, (bytes, bytearray)) or not hasattr(actions, "__iter__"):
            raise InvalidArgument(f"check_many actions: expected an action name or a sequence of them, got {actions!r:.60}")
        else:
            actions = [text(a, "check_many actions") for a in actions]
        if not isinstance(with_rules, bool):
            raise InvalidArgument(f"with_rules must be True or False, not {with_rules!r:.60}")
        return self._core.check_many(ids(actors, "actors"), actions, ids(resources, "resources"), with_rules)

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
    @property
    def commands(self) -> DirectoryCommands:
        """Run maintenance across orgs: purge_results, sweep. Launching is per org: org.commands.run."""
        return DirectoryCommands(self)

    @property
    def scheduler(self) -> Scheduler:
        """Commands that launch themselves: due(now), tick(now), serve() (the directory's own handle)."""
        return Scheduler(self)

    def trigger(self, org: Object | int, name: str, payload: Any = None) -> list[Launch]:
        """Launch the org's trigger commands named name, payload keys as variables
        (JumpCloud's POST /command/trigger/{name}); commands.run, audited. NotFound if none."""
        return trigger(self, org, name, payload)

    def agent(self, device: Object | int, *, name: str | None = None) -> Agent:
        """The agents' protocol for a device: next_run(), report(). Only the directory's own
        handle acts for devices; a view's agent is refused (audited) on first use.
        dirctl.LocalAgent(d, device) executes runs on this host."""
        return Agent(self, device, name=name)

    @contextlib.contextmanager
    def batch(self) -> Iterator[Directory]:
        """Group mutations into one transaction: all commit together, or none do.

        Batches nest; only the outermost commits. Another process waits for
        the batch to end before it writes (it may read meanwhile). A batch
        belongs to the thread that opened it: another thread's calls on this
        handle wait until it ends (up to the timeout, then StorageError), so
        they never join it, see its uncommitted rows, or vanish with its rollback.
        """
        self._core.begin_batch()
        try:
            yield self
        except BaseException:
            self._core.rollback_batch()
            raise
        self._core.commit_batch()

    # -- audit log ----------------------------------------------------------
    # -- life cycle ---------------------------------------------------------
    @property
    def path(self) -> str:
        return self._path

    @property
    def schema_version(self) -> int:
        return int(self._core.schema_version)

    def wait_for_change(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for another process to commit; True if one did (this
        handle's next call sees it). On PostgreSQL it sleeps until the server's notification
        (LISTEN dirctl_changes); on a file it watches the WAL index every few milliseconds.
        Agents and the scheduler wait with it between polls."""
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 <= timeout <= 86400:
            raise InvalidArgument(f"timeout: expected seconds from 0 to 86400, got {timeout!r}")
        return bool(self._core.wait_for_change(int(timeout * 1000)))

    def integrity_check(self) -> str:
        """The store's integrity check: 'ok' when sound, else the problems found (a file too
        damaged to check says so instead of raising; on PostgreSQL: the event log's numbering,
        and every index when the server has amcheck)."""
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
        if self._acting is not None and self._actor is not None:
            return f"<dirctl.Directory {self._shown!r} acting as {self._actor[0]} {self._acting!r}>"
        if self.closed:
            return f"<dirctl.Directory {self._shown!r} (closed)>"
        orgs = self._core.count("org", 0)
        admins = self._core.count("admin", 0)
        return f"<dirctl.Directory {self._shown!r}: {orgs} orgs, {admins} admins, schema {self.schema_version}>"

    # -- objects by id -------------------------------------------------------
    def __getitem__(self, obj_id: int) -> Object:
        """Any object by id."""
        return wrap(self, self._core.get(object_id(obj_id, "d[...]")))


def open(path: str | os.PathLike[str] = ":memory:", *, timeout: float = 10.0, uri: bool = False) -> Directory:  # noqa: A001
    """Create or open a directory file (":memory:" for a private in-memory one).

    timeout: seconds a write waits for another process's transaction to end.
    uri: take path as a SQLite URI ("file:acme.db?mode=rwc"); without it, a name
    such as "file:x?mode=memory" is just a file name.
    """
    return Directory(path, timeout=timeout, uri=uri)


_core._set_object_type(Object)  # lets the native Directory.check take admin and user objects as actors
