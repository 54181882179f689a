"""org.audit: who_can_access, who_can_run and escalation_paths as pandas DataFrames.

Shapes, column names and dtypes (ids as integers, names as categoricals), duplicate
hostnames and other repeated names, empty orgs, the protected-user cut of escalation
paths, who is left out of who_can_run, and the filter forms on hand-built orgs.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dirctl
from conftest import enrolled

ACCESS_COLUMNS = ["user_id", "user", "device_id", "device", "how", "suspended"]
RUN_COLUMNS = ["admin_id", "admin", "role", "command_id", "command", "device_id", "device", "rule"]
ESCALATION_COLUMNS = ["mechanism", "via_id", "via", "device_id", "device", "steps"]
ROLES = ["administrator_with_billing", "administrator", "manager", "command_runner_with_billing",
         "command_runner", "help_desk", "read_only", "billing_only"]
MECHANISMS = ["take_over_user", "join_group", "direct_assignment"]


def is_categorical(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype)


def user(org, name, **kw):
    return org.users.create(username=name, email=f"{name}@{org.name}.example", **kw)


def device(org, host):
    return org.devices.create(hostname=host, os="linux")


@pytest.fixture
def acme(d, org):
    """A small org: eng (alice, bob) -> prod (web-01, web-02); carol direct on db-01; dave
    suspended in eng; erin staged in eng; two commands; admins of several roles."""
    root = d.admins.create(email="root@acme.example", role="administrator_with_billing", orgs=[org])
    alice, bob, carol = user(org, "alice"), user(org, "bob"), user(org, "carol")
    dave, erin = user(org, "dave", state="suspended"), user(org, "erin", state="staged")
    eng = org.user_groups.create("eng")
    for u in (alice, bob, dave, erin):
        org.user_groups.add_member(eng, u)
    prod = org.device_groups.create("prod")
    web1, web2, db1 = device(org, "web-01"), device(org, "web-02"), device(org, "db-01")
    for x in (web1, web2):
        org.device_groups.add_member(prod, x)
    org.associate(eng, prod)
    org.associate(carol, db1)
    restart = org.commands.create(name="restart", script="systemctl restart nginx")
    backup = org.commands.create(name="backup", script="backup.sh")
    org.associate(restart, prod)
    org.associate(backup, db1)
    manager = d.admins.create(email="manager@acme.example", role="manager", orgs=[org])
    runner = d.admins.create(email="runner@acme.example", role="command_runner", orgs=[org])
    org.associate(runner, backup)
    helpdesk = d.admins.create(email="helpdesk@acme.example", role="help_desk", orgs=[org])
    return dict(root=root, alice=alice, bob=bob, carol=carol, dave=dave, erin=erin, eng=eng, prod=prod,
                web1=web1, web2=web2, db1=db1, restart=restart, backup=backup, manager=manager,
                runner=runner, helpdesk=helpdesk)


# ---------------------------------------------------------------------------------------------
# frames: columns, dtypes, contents


def test_who_can_access_frame(org, acme):
    f = org.audit.who_can_access()
    assert list(f.columns) == ACCESS_COLUMNS
    for col in ("user_id", "device_id"):
        assert pd.api.types.is_integer_dtype(f[col])
    for col in ("user", "device", "how"):
        assert is_categorical(f[col]), col
    assert f.suspended.dtype == bool
    a = acme
    expected = {
        (a["alice"].id, a["web1"].id): ("alice", "web-01", "eng > prod", False),
        (a["alice"].id, a["web2"].id): ("alice", "web-02", "eng > prod", False),
        (a["bob"].id, a["web1"].id): ("bob", "web-01", "eng > prod", False),
        (a["bob"].id, a["web2"].id): ("bob", "web-02", "eng > prod", False),
        (a["carol"].id, a["db1"].id): ("carol", "db-01", "direct", False),
        (a["dave"].id, a["web1"].id): ("dave", "web-01", "eng > prod", True),  # marked, not hidden
        (a["dave"].id, a["web2"].id): ("dave", "web-02", "eng > prod", True),
        (a["erin"].id, a["web1"].id): ("erin", "web-01", "eng > prod", False),  # staged: not suspended
        (a["erin"].id, a["web2"].id): ("erin", "web-02", "eng > prod", False),
    }
    assert f.shape == (len(expected), 6)
    got = {(r.user_id, r.device_id): (r.user, r.device, r.how, r.suspended) for r in f.itertuples()}
    assert got == expected
    assert list(zip(f.user_id, f.device_id)) == sorted(expected)  # ordered by user, then device
    assert sorted(f.how.cat.categories) == ["direct", "eng > prod"]


def test_who_can_run_frame(org, acme):
    f = org.audit.who_can_run()
    assert list(f.columns) == RUN_COLUMNS
    for col in ("admin_id", "command_id", "device_id"):
        assert pd.api.types.is_integer_dtype(f[col])
    for col in ("admin", "role", "command", "device", "rule"):
        assert is_categorical(f[col]), col
    assert list(f.role.cat.categories) == ROLES
    assert {"role_matrix", "assigned_commands"} <= set(f.rule.cat.categories)
    a = acme
    rows = set(zip(f.admin.astype(str), f.role.astype(str), f.command.astype(str), f.device.astype(str),
                   f.rule.astype(str)))
    expected = set()
    for adm in ("root", "manager"):
        role = "administrator_with_billing" if adm == "root" else "manager"
        for cmd, dev in [("restart", "web-01"), ("restart", "web-02"), ("backup", "db-01")]:
            expected.add((f"{adm}@acme.example", role, cmd, dev, "role_matrix"))
    expected.add(("runner@acme.example", "command_runner", "backup", "db-01", "assigned_commands"))
    assert rows == expected  # help_desk runs nothing
    assert f.shape == (len(expected), 8)
    keys = list(zip(f.admin_id, f.command_id, f.device_id))
    assert keys == sorted(keys)
    assert a["helpdesk"].id not in set(f.admin_id)


def test_escalation_paths_frame(d, org, acme):
    f = org.audit.escalation_paths(acme["helpdesk"])
    assert list(f.columns) == ESCALATION_COLUMNS
    for col in ("via_id", "device_id"):
        assert pd.api.types.is_integer_dtype(f[col])
    for col in ("mechanism", "via", "device", "steps"):
        assert is_categorical(f[col]), col
    assert list(f.mechanism.cat.categories) == MECHANISMS
    # help_desk may set passwords of active, unprotected users: alice, bob, carol (not dave:
    # suspended; not erin: staged); it edits no groups and has no linked user
    a = acme
    rows = set(zip(f.mechanism.astype(str), f.via.astype(str), f.device.astype(str)))
    assert rows == {("take_over_user", "alice", "web-01"), ("take_over_user", "alice", "web-02"),
                    ("take_over_user", "bob", "web-01"), ("take_over_user", "bob", "web-02"),
                    ("take_over_user", "carol", "db-01")}
    for r in f.itertuples():
        assert r.steps == (f"users.set_password on user '{r.via}', then log in as '{r.via}' on its devices")
    assert set(f.via_id) == {a["alice"].id, a["bob"].id, a["carol"].id}
    # the admin may be named by email too
    by_email = org.audit.escalation_paths("helpdesk@acme.example")
    pd.testing.assert_frame_equal(by_email, f)


def test_empty_org_gives_empty_frames_with_the_same_columns(d):
    empty = d.orgs.create("empty")
    a = d.admins.create(email="root@empty.example", role="administrator_with_billing", orgs=[empty])
    for frame, cols in [(empty.audit.who_can_access(), ACCESS_COLUMNS), (empty.audit.who_can_run(), RUN_COLUMNS),
                        (empty.audit.escalation_paths(a), ESCALATION_COLUMNS)]:
        assert list(frame.columns) == cols
        assert frame.shape == (0, len(cols))
    # an org with objects but no relations: still empty
    user(empty, "alice")
    device(empty, "web-01")
    empty.commands.create(name="noop", script="true")
    assert empty.audit.who_can_access().empty
    assert empty.audit.who_can_run().empty  # a command without targets runs nowhere
    assert list(empty.audit.who_can_run().columns) == RUN_COLUMNS


def test_duplicate_hostnames_stay_distinct(d, org):
    d.admins.create(email="root@acme.example", role="administrator_with_billing", orgs=[org])
    alice = user(org, "alice")
    w1, w2, w3 = device(org, "web"), device(org, "web"), device(org, "db")
    c = org.commands.create(name="restart", script="x")
    for w in (w1, w2, w3):
        org.associate(alice, w)
        org.associate(c, w)
    acc = org.audit.who_can_access()
    assert acc.device_id.tolist() == [w1.id, w2.id, w3.id]
    labels = acc.device.astype(str).tolist()
    assert len(set(labels)) == 3, labels  # two "web" devices are two categories
    assert all("web" in x for x in labels[:2]) and labels[2] == "db"
    assert len(acc.device.cat.categories) == 3
    run = org.audit.who_can_run()
    assert sorted(run.device_id.tolist()) == sorted([w1.id, w2.id, w3.id])
    assert run.device.nunique() == 3
    helpdesk = d.admins.create(email="hd@acme.example", role="help_desk", orgs=[org])
    esc = org.audit.escalation_paths(helpdesk)
    assert esc.device.nunique() == 3 and sorted(esc.device_id) == sorted([w1.id, w2.id, w3.id])
    # narrowed to one of the twins
    one = org.audit.who_can_access(device=w2)
    assert one.device_id.tolist() == [w2.id]


def test_a_user_group_and_a_device_group_of_the_same_name(d, org):
    """'how' texts can repeat for different paths (group names are unique per kind only)."""
    u1, u2 = user(org, "u1"), user(org, "u2")
    ugx, dgx = org.user_groups.create("x"), org.device_groups.create("x")
    d1, d2 = device(org, "d1"), device(org, "d2")
    org.user_groups.add_member(ugx, u1)
    org.associate(ugx, d1)  # u1 -> x -> d1
    org.associate(u2, dgx)
    org.device_groups.add_member(dgx, d2)  # u2 -> x -> d2
    f = org.audit.who_can_access()
    assert sorted(zip(f.user_id, f.device_id)) == [(u1.id, d1.id), (u2.id, d2.id)]
    assert all("x" in h for h in f.how.astype(str))


def test_same_names_in_two_orgs_of_a_multi_org_admin(d):
    """Step texts can repeat across orgs (usernames are unique per org only)."""
    orgs = [d.orgs.create(n) for n in ("acme", "globex")]
    for o in orgs:
        u = user(o, "bob")
        o.associate(u, device(o, "web-01"))
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=orgs)
    m = d.admins.create(email="m@x.example", role="manager", orgs=orgs)
    f = orgs[0].audit.escalation_paths(m)
    bob = orgs[0].users.get("bob")
    assert (("take_over_user", bob.id) in set(zip(f.mechanism.astype(str), f.via_id)))


# ---------------------------------------------------------------------------------------------
# escalation: the protected-user cut and the three mechanisms


@pytest.fixture
def protected(d, org):
    """alice holds an admin role (read_only admin made from her); bob does not. Each reaches
    its own device."""
    root = d.admins.create(email="root@acme.example", role="administrator_with_billing", orgs=[org])
    alice, bob = user(org, "alice"), user(org, "bob")
    da, db = device(org, "alices-box"), device(org, "bobs-box")
    org.associate(alice, da)
    org.associate(bob, db)
    holder = d.admins.create_from_user(enrolled(alice), role="read_only")
    assert holder.user.id == alice.id
    return root, alice, bob, da, db


def takeovers(org, admin) -> set[str]:
    f = org.audit.escalation_paths(admin)
    return set(f[f.mechanism == "take_over_user"].via.astype(str))


@pytest.mark.parametrize("role", ["help_desk", "manager", "administrator"])
def test_protected_user_cannot_be_taken_over_below_billing(d, org, protected, role):
    root, alice, bob, da, db = protected
    a = d.admins.create(email=f"{role}@acme.example", role=role, orgs=[org])
    assert takeovers(org, a) == {"bob"}
    assert not d.check(a, "users.set_password", alice)  # the role engine says the same
    assert d.check(a, "users.set_password", alice).rule == "protected_user"
    f = org.audit.escalation_paths(a)
    assert da.id not in set(f.device_id)


def test_billing_admin_can_take_over_a_protected_user(d, org, protected):
    root, alice, bob, da, db = protected
    assert takeovers(org, root) == {"alice", "bob"}
    f = org.audit.escalation_paths(root)
    take = f[f.mechanism == "take_over_user"]
    assert set(zip(take.via_id, take.device_id)) == {(alice.id, da.id), (bob.id, db.id)}
    assert d.check(root, "users.set_password", alice)


def test_roles_without_users_edit_take_over_nobody(d, org, protected):
    root, alice, bob, da, db = protected
    for role in ("read_only", "billing_only", "command_runner", "command_runner_with_billing"):
        a = d.admins.create(email=f"{role}@acme.example", role=role, orgs=[org])
        assert org.audit.escalation_paths(a).empty, role


def test_linked_admin_mechanisms(d, org):
    """An admin made from a user: it never takes over its own user; join_group for user groups
    its user is not in (groups.edit); direct_assignment only as administrator_with_billing
    (its own user holds an admin role, so it is protected); what its user already reaches
    is left out."""
    d.admins.create(email="root@acme.example", role="administrator_with_billing", orgs=[org])
    me, other = user(org, "me"), user(org, "other")
    mine, ops, eng = org.user_groups.create("mine"), org.user_groups.create("ops"), org.user_groups.create("eng")
    h_mine, h_ops, h_eng, h_free = (device(org, h) for h in ("h-mine", "h-ops", "h-eng", "h-free"))
    org.user_groups.add_member(mine, me)
    org.associate(mine, h_mine)
    org.associate(ops, h_ops)
    org.associate(ops, h_mine)  # already reached through mine: never an escalation
    org.associate(eng, h_eng)
    org.user_groups.add_member(eng, other)

    mgr = d.admins.create_from_user(enrolled(me), role="manager")
    f = org.audit.escalation_paths(mgr)
    rows = set(zip(f.mechanism.astype(str), f.via.astype(str), f.device.astype(str)))
    assert rows == {("take_over_user", "other", "h-eng"), ("join_group", "ops", "h-ops"),
                    ("join_group", "eng", "h-eng")}
    steps = dict(zip(f.via.astype(str), f.steps.astype(str)))
    assert steps["ops"] == "groups.edit: add its user 'me' to user group 'ops'"

    d.admins.update(mgr, role="administrator_with_billing")
    f = org.audit.escalation_paths(mgr)
    direct = f[f.mechanism == "direct_assignment"]
    assert set(direct.device.astype(str)) == {"h-ops", "h-eng", "h-free"}  # every device but h-mine
    assert set(direct.via_id) == {me.id}
    assert set(direct.steps.astype(str)) == {"users.edit: associate its user 'me' with the device directly"}
    assert "me" not in takeovers(org, mgr)

    d.admins.update(mgr, role="help_desk")  # users.edit, but groups read only; protected self
    f = org.audit.escalation_paths(mgr)
    assert set(f.mechanism.astype(str)) == {"take_over_user"}


def test_suspended_admin_has_no_escalation_paths(d, org, protected):
    root, alice, bob, da, db = protected
    m = d.admins.create(email="m@acme.example", role="manager", orgs=[org])
    assert takeovers(org, m) == {"bob"}
    d.admins.update(m, state="suspended")
    f = org.audit.escalation_paths(m)
    assert f.empty and list(f.columns) == ESCALATION_COLUMNS


def test_suspended_and_staged_users_are_not_taken_over(d, org, protected):
    root, alice, bob, da, db = protected
    m = d.admins.create(email="m@acme.example", role="manager", orgs=[org])
    org.users.update(bob, state="suspended")
    assert takeovers(org, m) == set()
    org.users.update(bob, state="active")
    assert takeovers(org, m) == {"bob"}


# ---------------------------------------------------------------------------------------------
# who_can_run: who is left out


def test_suspended_admins_and_admins_without_org_access_are_excluded(d, org, acme):
    a = acme
    other = d.orgs.create("other")
    outsider = d.admins.create(email="outsider@other.example", role="administrator", orgs=[other])
    sleeper = d.admins.create(email="sleeper@acme.example", role="manager", orgs=[org])
    f = org.audit.who_can_run()
    assert outsider.id not in set(f.admin_id)
    assert sleeper.id in set(f.admin_id)
    d.admins.update(sleeper, state="suspended")
    f = org.audit.who_can_run()
    assert sleeper.id not in set(f.admin_id)
    assert org.audit.who_can_run(admin=sleeper).empty
    assert org.audit.who_can_run(admin=outsider).empty
    # a Command Runner losing the org keeps its assignment edge but runs nothing here
    d.admins.update(a["runner"], orgs=[other])
    assert a["runner"].id not in set(org.audit.who_can_run().admin_id)
    d.admins.update(a["runner"], orgs=[org])
    assert a["runner"].id in set(org.audit.who_can_run().admin_id)


def test_command_runner_sees_only_assigned_commands_and_role_changes_count(d, org, acme):
    a = acme
    crb = d.admins.create(email="crb@acme.example", role="command_runner_with_billing", orgs=[org])
    assert org.audit.who_can_run(admin=crb).empty  # nothing assigned
    org.associate(crb, a["restart"])
    f = org.audit.who_can_run(admin=crb)
    assert set(zip(f.command.astype(str), f.device.astype(str))) == {("restart", "web-01"), ("restart", "web-02")}
    assert set(f.rule.astype(str)) == {"assigned_commands"}
    d.admins.update(crb, role="manager")  # now every command, by the matrix
    f = org.audit.who_can_run(admin=crb)
    assert set(f.command.astype(str)) == {"restart", "backup"} and set(f.rule.astype(str)) == {"role_matrix"}
    d.admins.update(crb, role="read_only")
    assert org.audit.who_can_run(admin=crb).empty


# ---------------------------------------------------------------------------------------------
# filter forms on a hand-built org


def rows(f) -> list[tuple]:
    return [tuple(r) for r in f.astype({c: str for c in f.columns if is_categorical(f[c])}).itertuples(index=False)]


def test_filters_equal_the_filtered_full_audit(org, acme):
    a = acme
    acc = org.audit.who_can_access()
    for u in ("alice", "carol", "dave", "erin"):
        assert rows(org.audit.who_can_access(user=a[u])) == rows(acc[acc.user_id == a[u].id])
    for x in ("web1", "db1"):
        assert rows(org.audit.who_can_access(device=a[x])) == rows(acc[acc.device_id == a[x].id])
    both = org.audit.who_can_access(user=a["alice"], device=a["web2"])
    assert rows(both) == rows(acc[(acc.user_id == a["alice"].id) & (acc.device_id == a["web2"].id)])
    assert org.audit.who_can_access(user=a["carol"], device=a["web1"]).empty

    run = org.audit.who_can_run()
    assert rows(org.audit.who_can_run(command=a["restart"])) == rows(run[run.command_id == a["restart"].id])
    assert rows(org.audit.who_can_run(device=a["db1"])) == rows(run[run.device_id == a["db1"].id])
    assert rows(org.audit.who_can_run(admin=a["runner"])) == rows(run[run.admin_id == a["runner"].id])
    sel = (run.admin_id == a["manager"].id) & (run.device_id == a["web1"].id)
    assert rows(org.audit.who_can_run(admin=a["manager"], device=a["web1"])) == rows(run[sel])

    esc = org.audit.escalation_paths(a["helpdesk"])
    assert rows(org.audit.escalation_paths(a["helpdesk"], device=a["web1"])) == rows(esc[esc.device_id == a["web1"].id])
    assert rows(org.audit.escalation_paths(a["helpdesk"], user=a["carol"])) == rows(esc[esc.via_id == a["carol"].id])


def test_device_filter_names_the_same_path_when_shortest_paths_tie(d, org):
    """u reaches dev by two shortest paths (ug1 > dg1 and ug2 > dg2): asked by device or by
    user, the row says the same `how` as in the full audit."""
    u = user(org, "u")
    ug1, ug2 = org.user_groups.create("ug1"), org.user_groups.create("ug2")
    dg2, dg1 = org.device_groups.create("dg2"), org.device_groups.create("dg1")  # dg2's id is the lower
    dev = device(org, "dev")
    for g in (ug1, ug2):
        org.user_groups.add_member(g, u)
    for g in (dg1, dg2):
        org.device_groups.add_member(g, dev)
    org.associate(ug1, dg1)
    org.associate(ug2, dg2)
    full = org.audit.who_can_access()
    assert len(full) == 1 and full.how.astype(str)[0] in ("ug1 > dg1", "ug2 > dg2")
    assert rows(org.audit.who_can_access(user=u)) == rows(full)
    assert rows(org.audit.who_can_access(device=dev)) == rows(full)


def test_escalation_user_filter_narrows_to_that_user(d, org):
    """escalation_paths(admin, user=u) keeps only the paths through u."""
    d.admins.create(email="root@acme.example", role="administrator_with_billing", orgs=[org])
    me, bob = user(org, "me"), user(org, "bob")
    ops = org.user_groups.create("ops")
    h1, h2 = device(org, "h1"), device(org, "h2")
    org.associate(bob, h1)
    org.associate(ops, h2)
    a = d.admins.create_from_user(enrolled(me), role="administrator_with_billing")
    full = org.audit.escalation_paths(a)
    assert set(full.mechanism.astype(str)) == set(MECHANISMS)
    only_bob = org.audit.escalation_paths(a, user=bob)
    assert rows(only_bob) == rows(full[full.via_id == bob.id])


# ---------------------------------------------------------------------------------------------
# errors


def test_audit_arguments_are_checked(d, org, acme):
    """An object of the wrong kind is no user/command/admin: refused, not answered."""
    a = acme
    wrong = (dirctl.InvalidArgument, dirctl.NotFound)
    with pytest.raises(wrong):
        org.audit.who_can_access(user=a["web1"])
    with pytest.raises(wrong):
        org.audit.who_can_access(device=a["alice"])
    with pytest.raises(wrong):
        org.audit.who_can_run(command=a["alice"])
    with pytest.raises(wrong):
        org.audit.who_can_run(admin=a["alice"])
    with pytest.raises(wrong):
        org.audit.escalation_paths(a["alice"])
    with pytest.raises(dirctl.NotFound):
        org.audit.escalation_paths("nobody@acme.example")
    with pytest.raises(dirctl.NotFound):
        org.audit.who_can_access(user=99999)
