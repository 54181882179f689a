"""Schedules and triggers through the public API (dirctl.scheduler, org.commands.schedule,
next_runs, d.trigger), with a fake clock: every launch type, validation, time zones and
daylight saving, start/until/count, missed runs after downtime, two processes ticking at
once, and the scheduler daemon stopping on SIGTERM."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
import time
from zoneinfo import ZoneInfo

import pytest

import dirctl
from dirctl import InvalidArgument, NotFound, PermissionDenied

from conftest import child_env

UTC = dt.timezone.utc
# The fake clock runs in the future, after every command's creation time.
T0 = dt.datetime(2030, 3, 1, 0, 0, tzinfo=UTC)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def box(d, org):
    dev = org.devices.create(hostname="box")
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    return dev


def command(org, dev, **fields):
    cmd = org.commands.create(name=fields.pop("name", "job"), script="true", **fields)
    org.associate(cmd, dev)
    return cmd


# ---- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("schedule, field", [
    ("99 99 * * *", "minute"), ("0 0 25 * * *", "hour"), ("* * *", "has 3 fields"), ("0 0 * * 8", "day"),
    ("0 0 * FOO *", "month"), ("*/0 * * * *", "step"),
])
def test_cron_errors_name_the_field(d, org, unchanged, schedule, field):
    with unchanged(d), pytest.raises(InvalidArgument, match=field):
        org.commands.create(name="c", script="x", launch_type="repeated", schedule=schedule)


def test_one_time_must_be_a_future_time(d, org, unchanged):
    with unchanged(d), pytest.raises(InvalidArgument, match="not a time"):
        org.commands.create(name="c", script="x", launch_type="one-time", schedule="next tuesday-ish")
    with unchanged(d), pytest.raises(InvalidArgument, match="in the past"):
        org.commands.create(name="c", script="x", launch_type="one-time", schedule="2020-01-01T00:00:00Z")
    c = org.commands.create(name="c", script="x", launch_type="one-time", schedule="2031-01-01T09:00:00Z")
    assert org.commands.update(c, script="y").script == "y"  # not re-checked when the time is not changed


def test_timezone_repeat_type_and_bounds_are_checked(d, org, unchanged):
    with unchanged(d), pytest.raises(InvalidArgument, match="Mars/Olympus"):
        org.commands.create(name="c", script="x", launch_type="repeated", schedule="0 * * * *",
                            timezone="Mars/Olympus")
    with unchanged(d), pytest.raises(InvalidArgument, match="minute, hour, day, week, month"):
        org.commands.create(name="c", script="x", launch_type="repeated", schedule_repeat_type="fortnight")
    with unchanged(d), pytest.raises(InvalidArgument, match="either a cron schedule or a repeat type"):
        org.commands.create(name="c", script="x", launch_type="repeated", schedule="0 * * * *",
                            schedule_repeat_type="hour")
    with unchanged(d), pytest.raises(InvalidArgument, match="before start"):
        org.commands.create(name="c", script="x", launch_type="repeated", schedule="0 * * * *",
                            start="2031-01-02T00:00:00Z", until="2031-01-01T00:00:00Z")
    with unchanged(d), pytest.raises(InvalidArgument, match="only a repeated command"):
        org.commands.create(name="c", script="x", schedule_repeat_type="day")


# ---- next_runs: time zones and the calendar ---------------------------------------------------

def next_utc(org, cmd, n, after):
    return [t.astimezone(UTC) for t in org.commands.next_runs(cmd, n, after=after)]


def test_manual_and_trigger_commands_have_no_fire_times(org, box):
    assert org.commands.next_runs(command(org, box)) == []
    assert org.commands.next_runs(command(org, box, name="t", launch_type="trigger", trigger="go")) == []


def test_six_and_five_fields_and_the_commands_timezone(org, box):
    cmd = command(org, box, launch_type="repeated", schedule="30 0 9 * * MON-FRI", timezone="Europe/Berlin")
    runs = org.commands.next_runs(cmd, 3, after=utc(2030, 3, 1, 12))  # a Friday
    assert [str(t) for t in runs] == ["2030-03-04 09:00:30+01:00", "2030-03-05 09:00:30+01:00",
                                      "2030-03-06 09:00:30+01:00"]
    assert runs[0].tzinfo == ZoneInfo("Europe/Berlin")
    five = command(org, box, name="five", launch_type="repeated", schedule="15 */6 * * *")
    assert next_utc(org, five, 2, utc(2030, 3, 1, 7)) == [utc(2030, 3, 1, 12, 15), utc(2030, 3, 1, 18, 15)]


def test_feb_29_and_the_31st(org, box):
    leap = command(org, box, name="leap", launch_type="repeated", schedule="0 0 0 29 2 *")
    assert next_utc(org, leap, 2, utc(2030, 1, 1)) == [utc(2032, 2, 29), utc(2036, 2, 29)]
    last = command(org, box, name="last", launch_type="repeated", schedule="0 12 31 * *")
    months = [t.month for t in next_utc(org, last, 7, utc(2030, 1, 1))]
    assert months == [1, 3, 5, 7, 8, 10, 12]


@pytest.mark.parametrize("zone, spring, fall", [
    ("Europe/Berlin", (2030, 3, 31), (2030, 10, 27)),
    ("America/New_York", (2030, 3, 10), (2030, 11, 3)),
])
def test_daylight_saving_gap_runs_once_late_and_overlap_runs_once(org, box, zone, spring, fall):
    tz = ZoneInfo(zone)
    day = dt.datetime(*spring)
    daily = command(org, box, name="daily", launch_type="repeated", schedule="0 30 2 * * *", timezone=zone)
    runs = org.commands.next_runs(daily, 3, after=(day - dt.timedelta(days=1)).replace(tzinfo=tz))
    # 02:30 does not exist on the spring day: it runs once, at 03:00 (the first valid instant)
    assert [t.replace(tzinfo=None) for t in runs] == [
        (day - dt.timedelta(days=1)).replace(hour=2, minute=30), day.replace(hour=3),
        (day + dt.timedelta(days=1)).replace(hour=2, minute=30)]
    quarter = command(org, box, name="quarter", launch_type="repeated", schedule="0 */15 * * * *", timezone=zone)
    gap = [t for t in org.commands.next_runs(quarter, 200, after=(day - dt.timedelta(seconds=1)).replace(tzinfo=tz)) if t.date() == day.date()]
    # the gap's four quarters (02:00-02:45) run once, at 03:00, which itself is a quarter: 96 - 4 local quarters
    assert len(gap) == 92 and len({t.astimezone(UTC) for t in gap}) == 92
    fall_day = dt.datetime(*fall)
    fires = [t for t in org.commands.next_runs(quarter, 200, after=(fall_day - dt.timedelta(seconds=1)).replace(tzinfo=tz))
             if t.date() == fall_day.date()]
    # the repeated local hour is walked once: each of the day's 96 local quarters fires once
    utcs = [t.astimezone(UTC) for t in fires]
    assert len(fires) == 96 and utcs == sorted(set(utcs))


def test_repeat_types_follow_start(org, box):
    start = "2030-03-04T10:20:30Z"  # a Monday
    for unit, expected in [
        ("minute", [utc(2030, 3, 4, 10, 21, 30), utc(2030, 3, 4, 10, 22, 30)]),
        ("hour", [utc(2030, 3, 4, 11, 20, 30), utc(2030, 3, 4, 12, 20, 30)]),
        ("day", [utc(2030, 3, 5, 10, 20, 30), utc(2030, 3, 6, 10, 20, 30)]),
        ("week", [utc(2030, 3, 11, 10, 20, 30), utc(2030, 3, 18, 10, 20, 30)]),
        ("month", [utc(2030, 4, 4, 10, 20, 30), utc(2030, 5, 4, 10, 20, 30)]),
    ]:
        cmd = command(org, box, name=unit, launch_type="repeated", schedule_repeat_type=unit, start=start)
        assert next_utc(org, cmd, 3, utc(2030, 3, 4, 10, 20, 30))[:2] == expected, unit


def test_start_until_and_count_bound_the_fire_times(org, box):
    cmd = command(org, box, launch_type="repeated", schedule="0 0 * * *", start="2030-03-10T00:00:00Z",
                  until="2030-03-12T00:00:00Z")
    assert next_utc(org, cmd, 10, utc(2030, 3, 1)) == [utc(2030, 3, 10), utc(2030, 3, 11), utc(2030, 3, 12)]
    counted = command(org, box, name="counted", launch_type="repeated", schedule="0 0 * * *", count=2)
    assert len(org.commands.next_runs(counted, 10, after=T0)) == 2


# ---- the scheduler ----------------------------------------------------------------------------

def test_one_time_fires_once(d, org, box):
    cmd = command(org, box, launch_type="one-time", schedule="2030-03-01T10:00:00Z")
    assert d.scheduler.due(utc(2030, 3, 1, 9, 59, 59)) == []
    (due,) = d.scheduler.due(utc(2030, 3, 1, 10))
    assert (due.command_id, due.fire_at, due.missed) == (cmd.id, utc(2030, 3, 1, 10), 0)
    assert d.scheduler.due(utc(2030, 3, 1, 10)) == [due]  # due() is pure
    (fired,) = d.scheduler.tick(utc(2030, 3, 1, 10, 0, 5))
    launch = org.commands.launch(fired.launch_id)
    assert launch.requested_at == utc(2030, 3, 1, 10, 0, 5) and launch.requested_by == "system"
    assert d.scheduler.tick(utc(2030, 3, 2)) == [] and d.scheduler.due(utc(2031, 1, 1)) == []
    (event,) = d.events(type="command_run")
    assert {c["field"]: c["to"] for c in event.changes}["schedule_fire"] == "2030-03-01T10:00:00.000Z"


def test_missed_fire_times_give_one_catch_up_launch(d, org, box):
    cmd = command(org, box, launch_type="repeated", schedule="0 * * * *")
    d.scheduler.tick(utc(2030, 3, 1, 1, 0, 1))
    (fired,) = d.scheduler.tick(utc(2030, 3, 1, 6, 30))  # down from 01:00:01 to 06:30
    assert (fired.fire.fire_at, fired.fire.missed) == (utc(2030, 3, 1, 6), 4)  # 02..06: one launch
    assert len(org.commands.results(cmd)) == 2
    assert d.scheduler.tick(utc(2030, 3, 1, 6, 59)) == []
    assert d.scheduler.next_wakeup(utc(2030, 3, 1, 6, 59)) == utc(2030, 3, 1, 7)


def test_count_stops_the_schedule(d, org, box):
    command(org, box, launch_type="repeated", schedule="0 0 * * *", count=2)
    fired = [f for day in range(2, 6) for f in d.scheduler.tick(utc(2030, 3, day, 0, 0, 1))]
    assert len(fired) == 2


def test_disabled_and_unscheduled_commands_never_fire(d, org, box):
    cmd = command(org, box, launch_type="repeated", schedule="* * * * *", enabled=False)
    assert d.scheduler.tick(utc(2030, 3, 2)) == []
    org.commands.update(cmd, enabled=True)
    assert len(d.scheduler.tick(utc(2030, 3, 2))) == 1


def test_a_fire_with_no_target_is_recorded_not_retried(d, org, box):
    org.commands.create(name="orphan", script="x", launch_type="repeated", schedule="0 * * * *")
    (fired,) = d.scheduler.tick(utc(2030, 3, 1, 1))
    assert fired.launch_id is None and "no target devices" in fired.note
    assert d.scheduler.tick(utc(2030, 3, 1, 1, 30)) == []


def test_the_scheduler_is_the_directorys_own(d, org, box):
    view = d.as_admin(d.admins.get("boss@acme.com"))
    with pytest.raises(PermissionDenied):
        view.scheduler.tick(T0)


def test_a_command_runner_schedules_its_assigned_commands_only(d, org, box):
    cmd = command(org, box)
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    view = d.as_admin(runner).orgs.get("acme")
    with pytest.raises(PermissionDenied):
        view.commands.schedule(cmd, launch_type="repeated", schedule="0 * * * *")
    org.associate(runner, cmd)
    done = view.commands.schedule(cmd, launch_type="repeated", schedule="0 * * * *", timezone="Asia/Kolkata")
    assert (done.launch_type, done.timezone) == ("repeated", "Asia/Kolkata")
    with pytest.raises(PermissionDenied):
        view.commands.update(cmd, script="rm -rf /")  # editing the command stays commands.edit
    with pytest.raises(InvalidArgument, match="use update"):
        view.commands.schedule(cmd, script="x")


TICKER = """
import json, sys, time, datetime as dt, dirctl
db, start = sys.argv[1], float(sys.argv[2])
while time.time() < start:
    time.sleep(0.001)
