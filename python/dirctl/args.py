"""Argument checks for the public API: wrong types become dirctl errors that say what to pass.

The engine's bindings would raise pybind11's ``TypeError`` (or cut a string at a
NUL); every public entry point goes through these instead, so a caller sees
``InvalidArgument`` (a ``ValueError``) or ``NotFound`` (a ``KeyError``) naming
the argument.
"""

from __future__ import annotations

import operator
import os
from typing import Any

from .base import Object
from .errors import InvalidArgument, NotFound

ID_MAX = 2**32 - 1  # object ids are unsigned 32-bit in the engine
INT64_MAX = 2**63 - 1


def integer(value: Any, what: str) -> int:
    """A Python or numpy integer (not a bool) as int; InvalidArgument otherwise."""
    if isinstance(value, bool):
        raise InvalidArgument(f"{what}: expected an integer, got a bool ({value!r})")
    try:
        return operator.index(value)
    except TypeError:
        raise InvalidArgument(f"{what}: expected an integer, got {type(value).__name__} {value!r:.60}") from None


def object_id(value: Any, what: str = "id", *, none: bool = False) -> int:
    """An object (or its id) as an id. An integer no object can have is NotFound;
    with none=True, 0 is accepted as "no object" (a scope-level check)."""
    if isinstance(value, Object):
        return value.id
    if value is None or isinstance(value, (str, bytes, float)):
        raise InvalidArgument(f"{what}: expected a dirctl object or an id (an integer), got {type(value).__name__} {value!r:.60}")
    n = integer(value, what)
    if none and n == 0:
        return 0
    if not 0 < n <= ID_MAX:
        raise NotFound(f"no object with id {n}: ids are positive integers below 2**32")
    return n


def count(value: Any, what: str, *, minimum: int = 0) -> int:
    """A non-negative (or >= minimum) 64-bit integer, such as a limit or a sequence number."""
    n = integer(value, what)
    if not minimum <= n <= INT64_MAX:
        raise InvalidArgument(f"{what}: {n} is out of range; pass an integer from {minimum} to 2**63-1")
    return n


def text(value: Any, what: str) -> str:
    """A str that the engine can take: valid Unicode (no lone surrogates)."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{what}: expected text (str), got {type(value).__name__} {value!r:.60}")
    if value.isascii():  # the common case, checked at C speed
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgument(
            f"{what}: the text has a lone surrogate {value[exc.start]!r} at position {exc.start}, which is not "
            "valid Unicode; decode the source with errors='replace' or fix it"
        ) from None
    return value


def path(value: Any, what: str = "path") -> str:
    """A file path (str or os.PathLike), with no NUL and valid Unicode."""
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise InvalidArgument(f"{what}: expected a file path (str or pathlib.Path), got {type(value).__name__} {value!r:.60}")
    p = os.fspath(value)
    if not isinstance(p, str):
        raise InvalidArgument(f"{what}: give the path as text, not bytes ({p!r:.60})")
    if "\x00" in p:
        raise InvalidArgument(f"{what}: {p!r:.80} contains a NUL character; a path cannot, so nothing was opened")
    return text(p, what)


def id_list(values: Any, what: str) -> list[int]:
    """A list of objects or ids (e.g. an admin's orgs): an iterable, not text, bytes or a single id."""
    if values is None or isinstance(values, (str, bytes, bytearray, int, Object)) or not hasattr(values, "__iter__"):
        raise InvalidArgument(f"{what}: expected a list of objects or ids (e.g. [org]), got {type(values).__name__} {values!r:.60}")
    return [object_id(v, what) for v in values]
