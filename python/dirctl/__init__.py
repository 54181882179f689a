"""dirctl: a directory core for IT teams.

Users, admins, groups, devices and commands in one SQLite file (or a PostgreSQL
database: ``dirctl.open("postgresql://...")``), the graph of
what is assigned to what, and an audit log of every change. See README.md.
"""

from __future__ import annotations

from .errors import Conflict, Error, InvalidArgument, InvalidState, NotFound, PermissionDenied, StorageError

try:
    from . import _core
except ImportError as exc:  # pragma: no cover - exercised only on broken installs
    raise ImportError(
        f"dirctl's compiled engine (dirctl._core) could not be imported ({exc}): was the extension built? "
        "Install with `pip install .` from the source tree (see README.md)."
    ) from exc

PermissionDenied._decision_type = _core.Decision  # the engine imports errors, so errors gets Decision from here

from .addresses import Address
from .agents import Agent, CallbackAgent, LocalAgent
from .bindings import Binding
from .directory import Directory, open
from .migrate import migrate
from .execution import Outcome
from .runs import Launch, Run
from .events import Event
from .objects import Admin, Command, Device, DeviceGroup, Object, Org, User, UserGroup
from .roles import Role
from .sessions import ApiKey, Session, SessionInfo

Decision = _core.Decision

__version__ = "0.1.0"


def set_log_level(level: str) -> None:
    """Set the engine's log level (trace, debug, info, warn, error, critical, off). Default: off."""
    _core.set_log_level(level)


__all__ = [
    "open", "Directory", "Org", "User", "Admin", "UserGroup", "DeviceGroup", "Device", "Command", "Object",
    "Event", "Role", "Decision", "Error", "NotFound", "Conflict", "InvalidState", "InvalidArgument", "PermissionDenied",
    "StorageError", "Launch", "Run", "Agent", "CallbackAgent", "LocalAgent", "Outcome",
    "set_log_level", "migrate", "Session", "SessionInfo", "ApiKey", "Binding", "Address",
]
