"""The assignment graph from Python: ``org.graph`` (queries) and ``org.audit``.

The engine walks a Boost.Graph of users, groups, devices, commands and admins.
Queries return directory objects; audits return pandas DataFrames built from
columns the engine produced, with no Python object per row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .objects import Object, _id

if TYPE_CHECKING:  # pragma: no cover
    import pandas

    from .directory import Directory
    from .objects import Org


def _categorical(codes: Any, names: list[str], ids: list[int] | None = None) -> Any:
    """A Categorical from engine codes. Names that repeat stay apart by id (two hosts called
    'web'), or, for texts without ids (paths, steps), merge into one category."""
    import numpy as np
    import pandas as pd

    if len(set(names)) != len(names):
        if ids is not None:
            counts: dict[str, int] = {}
            for n in names:
                counts[n] = counts.get(n, 0) + 1
            names = [f"{n} (id {i})" if counts[n] > 1 else n for n, i in zip(names, ids)]
        else:
            first: dict[str, int] = {}
            unique: list[str] = []
            remap = np.empty(len(names), dtype=np.int32)
            for k, n in enumerate(names):
                if n not in first:
                    first[n] = len(unique)
                    unique.append(n)
                remap[k] = first[n]
            codes, names = remap[np.asarray(codes)], unique
    return pd.Categorical.from_codes(codes, categories=names)


def _id_column(cols: dict[str, Any], key: str) -> tuple[Any, Any]:
    """(ids, categorical names) for an id column of the engine's audit output."""
    return cols[key], _categorical(cols[f"{key}_codes"], cols[f"{key}_names"], cols[f"{key}_distinct"].tolist())


class OrgGraph:
    """Who reaches what in one org, and why (``org.graph``)."""

    def __init__(self, org: Org) -> None:
        self._org = org
        self._dir: Directory = org._dir

    def _here(self, obj: Object | int) -> int:
        """The id of an object of this org (another org's objects are refused, not answered)."""
        oid = _id(obj)
        found = self._dir._wrap(self._dir._core.get(oid))  # a view: NotFound if invisible
        if found.org_id not in (self._org.id, 0):  # 0: admins are directory-wide
            from .errors import InvalidArgument

            raise InvalidArgument(f"{found!r} is not in org {self._org.name!r}; ask that org's graph")
        return oid

    def _objects(self, ids: list[int]) -> list[Any]:
        core = self._dir._core
        return [self._dir._wrap(core.get(i)) for i in ids]

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

    def __init__(self, org: Org) -> None:
        self._org = org
        self._dir: Directory = org._dir

    def who_can_access(self, *, user: Object | int | None = None, device: Object | int | None = None) -> pandas.DataFrame:
        """One row per (user, device) with how: 'direct' or the group names on the path.
        Suspended users are marked, not hidden. user= or device= narrow it (and cost far less)."""
        import pandas as pd

        cols = self._dir._core.who_can_access(
            self._org.id, user=_id(user) if user is not None else 0, device=_id(device) if device is not None else 0)
        user_ids, users = _id_column(cols, "user")
        device_ids, devices = _id_column(cols, "device")
        return pd.DataFrame({
            "user_id": user_ids, "user": users, "device_id": device_ids, "device": devices,
            "how": _categorical(cols["how"], cols["hows"]), "suspended": cols["suspended"].astype(bool),
        })

    def who_can_run(self, *, command: Object | int | None = None, device: Object | int | None = None,
                    admin: Object | int | None = None) -> pandas.DataFrame:
        """One row per (admin, role, command, device) an admin's role lets it run, with the rule
        that grants it (role_matrix: the role edits commands; assigned_commands: Command Runner)."""
        import pandas as pd

        from . import _core

        cols = self._dir._core.who_can_run(
            self._org.id, command=_id(command) if command is not None else 0,
            device=_id(device) if device is not None else 0, admin=_id(admin) if admin is not None else 0)
        admin_ids, admins = _id_column(cols, "admin")
        command_ids, commands = _id_column(cols, "command")
        device_ids, devices = _id_column(cols, "device")
        return pd.DataFrame({
            "admin_id": admin_ids, "admin": admins,
            "role": pd.Categorical.from_codes(cols["role"], categories=list(_core.role_names())),
            "command_id": command_ids, "command": commands, "device_id": device_ids, "device": devices,
            "rule": pd.Categorical.from_codes(cols["rule"], categories=list(_core.rule_names())),
        })

    def escalation_paths(self, admin: Object | int | str, *, user: Object | int | None = None,
                         device: Object | int | None = None) -> pandas.DataFrame:
        """What the admin could newly reach through actions its role allows on other objects:
        take_over_user (set a user's password, act as them), join_group (add its own linked
        user to a group), direct_assignment (assign devices to its linked user). Protected
        users (holding an admin role) cut these paths where the role engine says so."""
        import pandas as pd

        a = admin if isinstance(admin, Object) else self._dir.admins.get(admin)
        cols = self._dir._core.escalation_paths(
            self._org.id, a.id, user=_id(user) if user is not None else 0, device=_id(device) if device is not None else 0)
        via_ids, vias = _id_column(cols, "via")
        device_ids, devices = _id_column(cols, "device")
        return pd.DataFrame({
            "mechanism": pd.Categorical.from_codes(cols["mechanism"], categories=cols["mechanisms"]),
            "via_id": via_ids, "via": vias, "device_id": device_ids, "device": devices,
            "steps": _categorical(cols["steps"], cols["step_texts"]),
        })

    def __repr__(self) -> str:
        return f"<audits of org {self._org.name!r}>"
