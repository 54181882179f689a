"""Reviews: runs that wait for approval (Runops, hoop.dev), ``org.commands.reviews()``.

A command with a review policy (``org.commands.set_review``) starts the runs of a
launch by anyone not exempt in ``pending_review``; every reviewer group must approve
before they are queued. One rejection cancels them; the requester may revoke; past
its wait the review expires. Users vote in the reviewer groups they belong to (the
engine's group-match rule), admins by their role; nobody votes on their own request.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from .args import integer
from .base import Handle
from .runs import Launch, from_ms

if TYPE_CHECKING:  # pragma: no cover
    from ._core import ReviewRecord
    from .frames import DataFrame

REVIEW_STATES = ("pending", "approved", "rejected", "revoked", "expired")


class Review:
    """One review request (a snapshot; refresh() re-reads). groups: each reviewer group's
    name, state, approvals and approvals needed; votes: who voted how, when."""

    __slots__ = ("_dir", "_r")

    def __init__(self, directory: Handle, record: ReviewRecord) -> None:
        self._dir = directory
        self._r = record

    id = property(lambda self: self._r["id"])
    launch_id = property(lambda self: self._r["launch"])
    command_id = property(lambda self: self._r["command"])
    command_name = property(lambda self: self._r["command_name"])
    state = property(lambda self: self._r["state"], doc="pending | approved | rejected | revoked | expired")
    requested_by = property(lambda self: self._r["requested_by"])
    requester_name = property(lambda self: self._r["requester_name"])
    decided_by = property(lambda self: self._r["decided_by"])
    groups = property(lambda self: [dict(g) for g in self._r["groups"]])
    votes = property(lambda self: [dict(v) for v in self._r["votes"]])

    @property
    def requested_at(self) -> dt.datetime:
        return from_ms(self._r["requested_at"])  # type: ignore[return-value]

    @property
    def expires_at(self) -> dt.datetime:
        return from_ms(self._r["expires_at"])  # type: ignore[return-value]

    @property
    def decided_at(self) -> dt.datetime | None:
        return from_ms(self._r["decided_at"])

    @property
    def waiting_for(self) -> list[str]:
        """The reviewer groups still pending."""
        return [g["name"] for g in self._r["groups"] if g["state"] == "pending"]

    def launch(self) -> Launch:
        return Launch(self._dir, self._dir._core.launch(self.launch_id))

    def refresh(self) -> Review:
        return Review(self._dir, self._dir._core.review(self.id))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Review) and self._r == other._r

    def __hash__(self) -> int:
        return hash(("review", self.id))

    def __repr__(self) -> str:
        waiting = f", waiting_for={self.waiting_for!r}" if self.state == "pending" else ""
        return (f"Review(id={self.id}, command={self.command_name!r}, state={self.state!r}, "
                f"by={self.requester_name or self.requested_by!r}{waiting})")


def review_id(review: Any) -> int:
    return review.id if isinstance(review, Review) else integer(review, "review")


def reviews_frame(reviews: list[Review]) -> DataFrame:
    """One row per (review, reviewer group): what waits for whom."""
    from .frames import frame_from_columns

    cols: dict[str, list[Any]] = {k: [] for k in ("review", "command", "state", "requester", "requested_at",
                                                  "expires_at", "group", "group_state", "approvals", "needed")}
    for r in reviews:  # reviews are few (people decide them); the frame is for looking
        for g in r.groups:
            for k, v in (("review", r.id), ("command", r.command_name), ("state", r.state),
                         ("requester", r.requester_name or r.requested_by), ("requested_at", r.requested_at),
                         ("expires_at", r.expires_at), ("group", g["name"]), ("group_state", g["state"]),
                         ("approvals", g["approvals"]), ("needed", g["needed"])):
                cols[k].append(v)
    return frame_from_columns(cols)
