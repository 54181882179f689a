"""Directory Insights' queries over the audit log, for Directory and its acting views.

Every method takes the same keyword filters (see ``events.build_filter``): start_time,
end_time, event_type, initiated_by (or initiated_by.email / .id / .type), resource,
resource_type, target, target_type, org, success, search_term, sort, limit, search_after
and fields. They run in the engine, in SQL on indexes, with the GIL released; frames
come from engine columns without a Python object per row."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from . import _core
from .args import count, path as path_arg, text
from .errors import InvalidArgument
from .events import Event, _ms, build_filter
from .frames import frame_from_columns

if TYPE_CHECKING:  # pragma: no cover
    from .frames import DataFrame

_TIMES = ("time",)


@dataclass(frozen=True)
class PurgeReport:
    """What events_purge removed, and where it put them (with the file's SHA-256)."""

    seq: int
    rows: int
    first_seq: int
    last_seq: int
    file: str
    sha256: str

    def __repr__(self) -> str:
        span = f" (#{self.first_seq}..#{self.last_seq})" if self.rows else ""
        return f"PurgeReport({self.rows} events{span} -> {self.file!r}, sha256 {self.sha256[:12]}…, event #{self.seq})"


def _format_of(path: str, format: str | None) -> str:  # noqa: A002
    if format is not None:
        fmt = text(format, "format").lower()
    else:
        ext = os.path.splitext(path)[1].lower()
        fmt = "csv" if ext == ".csv" else "json" if ext in (".json", ".jsonl", ".ndjson") else ""
        if not fmt:
            raise InvalidArgument(f"cannot tell the format of {path!r} from its extension; "
                                  "pass format='csv' or format='json' (one JSON object per line)")
    if fmt not in ("csv", "json"):
        raise InvalidArgument(f"format must be 'csv' or 'json', not {format!r}")
    return fmt


class EventQueries:
    """The audit log's queries; mixed into Directory (acting views included)."""

    _core: _core.Directory

    def events(self, **criteria: Any) -> list[Event] | list[dict[str, Any]]:
        """Matching events, oldest first (sort='DESC': newest first). With fields=[...],
        each event is a dict of just those fields, as Insights returns them."""
        f, fields = build_filter(criteria)
        if fields:
            records = self.events_frame(**criteria).reset_index().to_dict("records")
            return [{str(k): v for k, v in r.items()} for r in records]
        return [Event._from_core(e) for e in self._core.events(f)]

    def events_frame(self, *, expand_changes: bool = False, **criteria: Any) -> DataFrame:
        """Matching events as a DataFrame indexed by seq: repeated texts (types, initiators,
        states) as categoricals, times as UTC datetimes, changes as the stored JSON text
        ([[field, from, to], ...]). expand_changes=True gives one row per field change
        instead (seq, time, event_type, field, from, to; from/to as JSON text)."""
        if not isinstance(expand_changes, bool):
            raise InvalidArgument(f"expand_changes must be True or False, not {expand_changes!r}")
        f, fields = build_filter(criteria)
        if expand_changes:
            if fields:
                raise InvalidArgument("fields and expand_changes do not combine; the change rows have fixed columns")
            return frame_from_columns(self._core.events_changes(f), times_ms=_TIMES)
        wanted = ["seq", *[x for x in fields if x != "seq"]] if fields else []
        columns = self._core.events_columns(f, wanted)
        if "success" in columns:
            columns["success"] = columns["success"].astype(bool)
        return frame_from_columns(columns, index="seq", times_ms=_TIMES if "time" in columns else ())

    def events_count(self, **criteria: Any) -> int:
        """How many events match (limit and search_after ignored)."""
        f, _ = build_filter(criteria)
        return int(self._core.events_count(f))

    def events_distinct(self, field: str, **criteria: Any) -> DataFrame:
        """Each value of a field among the matching events, with how many have it, most
        first: a DataFrame with columns [field, "count"]."""
        name = text(field, "field")
        f, _ = build_filter(criteria)
        out = self._core.events_distinct(name, f)
        return frame_from_columns({name: out["value"], "count": out["count"]})

    def events_interval(self, interval: str = "1h", *, by: str | None = None, **criteria: Any) -> DataFrame:
        """Counts of matching events per time bucket (UTC; interval like 30s, 15m, 1h, 1d,
        1w or 1M), empty buckets included: a DataFrame indexed by the bucket's start with
        a "count" column, or with by="event_type" (any repeating field) one column per value."""
        f, _ = build_filter(criteria)
        out = self._core.events_interval(text(interval, "interval"), "" if by is None else text(by, "by"), f)
        if by is None:
            return frame_from_columns({"time": out["start"], "count": out["count"]}, index="time", times_ms=_TIMES)
        long = frame_from_columns({"time": out["start"], by: out["key"], "count": out["count"]}, times_ms=_TIMES)
        wide = long.pivot_table(index="time", columns=by, values="count", aggfunc="sum", fill_value=0, observed=True)
        wide = wide.reindex(long["time"].drop_duplicates(), fill_value=0)
        wide.columns = [str(c) for c in wide.columns]
        wide.index.name = "time"
        return wide

    def events_export(self, out: IO[bytes], *, format: str = "json", page: int = 10_000,  # noqa: A002
                      **criteria: Any) -> int:
        """Writes matching events to a binary stream, a page at a time: one JSON object per
        line (as Insights exports), or CSV with a header. Returns how many."""
        if not callable(getattr(out, "write", None)):
            raise InvalidArgument(f"out: expected a binary stream (a file opened 'wb', sys.stdout.buffer, io.BytesIO), "
                                  f"got {type(out).__name__}")
        fmt = _format_of("", format)
        size = count(page, "page", minimum=1)
        f, fields = build_filter(criteria)
        if fields:
            raise InvalidArgument("the export writes every field; select columns with events_frame(fields=...)")
        limit = None if f.limit < 0 else f.limit
        total = 0
        first = True
        while first or limit is None or total < limit:
            f.limit = size if limit is None else min(size, limit - total)
            chunk, cursor, rows = self._core.events_export_page(f, fmt, first)  # the first page has the CSV header
            first = False
            out.write(chunk)
            total += rows
            if rows < f.limit or f.limit == 0:
                break
            f.search_after = cursor
        return total

    def events_purge(self, before: Any, export_to: str | os.PathLike[str], *, format: str | None = None,  # noqa: A002
                     overwrite: bool = False) -> PurgeReport:
        """Removes the events before a time, after writing them to export_to (CSV, or JSON
        lines for .json/.jsonl/.ndjson) and reading the file back to verify it; all in
        one audited step (event events_purge). Processes catching up reload."""
        target = path_arg(export_to, "export_to")
        if not isinstance(overwrite, bool):
            raise InvalidArgument(f"overwrite must be True or False, not {overwrite!r}")
        report = self._core.events_purge(_ms(before, "before"), target, _format_of(target, format), overwrite)
        return PurgeReport(**report)