with dirctl.open(db) as d:
    fired = []
    for hour in range(1, 25):
        now = dt.datetime(2030, 3, 1, 0, 0, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=hour)
        fired += [f.launch_id for f in d.scheduler.tick(now) if f.launch_id]
print(json.dumps(fired))
"""


def test_two_processes_ticking_at_once_launch_each_fire_time_once(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        dev = org.devices.create(hostname="box")
        for i in range(5):
            command(org, dev, name=f"job{i}", launch_type="repeated", schedule="0 * * * *")
    start = time.time() + 1.0
    procs = [subprocess.Popen([sys.executable, "-c", TICKER, str(shared), str(start)], env=child_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    launched = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        launched += json.loads(out)
    assert len(launched) == len(set(launched)) == 5 * 24
    with dirctl.open(shared) as d:
        assert len(d.orgs.get("acme").commands.results()) == 5 * 24


def test_the_scheduler_daemon_stops_on_sigterm(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        command(org, org.devices.create(hostname="box"), launch_type="repeated", schedule="* * * * * *")
    proc = subprocess.Popen([sys.executable, "-m", "dirctl", "scheduler", "--db", str(shared), "--max-sleep", "0.2"],
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with dirctl.open(shared) as d:
                if d.orgs.get("acme").commands.results():
                    break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and "stopped" in err and "launch" in out


# ---- triggers ---------------------------------------------------------------------------------

def test_trigger_launches_with_the_payload_as_variables(d, org, box):
    cmd = command(org, box, launch_type="trigger", trigger="deploy")
    (launch,) = d.trigger(org, "deploy", {"version": "1.2", "build": 7})
    assert launch.command_id == cmd.id
    assert launch.runs()[0].variables == {"version": "1.2", "build": "7"}
    (event,) = d.events(type="command_run")
    assert {c["field"]: c["to"] for c in event.changes}["trigger"] == "deploy"
    with pytest.raises(NotFound, match="no trigger command named 'nope'"):
        d.trigger(org, "nope")


def test_trigger_is_checked_as_commands_run(d, org, box):
    cmd = command(org, box, launch_type="trigger", trigger="deploy")
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    view = d.as_admin(runner)
    with pytest.raises(PermissionDenied):
        view.trigger(org.id, "deploy")
    org.associate(runner, cmd)
    assert len(view.trigger(org.id, "deploy")) == 1
    assert len(d.events(type="command_run", success=False)) == 1
