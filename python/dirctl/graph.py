"""The assignment graph from Python: ``org.graph`` (queries) and ``org.audit``.

The engine walks a Boost.Graph of users, groups, devices, commands and admins.
Queries return directory objects; audits return pandas DataFrames built from
columns the engine produced, with no Python object per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _core
from .args import object_id
from .base import Handle, Object, wrap
from .collections import AdminCollection
from .errors import InvalidArgument
from .frames import Coded, frame_from_columns

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from .frames import DataFrame


def _id_column(cols: Mapping[str, Any], key: str) -> tuple[Any, Coded]:
    """(ids, names as categories) for an id column of the engine's audit output."""
    return cols[key], Coded(cols[f"{key}_codes"], cols[f"{key}_names"], cols[f"{key}_distinct"].tolist())


def _opt_id(obj: Object | int | None) -> int:
    """An optional narrowing argument as an id (0: no filter)."""
    return 0 if obj is None else object_id(obj)


class OrgGraph:
    """Who reaches what in one org, and why (``org.graph``)."""

    def __init__(self, org: Object) -> None:
        self._org = org
        self._dir: Handle = org._dir

    def _here(self, obj: Object | int) -> int:
        """The id of an object of this org (another org's objects are refused, not answered)."""
        oid = object_id(obj)
        found = wrap(self._dir, self._dir._core.get(oid))  # a view: NotFound if invisible
        if found.org_id not in (self._org.id, 0):  # 0: admins are directory-wide
            raise InvalidArgument(f"{found!r} is not in org {self._org.name!r}; ask that org's graph")
        return oid

    def _objects(self, ids: list[int]) -> list[Any]:
        core = self._dir._core
        return [wrap(self._dir, core.get(i)) for i in ids]

    def devices_of(self, obj: Object | int) -> list[Any]:
        """Devices a user or user group may access, or a command targets."""
        return self._objects(self._dir._core.reach(self._here(obj), "device"))

    def users_of(self, device: Object | int) -> list[Any]:
        """Users who may access a device (directly, through groups, through device groups)."""
        return self._objects(self._dir._core.reach(self._here(device), "user"))

    def commands_of(self, device: Object | int) -> list[Any]:
        """Commands that target a device (directly or through its device groups)."""
        return self._objects(self._dir._core.reach(self._here(device), "command"))

    def explain(self, a: Object | int, b: Object | int) -> list[list[tuple[str, str]]]:
        """Every path connecting a and b, each as (type, name) hops. Removing any one edge of
        every path cuts the access."""
        paths = self._dir._core.explain(self._here(a), self._here(b))
        return [[(t, n) for t, n, _ in p] for p in paths]

    def __repr__(self) -> str:
        return f"<assignment graph of org {self._org.name!r}>"


class Audit:
    """Organisation-wide answers as DataFrames (``org.audit``)."""

    def __init__(self, org: Object) -> None:
        self._org = org
        self._dir: Handle = org._dir

    def who_can_access(self, *, user: Object | int | None = None, device: Object | int | None = None) -> DataFrame:
        """One row per (user, device) with how: 'direct' or the group names on the path.
        Suspended users are marked, not hidden. user= or device= narrow it (and cost far less)."""
        cols = self._dir._core.who_can_access(self._org.id, user=_opt_id(user), device=_opt_id(device))
        user_ids, users = _id_column(cols, "user")
        device_ids, devices = _id_column(cols, "device")
        return frame_from_columns({
            "user_id": user_ids, "user": users, "device_id": device_ids, "device": devices,
            "how": Coded(cols["how"], cols["hows"]), "suspended": cols["suspended"].astype(bool),
        })

    def who_can_run(self, *, command: Object | int | None = None, device: Object | int | None = None,
                    admin: Object | int | None = None) -> DataFrame:
        """One row per (admin, role, command, device) an admin's role lets it run, with the rule
        that grants it (role_matrix: the role edits commands; assigned_commands: Command Runner)."""
        cols = self._dir._core.who_can_run(
            self._org.id, command=_opt_id(command), device=_opt_id(device), admin=_opt_id(admin))
        admin_ids, admins = _id_column(cols, "admin")
        command_ids, commands = _id_column(cols, "command")
        device_ids, devices = _id_column(cols, "device")
        return frame_from_columns({
            "admin_id": admin_ids, "admin": admins,
            "role": Coded(cols["role"], _core.role_names()),
            "command_id": command_ids, "command": commands, "device_id": device_ids, "device": devices,
            "rule": Coded(cols["rule"], _core.rule_names()),
        })

    def escalation_paths(self, admin: Object | int | str, *, user: Object | int | None = None,
                         device: Object | int | None = None) -> DataFrame:
        """What the admin could newly reach through actions its role allows on other objects:
        take_over_user (set a user's password, act as them), join_group (add its own linked
        user to a group), direct_assignment (assign devices to its linked user). Protected
        users (holding an admin role) cut these paths where the role engine says so."""
        a = admin if isinstance(admin, Object) else AdminCollection(self._dir).get(admin)
        cols = self._dir._core.escalation_paths(self._org.id, a.id, user=_opt_id(user), device=_opt_id(device))
        via_ids, vias = _id_column(cols, "via")
        device_ids, devices = _id_column(cols, "device")
        return frame_from_columns({
            "mechanism": Coded(cols["mechanism"], cols["mechanisms"]),
            "via_id": via_ids, "via": vias, "device_id": device_ids, "device": devices,
            "steps": Coded(cols["steps"], cols["step_texts"]),
        })

    def __repr__(self) -> str:
        return f"<audits of org {self._org.name!r}>"
