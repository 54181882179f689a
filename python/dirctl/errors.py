"""The dirctl error hierarchy. Each class also subclasses the natural builtin.

The bottom of the package: the engine (dirctl._core) imports this module to
raise these classes, so this module imports nothing of dirctl.
"""

from __future__ import annotations

from typing import Callable, ClassVar, Protocol


class Error(Exception):
    """Base of every error dirctl raises."""


class NotFound(Error, KeyError):
    """The named object does not exist (or is invisible to the acting context)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Conflict(Error):
    """A unique value is already held by another object."""


class InvalidState(Conflict):
    """The object is not in a state that allows this (a run that already ended, reported twice)."""


class InvalidArgument(Error, ValueError):
    """A field, value, pair or argument is not acceptable."""


class DecisionLike(Protocol):
    """What a role engine decision offers (dirctl.Decision is the engine's class)."""

    @property
    def allowed(self) -> bool: ...

    @property
    def rule(self) -> str: ...

    @property
    def reason(self) -> str: ...

    def __bool__(self) -> bool: ...


class PermissionDenied(Error, PermissionError):
    """The acting context may not do this. ``rule`` and ``reason`` say why;
    ``decision`` is the role engine's Decision."""

    rule: str = ""
    reason: str = ""
    # dirctl.Decision, given by the package once the engine is loaded (the engine
    # imports this module, so this module does not import the engine).
    _decision_type: ClassVar[Callable[[bool, str, str], DecisionLike]]

    @property
    def decision(self) -> DecisionLike:
        return PermissionDenied._decision_type(False, self.rule or "role_matrix", self.reason or str(self))


class StorageError(Error):
    """The file or SQLite failed: locked, damaged, foreign, too new, I/O."""


__all__ = ["Error", "NotFound", "Conflict", "InvalidState", "InvalidArgument", "PermissionDenied", "StorageError"]
