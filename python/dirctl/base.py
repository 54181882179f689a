"""The base of every directory object, the registry of kinds, and wrapping engine records.

The bottom of the object layer. Objects, collections and graphs hold the
directory handle (or view) they came from, as a ``Handle``: they read through
its engine session, which acts as the handle's actor, and turn the records it
returns into objects with ``wrap``. The kinds themselves (dirctl.objects)
register here, so nothing below them imports them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from ._core import Directory as Session
    from ._core import FieldValue, Record


class Handle(Protocol):
    """A directory handle or view: what objects and collections read through."""

    @property
    def _core(self) -> Session: ...


class Object:
    """Base of every directory object: kind, id, org id and fields."""

    kind: ClassVar[str] = ""
    _shown: ClassVar[tuple[str, ...]] = ()
    __slots__ = ("_dir", "id", "org_id", "_fields")
    _dir: Handle
    id: int
    org_id: int
    _fields: dict[str, FieldValue]

    def __init__(self, directory: Handle, record: Record) -> None:
        object.__setattr__(self, "_dir", directory)
        object.__setattr__(self, "id", int(record["id"]))
        object.__setattr__(self, "org_id", int(record["org"]))
        object.__setattr__(self, "_fields", dict(record["fields"]))

    def __getattr__(self, name: str) -> Any:
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        if name == "org":  # directory-wide kinds have no org property; say why, not "no field"
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
        return wrap(self._dir, self._dir._core.get(self.id))


KINDS: dict[str, type[Object]] = {}  # kind name -> class, filled by register()


def register(*classes: type[Object]) -> None:
    """Make wrap() build these classes for records of their kinds."""
    for cls in classes:
        KINDS[cls.kind] = cls


def wrap(handle: Handle, record: Record) -> Object:
    """The object for an engine record, reading through handle from then on."""
    return KINDS[record["kind"]](handle, record)
