"""A user's home or work address: a structured record, stored one column a part.

JumpCloud keeps an address as a typed record (``type``, ``streetAddress``,
``poBox``, ``locality``, ``region``, ``postalCode``, ``country``); its CSV
template flattens it to ``home_streetAddress``, ``home_city``... dirctl stores
each part as its own user field (``home_city``) and reads the record whole
as ``user.home_address``. To set one, give ``home_address=`` an Address or a
mapping of parts (dirctl's names or JumpCloud's); the parts not given are
cleared. The engine checks each part.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

PARTS = ("street_address", "po_box", "city", "state", "postal_code", "country")


@dataclass(frozen=True)
class Address:
    """One address of a user; ``kind`` is "home" or "work". Empty parts are None."""

    kind: str
    street_address: str | None = None
    po_box: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @classmethod
    def of(cls, kind: str, user_fields: dict[str, Any]) -> Address:
        """The ``kind`` address among a user's fields (``home_city``...)."""
        return cls(kind, **{p: user_fields.get(f"{kind}_{p}") for p in PARTS})

    def parts(self) -> dict[str, str]:
        """The parts that are set, as the engine takes them."""
        return {f.name: v for f in fields(self) if f.name != "kind" and (v := getattr(self, f.name)) is not None}

    def __bool__(self) -> bool:
        return bool(self.parts())

    def __str__(self) -> str:
        return ", ".join(self.parts().values())
