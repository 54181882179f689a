"""Several processes on one directory, on each store (a SQLite file; a PostgreSQL database):
concurrent writers lose nothing and never share an id; rules that span rows hold at every
moment; the event log is gap-free and in commit order for every reader; each process sees
the others' commits on its next read; a writer killed mid-transaction leaves nothing."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

import dirctl

pytestmark = pytest.mark.slow

PER_ORG = ("users", "user_groups", "device_groups", "devices", "commands")

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


def all_ids(location: str) -> list[int]:
    """Every object's id, as a fresh handle loads them."""
    with dirctl.open(location) as d:
        ids = [o.id for o in d.orgs] + [a.id for a in d.admins]
        for o in d.orgs:
            for kind in PER_ORG:
                ids += [x.id for x in getattr(o, kind)]
        return ids


def test_two_writers_at_once_lose_nothing(shared, tmp_path, spawn_python):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        org.user_groups.create("shared")
    go = tmp_path / "go"
    n = 200
    procs = [spawn_python(WRITER, shared, tag, str(n), str(go)) for tag in ("a", "b")]
    for p in procs:  # both have opened the file: they start writing together
        assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.poll() is not None else ""
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))

    with dirctl.open(shared) as d:
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
        ids = all_ids(shared)
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


def test_reader_sees_other_process_commits_without_reopening(shared, run_python):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        eng = org.user_groups.create("eng")
        alice = org.users.create(username="alice", email="alice@acme.com")
        org.user_groups.add_member(eng, alice)
        assert len(org.users) == 1

        run_python(OTHER_PROCESS, shared, "create")
        assert len(org.users) == 2
        bob = org.users.get("bob")
        assert bob.department == "it"
        assert sorted(m.username for m in org.user_groups.members(eng)) == ["alice", "bob"]
        assert [g.name for g in org.user_groups.of(bob)] == ["eng"]
        assert len(org.devices) == 1

        run_python(OTHER_PROCESS, shared, "update")
        assert org.users.get("bob").department == "eng"
        assert [m.username for m in org.user_groups.members(eng)] == ["bob"]
        assert [o.hostname for o in org.associations(eng)] == ["web-01"]

        run_python(OTHER_PROCESS, shared, "delete")
        assert len(org.users) == 1
        with pytest.raises(dirctl.NotFound):
            org.users.get("bob")
        assert org.user_groups.members(eng) == []
        assert [o.name for o in d.orgs] == ["acme", "globex"]

        # Our own writes after theirs get fresh ids and see their state.
        carol = org.users.create(username="carol", email="carol@acme.com")
        ids = all_ids(shared)
        assert len(ids) == len(set(ids))
        assert carol.id == max(ids)
        assert [e.event_type for e in d.events()][-3:] == ["user_delete", "organization_create", "user_create"]


def test_other_process_sees_our_commits(shared, run_python):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        org.users.create(username="alice", email="alice@acme.com")
        out = run_python("""
            import sys, dirctl
            with dirctl.open(sys.argv[1]) as d:
                print(len(d.orgs.get("acme").users))
        """, shared).stdout
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


def test_batch_holds_writers_off_but_not_readers(shared, run_python):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        with d.batch():
            org.users.create(username="alice", email="alice@acme.com")
            out = run_python(BLOCKED_WRITER, shared).stdout.split("\n")
            assert out[0] == "seen 0"  # readers do not see the open batch
            assert out[1] == "blocked True"
        out = run_python(BLOCKED_WRITER, shared).stdout.split("\n")
        assert out[0] == "seen 1"
        assert out[1] == "wrote"
        assert sorted(u.username for u in org.users) == ["alice", "intruder"]


