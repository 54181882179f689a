"""Audit events (Directory Insights) as values and as DataFrames."""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _core
from .args import count, object_id, text
from .errors import InvalidArgument
from .frames import frame_from_columns

if TYPE_CHECKING:  # pragma: no cover
    from ._core import EventRecord
    from .frames import DataFrame


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

    def __repr__(self) -> str:
        who = self.initiated_by.get("email") or self.initiated_by.get("type")
        what = f"{self.resource.get('type')} {self.resource.get('name')!r}" if self.resource else ""
        ok = "" if self.success else ", success=False"
        return f"Event(#{self.seq} {self.time} {self.event_type} by {who}: {what}{ok})"


def _time(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)
        return aware.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise InvalidArgument(f"since/until: expected a datetime, a date or ISO-8601 text, got {type(value).__name__} {value!r:.60}")
    return text(value, "since/until")


def _opt_text(value: Any, what: str) -> str | None:
    return None if value is None else text(value, what)


def build_filter(**criteria: Any) -> _core.EventFilter:
    """An engine EventFilter from keyword criteria (see Directory.events)."""
    f = _core.EventFilter()
    f.type = _opt_text(criteria.pop("type", None), "type")
    f.since = _time(criteria.pop("since", None))
    f.until = _time(criteria.pop("until", None))
    initiated_by = criteria.pop("initiated_by", None)
    if isinstance(initiated_by, str):
        f.initiated_by_type = text(initiated_by, "initiated_by")
    elif initiated_by is not None:
        f.initiated_by_id = object_id(initiated_by, "initiated_by", none=True)  # 0: the system
    resource = criteria.pop("resource", None)
    if resource is not None:
        f.resource_id = object_id(resource, "resource")
    f.resource_type = _opt_text(criteria.pop("resource_type", None), "resource_type")
    org = criteria.pop("org", None)
    if org is not None:
        f.org = object_id(org, "org")
    success = criteria.pop("success", None)
    if success is not None and not isinstance(success, bool):
        raise InvalidArgument(f"success: expected True, False or None, got {success!r:.60}")
    f.success = success
    f.after_seq = count(criteria.pop("after_seq", 0), "after_seq")
    limit = criteria.pop("limit", None)
    f.limit = -1 if limit is None else count(limit, "limit")
    if criteria:
        raise InvalidArgument(
            f"unknown event filter {sorted(criteria)}; use type, since, until, initiated_by, resource, "
            "resource_type, org, success, after_seq, limit"
        )
    return f


def events_frame(events: list[Event]) -> DataFrame:
    """Events as a DataFrame, one row per event, nested fields flattened."""
    cols: dict[str, list[Any]] = {k: [] for k in (
        "seq", "time", "org", "event_type", "initiated_by_type", "initiated_by_id", "initiated_by_email",
        "resource_type", "resource_id", "resource_name", "target_type", "target_id", "target_name", "success",
        "changes", "message")}
    for e in events:
        cols["seq"].append(e.seq)
        cols["time"].append(e.time)
        cols["org"].append(e.org)
        cols["event_type"].append(e.event_type)
        for prefix, ref in (("initiated_by", e.initiated_by), ("resource", e.resource), ("target", e.target)):
            cols[f"{prefix}_type"].append(ref.get("type"))
            cols[f"{prefix}_id"].append(ref.get("id"))
            if prefix == "initiated_by":
                cols["initiated_by_email"].append(ref.get("email"))
            else:
                cols[f"{prefix}_name"].append(ref.get("name"))
        cols["success"].append(e.success)
        cols["changes"].append(e.changes)
        cols["message"].append(e.message)
    return frame_from_columns(cols, index="seq", times=("time",))
