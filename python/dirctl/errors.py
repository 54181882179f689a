"""The dirctl error hierarchy. Each class also subclasses the natural builtin."""

from __future__ import annotations


class Error(Exception):
    """Base of every error dirctl raises."""


class NotFound(Error, KeyError):
    """The named object does not exist (or is invisible to the acting context)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Conflict(Error):
    """A unique value is already held by another object."""


class InvalidArgument(Error, ValueError):
    """A field, value, pair or argument is not acceptable."""


class PermissionDenied(Error, PermissionError):
    """The acting context may not do this. ``rule`` and ``reason`` say why;
    ``decision`` is the role engine's Decision."""

    rule: str = ""
    reason: str = ""

    @property
    def decision(self):  # -> dirctl.Decision
        from . import _core

        return _core.Decision(False, self.rule or "role_matrix", self.reason or str(self))


class StorageError(Error):
    """The file or SQLite failed: locked, damaged, foreign, too new, I/O."""


__all__ = ["Error", "NotFound", "Conflict", "InvalidArgument", "PermissionDenied", "StorageError"]