def test_writer_waits_for_batch_within_timeout(shared, spawn_python):
    with dirctl.open(shared) as d:
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
            """, shared)
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


def test_revoked_role_is_denied_on_the_very_next_check(shared, tmp_path, spawn_python):
    """Another process revokes and grants an admin's role, at random moments while this one
    keeps checking; the first check() after its commit must follow it, every time."""
    import random
    import select

    with dirctl.open(shared) as d:
        acme = d.orgs.create("acme")
        d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme])
        ops = d.admins.create(email="ops@acme.com", role="manager", orgs=[acme])
        deploy = acme.commands.create(name="deploy", script="echo deploy")
        assert d.check(ops, "commands.edit", deploy)

        seed = random.randrange(1 << 30)
        fifo = tmp_path / "roles"
        os.mkfifo(fifo)
        child = spawn_python(ROLE_FLIPPER, shared, str(seed), str(fifo))
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


MANY_WRITER = """
import json, os, random, sys, time
import dirctl
where, tag, go, end, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
rng = random.Random(tag)
d = dirctl.open(where, timeout=60)
org = d.orgs.get("acme")
eng = org.user_groups.get("eng")
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
created, refused, flips = [], 0, 0
deadline = time.time() + seconds
while time.time() < deadline:
    r = rng.random()
    try:
        if r < 0.6:  # names overlap across writers: uniqueness per org decides
            name = f"p{rng.randrange(400)}"
            u = org.users.create(username=name, email=f"{name}@acme.com")
            created.append([u.id, name])
            if rng.random() < 0.3:
                org.user_groups.add_member(eng, u)
        elif r < 0.9:  # "at least one active administrator_with_billing", raced by everyone
            admin = f"a{rng.randrange(3)}@acme.com"
            role = rng.choice(["administrator_with_billing", "manager"])
            d.admins.update(admin, role=role)
            flips += 1
        else:
            with d.batch():
                for _ in range(3):
                    name = f"b{tag}-{len(created)}"
                    u = org.users.create(username=name, email=f"{name}@acme.com")
                    created.append([u.id, name])
    except (dirctl.Conflict, dirctl.InvalidState, dirctl.PermissionDenied, dirctl.InvalidArgument):
        refused += 1
print(json.dumps({"created": created, "refused": refused, "flips": flips}), flush=True)
while not os.path.exists(end):
    time.sleep(0.005)
users = sorted((u.id, u.username) for u in org.users)
admins = sorted((a.email, a.role) for a in d.admins)
print(json.dumps({"users": users, "admins": admins, "last": d.events()[-1].seq}), flush=True)
"""

MANY_READER = """
import json, os, sys, time
import dirctl
where, go, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = dirctl.open(where, timeout=60)
org = d.orgs.get("acme")
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.001)
seen, reads, problems = [], 0, []
deadline = time.time() + seconds
while time.time() < deadline and not problems:
    billing = [a.email for a in d.admins if a.role == "administrator_with_billing" and a.state != "suspended"]
    names = [u.username.lower() for u in org.users]
    ids = {u.id for u in org.users}
    events = [(e.seq, e.event_type, e.resource.get("id")) for e in d.events()]
    reads += 1
    if not billing:
        problems.append("no administrator_with_billing left (suspended ones do not count)")
    if len(names) != len(set(names)):
        problems.append("a username held twice")
    if [e[0] for e in events] != list(range(1, len(events) + 1)):
        problems.append(f"event seqs not 1..n: {[e[0] for e in events][-5:]}")
    if events[:len(seen)] != seen:
        problems.append("an event seen before changed or vanished")
    created = {e[2] for e in events if e[1] == "user_create"}
    if not ids <= created:
        problems.append(f"users without their creation event: {sorted(ids - created)[:5]}")
    seen = events
