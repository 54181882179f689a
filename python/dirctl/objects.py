"""Objects of the directory as plain values: a snapshot of one stored record.

An object never writes itself back: changes go through its collection
(``org.users.update(u, ...)``), which returns a fresh object. Holding an old
one is therefore harmless; ``obj.refresh()`` re-reads it. The base class and
the registry of kinds are in dirctl.base; the kinds are here.
"""

from __future__ import annotations

from typing import Any, cast

from .addresses import Address
from .args import object_id
from .base import KINDS, Object, register, wrap
from .collections import DeviceCollection, GroupCollection, OrgCollection, UserCollection
from .commands import CommandCollection
from .graph import Audit, OrgGraph
from .importing import ImportReport, import_users_csv


class _InOrg(Object):
    """An object of one org: every kind but orgs and admins, which are directory-wide."""

    __slots__ = ()

    @property
    def org(self) -> Org:
        """The org this object belongs to."""
        return cast(Org, OrgCollection(self._dir).get(self.org_id))


class User(_InOrg):
    kind = "user"
    _shown = ("username", "email", "state", "activated")
    __slots__ = ()

    @property
    def home_address(self) -> Address:
        """The home address, a structured record of the home_* fields (empty parts None)."""
        return Address.of("home", self._fields)

    @property
    def work_address(self) -> Address:
        """The work address, a structured record of the work_* fields (empty parts None)."""
        return Address.of("work", self._fields)


class UserGroup(_InOrg):
    kind = "user_group"
    _shown = ("name",)
    __slots__ = ()


class DeviceGroup(_InOrg):
    kind = "device_group"
    _shown = ("name",)
    __slots__ = ()


class Device(_InOrg):
    kind = "device"
    _shown = ("hostname", "os")
    __slots__ = ()


class Command(_InOrg):
    kind = "command"
    _shown = ("name", "shell", "launch_type")
    __slots__ = ()


class Admin(Object):
    kind = "admin"
    _shown = ("email", "role", "state")
    __slots__ = ()

    @property
    def orgs(self) -> list[Org]:
        """The orgs this admin has access to."""
        orgs = OrgCollection(self._dir)
        return [orgs.get(i) for i in self.org_ids]

    @property
    def org_ids(self) -> list[int]:
        return list(cast("list[int]", self._fields["orgs"]))

    @property
    def user(self) -> User | None:
        """The user this admin was made from (admin from user), if any."""
        uid = self._fields.get("user")
        if not isinstance(uid, int):  # None: not made from a user
            return None
        return cast(User, wrap(self._dir, self._dir._core.get(uid)))

    def __repr__(self) -> str:
        base = super().__repr__()[:-1]
        return f"{base}, orgs={self._fields['orgs']!r})"


class Org(Object):
    """A tenant, and the entry point to everything in it."""

    kind = "org"
    _shown = ("name",)
    __slots__ = ()

    @property
    def users(self) -> UserCollection:
        """The org's users (a Collection of User, with approve/reject of registrations)."""
        return UserCollection(self._dir, self.id)

    @property
    def user_groups(self) -> GroupCollection:
        """The org's user groups, with their members."""
        return GroupCollection(self._dir, "user_group", self.id)

    @property
    def device_groups(self) -> GroupCollection:
        """The org's device groups, with their members."""
        return GroupCollection(self._dir, "device_group", self.id)

    @property
    def devices(self) -> DeviceCollection:
        """The org's devices (a Collection of Device, with their user bindings)."""
        return DeviceCollection(self._dir, self.id)

    @property
    def commands(self) -> CommandCollection:
        """The org's commands (a Collection of Command), and running them: run, results."""
        return CommandCollection(self._dir, self.id)

    @property
    def graph(self) -> OrgGraph:
        """Queries over the assignment graph: devices_of, users_of, commands_of, explain."""
        return OrgGraph(self)

    @property
    def audit(self) -> Audit:
        """Organisation-wide audits as DataFrames: who_can_access, who_can_run, escalation_paths."""
        return Audit(self)

    def import_users_csv(self, path: Any, *, mode: str = "create", on_error: str = "abort", dry_run: bool = False,
                         create_groups: bool = False, strict: bool = False, progress: Any = None) -> ImportReport:
        """Import users from a CSV in JumpCloud's template. mode: create | update | upsert;
        on_error: abort (nothing written if any row is bad) | skip (write the valid rows);
        dry_run: check everything, write nothing; progress: True for a tqdm bar, or a callable
        (done, total). Returns an ImportReport."""
        return import_users_csv(self._dir, self.id, path, mode=mode, on_error=on_error, dry_run=dry_run,
                                create_groups=create_groups, strict=strict, progress=progress)

    def associate(self, a: Object, b: Object) -> None:
        """Associate two objects of this org (user|user_group <-> device|device_group,
        command <-> device|device_group, Command Runner admin <-> command)."""
        self._dir._core.associate(object_id(a), object_id(b))

    def dissociate(self, a: Object, b: Object) -> None:
        """Remove an association; NotFound if there is none."""
        self._dir._core.dissociate(object_id(a), object_id(b))

    def associations(self, obj: Object) -> list[Object]:
        """The objects associated with obj (not its groups or members)."""
        return [wrap(self._dir, r) for r in self._dir._core.associations(object_id(obj))]

    def __repr__(self) -> str:
        if self._dir._core.actor is not None:  # counting through a view would be an audited read
            return f"Org(id={self.id}, name={self._fields['name']!r})"
        core = self._dir._core
        counts = ", ".join(f"{core.count(k, self.id)} {k}s" for k in ("user", "user_group", "device", "command"))
        return f"Org(id={self.id}, name={self._fields['name']!r}, {counts})"


register(Org, User, Admin, UserGroup, DeviceGroup, Device, Command)

__all__ = ["Object", "Org", "User", "Admin", "UserGroup", "DeviceGroup", "Device", "Command", "KINDS"]
