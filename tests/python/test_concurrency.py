"""Several processes on one directory file: concurrent writers lose nothing and
never share an id; each process sees the others' commits on its next read."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest

import dirctl

pytestmark = pytest.mark.slow

TABLES = ("orgs", "users", "admins", "user_groups", "device_groups", "devices", "commands")

WRITER = """
import json, os, sys, time
import dirctl
path, tag, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
d = dirctl.open(path, timeout=60)
org = d.orgs.get("acme")
group = org.user_groups.get("shared")
print("ready", flush=True)  # the file is open: the parent waits for both before the go signal
deadline = time.time() + 30
while not os.path.exists(go):
    if time.time() > deadline:
        sys.exit("no go signal")
    time.sleep(0.001)
users, devices, members = [], [], []
i = 0
while i < n:
    if i % 40 == 7:  # now and then a batch of five
        with d.batch():
            for _ in range(5):
                org.users.create(username=f"{tag}{i}", email=f"{tag}{i}@acme.com")
                users.append(f"{tag}{i}")
                i += 1
        continue
    u = org.users.create(username=f"{tag}{i}", email=f"{tag}{i}@acme.com")
    users.append(u.username)
    if i % 10 == 0:
        devices.append(org.devices.create(hostname=f"{tag}-host{i}").id)
    if i % 15 == 0:
        org.user_groups.add_member(group, u)
        members.append(u.id)
    i += 1
print(json.dumps({"users": users, "devices": devices, "members": members, "seen": len(org.users)}))
d.close()
"""


def all_ids(path) -> list[int]:
    con = sqlite3.connect(path)
    try:
        ids: list[int] = []
        for table in TABLES:
            ids += [r[0] for r in con.execute(f"SELECT id FROM {table}")]
        return ids
    finally:
        con.close()


def test_two_writers_at_once_lose_nothing(db_path, tmp_path, spawn_python):
    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        org.user_groups.create("shared")
    go = tmp_path / "go"
    n = 200
    procs = [spawn_python(WRITER, str(db_path), tag, str(n), str(go)) for tag in ("a", "b")]
    for p in procs:  # both have opened the file: they start writing together
        assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.poll() is not None else ""
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    with dirctl.open(db_path) as d:
        org = d.orgs.get("acme")
        names = {u.username for u in org.users}
        expected_users = set(results[0]["users"]) | set(results[1]["users"])
        assert len(expected_users) == 2 * n
        assert names == expected_users
        assert len(org.users) == 2 * n
        expected_devices = results[0]["devices"] + results[1]["devices"]
        assert sorted(x.id for x in org.devices) == sorted(expected_devices)
        expected_members = sorted(results[0]["members"] + results[1]["members"])
        assert sorted(m.id for m in org.user_groups.members("shared")) == expected_members
        # Every object has its own id, across every table.
        ids = all_ids(db_path)
        assert len(ids) == len(set(ids)) == 1 + 1 + 2 * n + len(expected_devices)
        # One event per write, each about the object it created.
        assert len(d.events(type="user_create")) == 2 * n
        assert {e.resource["id"] for e in d.events(type="user_create")} == {u.id for u in org.users}
        assert len(d.events(type="device_create")) == len(expected_devices)
        assert len(d.events(type="group_member_add")) == len(expected_members)
        assert len(d.events()) == 2 + 2 * n + len(expected_devices) + len(expected_members)
        assert d.integrity_check() == "ok"
    # Each writer saw at least its own users when it finished.
    assert all(r["seen"] >= n for r in results)


OTHER_PROCESS = """
import sys
import dirctl
path, step = sys.argv[1], sys.argv[2]
with dirctl.open(path) as d:
    org = d.orgs.get("acme")
    if step == "create":
        bob = org.users.create(username="bob", email="bob@acme.com", department="it")
        org.user_groups.add_member(org.user_groups.get("eng"), bob)
        org.devices.create(hostname="web-01")
    elif step == "update":
        org.users.update("bob", department="eng")
        org.associate(org.user_groups.get("eng"), org.devices.get("web-01"))
        org.user_groups.remove_member("eng", org.users.get("alice"))
    elif step == "delete":
        org.users.delete("bob")
        d.orgs.create("globex")
