"""Running commands on this host (dirctl.execution, through LocalAgent): exit codes,
signals, stderr, variables, timeouts that kill the whole process group, output limits,
run-as users. Real shells, real processes."""

from __future__ import annotations

import os
import pwd
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import dirctl
from dirctl import execution
from dirctl.execution import execute_local


def job(script: str, *, timeout: int = 10, run_as: str = "", shell: str = "bash", **variables: str):
    return SimpleNamespace(script=script, shell=shell, run_as=run_as or pwd.getpwuid(os.geteuid()).pw_name,
                           timeout=timeout, variables=variables)


def gone(pid: int) -> bool:
    """The process no longer runs (or is a zombie waiting for a reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return True
    return state in ("Z", "X")


def test_exit_code_stdout_stderr_and_variables():
    out = execute_local(job('echo "hi $WHO"; echo oops >&2; exit 7', WHO="ops"))
    assert (out.exit_code, out.signal, out.stdout, out.stderr) == (7, None, "hi ops\n", "oops\n")
    assert not out.timed_out and not out.stdout_truncated


def test_a_signal_is_reported_as_the_signal():
    out = execute_local(job("kill -TERM $$"))
    assert (out.exit_code, out.signal) == (None, 15)


def test_sh_and_a_missing_shell():
    assert execute_local(job("echo $0", shell="sh")).stdout.strip().endswith("sh")
    out = execute_local(job("dir", shell="cmd"))
    assert out.exit_code == execution.NOT_FOUND and "shell 'cmd' is not available" in out.stderr


def test_the_environment_is_small_and_the_agents_own_is_not_passed(monkeypatch):
    monkeypatch.setenv("AGENT_SECRET", "s3cret")
    out = execute_local(job("env"))
    names = {line.split("=", 1)[0] for line in out.stdout.splitlines()}
    assert "AGENT_SECRET" not in names and {"PATH", "HOME", "USER"} <= names


def test_timeout_kills_the_whole_group(tmp_path):
    pids = tmp_path / "pids"
    start = time.monotonic()
    out = execute_local(job(f"sleep 300 & echo $! > {pids}; sleep 300", timeout=1))
    assert time.monotonic() - start < 10
    assert out.timed_out and out.signal == 9
    child = int(pids.read_text())
    deadline = time.monotonic() + 5
    while not gone(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(child)


def test_a_background_child_holding_the_pipes_does_not_hang_the_run(tmp_path):
    start = time.monotonic()
    out = execute_local(job("sleep 300 & echo started", timeout=60))
    assert time.monotonic() - start < 5 and out.exit_code == 0 and out.stdout == "started\n"


def test_a_command_that_closes_its_output_is_waited_for_not_killed():
    for _ in range(20):  # closing the pipes just before exiting is the common case (uname, most programs)
        assert execute_local(job("uname -a")).exit_code == 0
    start = time.monotonic()
    out = execute_local(job("exec >/dev/null 2>&1; sleep 1; exit 4"))
    assert (out.exit_code, out.signal) == (4, None) and time.monotonic() - start >= 1


def test_output_past_the_limit_is_truncated_and_marked():
    out = execute_local(job("head -c 300000 /dev/zero | tr '\\0' a; echo tail >&2"), output_limit=100_000)
    assert out.stdout_truncated and not out.stderr_truncated and out.exit_code == 0
    assert out.stdout.startswith("a" * 100_000)
    assert "output truncated at 100000 bytes; 200000 more bytes dropped" in out.stdout
    assert out.stderr == "tail\n"


def test_cancellation_kills_the_run():
    start = time.monotonic()
    out = execute_local(job("sleep 300"), cancelled=lambda: time.monotonic() - start > 0.3)
    assert out.cancelled and time.monotonic() - start < 5


@pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")
def test_runs_as_the_commands_user_when_root():
    out = execute_local(job("id -un; echo $HOME", run_as="nobody"))
    assert out.stdout.split()[0] == "nobody" and out.exit_code == 0


def test_an_unknown_run_as_user_is_refused():
    out = execute_local(job("true", run_as="no-such-user-xyz"))
    assert out.exit_code == execution.REFUSED and "'no-such-user-xyz' does not exist" in out.stderr


def test_not_root_refuses_another_user(monkeypatch):
    nobody = pwd.getpwnam("nobody")
    monkeypatch.setattr(execution.os, "geteuid", lambda: nobody.pw_uid)
    out = execute_local(job("true", run_as="root"))
    assert out.exit_code == execution.REFUSED
    assert "runs as 'nobody', not root, so it cannot run a command as 'root'" in out.stderr


def test_local_agent_runs_the_queue(d, org):
    dev = org.devices.create(hostname="here")
    ok = org.commands.create(name="ok", script="echo $GREETING", timeout=30)
    bad = org.commands.create(name="bad", script="echo no >&2; exit 3", timeout=30)
    for c in (ok, bad):
        org.associate(c, dev)
    first = org.commands.run(ok, variables={"GREETING": "hello"})
    second = org.commands.run(bad)
    agent = dirctl.LocalAgent(d, dev, name="t")
    done = agent.run_pending()
    assert [r.launch_id for r in done] == [first.id, second.id]
    assert [(r.state, r.exit_code, r.stdout, r.stderr) for r in done] == [
        ("succeeded", 0, "hello\n", ""), ("failed", 3, "", "no\n")]
    assert agent.run_pending() == []


def test_local_agent_times_out_a_hanging_command(d, org):
    dev = org.devices.create(hostname="here")
    hang = org.commands.create(name="hang", script="sleep 300", timeout=1)
    org.associate(hang, dev)
    org.commands.run(hang)
    (run,) = dirctl.LocalAgent(d, dev).run_pending()
    assert run.state == "timed_out" and run.signal == 9


def test_a_callback_agent_and_its_failures(d, org):
    dev = org.devices.create(hostname="remote")
    cmd = org.commands.create(name="c", script="uptime")
    org.associate(cmd, dev)
    seen = []

    def over_ssh(run):
        seen.append((run.script, run.device.hostname))
        if len(seen) == 2:
            raise ConnectionError("host unreachable")
        return dirctl.Outcome(exit_code=0, stdout="up 3 days")

    org.commands.run(cmd)
    org.commands.run(cmd)
    agent = dirctl.CallbackAgent(d, dev, over_ssh)
    first, second = agent.run_pending()
    assert seen == [("uptime", "remote")] * 2
    assert (first.state, first.stdout) == ("succeeded", "up 3 days")
    assert second.state == "failed" and "ConnectionError: host unreachable" in second.stderr
