"""Bulk CSV user import: the report, and the driver behind ``org.import_users_csv``."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .args import path as path_arg
from .errors import InvalidArgument
from .frames import Coded, frame_from_columns

if TYPE_CHECKING:  # pragma: no cover
    from ._core import ImportResult
    from .base import Handle
    from .frames import DataFrame


@dataclass(frozen=True)
class ImportIssue:
    """One problem: the line of the file, the column, the value (cut to 80 characters), what is wrong."""

    line: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}" + (f" (value {self.value!r})" if self.value else "")


@dataclass(frozen=True)
class ImportReport:
    """What an import did (or, with dry_run, would do): counts, errors, warnings, and one result per row.

    The per-row results stay in the engine until asked for: ``to_frame()`` builds a DataFrame
    from its columns, ``rows`` a list of dicts (line, username, status, user_id, groups_added,
    device_bound)."""

    created: int
    updated: int
    unchanged: int
    skipped: int
    errors: int
    error_records: list[ImportIssue]
    warnings: list[ImportIssue]
    duration: float
    dry_run: bool
    written: bool
    pending_activation: int
    _result: ImportResult = field(repr=False, compare=False)

    @classmethod
    def _from_core(cls, result: ImportResult) -> ImportReport:
        return cls(created=result.created, updated=result.updated, unchanged=result.unchanged,
                   skipped=result.skipped, errors=result.errors,
                   error_records=[ImportIssue(**i) for i in result.error_records],
                   warnings=[ImportIssue(**i) for i in result.warnings], duration=result.duration,
                   dry_run=result.dry_run, written=result.written,
                   pending_activation=result.pending_activation, _result=result)

    @property
    def ok(self) -> bool:
        """No row had an error."""
        return self.errors == 0

    def __len__(self) -> int:
        """The number of data rows read."""
        return len(self._result)

    def __bool__(self) -> bool:
        """A report is a report, even of an empty file (see ok for success)."""
        return True

    @functools.cached_property
    def _columns(self) -> dict[str, Any]:
        cols = self._result.row_columns()
        return {**cols, "user_id": cols["user_id"].astype("int64")}

    @functools.cached_property
    def rows(self) -> list[dict[str, Any]]:
        """One dict per CSV row (built on first use; prefer to_frame() for large files)."""
        c = self._columns
        names = c["statuses"]
        return [{"line": int(line), "username": u, "status": names[s], "user_id": int(uid), "groups_added": g,
                 "device_bound": dev}
                for line, u, s, uid, g, dev in zip(c["line"], c["username"], c["status"], c["user_id"],
                                                   c["groups_added"], c["device_bound"])]

    def to_frame(self) -> DataFrame:
        """One row per CSV row, indexed by line: username, status (categorical), user_id, groups_added,
        device_bound."""
        c = self._columns
        return frame_from_columns({
            "line": c["line"].astype("int64"), "username": c["username"],
            "status": Coded(c["status"], c["statuses"]), "user_id": c["user_id"],
            "groups_added": c["groups_added"], "device_bound": c["device_bound"]}, index="line")

    def errors_frame(self) -> DataFrame:
        """The error records as a DataFrame (line, column, value, message)."""
        return frame_from_columns({k: [getattr(i, k) for i in self.error_records]
                                   for k in ("line", "column", "value", "message")})

    def summary(self) -> str:
        what = "dry run, nothing written" if self.dry_run else ("written" if self.written else "nothing written")
        return (f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.skipped} skipped, "
                f"{self.errors} rows with errors, {len(self.warnings)} warnings, "
                f"{self.pending_activation} awaiting activation ({what}; {self.duration:.2f} s)")

    def __repr__(self) -> str:
        return f"<ImportReport {self.summary()}>"


def _progress_callable(progress: Any) -> tuple[Callable[[int, int], None] | None, Any]:
    """progress=True shows a tqdm bar; a callable receives (done, total)."""
    if progress is None or progress is False:
        return None, None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(unit="rows", desc="import")

        def update(done: int, total: int) -> None:
            if total and bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        return update, bar
    if not callable(progress):
        raise InvalidArgument("progress must be True, False, None or a callable (done, total)")
    return progress, None


def import_users_csv(directory: Handle, org_id: int, path: str | os.PathLike[str], *, mode: str = "create",
                     on_error: str = "abort", dry_run: bool = False, create_groups: bool = False,
                     strict: bool = False, progress: Any = None) -> ImportReport:
    """Check the options, run the engine's import through directory's session, report."""
    if not isinstance(on_error, str) or on_error not in ("abort", "skip"):
        raise InvalidArgument(f"on_error={on_error!r:.60} is not one of 'abort', 'skip'")
    if not isinstance(mode, str) or mode not in ("create", "update", "upsert"):
        raise InvalidArgument(f"mode={mode!r:.60} is not one of 'create', 'update', 'upsert'")
    for flag, value in (("dry_run", dry_run), ("create_groups", create_groups), ("strict", strict)):
        if not isinstance(value, bool):
            raise InvalidArgument(f"{flag} must be True or False, not {value!r:.60}")
    callback, bar = _progress_callable(progress)
    try:
        result = directory._core.import_users_csv(
            org_id, path_arg(path, "CSV path"), mode=mode, skip_errors=on_error == "skip", dry_run=dry_run,
            create_groups=create_groups, strict=strict, progress=callback)
    finally:
        if bar is not None:
            bar.close()
    return ImportReport._from_core(result)
