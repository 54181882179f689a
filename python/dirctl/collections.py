"""Collections: the objects of one kind in one org (or directory-wide).

``org.users``, ``org.user_groups``, ``org.devices``, ``org.commands``,
``org.device_groups``, ``d.orgs`` and ``d.admins`` are collections. Each
creates, finds, changes, deletes, counts, iterates and turns into a pandas
DataFrame; the engine validates every field.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .addresses import Address
from .args import id_list, object_id, text
from .args import path as path_arg
from .base import Handle, Object, wrap
from .bindings import Binding, binding_list
from .errors import InvalidArgument, NotFound, PermissionDenied
from .frames import frame_from_columns, nullable_ints
from .sessions import ApiKey

if TYPE_CHECKING:  # pragma: no cover
    from ._core import Fields, FieldValue
    from .frames import DataFrame


def _value(kind: str, name: str, value: Any) -> FieldValue:
    """A Python value as the engine takes it (None, bool, int, str, dict, list of ids)."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise InvalidArgument(f"{kind} field {name!r}: {value} does not fit in 64 bits")
    if isinstance(value, str):
        return text(value, f"{kind} field {name!r}")
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise InvalidArgument(f"{kind} field {name!r}: give a timezone-aware datetime (e.g. tzinfo=timezone.utc)")
        return value.astimezone(_dt.timezone.utc).isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Address):  # home_address=Address(...): its parts
        value = value.parts()
    if isinstance(value, dict):
        bad = [k for k, v in value.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise InvalidArgument(f"{kind} field {name!r}: attribute names and values must be text; fix {bad[:3]!r}")
        return {text(k, f"{kind} field {name!r}"): text(v, f"{kind} field {name!r}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [object_id(v) for v in value]
    raise InvalidArgument(f"{kind} field {name!r}: {type(value).__name__} values are not accepted ({value!r})")


def _fields(kind: str, given: dict[str, Any]) -> Fields:
    return [(text(k, f"{kind} field name"), _value(kind, k, v)) for k, v in given.items()]


def _frame_column(column: Any) -> Any:
    """An engine column as frame_from_columns takes it: nullable integers, given as
    ("ints", values, valid | None), become a pandas Int64 array; the rest pass as they are."""
    if isinstance(column, tuple) and column and column[0] == "ints":
        import numpy as np

        _, values, valid = column
        missing = np.zeros(len(values), dtype=bool) if valid is None else np.asarray(valid) == 0
        return nullable_ints(values, missing)
    return column


class Collection:
    """The objects of one kind in one org."""

    def __init__(self, directory: Handle, kind: str, org_id: int) -> None:
        self._dir = directory
        self._kind = kind
        self._org = org_id

    def create(self, **fields: Any) -> Any:
        """Create an object from keyword fields; returns it. Unknown fields are an error."""
        return wrap(self._dir, self._dir._core.create(self._kind, self._org, _fields(self._kind, fields)))

    def get(self, key: Object | int | str) -> Any:
        """By id, or by the kind's key (username or email; name; hostname; email). NotFound if missing."""
        if isinstance(key, Object):
            key = key.id
        if not isinstance(key, str):
            key = object_id(key, f"{self._kind} id")
            obj = wrap(self._dir, self._dir._core.get(key))
            if obj.kind != self._kind or (self._org and obj.org_id != self._org):
                raise NotFound(f"no {self._kind} with id {key} here")
            return obj
        return wrap(self._dir, self._dir._core.find(self._kind, self._org, text(key, f"{self._kind} key")))

    def update(self, obj: Object | int | str, **fields: Any) -> Any:
        """Change the given fields; returns the object as now stored."""
        target = self.get(obj)
        return wrap(self._dir, self._dir._core.update(target.id, _fields(self._kind, fields)))

    def _id_of(self, obj: Object | int | str) -> int:
        """The id of an object, an id, or a key (looked up; the others are not read)."""
        return self.get(obj).id if isinstance(obj, str) else object_id(obj, self._kind)

    def delete(self, obj: Object | int | str) -> None:
        """Delete the object with its memberships and associations."""
        self._dir._core.remove(self.get(obj).id)

    def __len__(self) -> int:
        return int(self._dir._core.count(self._kind, self._org))

    def __iter__(self) -> Iterator[Any]:
        return iter([wrap(self._dir, r) for r in self._dir._core.list(self._kind, self._org)])

    def __contains__(self, key: object) -> bool:
        try:
            self.get(key)  # type: ignore[arg-type]
        except (NotFound, InvalidArgument, PermissionDenied):  # through a view: not visible, so not in
            return False
        return True

    def to_frame(self) -> DataFrame:
        """Every object as a row of a pandas DataFrame, indexed by id (int64).

        Columns come from the engine's typed columns, with no Python object per row:
        free text, dates and times (ISO text as stored) are pandas strings; enumerations
        (state, role, mfa_status, shell...) and text that repeats (department, company,
        location, os, timezone...) are categoricals; booleans are bool; integer fields
        int64, or nullable Int64 where they may be empty (no default: a command's count,
        an admin's user); custom attributes are their JSON object text ("{}" for none).
        Admins' "orgs" holds a list of org ids per admin (dtype object)."""
        columns = self._dir._core.columns(self._kind, self._org)
        return frame_from_columns({name: _frame_column(c) for name, c in columns.items()}, index="id")

    def export_csv(self, path: Any, *, overwrite: bool = False) -> int:
        """Users only: write them in JumpCloud's import template (groups, attributes and
        device bindings included), so that importing the file into an empty org (with the
        same devices) gives the same users. SystemID is a device's external_id, or dirctl's
        id when it has none; a user's second and later bindings are rows of their own that
        give only Username, SystemID and Administrator. Returns the data rows written.

        Writes a new file; an existing regular file is replaced only with overwrite=True
        (keeping its permissions). FIFOs, devices, folders and symbolic links are refused."""
        if self._kind != "user":
            raise InvalidArgument(f"export_csv exports users; this is a collection of {self._kind}s")
        if not isinstance(overwrite, bool):
            raise InvalidArgument(f"overwrite must be True or False, not {overwrite!r}")
        return int(self._dir._core.export_users_csv(self._org, path_arg(path, "export path"), overwrite))

    def __repr__(self) -> str:
        where = f"org {self._org}" if self._org else "the directory"
        if self._dir._core.actor is not None:  # counting through a view would be an audited (maybe denied) read
            return f"<{self._kind}s of {where}>"
        return f"<{self._kind}s of {where}: {len(self)}>"


class GroupCollection(Collection):
    """User groups or device groups of one org, with their members."""

    def create(self, name: str, **fields: Any) -> Any:  # type: ignore[override]
        """Create a group with a name unique among this org's groups of its kind."""
        return super().create(name=name, **fields)

    def _group_id(self, group: Object | int | str) -> int:
        """The id of one of this collection's groups. A group object of this handle says its
        kind and org itself (neither ever changes), so it is not read again; the engine's call
        then finds it gone if it was deleted. Ids, names and other handles' objects (whose id
        may name another object here) are looked up."""
        if isinstance(group, Object) and group._dir is self._dir:
            if group.kind != self._kind or (self._org and group.org_id != self._org):
                raise NotFound(f"no {self._kind} with id {group.id} here")
            return group.id
        return int(self.get(group).id)

    def add_member(self, group: Object | int | str, member: Object | int) -> None:
        """Add a user to a user group, or a device to a device group (no-op if already in)."""
        self._dir._core.add_member(self._group_id(group), object_id(member))

    def remove_member(self, group: Object | int | str, member: Object | int) -> None:
        """Remove a member; NotFound if it is not one."""
        self._dir._core.remove_member(self._group_id(group), object_id(member))

    def members(self, group: Object | int | str) -> list[Any]:
        """The members of a group, by id."""
        return [wrap(self._dir, r) for r in self._dir._core.members(self.get(group).id)]

    def of(self, member: Object | int) -> list[Any]:
        """The groups a user or device belongs to."""
        return [wrap(self._dir, r) for r in self._dir._core.groups_of(object_id(member))]


class OrgCollection(Collection):
    """The orgs of the directory (a multi-tenant portal when there are several)."""

    def __init__(self, directory: Handle) -> None:
        super().__init__(directory, "org", 0)

    def create(self, name: str, **fields: Any) -> Any:  # type: ignore[override]
        """Create an org with a unique name."""
        return super().create(name=name, **fields)


class AdminCollection(Collection):
    """The admins of the directory (each with access to some orgs)."""

    def __init__(self, directory: Handle) -> None:
        super().__init__(directory, "admin", 0)

    def create(self, email: str, role: str, orgs: Any = (), **fields: Any) -> Any:  # type: ignore[override]
        """Create an admin with a role and org access (API access is off by default)."""
        return super().create(email=email, role=role, orgs=id_list(orgs, "admin field 'orgs'"), **fields)

    def create_from_user(self, user: Object | int, role: str, **fields: Any) -> Any:
        """Give a user an admin role: an admin with the user's email, linked to the user.
        If an unlinked admin with that email exists, it is linked instead (seed 003)."""
        return wrap(self._dir, self._dir._core.create_admin_from_user(
            object_id(user), _fields("admin", dict(role=role, **fields))
        ))

    # -- the admin lifecycle (seeds 002-003) ------------------------------------------
    def suspend(self, admin: Object | int | str) -> Any:
        """Suspend an admin: it may not act, and its live sessions end."""
        return self.update(admin, state="suspended")

    def restore(self, admin: Object | int | str) -> Any:
        """Restore a suspended admin (a deleted admin cannot be restored: it is gone)."""
        return self.update(admin, state="active")

    def resend_invite(self, admin: Object | int | str) -> str:
        """A new one-time invitation for a pending admin (audited: an email would be sent;
        dirctl sends none). Returns the token: the admin's first login gives it (invite=)."""
        return str(self._dir._core.resend_invite(self._id_of(admin)))

    def unlock(self, admin: Object | int | str) -> None:
        """Let an admin locked out by failed logins log in again."""
        self._dir._core.unlock_admin(self._id_of(admin))

    def create_api_key(self, admin: Object | int | str) -> ApiKey:
        """The admin's API key (API access must be on). The key is in the result only: keep it."""
        return ApiKey._from_core(self._dir._core.create_api_key(self._id_of(admin)))

    def rotate_api_key(self, admin: Object | int | str) -> ApiKey:
        """A new key for the admin; the old one stops working at once."""
        return ApiKey._from_core(self._dir._core.rotate_api_key(self._id_of(admin)))

    def revoke_api_key(self, admin: Object | int | str) -> None:
        self._dir._core.revoke_api_key(self._id_of(admin))

    def api_keys(self, admin: Object | int | str) -> list[ApiKey]:
        """The admin's live keys, without the secrets."""
        return [ApiKey._from_core(k) for k in self._dir._core.api_keys(self._id_of(admin))]

    def health(self) -> list[str]:
        """Warnings about the roster (seed 002): fewer than two active admins in the
        directory or in an org, or a single active administrator_with_billing. Empty: healthy."""
        admins = self.to_frame()
        admins = admins[admins["state"] != "suspended"]
        out: list[str] = []
        if len(admins) < 2:
            out.append(f"the directory has {len(admins)} active admin(s); seed 002 recommends at least 2 for redundancy")
        billing = int((admins["role"] == "administrator_with_billing").sum())
        if billing < 2:
            out.append(f"{billing} active administrator_with_billing; losing it locks everyone out of admin "
                       "management: make a second one")
        orgs = OrgCollection(self._dir).to_frame()
        counts = admins["orgs"].explode().value_counts().reindex(orgs.index, fill_value=0)
        for name, n in zip(orgs["name"][counts < 2], counts[counts < 2]):
            out.append(f"org {name!r} has {n} active admin(s); seed 002 recommends at least 2")
        return out



class BindingCollection(Collection):
    """Users or devices of one org: the collections with device bindings."""

    def _bound(self, obj: Object | int | str) -> Object:
        return self.get(obj)  # type: ignore[no-any-return]

    def bindings(self, obj: Object | int | str) -> list[Binding]:
        """Users and devices: the device bindings of a user (or the user bindings of a
        device) as Binding(user, device, sudo, passwordless_sudo), by the other end's id."""
        me = self._bound(obj)
        return binding_list(self._dir, me, self._dir._core.bindings(me.id))

    def bind(self, obj: Object | int | str, other: Object | int, *, sudo: bool = False,
             passwordless_sudo: bool = False) -> None:
        """Bind a user to a device (from either side), or change an existing binding's flags.
        passwordless_sudo=True needs sudo=True. Audited (association_add / association_update)."""
        for name, flag in (("sudo", sudo), ("passwordless_sudo", passwordless_sudo)):
            if not isinstance(flag, bool):
                raise InvalidArgument(f"{name} must be True or False, not {flag!r}")
        self._dir._core.bind(self._bound(obj).id, object_id(other, "other end of the binding"), sudo, passwordless_sudo)

    def unbind(self, obj: Object | int | str, other: Object | int) -> None:
        """Remove a binding; NotFound if there is none."""
        self._dir._core.dissociate(self._bound(obj).id, object_id(other, "other end of the binding"))



class DeviceCollection(BindingCollection):
    """An org's devices, with their user bindings."""

    def __init__(self, directory: Handle, org_id: int) -> None:
        super().__init__(directory, "device", org_id)


class UserCollection(BindingCollection):
    """An org's users, with Runops' review of self-registrations (seed 004)."""

    def __init__(self, directory: Handle, org_id: int) -> None:
        super().__init__(directory, "user", org_id)

    def approve(self, user: Object | int | str) -> Any:
        """Let a self-registered user in: "reviewing" -> "active", with the groups it asked for.
        Operators: admins whose role manages users, or users in the org's operator group."""
        uid = self._id_of(user)
        self._dir._core.approve_user(uid)
        return self.get(uid)

    def reject(self, user: Object | int | str) -> None:
        """Turn a registration down: the waiting user is deleted (audited)."""
        self._dir._core.reject_user(self._id_of(user))

    def reviewing(self) -> list[Any]:
        """The users waiting for approval (found in the engine's columns: only they are read)."""
        frame = self.to_frame()
        return [self.get(int(i)) for i in frame.index[frame["state"] == "reviewing"]]
