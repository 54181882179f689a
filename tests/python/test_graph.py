"""The assignment graph's queries: org.graph.devices_of / users_of / commands_of / explain.

Hand-built orgs for every path shape (user -> user_group -> device_group -> device and
its shortcuts), the leaks the downhill walk must not make (user -> group -> other user,
device -> group -> other device, a command's Runops user group), mutations seen by the
very next query, explain's completeness (cutting every returned path cuts the access),
cross-org isolation and acting views.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

import dirctl

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "admin_roles.csv"
ALL_ROLES = ["administrator_with_billing", "administrator", "manager", "command_runner_with_billing",
             "command_runner", "help_desk", "read_only", "billing_only"]


def ids(objs) -> list[int]:
    return sorted(o.id for o in objs)


def mk_user(org, name: str, **fields):
    return org.users.create(username=name, email=f"{name}@{org.name}.example", **fields)


def mk_device(org, host: str):
    return org.devices.create(hostname=host, os="linux")


def mk_command(org, name: str):
    return org.commands.create(name=name, script=f"echo {name}")


def keep_billing_admin(d, org):
    """Every directory keeps an active administrator_with_billing; make it explicit."""
    return d.admins.create(email=f"root@{org.name}.example", role="administrator_with_billing", orgs=[org])


# ---------------------------------------------------------------------------------------------
# path shapes


SHAPES = ["user>device", "user>device_group>device", "user>user_group>device",
          "user>user_group>device_group>device"]


def build_shape(org, shape: str):
    """One user, one device, connected by exactly one path of the given shape."""
    u = mk_user(org, "alice")
    dev = mk_device(org, "web-01")
    hops = [("user", "alice")]
    if "user_group" in shape:
        ug = org.user_groups.create("eng")
        org.user_groups.add_member(ug, u)
        hops.append(("user_group", "eng"))
    if "device_group" in shape:
        dg = org.device_groups.create("prod")
        org.device_groups.add_member(dg, dev)
        hops.append(("device_group", "prod"))
    # the one association of the path
    left = org.user_groups.get("eng") if "user_group" in shape else u
    right = org.device_groups.get("prod") if "device_group" in shape else dev
    org.associate(left, right)
    hops.append(("device", "web-01"))
    return u, dev, hops


@pytest.mark.parametrize("shape", SHAPES)
def test_each_path_shape_gives_access(org, shape):
    u, dev, hops = build_shape(org, shape)
    bystander = mk_user(org, "bob")
    other = mk_device(org, "db-01")
    assert ids(org.graph.devices_of(u)) == [dev.id]
    assert ids(org.graph.users_of(dev)) == [u.id]
    assert org.graph.devices_of(bystander) == []
    assert org.graph.users_of(other) == []
    assert org.graph.explain(u, dev) == [hops]
    # the reversed question lists the same path from the other end
    assert org.graph.explain(dev, u) == [list(reversed(hops))]
    assert org.graph.explain(u, other) == []
    assert org.graph.explain(bystander, dev) == []
    frame = org.audit.who_can_access()
    assert list(zip(frame.user_id, frame.device_id)) == [(u.id, dev.id)]
    between = [name for kind, name in hops[1:-1]]
    assert list(frame.how.astype(str)) == [" > ".join(between) if between else "direct"]


def test_all_shapes_at_once_explain_lists_every_path(org):
    u = mk_user(org, "alice")
    dev = mk_device(org, "web-01")
    ug = org.user_groups.create("eng")
    dg = org.device_groups.create("prod")
    org.user_groups.add_member(ug, u)
    org.device_groups.add_member(dg, dev)
    for a, b in [(u, dev), (u, dg), (ug, dev), (ug, dg)]:
        org.associate(a, b)
    assert ids(org.graph.devices_of(u)) == [dev.id]
    assert ids(org.graph.users_of(dev)) == [u.id]
    paths = org.graph.explain(u, dev)
    assert sorted(paths) == sorted([
        [("user", "alice"), ("device", "web-01")],
        [("user", "alice"), ("device_group", "prod"), ("device", "web-01")],
        [("user", "alice"), ("user_group", "eng"), ("device", "web-01")],
        [("user", "alice"), ("user_group", "eng"), ("device_group", "prod"), ("device", "web-01")],
    ])
    assert len(paths) == len({tuple(p) for p in paths})  # no duplicates
    # one row per (user, device), the shortest way: direct
    frame = org.audit.who_can_access()
    assert len(frame) == 1 and frame.how.astype(str).tolist() == ["direct"]


def test_devices_of_groups_and_commands(org):
    u = mk_user(org, "alice")
    ug = org.user_groups.create("eng")
    dg = org.device_groups.create("prod")
    d1, d2, d3 = (mk_device(org, f"h{i}") for i in range(3))
    org.user_groups.add_member(ug, u)
    org.device_groups.add_member(dg, d1)
    org.device_groups.add_member(dg, d2)
    org.associate(ug, dg)
    org.associate(ug, d3)
    assert ids(org.graph.devices_of(ug)) == sorted([d1.id, d2.id, d3.id])
    assert ids(org.graph.devices_of(dg)) == sorted([d1.id, d2.id])
    c = mk_command(org, "restart")
    org.associate(c, dg)
    org.associate(c, d3)
    assert ids(org.graph.devices_of(c)) == sorted([d1.id, d2.id, d3.id])
    for dev in (d1, d2, d3):
        assert ids(org.graph.commands_of(dev)) == [c.id]
    assert org.graph.explain(c, d1) == [[("command", "restart"), ("device_group", "prod"), ("device", "h0")]]
    assert org.graph.explain(c, d3) == [[("command", "restart"), ("device", "h2")]]


def test_no_user_to_other_user_leak(org):
    """Sharing a group with someone grants nothing of theirs."""
    u1, u2 = mk_user(org, "alice"), mk_user(org, "bob")
    ug = org.user_groups.create("eng")
    for u in (u1, u2):
        org.user_groups.add_member(ug, u)
    d_group, d_direct, d_dg = (mk_device(org, h) for h in ("shared", "bobs-laptop", "bobs-server"))
    dg = org.device_groups.create("bob-only")
    org.device_groups.add_member(dg, d_dg)
    org.associate(ug, d_group)
    org.associate(u2, d_direct)
    org.associate(u2, dg)
    assert ids(org.graph.devices_of(u1)) == [d_group.id]
    assert ids(org.graph.devices_of(u2)) == sorted([d_group.id, d_direct.id, d_dg.id])
    assert ids(org.graph.users_of(d_direct)) == [u2.id]
    assert ids(org.graph.users_of(d_dg)) == [u2.id]
    assert ids(org.graph.users_of(d_group)) == sorted([u1.id, u2.id])
    assert org.graph.explain(u1, d_direct) == []
    assert org.graph.explain(u1, d_dg) == []
    acc = org.audit.who_can_access(user=u1)
    assert acc.device_id.tolist() == [d_group.id]


def test_no_device_to_other_device_leak(org):
    """A device group shared by two devices does not connect the user of one to the other."""
    u = mk_user(org, "alice")
    d1, d2, d3 = (mk_device(org, h) for h in ("a", "b", "c"))
    dg1, dg2 = org.device_groups.create("g1"), org.device_groups.create("g2")
    for g, dv in [(dg1, d1), (dg1, d2), (dg2, d2), (dg2, d3)]:
        org.device_groups.add_member(g, dv)
    org.associate(u, d1)
    assert ids(org.graph.devices_of(u)) == [d1.id]
    assert org.graph.users_of(d2) == []
    org.dissociate(u, d1)
    org.associate(u, dg1)
    assert ids(org.graph.devices_of(u)) == sorted([d1.id, d2.id])  # not d3 through d2's other group
    assert org.graph.users_of(d3) == []
    c = mk_command(org, "patch")
    org.associate(c, d1)
    assert org.graph.commands_of(d2) == []
    assert ids(org.graph.devices_of(c)) == [d1.id]


def test_runops_user_group_of_a_command_is_not_device_access(org):
    """command <-> user_group says who may run it (Runops); it reaches no device for the users."""
    u = mk_user(org, "alice")
    ug = org.user_groups.create("ops")
    org.user_groups.add_member(ug, u)
    dev = mk_device(org, "web-01")
    dg = org.device_groups.create("prod")
    dv2 = mk_device(org, "web-02")
    org.device_groups.add_member(dg, dv2)
    c = mk_command(org, "deploy")
    org.associate(c, ug)
    org.associate(c, dev)
    org.associate(c, dg)
    assert org.graph.devices_of(u) == []
    assert org.graph.devices_of(ug) == []
    assert org.graph.users_of(dev) == []
    assert org.graph.users_of(dv2) == []
    assert org.graph.explain(u, dev) == []
    assert org.graph.explain(ug, dv2) == []
    assert ids(org.graph.commands_of(dev)) == [c.id]
    assert ids(org.graph.devices_of(c)) == sorted([dev.id, dv2.id])
    assert org.audit.who_can_access().empty
    # and the user group's Runops link does not make the command "target" its members
    assert ids(org.graph.commands_of(dv2)) == [c.id]


def test_command_runner_assignment_is_not_user_access(d, org):
    keep_billing_admin(d, org)
    u = mk_user(org, "alice")
    dev = mk_device(org, "web-01")
    c = mk_command(org, "restart")
    org.associate(c, dev)
    cr = d.admins.create(email="cr@acme.example", role="command_runner", orgs=[org])
    org.associate(cr, c)
    assert org.graph.users_of(dev) == []
    assert org.graph.devices_of(u) == []
    assert org.graph.explain(cr, dev) == [[("admin", "cr@acme.example"), ("command", "restart"), ("device", "web-01")]]


@pytest.mark.parametrize("call", [
    lambda g, o: g.devices_of(o["device"]),
    lambda g, o: g.users_of(o["user"]),
    lambda g, o: g.commands_of(o["command"]),
    lambda g, o: g.devices_of(o["org"]),
    lambda g, o: g.users_of(o["org"]),
], ids=["devices_of_device", "users_of_user", "commands_of_command", "devices_of_org", "users_of_org"])
def test_meaningless_questions_are_invalid(org, call):
    objs = {"device": mk_device(org, "h"), "device_group": org.device_groups.create("dg"),
            "user": mk_user(org, "u"), "command": mk_command(org, "c"), "org": org}
    with pytest.raises(dirctl.InvalidArgument):
        call(org.graph, objs)


def test_unknown_ids_are_not_found(org):
    with pytest.raises(dirctl.NotFound):
        org.graph.devices_of(987654)
    with pytest.raises(dirctl.NotFound):
        org.graph.users_of(987654)


# ---------------------------------------------------------------------------------------------
# mutations are visible to the very next query


def test_every_mutation_is_seen_by_the_next_query(d, org):
    g = org.graph
    u, v = mk_user(org, "alice"), mk_user(org, "bob")
    ug = org.user_groups.create("eng")
    dg = org.device_groups.create("prod")
    d1, d2 = mk_device(org, "web-01"), mk_device(org, "web-02")

    def access():
        frame = org.audit.who_can_access()
        return sorted(zip(frame.user_id.tolist(), frame.device_id.tolist()))

    assert g.devices_of(u) == [] and access() == []
    org.user_groups.add_member(ug, u)
    assert g.devices_of(u) == []
    org.associate(ug, dg)
    assert g.devices_of(u) == []
    org.device_groups.add_member(dg, d1)
    assert ids(g.devices_of(u)) == [d1.id]
    assert ids(g.users_of(d1)) == [u.id]
    assert access() == [(u.id, d1.id)]
    org.associate(v, d2)
    assert ids(g.users_of(d2)) == [v.id]
    assert access() == sorted([(u.id, d1.id), (v.id, d2.id)])
    org.dissociate(v, d2)
    assert g.users_of(d2) == [] and access() == [(u.id, d1.id)]
    org.user_groups.add_member(ug, v)
    assert ids(g.users_of(d1)) == sorted([u.id, v.id])
    org.user_groups.remove_member(ug, u)
    assert ids(g.users_of(d1)) == [v.id] and g.devices_of(u) == []
    org.device_groups.remove_member(dg, d1)
    assert g.users_of(d1) == [] and access() == []
    org.device_groups.add_member(dg, d1)
    org.device_groups.add_member(dg, d2)
    assert ids(g.devices_of(v)) == sorted([d1.id, d2.id])
    org.dissociate(ug, dg)
    assert g.devices_of(v) == []
    org.associate(ug, dg)
    assert ids(g.devices_of(v)) == sorted([d1.id, d2.id])
    # deleting the device group cuts what went through it
    org.device_groups.delete(dg)
    assert g.devices_of(v) == [] and g.users_of(d1) == [] and access() == []
    org.associate(ug, d1)
    org.associate(ug, d2)
    assert ids(g.users_of(d2)) == [v.id]
    # deleting the device
    org.devices.delete(d2)
    assert ids(g.devices_of(v)) == [d1.id]
    assert access() == [(v.id, d1.id)]
    with pytest.raises(dirctl.NotFound):
        g.users_of(d2)
    # deleting the user
    org.users.delete(v)
    assert g.users_of(d1) == [] and access() == []
    with pytest.raises(dirctl.NotFound):
        g.devices_of(v)
    # deleting the user group
    org.user_groups.add_member(ug, u)
    assert ids(g.users_of(d1)) == [u.id]
    org.user_groups.delete(ug)
    assert g.users_of(d1) == [] and g.devices_of(u) == [] and access() == []
    # a state change shows in the audit at once
    org.associate(u, d1)
    assert org.audit.who_can_access().suspended.tolist() == [False]
    org.users.update(u, state="suspended")
    assert org.audit.who_can_access().suspended.tolist() == [True]


def test_command_mutations_are_seen_by_the_next_query(d, org):
    keep_billing_admin(d, org)
    dev = mk_device(org, "web-01")
    dg = org.device_groups.create("prod")
    c = mk_command(org, "restart")
    cr = d.admins.create(email="cr@acme.example", role="command_runner", orgs=[org])

    def runs(admin):
        f = org.audit.who_can_run(admin=admin)
        return sorted(zip(f.command_id.tolist(), f.device_id.tolist()))

    assert org.graph.commands_of(dev) == []
    org.associate(c, dg)
    assert org.graph.commands_of(dev) == []
    org.device_groups.add_member(dg, dev)
    assert ids(org.graph.commands_of(dev)) == [c.id]
    assert runs(cr) == []
    org.associate(cr, c)
    assert runs(cr) == [(c.id, dev.id)]
    org.dissociate(cr, c)
    assert runs(cr) == []
    org.associate(cr, c)
    d.admins.update(cr, state="suspended")
    assert runs(cr) == []
    d.admins.update(cr, state="active")
    assert runs(cr) == [(c.id, dev.id)]
    org.commands.delete(c)
    assert org.graph.commands_of(dev) == [] and runs(cr) == []


# ---------------------------------------------------------------------------------------------
# explain: completeness and real edges


def random_org(seed: int):
    """A small random org in a fresh directory: (d, org) with unique names."""
    rnd = random.Random(seed)
    d = dirctl.open(":memory:")
    org = d.orgs.create("acme")
    users = [mk_user(org, f"u{i}") for i in range(6)]
    ugs = [org.user_groups.create(f"ug{i}") for i in range(3)]
    dgs = [org.device_groups.create(f"dg{i}") for i in range(3)]
    devs = [mk_device(org, f"h{i}") for i in range(7)]
    for ug in ugs:
        for u in users:
            if rnd.random() < 0.4:
                org.user_groups.add_member(ug, u)
    for dg in dgs:
        for dv in devs:
            if rnd.random() < 0.4:
                org.device_groups.add_member(dg, dv)
    for left in users + ugs:
        for right in devs + dgs:
            if rnd.random() < (0.12 if left in users else 0.25):
                org.associate(left, right)
    return d, org


def lookup(org):
    """(kind, name) -> object for every object of a random_org."""
    out = {}
    for kind, coll, key in [("user", org.users, "username"), ("user_group", org.user_groups, "name"),
                            ("device_group", org.device_groups, "name"), ("device", org.devices, "hostname"),
                            ("command", org.commands, "name")]:
        for o in coll:
            out[(kind, getattr(o, key))] = o
    return out


RANK = {"user": 0, "user_group": 1, "device_group": 2, "device": 3}


def edge_exists(org, a, b) -> bool:
    """Is there a stored edge between a and b (membership or association)?"""
    if a.kind == "user_group" and b.kind == "user":
        return b.id in ids(org.user_groups.members(a))
    if a.kind == "user" and b.kind == "user_group":
        return a.id in ids(org.user_groups.members(b))
    if a.kind == "device_group" and b.kind == "device":
        return b.id in ids(org.device_groups.members(a))
    if a.kind == "device" and b.kind == "device_group":
        return a.id in ids(org.device_groups.members(b))
    return b.id in ids(org.associations(a))


def cut_edge(org, a, b) -> None:
    """Remove the edge a-b, whatever it is; an edge already gone is fine."""
    try:
        if {a.kind, b.kind} == {"user", "user_group"}:
            grp, mem = (a, b) if a.kind == "user_group" else (b, a)
            org.user_groups.remove_member(grp, mem)
        elif {a.kind, b.kind} == {"device", "device_group"}:
            grp, mem = (a, b) if a.kind == "device_group" else (b, a)
            org.device_groups.remove_member(grp, mem)
        else:
            org.dissociate(a, b)
    except dirctl.NotFound:
        pass


def brute_paths(org, u, dev) -> set[tuple[tuple[str, str], ...]]:
    """Every downhill path user -> device, computed from public membership/association data."""
    groups = [g for g in org.user_groups if u.id in ids(org.user_groups.members(g))]
    dgs_of_dev = [g for g in org.device_groups if dev.id in ids(org.device_groups.members(g))]
    out = set()
    U = ("user", u.username)
    D = ("device", dev.hostname)
    assoc_u = set(ids(org.associations(u)))
    if dev.id in assoc_u:
        out.add((U, D))
    for dg in dgs_of_dev:
        if dg.id in assoc_u:
            out.add((U, ("device_group", dg.name), D))
    for ug in groups:
        assoc_g = set(ids(org.associations(ug)))
        if dev.id in assoc_g:
            out.add((U, ("user_group", ug.name), D))
        for dg in dgs_of_dev:
            if dg.id in assoc_g:
                out.add((U, ("user_group", ug.name), ("device_group", dg.name), D))
    return out


def access_pairs(org) -> list[tuple[int, int]]:
    f = org.audit.who_can_access()
    return sorted(zip(f.user_id.tolist(), f.device_id.tolist()))


@pytest.mark.parametrize("seed", range(12))
def test_explain_lists_every_path_and_cutting_them_cuts_access(seed):
    d, org = random_org(seed)
    try:
        pairs = access_pairs(org)
        if not pairs:
            pytest.skip("this seed gives no access at all")  # pragma: no cover
        rnd = random.Random(1000 + seed)
        u_id, dev_id = rnd.choice(pairs)
        objs = lookup(org)
        u, dev = org.users.get(u_id), org.devices.get(dev_id)
        paths = org.graph.explain(u, dev)
        assert paths, "access without a path"
        assert {tuple(p) for p in paths} == brute_paths(org, u, dev)
        for p in paths:
            assert p[0] == ("user", u.username) and p[-1] == ("device", dev.hostname)
            assert [RANK[k] for k, _ in p] == sorted(RANK[k] for k, _ in p)  # downhill
            for (ka, na), (kb, nb) in zip(p, p[1:]):
                assert edge_exists(org, objs[(ka, na)], objs[(kb, nb)]), (p, ka, na, kb, nb)
        # remove every edge of every returned path: the access is gone
        for p in paths:
            for (ka, na), (kb, nb) in zip(p, p[1:]):
                cut_edge(org, objs[(ka, na)], objs[(kb, nb)])
        assert u.id not in ids(org.graph.users_of(dev))
        assert dev.id not in ids(org.graph.devices_of(u))
        assert org.graph.explain(u, dev) == []
        assert (u.id, dev.id) not in access_pairs(org)
    finally:
        d.close()


@pytest.mark.parametrize("seed", range(12, 24))
def test_cutting_one_edge_of_each_explained_path_cuts_access(seed):
    """Stronger: one edge per path suffices (a path explain missed would survive this)."""
    d, org = random_org(seed)
    try:
        pairs = access_pairs(org)
        rnd = random.Random(2000 + seed)
        objs = lookup(org)
        for u_id, dev_id in rnd.sample(pairs, min(3, len(pairs))):
            u, dev = org.users.get(u_id), org.devices.get(dev_id)
            paths = org.graph.explain(u, dev)
            if not paths:  # an earlier cut in this loop removed it too
                assert u.id not in ids(org.graph.users_of(dev))
                continue
            for p in paths:
                i = rnd.randrange(len(p) - 1)
                cut_edge(org, objs[p[i]], objs[p[i + 1]])
            assert u.id not in ids(org.graph.users_of(dev)), (u.username, dev.hostname, paths)
            assert org.graph.explain(u, dev) == []
    finally:
        d.close()


def test_explain_reversed_order_and_unrelated_objects(org):
    o = org
    u = mk_user(o, "alice")
    ug = o.user_groups.create("eng")
    dev = mk_device(o, "h")
    o.user_groups.add_member(ug, u)
    o.associate(ug, dev)
    assert o.graph.explain(dev, u) == [[("device", "h"), ("user_group", "eng"), ("user", "alice")]]
    other = mk_user(o, "bob")
    assert o.graph.explain(u, other) == []  # users are never connected to users
    assert o.graph.explain(ug, dev) == [[("user_group", "eng"), ("device", "h")]]


# ---------------------------------------------------------------------------------------------
# cross-org isolation


def twin_orgs(d):
    """Two orgs built identically (same names everywhere)."""
    out = []
    for name in ("acme", "globex"):
        o = d.orgs.create(name)
        u = o.users.create(username="alice", email=f"alice@{name}.example")
        ug = o.user_groups.create("eng")
        dg = o.device_groups.create("prod")
        dev = o.devices.create(hostname="web-01", os="linux")
        c = o.commands.create(name="restart", script="x")
        o.user_groups.add_member(ug, u)
        o.device_groups.add_member(dg, dev)
        o.associate(ug, dg)
        o.associate(c, dg)
        out.append((o, u, ug, dg, dev, c))
    return out


def test_cross_org_isolation_of_queries_and_audits(d):
    (o1, u1, ug1, dg1, dev1, c1), (o2, u2, ug2, dg2, dev2, c2) = twin_orgs(d)
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=[o1, o2])
    assert ids(o1.graph.devices_of(u1)) == [dev1.id]
    assert ids(o2.graph.devices_of(u2)) == [dev2.id]
    assert ids(o1.graph.users_of(dev1)) == [u1.id]
    assert ids(o1.graph.commands_of(dev1)) == [c1.id]
    assert ids(o1.graph.devices_of(c1)) == [dev1.id]
    for a, b in [(u1, dev2), (c2, dev1)]:  # another org's objects are refused, as audit filters are
        with pytest.raises(dirctl.InvalidArgument):
            o1.graph.explain(a, b)
    # relations never cross orgs
    for a, b in [(u1, dev2), (ug1, dg2), (c1, dev2), (o1.user_groups.get("eng"), dev2)]:
        with pytest.raises(dirctl.InvalidArgument):
            o1.associate(a, b)
    with pytest.raises(dirctl.InvalidArgument):
        o1.user_groups.add_member(ug1, u2)
    # audits stay in their org and refuse another org's objects as filters
    acc = o1.audit.who_can_access()
    assert set(acc.user_id) == {u1.id} and set(acc.device_id) == {dev1.id}
    with pytest.raises(dirctl.InvalidArgument):
        o1.audit.who_can_access(user=u2)
    with pytest.raises(dirctl.InvalidArgument):
        o1.audit.who_can_access(device=dev2)
    with pytest.raises(dirctl.InvalidArgument):
        o1.audit.who_can_run(command=c2)
    with pytest.raises(dirctl.InvalidArgument):
        o1.audit.who_can_run(device=dev2)


def test_who_can_run_lists_only_admins_with_access_to_the_org(d):
    (o1, *_r1), (o2, *_r2) = twin_orgs(d)
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=[o1, o2])
    m1 = d.admins.create(email="m1@x.example", role="manager", orgs=[o1])
    m2 = d.admins.create(email="m2@x.example", role="manager", orgs=[o2])
    f1 = o1.audit.who_can_run()
    assert m1.id in set(f1.admin_id) and m2.id not in set(f1.admin_id)
    assert set(f1.command_id) == {o1.commands.get("restart").id}
    assert set(f1.device_id) == {o1.devices.get("web-01").id}
    assert o1.audit.who_can_run(admin=m2).empty


def distinct_orgs(d):
    """Two orgs whose objects all have different names."""
    orgs = d.orgs.create("acme"), d.orgs.create("globex")
    for o, tag in zip(orgs, "ag"):
        u = o.users.create(username=f"user-{tag}", email=f"user@{o.name}.example")
        ug = o.user_groups.create(f"eng-{tag}")
        dev = o.devices.create(hostname=f"web-{tag}", os="linux")
        o.user_groups.add_member(ug, u)
        o.associate(ug, dev)
    return orgs


def test_escalation_paths_through_an_org_stay_in_that_org(d):
    """org.audit is an organisation-wide audit: a multi-org admin's escalation paths seen
    through o1 name only o1's users, groups and devices (names differ across the orgs here,
    so no text clashes are involved)."""
    o1, o2 = distinct_orgs(d)
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=[o1, o2])
    m = d.admins.create(email="m@x.example", role="manager", orgs=[o1, o2])
    f = o1.audit.escalation_paths(m)
    assert not f.empty
    o1_devices = set(ids(o1.devices))
    o1_objects = set(ids(o1.users)) | set(ids(o1.user_groups))
    assert set(f.device_id) <= o1_devices, f.to_dict("records")
    assert set(f.via_id) <= o1_objects, f.to_dict("records")


def test_a_view_limited_to_one_org_cannot_see_another_org_through_escalation_paths(d):
    o1, o2 = distinct_orgs(d)
    u2, dev2 = o2.users.get("user-g"), o2.devices.get("web-g")
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=[o1, o2])
    hd = d.admins.create(email="hd@x.example", role="help_desk", orgs=[o1])
    m = d.admins.create(email="m@x.example", role="manager", orgs=[o1, o2])
    view = d.as_admin(hd).orgs.get("acme")
    try:
        f = view.audit.escalation_paths(m)
    except (dirctl.PermissionDenied, dirctl.NotFound):
        return  # refusing outright is also acceptable
    assert dev2.id not in set(f.device_id), f.to_dict("records")
    assert u2.id not in set(f.via_id), f.to_dict("records")


def test_views_do_not_reach_into_other_orgs(d):
    (o1, *_r1), (o2, u2, ug2, dg2, dev2, c2) = twin_orgs(d)
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=[o1, o2])
    hd = d.admins.create(email="hd@x.example", role="help_desk", orgs=[o1])
    v = d.as_admin(hd).orgs.get("acme")
    for call in (lambda: v.graph.devices_of(u2), lambda: v.graph.users_of(dev2),
                 lambda: v.graph.commands_of(dev2), lambda: v.graph.explain(u2, dev2)):
        with pytest.raises((dirctl.NotFound, dirctl.PermissionDenied)):
            call()
    with pytest.raises((dirctl.NotFound, dirctl.PermissionDenied)):
        d.as_admin(hd).orgs.get("globex")


# ---------------------------------------------------------------------------------------------
# acting views: graph reads need read rights on the objects, audits need insights.read


def spec_access() -> dict[tuple[str, str], str]:
    """(scope, role) -> access from the spec table; the documented matrix if it is not checked out."""
    if SPEC.exists():
        with SPEC.open(newline="") as fh:
            return {(row["scope"], role): row[role] for row in csv.DictReader(fh) for role in ALL_ROLES}
    table = {  # a copy of the cells these tests use
        "users": "edit edit edit none none edit read read",
        "devices": "edit edit edit none none read read read",
        "commands": "edit edit edit assigned assigned read read read",
        "insights": "edit edit edit none none edit edit read",
        "administrators": "edit read read none none read read read",
    }
    return {(s, r): a for s, cells in table.items() for r, a in zip(ALL_ROLES, cells.split())}


ACCESS = spec_access()


def readable(scope: str, role: str) -> bool:
    return ACCESS[(scope, role)] in ("read", "edit")


@pytest.fixture
def small(d, org):
    keep_billing_admin(d, org)
    u = mk_user(org, "alice")
    dev = mk_device(org, "web-01")
    c = mk_command(org, "restart")
    org.associate(u, dev)
    org.associate(c, dev)
    return u, dev, c


@pytest.mark.parametrize("role", ALL_ROLES)
def test_views_need_read_rights_for_graph_queries(d, org, small, role):
    u, dev, c = small
    a = d.admins.create(email=f"{role}@acme.example", role=role, orgs=[org])
    if role.startswith("command_runner"):
        org.associate(a, c)
    g = d.as_admin(a).orgs.get("acme").graph
    cases = [
        (lambda: ids(g.devices_of(u)), readable("users", role) and readable("devices", role), [dev.id]),
        (lambda: ids(g.users_of(dev)), readable("devices", role) and readable("users", role), [u.id]),
        (lambda: ids(g.commands_of(dev)), readable("devices", role), [c.id]),
        (lambda: g.explain(u, dev), readable("users", role) and readable("devices", role),
         [[("user", "alice"), ("device", "web-01")]]),
    ]
    for call, allowed, expected in cases:
        if allowed:
            assert call() == expected
        else:
            with pytest.raises(dirctl.PermissionDenied):
                call()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_views_need_insights_read_for_audits(d, org, small, role):
    u, dev, c = small
    a = d.admins.create(email=f"{role}@acme.example", role=role, orgs=[org])
    view = d.as_admin(a).orgs.get("acme")
    root = d.admins.get("root@acme.example")
    audits = [lambda: view.audit.who_can_access(), lambda: view.audit.who_can_run()]
    if readable("insights", role):
        acc = view.audit.who_can_access()
        assert list(zip(acc.user_id, acc.device_id)) == [(u.id, dev.id)]
        assert len(view.audit.who_can_run()) == len(org.audit.who_can_run())
    else:
        for call in audits:
            with pytest.raises(dirctl.PermissionDenied):
                call()
        last = d.events()[-1]
        assert last.event_type == "audit_who_can_run" and not last.success  # the refusal is audited
    esc_ok = readable("insights", role) and readable("administrators", role)
    if esc_ok:
        view.audit.escalation_paths(root)
    else:
        with pytest.raises(dirctl.PermissionDenied):
            view.audit.escalation_paths(root)


def test_suspended_admin_and_user_views_are_refused(d, org, small):
    u, dev, c = small
    m = d.admins.create(email="m@acme.example", role="manager", orgs=[org])
    view = d.as_admin(m).orgs.get("acme")
    assert ids(view.graph.devices_of(u)) == [dev.id]
    d.admins.update(m, state="suspended")
    for call in (lambda: view.graph.devices_of(u), lambda: view.audit.who_can_access(),
                 lambda: view.audit.who_can_run()):
        with pytest.raises((dirctl.PermissionDenied, dirctl.NotFound)):
            call()
    uv = d.as_user(u).orgs.get("acme")
    for call in (lambda: uv.audit.who_can_access(), lambda: uv.audit.who_can_run(), lambda: uv.graph.users_of(dev)):
        with pytest.raises(dirctl.PermissionDenied):
            call()
