"""Identity in Python: sessions from ``d.login``, API keys, and what lists them.

A Session is an acting context, the same API as ``d.as_admin(...)``, that
works until it ends: at ``logout()``, at its expiry, or when the admin's role
changes (seed 003). The engine refuses a call through an ended session (rule
``session_ended``). Secrets cross this module once, on their way in or out
(a password given, a key or invitation returned), and never appear in a repr.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

_UTC = dt.timezone.utc


def _when(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=_UTC)


@dataclass(frozen=True)
class SessionInfo:
    """A live session as listed by ``d.sessions(admin_or_user)`` (without its token)."""

    id: int
    principal: int
    portal: str
    created: dt.datetime
    expires: dt.datetime

    @classmethod
    def _from_core(cls, rec: dict[str, Any]) -> SessionInfo:
        return cls(int(rec["id"]), int(rec["principal"]), str(rec["portal"]), _when(rec["created_ms"]),
                   _when(rec["expires_ms"]))


@dataclass(frozen=True)
class ApiKey:
    """An admin's API key. ``key`` is set only on the value create/rotate return:
    it is shown once and stored hashed; keep it in a secret store."""

    id: int
    admin: int
    prefix: str
    created: dt.datetime
    key: str | None = field(default=None, repr=False)

    @classmethod
    def _from_core(cls, rec: dict[str, Any]) -> ApiKey:
        return cls(int(rec["id"]), int(rec["admin"]), str(rec["prefix"]), _when(rec["created_ms"]), rec.get("key"))

    def __repr__(self) -> str:
        shown = ", key=<shown once>" if self.key else ""
        return f"ApiKey(id={self.id}, admin={self.admin}, prefix={self.prefix!r}{shown})"


class Session:
    """A login: acts as its admin or user (every call authorised and audited) until it ends.

    Everything a view offers (``orgs``, ``admins``, ``check``...) is here; ``token``
    resumes it in another process (``d.resume(token)``), ``logout()`` ends it.
    """

    __slots__ = ("_view", "_info", "_token")

    def __init__(self, view: Any, info: dict[str, Any], token: str | None) -> None:
        object.__setattr__(self, "_view", view)
        object.__setattr__(self, "_info", info)
        object.__setattr__(self, "_token", token)

    def __getattr__(self, name: str) -> Any:
        return getattr(object.__getattribute__(self, "_view"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Session is read-only")

    @property
    def id(self) -> int:
        return int(self._info["id"])

    @property
    def portal(self) -> str:
        """'admin' (the Admin Portal, acting as the admin) or 'user' (acting as the user)."""
        return str(self._info["portal"])

    @property
    def expires(self) -> dt.datetime:
        return _when(self._info["expires_ms"])

    @property
    def token(self) -> str | None:
        """The bearer token (None on a resumed session): whoever holds it acts as this session."""
        tok: str | None = self._token
        return tok

    @property
    def view(self) -> Any:
        """The acting view itself (a dirctl.Directory)."""
        return self._view

    def logout(self) -> None:
        """End this session; later calls through it are refused (rule session_ended)."""
        self._view._core.logout()

    def change_password(self, current: str, new: str) -> None:
        """The User Portal flow: change this user's own password (also for an admin made from a user)."""
        self._view._core.change_password(current, new)

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.logout()

    def __repr__(self) -> str:
        who = self._view.actor
        return f"<dirctl.Session {self.id} ({self.portal} portal) as {who!r}, until {self.expires:%Y-%m-%d %H:%M}Z>"