print(json.dumps({"reads": reads, "events": len(seen), "problems": problems}), flush=True)
"""


def test_eight_writers_and_four_readers_keep_every_rule(shared, tmp_path, spawn_python):
    """8 writer processes race on overlapping usernames and on the last administrator_with_billing
    for a bounded time while 4 reader processes check, on every read, that the rules hold and the
    event log is gap-free and never rewritten. Afterwards every acknowledged write is there once,
    nothing else is, and every process's model equals a fresh load."""
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        org.user_groups.create("eng")
        for i in range(3):
            d.admins.create(email=f"a{i}@acme.com", role="administrator_with_billing", orgs=[org])
    go, end, seconds = tmp_path / "go", tmp_path / "end", "4"
    writers = [spawn_python(MANY_WRITER, shared, f"w{i}", str(go), str(end), seconds) for i in range(8)]
    readers = [spawn_python(MANY_READER, shared, str(go), seconds) for _ in range(4)]
    for p in writers + readers:
        assert p.stdout.readline().strip() == "ready", p.stderr.read() if p.poll() is not None else ""
    go.touch()
    acked = [json.loads(p.stdout.readline()) for p in writers]
    end.touch()
    finals = []
    for p in writers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        finals.append(json.loads(out.strip().splitlines()[-1]))
    for p in readers:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        report = json.loads(out.strip().splitlines()[-1])
        assert report["problems"] == [] and report["reads"] > 0, report

    created = [tuple(c) for a in acked for c in a["created"]]
    assert len(created) > 50 and sum(a["flips"] for a in acked) > 20, acked
    with dirctl.open(shared) as d:
        org = d.orgs.get("acme")
        users = sorted((u.id, u.username) for u in org.users)
        # Every acknowledged create is there, once; nothing unacknowledged is.
        assert users == sorted(created)
        admins = sorted((a.email, a.role) for a in d.admins)
        assert any(role == "administrator_with_billing" for _, role in admins)
        events = d.events()
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert sorted(e.resource["id"] for e in events if e.event_type == "user_create") == [u[0] for u in users]
        # Every process's model, caught up, equals this fresh load.
        for f in finals:
            assert [tuple(u) for u in f["users"]] == users
            assert [tuple(a) for a in f["admins"]] == admins
            assert f["last"] == events[-1].seq
        assert d.integrity_check() == "ok"


KILLED_WRITER = """
import sys, time, dirctl
d = dirctl.open(sys.argv[1], timeout=30)
org = d.orgs.get("acme")
with d.batch():
    for i in range(50):
        org.users.create(username=f"ghost{i}", email=f"ghost{i}@acme.com")
    print("inside", flush=True)  # 50 users and their events written, not committed
    time.sleep(120)  # killed here
"""


def test_a_writer_killed_mid_transaction_leaves_nothing(shared, spawn_python):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        org.users.create(username="alice", email="alice@acme.com")
        before = [(e.seq, e.event_type) for e in d.events()]
        p = spawn_python(KILLED_WRITER, shared)
        assert p.stdout.readline().strip() == "inside", p.stderr.read() if p.poll() is not None else ""
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
        # Nothing of it is stored; the writer lock is free again; the log continues with no gap.
        assert [u.username for u in org.users] == ["alice"]
        assert [(e.seq, e.event_type) for e in d.events()] == before
        bob = org.users.create(username="bob", email="bob@acme.com")
        assert [(e.seq, e.event_type) for e in d.events()] == before + [(before[-1][0] + 1, "user_create")]
    with dirctl.open(shared) as fresh:
        assert sorted(u.username for u in fresh.orgs.get("acme").users) == ["alice", "bob"]
        assert fresh.integrity_check() == "ok"


WAITER = """
import sys, dirctl
with dirctl.open(sys.argv[1]) as d:
    org = d.orgs.get("acme")
    print("waiting", len(org.users), flush=True)
    woke = d.wait_for_change(60)  # a commit wakes it long before the timeout
    print("woke", woke, len(org.users), flush=True)
"""


def test_a_waiting_process_wakes_on_another_commit(shared, spawn_python):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        assert d.wait_for_change(0.2) is False  # nothing else commits: the timeout ends it
        waiter = spawn_python(WAITER, shared)
        assert waiter.stdout.readline().split() == ["waiting", "0"]
        org.users.create(username="alice", email="alice@acme.com")
        out, err = waiter.communicate(timeout=60)
        assert waiter.returncode == 0, err
        assert out.split() == ["woke", "True", "1"]
