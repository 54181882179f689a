"""Agents across processes (dirctl.agents, ``dirctl agent``): two agents polling one
device never share a run; an agent killed with SIGKILL mid-run leaves its run to time
out, never lost and never run twice; SIGTERM stops an agent cleanly."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dirctl

from conftest import child_env

POLLER = """
import json, sys, time, dirctl
db, dev, name, start = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
while time.time() < start:
    time.sleep(0.001)
taken = []
with dirctl.open(db) as d:
    agent = d.agent(dev, name=name)
    while (run := agent.next_run()) is not None:
        taken.append(run.id)
        agent.report(run, 0, name)
print(json.dumps(taken))
"""


def setup(db: Path, script: str, timeout: int = 60):
    with dirctl.open(db) as d:
        org = d.orgs.create("acme")
        dev = org.devices.create(hostname="box")
        cmd = org.commands.create(name="job", script=script, timeout=timeout)
        org.associate(cmd, dev)
        return dev.id, cmd.id


def test_two_agents_in_two_processes_never_share_a_run(shared):
    dev, cmd = setup(shared, "true")
    with dirctl.open(shared) as d:
        org = d.orgs.get("acme")
        launches = [org.commands.run(cmd) for _ in range(150)]
    start = time.time() + 1.0
    procs = [subprocess.Popen([sys.executable, "-c", POLLER, str(shared), str(dev), f"p{i}", str(start)],
                              env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(2)]
    taken = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        taken.append(json.loads(out))
    a, b = map(set, taken)
    assert not a & b and len(a) + len(b) == 150
    assert a | b == {launch.run_ids[0] for launch in launches}
    with dirctl.open(shared) as d:
        runs = d.orgs.get("acme").commands.results()
    assert {r.state for r in runs} == {"succeeded"}
    assert all(r.started_by == f"agent:{r.stdout}" for r in runs)  # reported by the agent that took it


def agent_cmd(db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "dirctl", "agent", "--db", str(db), "--device", "box", "--poll", "0.1", *extra]


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def state_of(db: Path, run_id: int) -> str:
    with dirctl.open(db) as d:
        return d.orgs.get("acme").commands.run_by_id(run_id).state


def test_an_agent_killed_mid_run_leaves_its_run_to_time_out(shared, tmp_path):
    marks = tmp_path / "marks"
    dev, cmd = setup(shared, f"echo $$ >> {marks}; sleep 300", timeout=2)
    with dirctl.open(shared) as d:
        launch = d.orgs.get("acme").commands.run(cmd)
    rid = launch.run_ids[0]
    agent = subprocess.Popen(agent_cmd(shared), env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: marks.exists() and marks.read_text().strip() != "")
        assert state_of(shared, rid) == "running"
        agent.kill()  # SIGKILL: no report, no cleanup
        agent.communicate(timeout=30)
    finally:
        if agent.poll() is None:
            agent.kill()
        for pid in marks.read_text().split() if marks.exists() else ():
            try:
                os.killpg(int(pid), signal.SIGKILL)  # the orphaned shell's group
            except ProcessLookupError:
                pass
    with dirctl.open(shared) as d:
        later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2 + 5 + 1)
        assert d.commands.sweep(now=later) == 1
    # a new agent finds nothing to do: the run is not queued again
    again = subprocess.run(agent_cmd(shared, "--once"), env=child_env(), capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    with dirctl.open(shared) as d:
        run = d.orgs.get("acme").commands.run_by_id(rid)
    assert run.state == "timed_out" and run.finished_by == "system"
    assert len(marks.read_text().split()) == 1  # it ran once


def test_sigterm_stops_a_serving_agent_cleanly(shared):
    dev, cmd = setup(shared, "sleep 300", timeout=600)
    agent = subprocess.Popen(agent_cmd(shared), env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        with dirctl.open(shared) as d:
            rid = d.orgs.get("acme").commands.run(cmd).run_ids[0]
        wait_for(lambda: state_of(shared, rid) == "running")
        agent.send_signal(signal.SIGTERM)
        out, err = agent.communicate(timeout=30)
    finally:
        if agent.poll() is None:
            agent.kill()
    assert agent.returncode == 0 and "stopped" in err
    with dirctl.open(shared) as d:
        run = d.orgs.get("acme").commands.run_by_id(rid)
    assert run.state == "failed" and run.signal == 9 and "the agent stopped" in run.stderr


def test_the_cli_runs_and_prints_results(shared):
    setup(shared, "echo from-$WHO")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "dirctl", *args, "--db", str(shared)], env=child_env(),
                              capture_output=True, text=True, timeout=60)

    launched = cli("commands", "run", "job", "--org", "acme", "--device", "box", "--var", "WHO=cli")
    assert launched.returncode == 0 and "launched 'job' on 1 device(s)" in launched.stdout
    served = cli("agent", "--device", "box", "--once")
    assert served.returncode == 0 and "succeeded" in served.stdout
    table = cli("commands", "results", "job", "--org", "acme")
    assert table.returncode == 0
    header, row = table.stdout.splitlines()
    assert header.split()[:3] == ["run", "device", "state"] and "from-cli" in row and "box" in row
    bad = cli("commands", "run", "job", "--org", "acme", "--var", "NOEQUALS")
    assert bad.returncode == 1 and "write NAME=VALUE" in bad.stderr
