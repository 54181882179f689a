"""The audit log (Directory Insights): event types, changes, filters, frames."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import time

import pandas as pd
import pytest

import dirctl

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def types(events):
    return [e.event_type for e in events]


def test_create_events_per_kind(d, org):
    u = org.users.create(username="alice", email="alice@acme.com")
    org.user_groups.create("ug")
    org.device_groups.create("dg")
    org.devices.create(hostname="h")
    org.commands.create(name="c", script="x")
    d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    assert types(d.events()) == ["organization_create", "user_create", "group_create", "group_create",
                                 "device_create", "command_create", "admin_create"]
    e = d.events(type="user_create")[0]
    assert isinstance(e, dirctl.Event)
    assert e.org == org.id
    assert e.resource == {"type": "user", "id": u.id, "name": "alice"}
    assert e.target == {}
    assert e.success is True
    assert e.initiated_by["type"] == "system"
    assert {"field": "username", "from": None, "to": "alice"} in e.changes
    assert {"field": "email", "from": None, "to": "alice@acme.com"} in e.changes
    assert {"field": "state", "from": None, "to": "active"} in e.changes
    assert all(c["to"] is not None for c in e.changes)  # unset fields are not listed
    org_ev = d.events(type="organization_create")[0]
    assert org_ev.org == 0 and org_ev.resource["id"] == org.id
    admin_ev = d.events(type="admin_create")[0]
    assert admin_ev.org == 0
    assert {"field": "orgs", "from": None, "to": [org.id]} in admin_ev.changes


def test_user_update_changes(d, org):
    u = org.users.create(username="alice", email="alice@acme.com", department="it")
    org.users.update(u, department="eng", state="suspended", sudo=True, attributes={"a": "b"})
    e = d.events()[-1]
    assert e.event_type == "user_update"
    assert e.resource == {"type": "user", "id": u.id, "name": "alice"}
    assert sorted(e.changes, key=lambda c: c["field"]) == [
        {"field": "attributes", "from": {}, "to": {"a": "b"}},
        {"field": "department", "from": "it", "to": "eng"},
        {"field": "state", "from": "active", "to": "suspended"},
        {"field": "sudo", "from": False, "to": True},
    ]


def test_update_lists_only_changed_fields(d, org):
    u = org.users.create(username="alice", email="alice@acme.com", department="it")
    org.users.update(u, department="it", first_name="Alice")
    assert d.events()[-1].changes == [{"field": "first_name", "from": None, "to": "Alice"}]


def test_update_to_null_records_null(d, org):
    u = org.users.create(username="alice", email="alice@acme.com", department="it")
    org.users.update(u, department=None)
    assert d.events()[-1].changes == [{"field": "department", "from": "it", "to": None}]


@pytest.mark.parametrize("fields", [
    {}, {"department": "it"}, {"state": "active"}, {"sudo": False}, {"department": "  it  "},
    {"first_name": None}, {"firstname": None, "attributes": {}},
])
def test_no_event_on_noop_update(d, org, fields):
    u = org.users.create(username="alice", email="alice@acme.com", department="it")
    n = len(d.events())
    same = org.users.update(u, **fields)
    assert len(d.events()) == n
    assert same.updated == u.updated
    assert same == u


def test_no_event_on_noop_admin_update(d, org):
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    n = len(d.events())
    d.admins.update(a, role="manager", orgs=[org])
    assert len(d.events()) == n


def test_delete_events_keep_the_name(d, org):
    u = org.users.create(username="alice", email="alice@acme.com")
    org.users.delete(u)
    e = d.events()[-1]
    assert e.event_type == "user_delete"
    assert e.resource == {"type": "user", "id": u.id, "name": "alice"}
    g = org.user_groups.create("g")
    org.user_groups.delete(g)
    assert d.events()[-1].event_type == "group_delete"
    a = d.admins.create(email="ops@acme.com", role="manager")
    d.admins.delete(a)
    assert d.events()[-1].event_type == "admin_delete"
    assert d.events()[-1].resource["name"] == "ops@acme.com"


def test_membership_and_association_events(d, org):
    u = org.users.create(username="alice", email="alice@acme.com")
    g = org.user_groups.create("eng")
    dev = org.devices.create(hostname="web-01")
    org.user_groups.add_member(g, u)
    org.associate(dev, g)
    org.dissociate(g, dev)
    org.user_groups.remove_member(g, u)
    ev = d.events()[-4:]
    assert types(ev) == ["group_member_add", "association_add", "association_remove", "group_member_remove"]
    assert ev[0].resource == {"type": "user_group", "id": g.id, "name": "eng"}
    assert ev[0].target == {"type": "user", "id": u.id, "name": "alice"}
    assert ev[0].org == org.id
    # An association reads user_group -> device, whichever order it was made in.
    assert ev[1].resource["id"] == g.id and ev[1].target["id"] == dev.id
    assert ev[2].resource["id"] == g.id and ev[2].target["id"] == dev.id
    assert ev[3].target["id"] == u.id


def test_event_time_is_utc_iso_and_now(d):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=2)
    d.orgs.create("acme")
    after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    e = d.events()[0]
    assert ISO_UTC.match(e.time), e.time
    when = dt.datetime.fromisoformat(e.time.replace("Z", "+00:00"))
    assert when.utcoffset() == dt.timedelta(0)
    assert before <= when <= after


def test_seq_increases_and_events_are_oldest_first(d, org):
    for i in range(5):
        org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
    seqs = [e.seq for e in d.events()]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [e.resource["name"] for e in d.events(type="user_create")] == [f"u{i}" for i in range(5)]


def test_events_are_values(d):
    d.orgs.create("acme")
    e = d.events()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.event_type = "x"
    r = repr(e)
    assert "organization_create" in r and "acme" in r and f"#{e.seq}" in r


def test_events_persist(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        org.users.create(username="a", email="a@acme.com")
        before = d.events()
    with dirctl.open(shared) as d:
        assert d.events() == before


# ---- filters -------------------------------------------------------------------------------

@pytest.fixture
def log(d, org):
    """A small history, with time gaps between three phases."""
    alice = org.users.create(username="alice", email="alice@acme.com")
    g = org.user_groups.create("eng")
    time.sleep(0.02)
    bob = org.users.create(username="bob", email="bob@acme.com")
    org.user_groups.add_member(g, alice)
    time.sleep(0.02)
    org.users.update(bob, department="eng")
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    times = [e.time for e in d.events()]
    phases = (times[2], times[3], times[4], times[5])  # last of phase 1, first of 2, last of 2, first of 3
    assert phases[0] < phases[1] and phases[2] < phases[3], f"the clock did not move between phases: {times}"
    return {"alice": alice, "bob": bob, "eng": g, "admin": a}


def test_filter_type(d, log):
    assert [e.resource["name"] for e in d.events(type="user_create")] == ["alice", "bob"]
    assert types(d.events(type="user_update")) == ["user_update"]
    assert d.events(type="no_such_event") == []


def test_filter_resource_matches_resource_or_target(d, log):
    assert types(d.events(resource=log["alice"])) == ["user_create", "group_member_add"]
    assert types(d.events(resource=log["bob"].id)) == ["user_create", "user_update"]
    assert types(d.events(resource=log["eng"])) == ["group_create", "group_member_add"]


def test_filter_resource_type_and_org(d, org, log):
    assert types(d.events(resource_type="admin")) == ["admin_create"]
    in_org = d.events(org=org)
    assert "organization_create" not in types(in_org) and "admin_create" not in types(in_org)
    assert len(in_org) == 5
    assert d.events(org=org.id) == in_org


def test_filter_initiated_by(d, log):
    everything = d.events()
    assert d.events(initiated_by="system") == everything
    assert d.events(initiated_by="admin") == []
    assert d.events(initiated_by=log["admin"]) == []
    assert d.events(initiated_by=0) == everything


def test_filter_success(d, log):
    assert d.events(success=True) == d.events()
    assert d.events(success=False) == []


def test_filter_limit_and_after_seq(d, log):
    everything = d.events()
    assert d.events(limit=2) == everything[:2]
    assert d.events(limit=0) == []
    assert d.events(after_seq=everything[2].seq) == everything[3:]
    assert d.events(after_seq=everything[2].seq, limit=1) == [everything[3]]
    assert [e.resource["name"] for e in d.events(type="user_create", limit=1)] == ["alice"]


def test_filter_since_until(d, log):
    everything = d.events()
    bob_created = d.events(type="user_create")[1]
    update = d.events(type="user_update")[0]
    since = d.events(since=bob_created.time)  # inclusive
    assert since == [e for e in everything if e.time >= bob_created.time]
    assert since == [e for e in everything if e.seq >= bob_created.seq]  # the phases are apart in time
    until = d.events(until=bob_created.time)  # exclusive
    assert until == [e for e in everything if e.time < bob_created.time]
    assert until == [e for e in everything if e.seq < bob_created.seq]
    middle = d.events(since=bob_created.time, until=update.time)
    assert types(middle) == ["user_create", "group_member_add"]


def test_filter_since_until_datetimes(d, log):
    everything = d.events()
    bob_created = d.events(type="user_create")[1]
    as_dt = dt.datetime.fromisoformat(bob_created.time.replace("Z", "+00:00"))
    assert d.events(since=as_dt) == [e for e in everything if e.seq >= bob_created.seq]
    other_tz = as_dt.astimezone(dt.timezone(dt.timedelta(hours=-5)))
    assert d.events(since=other_tz) == d.events(since=as_dt)
    now = dt.datetime.now(dt.timezone.utc)
    assert d.events(since=now + dt.timedelta(hours=1)) == []
    assert d.events(until=now - dt.timedelta(days=1)) == []
    assert d.events(until=now + dt.timedelta(hours=1)) == everything
    assert d.events(since=dt.date(2000, 1, 1)) == everything


def test_filter_bad_values(d, log):
    with pytest.raises(dirctl.InvalidArgument, match="not a timestamp"):
        d.events(since="yesterday")
    with pytest.raises(dirctl.InvalidArgument, match="unknown event filter"):
        d.events(kind="user_create")


def test_events_after_failed_mutation_unchanged(d, org, log):
    n = len(d.events())
    with pytest.raises(dirctl.Conflict):
        org.users.create(username="alice", email="x@acme.com")
    with pytest.raises(dirctl.InvalidArgument):
        org.users.update(log["bob"], state="gone")
    assert len(d.events()) == n


# ---- frames ------------------------------------------------------------------------------------

def test_events_frame(d, log):
    frame = d.events_frame()
    assert isinstance(frame, pd.DataFrame)
    events = d.events()
    assert frame.index.name == "seq"
    assert list(frame.index) == [e.seq for e in events]
    assert list(frame["event_type"]) == types(events)
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["time"].is_monotonic_increasing
    assert list(frame["resource_name"])[:2] == ["acme", "alice"]
    assert list(frame["initiated_by_type"].unique()) == ["system"]
    assert bool(frame["success"].all())
    upd = frame[frame["event_type"] == "user_update"]
    assert json.loads(upd["changes"].iloc[0]) == [["department", None, "eng"]]  # the stored JSON text
    rows = d.events_frame(type="user_update", expand_changes=True)
    assert list(rows["field"]) == ["department"] and list(rows["to"]) == ['"eng"']
    member = frame[frame["event_type"] == "group_member_add"].iloc[0]
    assert member["target_id"] == log["alice"].id and member["target_name"] == "alice"


def test_events_frame_with_filter(d, log):
    frame = d.events_frame(type="user_create")
    assert list(frame["resource_name"]) == ["alice", "bob"]
    assert len(d.events_frame(type="nothing")) == 0
