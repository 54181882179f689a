"""``org.commands`` and ``d.commands``: commands, and running them.

``org.commands`` is the Collection of the org's commands plus launching
(``run``), scheduling (``schedule``, ``next_runs``), reviews (``set_review``,
``reviews``, ``approve``, ``reject``, ``revoke``), cancelling and reading results; ``d.commands`` holds what spans
orgs: purging old results and sweeping overdue runs. Runs and launches are
in dirctl.runs; agents, which execute runs, in dirctl.agents.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .args import id_list, integer, object_id, text
from .base import Handle, Object
from .collections import Collection
from .errors import InvalidArgument
from .reviews import Review, review_id, reviews_frame
from .runs import Launch, Run, launch, older_than_ms, optional_ms, results, results_frame

SCHEDULE_FIELDS = ("launch_type", "schedule", "timezone", "schedule_repeat_type", "enabled", "start", "until",
                   "count")

if TYPE_CHECKING:  # pragma: no cover
    from .frames import DataFrame


class CommandCollection(Collection):
    """The org's commands (a Collection of Command), and their runs."""

    def __init__(self, directory: Handle, org_id: int) -> None:
        super().__init__(directory, "command", org_id)

    def _command(self, cmd: Any) -> int | None:
        if cmd is None:
            return None
        return self.get(cmd).id if isinstance(cmd, str) else object_id(cmd, "command")

    def run(self, cmd: Object | int | str, devices: Any = None, variables: Any = None, *,
            ttl: int | None = None, now: Any = None) -> Launch:
        """Launch cmd: one queued run per device. devices: a subset of its targets (the
        devices associated with it and the members of its device groups); None: all of
        them. variables: {NAME: value}, the run's environment. ttl: seconds a queued run
        waits for an offline device (default 86400). now: a fake clock, for the
        directory's own handle only. Checked as commands.run, audited as command_run."""
        return launch(self._dir, self._command(cmd) or 0, devices, variables, ttl=ttl, now=now)

    def launch(self, launch_id: int) -> Launch:
        """A launch by id."""
        return Launch(self._dir, self._dir._core.launch(integer(launch_id, "launch")))

    def run_by_id(self, run_id: int) -> Run:
        """One run by id, with its result."""
        return Run(self._dir, self._dir._core.run(integer(run_id, "run")))

    def results(self, cmd: Any = None, device: Any = None, state: str | None = None, since: Any = None) -> list[Run]:
        """One Run per run (ascending ids) with device, state, exit code, output, requester
        and times; filtered by command, device, state and requested-since (a datetime).
        Through a view, only the commands the actor may read (a Command Runner: its own)."""
        return results(self._dir, self._org, self._command(cmd), device, state, since)

    def results_frame(self, cmd: Any = None, device: Any = None, state: str | None = None,
                      since: Any = None) -> DataFrame:
        """results() as a pandas DataFrame built from the engine's columns (no output text)."""
        return results_frame(self._dir, self._org, self._command(cmd), device, state, since)

    def cancel(self, target: Run | Launch | int) -> int:
        """Cancel a queued or running run (a Run or run id), or every unfinished run of a
        Launch; returns how many runs it ended. InvalidState for a run that already ended."""
        if isinstance(target, Launch):
            return int(self._dir._core.cancel_launch(target.id))
        run_id = target.id if isinstance(target, Run) else integer(target, "run")
        self._dir._core.cancel_run(run_id)
        return 1

    def schedule(self, cmd: Object | int | str, **fields: Any) -> Any:
        """Change only the schedule of cmd (launch_type, schedule, timezone,
        schedule_repeat_type, enabled, start, until, count): commands.schedule, which a
        Command Runner has for its assigned commands. Returns the command."""
        extra = sorted(set(fields) - set(SCHEDULE_FIELDS))
        if extra:
            raise InvalidArgument(f"schedule() changes only {', '.join(SCHEDULE_FIELDS)}; "
                                  f"use update() for {', '.join(extra)}")
        return self.update(cmd, **fields)

    def next_runs(self, cmd: Object | int | str, n: int = 5, after: Any = None) -> list[dt.datetime]:
        """The next n fire times of cmd after `after` (default now), as timezone-aware
        datetimes in the command's timezone; [] for manual and trigger commands."""
        target = self.get(cmd)
        ms = self._dir._core.next_runs(target.id, integer(n, "n"), optional_ms(after, "after"))
        zone = ZoneInfo(target.timezone)
        return [dt.datetime.fromtimestamp(t / 1000, tz=zone) for t in ms]

    # -- reviews (dirctl.reviews) ---------------------------------------------
    def set_review(self, cmd: Object | int | str, groups: Any, *, min_approvals: int = 1, exempt: Any = (),
                   wait: int = 86400) -> None:
        """Give cmd a review policy: its runs wait until every reviewer user group in
        groups approves (min_approvals each); members of exempt groups run without review;
        a request waits at most wait seconds. groups=None removes the policy. commands.edit."""
        target = self._command(cmd) or 0
        if groups is None:
            self._dir._core.set_review_policy(target, None)
            return
        self._dir._core.set_review_policy(target, id_list(groups, "review groups"), id_list(exempt, "exempt groups"),
                                          integer(min_approvals, "min_approvals"), integer(wait, "wait"))

    def review_policy(self, cmd: Object | int | str) -> dict[str, Any] | None:
        """cmd's review policy: reviewers, exempt (group ids), min_approvals, wait; None if it has none."""
        rec = self._dir._core.review_policy(self._command(cmd) or 0)
        return None if rec is None else dict(rec)

    def reviews(self, state: str | None = None) -> list[Review]:
        """The org's review requests (pending, approved, rejected, revoked, expired), oldest first."""
        return [Review(self._dir, r) for r in self._dir._core.reviews(self._org, state)]

    def reviews_frame(self, state: str | None = None) -> DataFrame:
        """What waits for whom: one row per (review, reviewer group)."""
        return reviews_frame(self.reviews(state))

    def approve(self, review: Review | int, comment: str = "", *, now: Any = None) -> Review:
        """Approve a review for the reviewer groups you are in (admins: all of them)."""
        return self._vote(review, True, comment, now)

    def reject(self, review: Review | int, comment: str = "", *, now: Any = None) -> Review:
        """Reject a review: its runs are cancelled."""
        return self._vote(review, False, comment, now)

    def _vote(self, review: Review | int, approve: bool, comment: str, now: Any) -> Review:
        return Review(self._dir, self._dir._core.review_vote(review_id(review), approve, text(comment, "comment"),
                                                             optional_ms(now, "now")))

    def revoke(self, review: Review | int) -> Review:
        """Withdraw your own request: its runs are cancelled."""
        return Review(self._dir, self._dir._core.review_revoke(review_id(review)))

    def purge_results(self, older_than: Any) -> int:
        """Delete this org's ended runs older than older_than (a timedelta, or a datetime
        cutoff); audited. Needs commands.edit. Returns how many were deleted."""
        return int(self._dir._core.purge_results(self._org, older_than_ms(older_than)))


class DirectoryCommands:
    """``d.commands``: run maintenance across orgs."""

    def __init__(self, directory: Handle) -> None:
        self._dir = directory

    def purge_results(self, older_than: Any, *, org: Object | int | None = None) -> int:
        """Delete ended runs older than older_than (a timedelta, or a datetime cutoff), in
        every org (the directory's own handle) or in one; one audit event per org."""
        if org is None and self._dir._core.actor is not None:
            raise InvalidArgument("through a view, name the org: d.commands.purge_results(..., org=org)")
        return int(self._dir._core.purge_results(None if org is None else object_id(org, "org"),
                                                 older_than_ms(older_than)))

    def sweep(self, now: Any = None) -> int:
        """Expire queued runs past their ttl and time out running runs past their timeout,
        now (every poll, report and read does this too). Returns how many runs it ended."""
        return int(self._dir._core.sweep_runs(optional_ms(now, "now")))

    def __repr__(self) -> str:
        return "<commands of the directory: purge_results, sweep>"
