"""Objects of the directory as plain values: a snapshot of one stored record.

An object never writes itself back: changes go through its collection
(``org.users.update(u, ...)``), which returns a fresh object. Holding an old
one is therefore harmless; ``obj.refresh()`` re-reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover
    from .directory import Directory


class Object:
    """Base of every directory object: kind, id, org id and fields."""

    kind: ClassVar[str] = ""
    _shown: ClassVar[tuple[str, ...]] = ()
    __slots__ = ("_dir", "id", "org_id", "_fields")

    def __init__(self, directory: Directory, record: dict[str, Any]) -> None:
        object.__setattr__(self, "_dir", directory)
        object.__setattr__(self, "id", int(record["id"]))
        object.__setattr__(self, "org_id", int(record["org"]))
        object.__setattr__(self, "_fields", dict(record["fields"]))

    def __getattr__(self, name: str) -> Any:
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        if name == "org":  # the property raised: say why, not "no field"
            raise AttributeError(f"{type(self).__name__} objects are directory-wide; they have no single org")
        raise AttributeError(f"{type(self).__name__} has no field {name!r}; fields: {', '.join(fields)}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"{type(self).__name__} objects are values; change them through their collection, "
            f"e.g. org.users.update(obj, {name}=...)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Object):
            return NotImplemented
        return (self.kind, self.id, self._fields) == (other.kind, other.id, other._fields)

    def __hash__(self) -> int:
        return hash((self.kind, self.id))

    def __repr__(self) -> str:
        parts = [f"id={self.id}"] + [f"{k}={self._fields.get(k)!r}" for k in self._shown if self._fields.get(k) is not None]
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_dict(self) -> dict[str, Any]:
        """All fields, with id (and org for per-org kinds)."""
        out: dict[str, Any] = {"id": self.id}
        if self.org_id:
            out["org"] = self.org_id
        out.update(self._fields)
        return out

    def refresh(self) -> Object:
        """The object as stored now (a new value)."""
        return self._dir._wrap(self._dir._core.get(self.id))

    @property
    def org(self) -> Org:
        """The org this object belongs to."""
        if not self.org_id:
            raise AttributeError(f"{type(self).__name__} objects are directory-wide; they have no single org")
        return self._dir.orgs.get(self.org_id)


class User(Object):
    kind = "user"
    _shown = ("username", "email", "state")
    __slots__ = ()


class UserGroup(Object):
    kind = "user_group"
    _shown = ("name",)
    __slots__ = ()


class DeviceGroup(Object):
    kind = "device_group"
    _shown = ("name",)
    __slots__ = ()


class Device(Object):
    kind = "device"
    _shown = ("hostname", "os")
    __slots__ = ()


class Command(Object):
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
        return [self._dir.orgs.get(i) for i in self._fields["orgs"]]

    @property
    def org_ids(self) -> list[int]:
        return list(self._fields["orgs"])

    @property
    def user(self) -> User | None:
        """The user this admin was made from (admin from user), if any."""
        uid = self._fields.get("user")
        return None if uid is None else self._dir._wrap(self._dir._core.get(uid))

    def __repr__(self) -> str:
        base = super().__repr__()[:-1]
        return f"{base}, orgs={self._fields['orgs']!r})"


class Org(Object):
    """A tenant, and the entry point to everything in it."""

    kind = "org"
    _shown = ("name",)
    __slots__ = ()

    @property
    def users(self):  # -> Collection[User]
        from .collections import Collection

        return Collection(self._dir, "user", self.id)

    @property
    def user_groups(self):  # -> GroupCollection[UserGroup]
        from .collections import GroupCollection

        return GroupCollection(self._dir, "user_group", self.id)

    @property
    def device_groups(self):  # -> GroupCollection[DeviceGroup]
        from .collections import GroupCollection

        return GroupCollection(self._dir, "device_group", self.id)

    @property
    def devices(self):  # -> Collection[Device]
        from .collections import Collection

        return Collection(self._dir, "device", self.id)

    @property
    def commands(self):  # -> Collection[Command]
        from .collections import Collection

        return Collection(self._dir, "command", self.id)

    @property
    def graph(self):  # -> OrgGraph
        """Queries over the assignment graph: devices_of, users_of, commands_of, explain."""
        from .graph import OrgGraph

        return OrgGraph(self)

    @property
    def audit(self):  # -> Audit
        """Organisation-wide audits as DataFrames: who_can_access, who_can_run, escalation_paths."""
        from .graph import Audit

        return Audit(self)

    def import_users_csv(self, path: Any, *, mode: str = "create", on_error: str = "abort", dry_run: bool = False,
                         create_groups: bool = False, strict: bool = False, progress: Any = None) -> Any:
        """Import users from a CSV in JumpCloud's template. mode: create | update | upsert;
        on_error: abort (nothing written if any row is bad) | skip (write the valid rows);
        dry_run: check everything, write nothing; progress: True for a tqdm bar, or a callable
        (done, total). Returns an ImportReport."""
        from .importing import import_users_csv

        return import_users_csv(self._dir, self.id, path, mode=mode, on_error=on_error, dry_run=dry_run,
                                create_groups=create_groups, strict=strict, progress=progress)

    def associate(self, a: Object, b: Object) -> None:
        """Associate two objects of this org (user|user_group <-> device|device_group,
        command <-> device|device_group, Command Runner admin <-> command)."""
        self._dir._core.associate(_id(a), _id(b))

    def dissociate(self, a: Object, b: Object) -> None:
        """Remove an association; NotFound if there is none."""
        self._dir._core.dissociate(_id(a), _id(b))

    def associations(self, obj: Object) -> list[Object]:
        """The objects associated with obj (not its groups or members)."""
        return [self._dir._wrap(r) for r in self._dir._core.associations(_id(obj))]

    def __repr__(self) -> str:
        if self._dir._actor is not None:  # counting through a view would be an audited read
            return f"Org(id={self.id}, name={self._fields['name']!r})"
        core = self._dir._core
        counts = ", ".join(f"{core.count(k, self.id)} {k}s" for k in ("user", "user_group", "device", "command"))
        return f"Org(id={self.id}, name={self._fields['name']!r}, {counts})"


def _id(obj: Object | int) -> int:
    """An object or its id as an id (InvalidArgument for other types, NotFound out of range)."""
    from .args import object_id

    return object_id(obj)


KINDS: dict[str, type[Object]] = {
    cls.kind: cls for cls in (Org, User, Admin, UserGroup, DeviceGroup, Device, Command)
}
