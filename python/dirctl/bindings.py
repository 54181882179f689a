"""Device bindings: a user bound to a device, with sudo and passwordless sudo.

``org.users.bindings(user)`` and ``org.devices.bindings(device)`` list them as
``Binding`` values; ``bind`` makes one or changes its flags, ``unbind`` removes
it. The engine checks the pair, the org, the rights and the flags
(passwordless_sudo needs sudo); this module only shapes the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .base import Handle, Object, wrap

if TYPE_CHECKING:  # pragma: no cover
    from ._core import Record


@dataclass(frozen=True)
class Binding:
    """A user bound to a device: the two objects (as read when listed) and the flags."""

    user: Any
    device: Any
    sudo: bool
    passwordless_sudo: bool

    def __repr__(self) -> str:
        return (f"Binding(user={self.user.username!r}, device={self.device.hostname!r}, "
                f"sudo={self.sudo}, passwordless_sudo={self.passwordless_sudo})")


def binding_list(handle: Handle, of: Object,
                 rows: list[tuple[int, int, bool, bool, Record]]) -> list[Binding]:
    """Bindings of `of` (a user or a device) from the engine's rows, the other end wrapped."""
    out: list[Binding] = []
    for user_id, _device_id, sudo, passwordless, other in rows:
        other_obj = wrap(handle, other)
        user, device = (of, other_obj) if of.id == user_id else (other_obj, of)
        out.append(Binding(user, device, bool(sudo), bool(passwordless)))
    return out


__all__ = ["Binding", "binding_list"]