"""


def test_reader_sees_other_process_commits_without_reopening(db_path, run_python):
    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        eng = org.user_groups.create("eng")
        alice = org.users.create(username="alice", email="alice@acme.com")
        org.user_groups.add_member(eng, alice)
        assert len(org.users) == 1

        run_python(OTHER_PROCESS, str(db_path), "create")
        assert len(org.users) == 2
        bob = org.users.get("bob")
        assert bob.department == "it"
        assert sorted(m.username for m in org.user_groups.members(eng)) == ["alice", "bob"]
        assert [g.name for g in org.user_groups.of(bob)] == ["eng"]
        assert len(org.devices) == 1

        run_python(OTHER_PROCESS, str(db_path), "update")
        assert org.users.get("bob").department == "eng"
        assert [m.username for m in org.user_groups.members(eng)] == ["bob"]
        assert [o.hostname for o in org.associations(eng)] == ["web-01"]

        run_python(OTHER_PROCESS, str(db_path), "delete")
        assert len(org.users) == 1
        with pytest.raises(dirctl.NotFound):
            org.users.get("bob")
        assert org.user_groups.members(eng) == []
        assert [o.name for o in d.orgs] == ["acme", "globex"]

        # Our own writes after theirs get fresh ids and see their state.
        carol = org.users.create(username="carol", email="carol@acme.com")
        ids = all_ids(db_path)
        assert len(ids) == len(set(ids))
        assert carol.id == max(ids)
        assert [e.event_type for e in d.events()][-3:] == ["user_delete", "organization_create", "user_create"]


def test_other_process_sees_our_commits(db_path, run_python):
    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        org.users.create(username="alice", email="alice@acme.com")
        out = run_python("""
            import sys, dirctl
            with dirctl.open(sys.argv[1]) as d:
                print(len(d.orgs.get("acme").users))
        """, str(db_path)).stdout
        assert out.strip() == "1"


BLOCKED_WRITER = """
import sys, dirctl
with dirctl.open(sys.argv[1], timeout=0.3) as d:
    org = d.orgs.get("acme")
    print("seen", len(org.users), flush=True)
    try:
        org.users.create(username="intruder", email="intruder@acme.com")
        print("wrote")
    except dirctl.StorageError as e:
        print("blocked", "lock" in str(e).lower() or "busy" in str(e).lower())
"""


def test_batch_holds_writers_off_but_not_readers(db_path, run_python):
    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        with d.batch():
            org.users.create(username="alice", email="alice@acme.com")
            out = run_python(BLOCKED_WRITER, str(db_path)).stdout.split("\n")
            assert out[0] == "seen 0"  # readers do not see the open batch
            assert out[1] == "blocked True"
        out = run_python(BLOCKED_WRITER, str(db_path)).stdout.split("\n")
        assert out[0] == "seen 1"
        assert out[1] == "wrote"
        assert sorted(u.username for u in org.users) == ["alice", "intruder"]


def test_writer_waits_for_batch_within_timeout(db_path, spawn_python):
    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        with d.batch():
            org.users.create(username="alice", email="alice@acme.com")
            p = spawn_python("""
                import sys, dirctl
                with dirctl.open(sys.argv[1], timeout=30) as d:
                    org = d.orgs.get("acme")
                    print("writing", flush=True)
                    org.users.create(username="late", email="late@acme.com")
                    print(sorted(u.username for u in d.orgs.get("acme").users))
            """, str(db_path))
            assert p.stdout.readline().strip() == "writing"
            time.sleep(0.5)
            assert p.poll() is None  # still waiting for our batch
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert out.strip() == "['alice', 'late']"
        assert sorted(u.username for u in org.users) == ["alice", "late"]


ROLE_FLIPPER = """
import random, sys, time
import dirctl
d = dirctl.open(sys.argv[1], timeout=30)
rng = random.Random(int(sys.argv[2]))
print("ready", flush=True)
for line in open(sys.argv[3]):  # a FIFO: one role a line
    time.sleep(rng.random() * 0.002)  # the parent keeps checking meanwhile
    d.admins.update("ops@acme.com", role=line.strip())
    print("done", flush=True)
"""


def test_revoked_role_is_denied_on_the_very_next_check(db_path, tmp_path, spawn_python):
    """Another process revokes and grants an admin's role, at random moments while this one
    keeps checking; the first check() after its commit must follow it, every time."""
    import random
    import select

    with dirctl.open(db_path) as d:
        acme = d.orgs.create("acme")
        d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme])
        ops = d.admins.create(email="ops@acme.com", role="manager", orgs=[acme])
        deploy = acme.commands.create(name="deploy", script="echo deploy")
        assert d.check(ops, "commands.edit", deploy)

        seed = random.randrange(1 << 30)
        fifo = tmp_path / "roles"
        os.mkfifo(fifo)
        child = spawn_python(ROLE_FLIPPER, str(db_path), str(seed), str(fifo))
        assert child.stdout.readline().strip() == "ready"
        roles = open(fifo, "w")
        rng = random.Random(seed)
        rounds = 300
        for i in range(rounds):
            role, allowed = ("read_only", False) if i % 2 == 0 else ("manager", True)
            roles.write(role + "\n")
            roles.flush()
            spins = 0
            while not select.select([child.stdout], [], [], 0)[0]:  # checks racing the other's commit
                d.check(ops, "commands.edit", deploy)
                spins += 1
                if spins % 64 == 0:
                    time.sleep(rng.random() * 0.0005)
            assert child.stdout.readline().strip() == "done", child.stderr.read()
            assert bool(d.check(ops, "commands.edit", deploy)) is allowed, f"round {i} (seed {seed}): {role}"
        roles.close()
        assert child.wait(timeout=30) == 0, child.stderr.read()
