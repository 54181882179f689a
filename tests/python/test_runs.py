"""Command runs through the public API (dirctl.runs, dirctl.commands): launching, the
state machine, ttl and timeout with a fake clock, cancellation, visibility, purge."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

import dirctl
from dirctl import InvalidArgument, InvalidState, NotFound, PermissionDenied

# The fake clock runs in the future: reads sweep with the real clock, which must not
# expire or time out what a test drives by hand.
T0 = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.timezone.utc)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


@pytest.fixture
def fleet(d, org):
    """Three devices: web-1 and web-2 in group prod, db-1 alone; 'hello' targets prod and
    db-1, 'other' targets nothing; a billing admin (the invariant) and a Command Runner."""
    devs = [org.devices.create(hostname=h, os="linux") for h in ("web-1", "web-2", "db-1")]
    prod = org.device_groups.create("prod")
    for dev in devs[:2]:
        org.device_groups.add_member(prod, dev)
    hello = org.commands.create(name="hello", script="echo hello", timeout=60)
    org.associate(hello, prod)
    org.associate(hello, devs[2])
    other = org.commands.create(name="other", script="true")
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    return {"devs": devs, "prod": prod, "hello": hello, "other": other, "runner": runner}


def test_a_launch_makes_one_queued_run_per_target(d, org, fleet):
    launch = org.commands.run(fleet["hello"], variables={"WHO": "ops"}, now=T0)
    runs = launch.runs()
    assert sorted(r.device_id for r in runs) == sorted(x.id for x in fleet["devs"])
    assert {r.state for r in runs} == {"queued"}
    assert all(r.requested_at == T0 and r.variables == {"WHO": "ops"} and r.script == "echo hello" for r in runs)
    assert launch.pending() == 3 and launch.ttl == 86400
    assert "Launch(id=" in repr(launch) and "state='queued'" in repr(runs[0])
    events = d.events(type="command_run")
    assert len(events) == 1
    changes = {c["field"]: c["to"] for c in events[0].changes}
    assert changes["devices"] == 3 and changes["launch"] == launch.id


def test_a_subset_of_targets(org, fleet):
    launch = org.commands.run("hello", devices=[fleet["devs"][0]])
    assert [r.device_id for r in launch.runs()] == [fleet["devs"][0].id]


def test_a_device_outside_the_targets_or_no_target_is_refused(d, org, fleet, unchanged):
    stranger = org.devices.create(hostname="stranger")
    with unchanged(d), pytest.raises(InvalidArgument, match="not a target of command 'hello'"):
        org.commands.run(fleet["hello"], devices=[stranger])
    with unchanged(d), pytest.raises(InvalidArgument, match="has no target devices"):
        org.commands.run(fleet["other"])
    with unchanged(d), pytest.raises(InvalidArgument, match="not an environment name"):
        org.commands.run(fleet["hello"], variables={"1BAD": "x"})
    with unchanged(d), pytest.raises(InvalidArgument, match="ttl"):
        org.commands.run(fleet["hello"], ttl=0)
    with unchanged(d), pytest.raises(NotFound):
        org.commands.run(10**6)


def test_agent_takes_oldest_then_reports(d, org, fleet):
    web1 = fleet["devs"][0]
    first = org.commands.run(fleet["hello"], now=at(0))
    second = org.commands.run(fleet["hello"], now=at(1))
    agent = d.agent(web1, name="a1")
    run = agent.next_run(now=at(2))
    assert run.launch_id == first.id and run.state == "running"
    assert run.started_at == at(2) and run.started_by == "agent:a1"
    assert d.orgs.get("acme").devices.get(web1.id).last_contact.startswith("2030-01-01T12:00:02")
    done = agent.report(run, 0, "hello\n", "", now=at(3))
    assert (done.state, done.exit_code, done.stdout, done.finished_at) == ("succeeded", 0, "hello\n", at(3))
    assert agent.next_run(now=at(4)).launch_id == second.id
    assert agent.next_run(now=at(5)) is None


def test_a_fake_clock_never_takes_a_run_from_its_future(d, org, fleet):
    org.commands.run(fleet["hello"], devices=[fleet["devs"][0]], now=at(10))
    agent = d.agent(fleet["devs"][0])
    assert agent.next_run(now=at(5)) is None
    assert agent.next_run(now=at(10)).started_at == at(10)


@pytest.mark.parametrize("outcome, state", [
    (dict(exit_code=0), "succeeded"), (dict(exit_code=2), "failed"), (dict(signal=9), "failed"),
    (dict(signal=9, timed_out=True), "timed_out"),
])
def test_report_decides_the_end_state(d, org, fleet, outcome, state):
    org.commands.run(fleet["hello"], devices=[fleet["devs"][0]], now=at(0))
    agent = d.agent(fleet["devs"][0])
    run = agent.next_run(now=at(1))
    done = agent.report(run, stderr="boom", now=at(2), **outcome)
    assert done.state == state and done.stderr == "boom"


def test_report_needs_exactly_one_of_exit_code_and_signal(d, org, fleet):
    org.commands.run(fleet["hello"], devices=[fleet["devs"][0]])
    agent = d.agent(fleet["devs"][0])
    run = agent.next_run()
    with pytest.raises(InvalidArgument):
        agent.report(run)
    with pytest.raises(InvalidArgument):
        agent.report(run, 0, signal=9)
    with pytest.raises(NotFound):  # another device's agent
        d.agent(fleet["devs"][1]).report(run, 0)
    assert agent.report(run, 0).state == "succeeded"


def end_in(d, org, fleet, state):
    """A run driven to `state` with the fake clock; returns (agent, run id)."""
    dev = fleet["devs"][0]
    launch = org.commands.run(fleet["hello"], devices=[dev], ttl=10, now=at(0))
    agent = d.agent(dev)
    rid = launch.run_ids[0]
    if state == "queued":
        return agent, rid
    if state == "expired":
        assert agent.next_run(now=at(11)) is None
        return agent, rid
    if state == "cancelled":
        org.commands.cancel(rid)
        return agent, rid
    run = agent.next_run(now=at(1))
    if state == "running":
        return agent, rid
    if state == "timed_out":
        assert d.commands.sweep(now=at(1 + 60 + 5 + 1)) == 1
        return agent, rid
    agent.report(run, 0 if state == "succeeded" else 1, now=at(2))
    return agent, rid


@pytest.mark.parametrize("state", dirctl.runs.STATES[:7])  # pending_review: test_reviews.py
def test_every_state_is_reachable(d, org, fleet, state):
    _, rid = end_in(d, org, fleet, state)
    assert org.commands.run_by_id(rid).state == state


@pytest.mark.parametrize("state, move", itertools.product(dirctl.runs.STATES[:7], ("start", "report", "cancel")))
def test_every_transition_is_legal_or_raises(d, org, fleet, state, move):
    """queued -> running | expired | cancelled; running -> an end | cancelled; an end is final."""
    agent, rid = end_in(d, org, fleet, state)
    legal = {("queued", "start"), ("queued", "cancel"), ("running", "report"), ("running", "cancel")}
    before = org.commands.run_by_id(rid)
    if move == "start":
        taken = agent.next_run(now=at(3))
        assert (taken is not None and taken.id == rid) == ((state, move) in legal)
        return
    if (state, move) in legal:
        if move == "report":
            agent.report(rid, 0, now=at(3))
        else:
            org.commands.cancel(rid)
        assert org.commands.run_by_id(rid).state == ("succeeded" if move == "report" else "cancelled")
        return
    with pytest.raises(InvalidState, match=f"run {rid} is {state}"):
        if move == "report":
            agent.report(rid, 0, now=at(3))
        else:
            org.commands.cancel(rid)
    assert org.commands.run_by_id(rid) == before


def test_ttl_expires_a_queued_run_with_a_fake_clock(d, org, fleet):
    dev = fleet["devs"][0]
    launch = org.commands.run(fleet["hello"], devices=[dev], ttl=30, now=at(0))
    assert d.commands.sweep(now=at(29)) == 0
    assert d.commands.sweep(now=at(30)) == 1
    run = launch.runs()[0]
    assert run.state == "expired" and run.finished_at == at(30) and run.finished_by == "system"
    assert d.agent(dev).next_run(now=at(31)) is None


def test_timeout_ends_a_silent_run_and_refuses_its_late_report(d, org, fleet):
    dev = fleet["devs"][0]
    org.commands.update(fleet["hello"], timeout=10)
    org.commands.run(fleet["hello"], devices=[dev], now=at(0))
    agent = d.agent(dev)
    run = agent.next_run(now=at(1))
    assert d.commands.sweep(now=at(1 + 10 + 5)) == 0  # the grace for a report of a killed run
    assert d.commands.sweep(now=at(1 + 10 + 5.001)) == 1
    assert run.refresh().state == "timed_out"
    with pytest.raises(InvalidState, match="timed_out"):
        agent.report(run, 0, now=at(20))


def test_a_report_after_the_timeout_is_timed_out(d, org, fleet):
    dev = fleet["devs"][0]
    org.commands.update(fleet["hello"], timeout=10)
    org.commands.run(fleet["hello"], devices=[dev], now=at(0))
    agent = d.agent(dev)
    run = agent.next_run(now=at(1))
    assert agent.report(run, 0, "late", now=at(12)).state == "timed_out"


def test_a_launch_keeps_the_command_as_it_was(d, org, fleet):
    launch = org.commands.run(fleet["hello"], devices=[fleet["devs"][0]])
    org.commands.update(fleet["hello"], script="rm -rf /tmp/x", timeout=5)
    run = d.agent(fleet["devs"][0]).next_run()
    assert (run.script, run.timeout) == ("echo hello", 60) and run.launch_id == launch.id


def test_cancel_a_launch(d, org, fleet):
    launch = org.commands.run(fleet["hello"])
    taken = d.agent(fleet["devs"][0]).next_run()
    assert launch.cancel() == 3
    assert {r.state for r in launch.runs()} == {"cancelled"}
    assert launch.cancel() == 0 and launch.pending() == 0
    with pytest.raises(InvalidState, match="cancelled"):
        d.agent(fleet["devs"][0]).report(taken, 0)
    assert [e.event_type for e in d.events(type="command_run_cancel")] == ["command_run_cancel"] * 2


def test_the_fake_clock_is_for_the_system_handle_only(d, org, fleet):
    view = d.as_admin(fleet["runner"])
    org.associate(fleet["runner"], fleet["hello"])
    with pytest.raises(InvalidArgument, match="now= is for the directory's own handle"):
        view.orgs.get("acme").commands.run(fleet["hello"], now=T0)


def test_a_view_cannot_act_as_an_agent(d, org, fleet):
    boss = d.admins.get("boss@acme.com")
    org.commands.run(fleet["hello"])
    for view in (d.as_admin(boss), d.as_admin(fleet["runner"])):
        with pytest.raises(PermissionDenied) as exc:
            view.agent(fleet["devs"][0]).next_run()
        assert exc.value.rule == "acting_view"
        with pytest.raises(PermissionDenied):
            view.commands.sweep()
    assert len(d.events(type="agent_poll", success=False)) == 2
    assert {r.state for r in org.commands.results()} == {"queued"}


def test_command_runner_runs_and_sees_only_assigned_commands(d, org, fleet):
    runner = fleet["runner"]
    org.associate(fleet["other"], fleet["devs"][2])
    org.commands.run(fleet["other"])  # by the system: not the runner's
    view = d.as_admin(runner).orgs.get("acme")
    with pytest.raises(PermissionDenied) as exc:
        view.commands.run(fleet["hello"])
    assert exc.value.rule == "assigned_commands"
    assert view.commands.results() == [] and len(view.commands.results_frame()) == 0
    org.associate(runner, fleet["hello"])
    launch = view.commands.run(fleet["hello"])
    assert launch.requester_name == "runner@acme.com"
    mine = view.commands.results()
    assert {r.command_id for r in mine} == {fleet["hello"].id} and len(mine) == 3
    assert len(org.commands.results()) == 4  # the system sees both commands' runs
    with pytest.raises(PermissionDenied):
        view.commands.results(fleet["other"])
    frame = view.commands.results_frame()
    assert set(frame["command"]) == {"hello"} and set(frame["requester"]) == {"runner@acme.com"}


def test_other_roles_follow_the_matrix(d, org, fleet):
    org.commands.run(fleet["hello"])
    reader = d.admins.create(email="ro@acme.com", role="read_only", orgs=[org])
    view = d.as_admin(reader).orgs.get("acme")
    assert len(view.commands.results()) == 3  # commands: read
    with pytest.raises(PermissionDenied):
        view.commands.run(fleet["hello"])
    outsider_org = d.orgs.create("beta")
    outsider = d.admins.create(email="x@beta.com", role="administrator", orgs=[outsider_org])
    with pytest.raises(NotFound):
        d.as_admin(outsider).orgs.get("acme")


def test_results_filters_and_frame(d, org, fleet):
    a = org.commands.run(fleet["hello"], now=at(0))
    agent = d.agent(fleet["devs"][0])
    agent.report(agent.next_run(now=at(1)), 0, "ok", now=at(2))
    org.commands.run(fleet["hello"], now=at(100))
    assert len(org.commands.results(fleet["hello"])) == 6
    assert len(org.commands.results(device=fleet["devs"][0])) == 2
    assert [r.id for r in org.commands.results(state="succeeded")] == [a.run_ids[0]]
    assert len(org.commands.results(since=at(50))) == 3
    with pytest.raises(InvalidArgument, match="state"):
        org.commands.results(state="done")
    frame = org.commands.results_frame()
    assert len(frame) == 6 and frame.index.name == "id"
    row = frame.loc[a.run_ids[0]]
    assert (row["state"], row["device"], row["exit_code"], row["duration"]) == ("succeeded", "web-1", 0, 1.0)
    assert row["started_at"] == at(1) and str(frame["requested_at"].dt.tz) == "UTC"
    assert frame["exit_code"].isna().sum() == 5 and frame["finished_at"].isna().sum() == 5
    assert np.issubdtype(frame["launch"].dtype, np.integer)


def test_purge_deletes_old_ended_runs_only(d, org, fleet):
    dev = fleet["devs"][0]
    org.commands.run(fleet["hello"], devices=[dev], now=at(0))
    agent = d.agent(dev)
    agent.report(agent.next_run(now=at(1)), 0, "x" * 1000, now=at(2))
    org.commands.run(fleet["hello"], devices=[dev], now=at(3))  # queued: never purged
    assert org.commands.purge_results(at(2)) == 0  # finished at 2, not before it
    assert org.commands.purge_results(at(2.001)) == 1
    assert [r.state for r in org.commands.results()] == ["queued"]
    (event,) = d.events(type="command_results_purge")
    assert {c["field"]: c["to"] for c in event.changes}["runs"] == 1
    assert d.commands.purge_results(dt.timedelta(days=0)) == 0


def test_purge_through_views(d, org, fleet):
    org.commands.run(fleet["hello"], now=at(0))
    d.commands.sweep(now=at(86400 + 1))
    runner_view = d.as_admin(fleet["runner"])
    with pytest.raises(PermissionDenied):
        runner_view.orgs.get("acme").commands.purge_results(dt.timedelta(0))
    with pytest.raises(InvalidArgument, match="name the org"):
        runner_view.commands.purge_results(dt.timedelta(0))
    boss = d.as_admin(d.admins.get("boss@acme.com"))
    assert boss.commands.purge_results(dt.timedelta(0), org=org) == 0  # they expired in the future
    assert boss.commands.purge_results(at(86400 + 2), org=org) == 3


def test_runs_survive_reopening_and_other_handles_see_them(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        dev = org.devices.create(hostname="h")
        cmd = org.commands.create(name="c", script="true")
        org.associate(cmd, dev)
        launch = org.commands.run(cmd)
        with dirctl.open(shared) as other:
            run = other.agent(dev.id).next_run()
            assert run.id == launch.run_ids[0]
            other.agent(dev.id).report(run, 0)
        assert launch.runs()[0].state == "succeeded"
    with dirctl.open(shared) as d:
        assert d.orgs.get("acme").commands.results()[0].state == "succeeded"


def test_a_failed_launch_in_a_batch_leaves_the_batch(d, org, fleet):
    with d.batch():
        org.commands.run(fleet["hello"])
        with pytest.raises(InvalidArgument):
            org.commands.run(fleet["other"])
    assert len(org.commands.results()) == 3
    with pytest.raises(RuntimeError):
        with d.batch():
            org.commands.run(fleet["hello"])
            raise RuntimeError("undo")
    assert len(org.commands.results()) == 3 and len(d.events(type="command_run")) == 1


def test_run_and_launch_ids_are_never_reused_after_a_purge(d, org, fleet):
    first = org.commands.run(fleet["hello"], devices=[fleet["devs"][0]], now=at(0))
    d.commands.sweep(now=at(86400 + 1))
    assert org.commands.purge_results(at(86400 + 2)) == 1
    again = org.commands.run(fleet["hello"], devices=[fleet["devs"][0]])
    assert again.id > first.id and again.run_ids[0] > first.run_ids[0]


def test_runs_of_a_deleted_command_never_run(d, org, fleet):
    org.commands.run(fleet["hello"], devices=[fleet["devs"][0]])
    org.commands.delete(fleet["hello"])
    assert d.agent(fleet["devs"][0]).next_run() is None
    (run,) = org.commands.results()
    assert (run.state, run.finished_by, run.command_name) == ("cancelled", "system", "")


def test_a_refused_late_report_keeps_the_engines_time_out(d, org, fleet):
    dev = fleet["devs"][0]
    org.commands.update(fleet["hello"], timeout=10)
    org.commands.run(fleet["hello"], devices=[dev], now=at(0))
    agent = d.agent(dev)
    run = agent.next_run(now=at(1))
    with pytest.raises(InvalidState, match="timed_out"):
        agent.report(run, 0, now=at(100))
    assert d.commands.sweep(now=at(100)) == 0  # already swept, and committed
    assert run.refresh().finished_at == at(1 + 10 + 5)
