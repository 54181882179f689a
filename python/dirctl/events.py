"""Audit events (Directory Insights): the Event value, and Insights' filters as the
engine's EventFilter. Filtering, ordering and paging run in the engine (SQL on
indexes); this module only checks the arguments' shapes."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _core
from .args import count, integer, object_id, text
from .base import Object
from .errors import InvalidArgument

if TYPE_CHECKING:  # pragma: no cover
    from ._core import EventRecord

ACTOR_TYPES = ("system", "admin", "user", "api_key")
FILTERS = ("start_time", "end_time", "event_type", "initiated_by", "resource", "resource_type", "target",
           "target_type", "org", "success", "search_term", "sort", "limit", "search_after", "after_seq", "fields")
ALIASES = {"since": "start_time", "until": "end_time", "type": "event_type", "organization": "org",
           "initiated_by.id": "initiated_by", "initiated_by.email": "initiated_by", "initiated_by.type": "initiated_by",
           "resource.id": "resource", "resource.type": "resource_type", "target.id": "target",
           "target.type": "target_type"}


@dataclass(frozen=True)
class Event:
    """One audit record: what happened, when, who did it, to what, and what changed."""

    seq: int
    time: str
    org: int
    event_type: str
    initiated_by: dict[str, Any]
    resource: dict[str, Any]
    target: dict[str, Any]
    success: bool
    changes: list[dict[str, Any]] = field(default_factory=list)
    message: str = ""

    @classmethod
    def _from_core(cls, raw: EventRecord) -> Event:
        changes = [{"field": c["field"], "from": json.loads(c["from"]), "to": json.loads(c["to"])} for c in raw["changes"]]
        return cls(seq=raw["seq"], time=raw["time"], org=raw["org"], event_type=raw["event_type"],
                   initiated_by=dict(raw["initiated_by"]), resource=dict(raw["resource"]), target=dict(raw["target"]),
                   success=raw["success"], changes=changes, message=raw["message"])

    @property
    def cursor(self) -> tuple[int, int]:
        """(time in ms, seq): pass it as search_after to read the events after this one."""
        return (_ms(self.time, "time"), self.seq)

    def __repr__(self) -> str:
        who = self.initiated_by.get("email") or self.initiated_by.get("type")
        what = f"{self.resource.get('type')} {self.resource.get('name')!r}" if self.resource else ""
        ok = "" if self.success else ", success=False"
        return f"Event(#{self.seq} {self.time} {self.event_type} by {who}: {what}{ok})"


def _ms(value: Any, what: str) -> int:
    """Milliseconds since the epoch of a timezone-aware datetime, a date (midnight UTC),
    ISO-8601 text with 'Z' or an offset (or a bare date), or a timedelta (that long ago)."""
    if isinstance(value, _dt.timedelta):
        try:
            value = _dt.datetime.now(_dt.timezone.utc) - value
        except OverflowError:
            raise InvalidArgument(f"{what}: {value!r:.60} ago is outside the calendar; give a shorter span") from None
    if isinstance(value, str):
        raw = text(value, what)
        try:
            parsed: _dt.date = _dt.datetime.fromisoformat(raw.replace("z", "Z"))
        except ValueError:
            raise InvalidArgument(f"{what}: {raw!r:.60} is not a timestamp; use ISO-8601 with a timezone, "
                                  "e.g. 2026-11-23T14:00:00Z, or a date") from None
        if isinstance(parsed, _dt.datetime) and parsed.tzinfo is None:
            if len(raw) > 10:
                raise InvalidArgument(f"{what}: {raw!r:.60} has no timezone; add 'Z' or an offset such as +01:00")
            parsed = parsed.date()
        value = parsed
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidArgument(f"{what}: a naive datetime is ambiguous; give a timezone, "
                                  "e.g. datetime.now(timezone.utc)")
        return int((value - _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)) // _dt.timedelta(milliseconds=1))
    if isinstance(value, _dt.date):
        return (value - _dt.date(1970, 1, 1)).days * 86_400_000
    raise InvalidArgument(f"{what}: expected a timezone-aware datetime, a date, ISO-8601 text or a timedelta, "
                          f"got {type(value).__name__} {value!r:.60}")


def _texts(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [text(value, what)]
    if isinstance(value, (list, tuple, set, frozenset)) and value:
        return [text(v, what) for v in value]
    raise InvalidArgument(f"{what}: expected a name or a non-empty list of names, got {value!r:.60}")


def _initiator(f: _core.EventFilter, key: str, value: Any) -> None:
    """initiated_by: an object, an id (0: the system), an actor type, an email, or
    {"id"|"email"|"type": ...}; the dotted keys name one of those directly."""
    if key != "initiated_by":
        value = {key.split(".", 1)[1]: value}
    if isinstance(value, dict):
        unknown = set(value) - {"id", "email", "type"}
        if unknown or not value:
            raise InvalidArgument(f"initiated_by: use 'id', 'email' or 'type' keys, got {sorted(value)}")
        if "id" in value:
            f.initiated_by_id = object_id(value["id"], "initiated_by.id", none=True)
        if "email" in value:
            f.initiated_by_email = text(value["email"], "initiated_by.email")
        if "type" in value:
            value_type = text(value["type"], "initiated_by.type")
            if value_type not in ACTOR_TYPES:
                raise InvalidArgument(f"initiated_by.type: {value_type!r} is not one of {', '.join(ACTOR_TYPES)}")
            f.initiated_by_type = value_type
    elif isinstance(value, str):
        if value in ACTOR_TYPES:
            f.initiated_by_type = value
        elif "@" in value:
            f.initiated_by_email = text(value, "initiated_by")
        else:
            raise InvalidArgument(f"initiated_by: {value!r:.60} is neither an actor type "
                                  f"({', '.join(ACTOR_TYPES)}) nor an email")
    else:
        f.initiated_by_id = object_id(value, "initiated_by", none=True)  # 0: the system


def _cursor(value: Any) -> tuple[int, int]:
    if isinstance(value, Event):
        return value.cursor
    if isinstance(value, (tuple, list)) and len(value) == 2:
        when = value[0] if isinstance(value[0], int) and not isinstance(value[0], bool) else _ms(value[0], "search_after")
        return (integer(when, "search_after time"), count(value[1], "search_after seq"))
    raise InvalidArgument("search_after: pass the last event of the previous page, or its (time, seq) "
                          f"(Event.cursor, or the frame's time and seq), got {value!r:.60}")


def build_filter(criteria: dict[str, Any]) -> tuple[_core.EventFilter, list[str]]:
    """The engine's filter from Insights-style keyword criteria, and the fields asked for.
    Keys may be JumpCloud's dotted forms (initiated_by.email, resource.id, ...)."""
    f = _core.EventFilter()
    fields: list[str] = []
    for key, value in criteria.items():
        name = ALIASES.get(key, key)
        if name not in FILTERS:
            raise InvalidArgument(f"unknown event filter {key!r}; use {', '.join(FILTERS)} "
                                  "(or initiated_by.email, resource.id and the other dotted forms)")
        if value is None:
            continue
        if name == "start_time":
            f.start_ms = _ms(value, key)
        elif name == "end_time":
            f.end_ms = _ms(value, key)
        elif name == "event_type":
            f.event_types = _texts(value, key)
        elif name == "initiated_by":
            _initiator(f, key, value)
        elif name in ("resource", "target"):
            setattr(f, f"{name}_id", object_id(value, key))
        elif name in ("resource_type", "target_type"):
            setattr(f, name, text(value, key))
        elif name == "org":
            orgs = value if isinstance(value, (list, tuple, set)) else [value]
            f.orgs = [0 if o == 0 and not isinstance(o, (bool, Object)) else object_id(o, key) for o in orgs]
        elif name == "success":
            if not isinstance(value, bool):
                raise InvalidArgument(f"success: expected True, False or None, got {value!r:.60}")
            f.success = value
        elif name == "search_term":
            f.search_term = text(value, key) if isinstance(value, str) else json.dumps(value)
        elif name == "sort":
            order = text(value, key).upper()
            if order not in ("ASC", "DESC"):
                raise InvalidArgument(f"sort: use 'ASC' (oldest first) or 'DESC' (newest first), not {value!r:.60}")
            f.descending = order == "DESC"
        elif name == "limit":
            f.limit = count(value, key)
        elif name == "search_after":
            f.search_after = _cursor(value)
        elif name == "after_seq":
            f.after_seq = count(value, key)
        elif name == "fields":
            fields = _texts(value, key)
    return f, fields
