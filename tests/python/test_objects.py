"""Objects as values (repr, equality, immutability, to_dict, refresh) and the
org's association graph (associate / dissociate / associations)."""

from __future__ import annotations

import pytest

import dirctl
from conftest import enrolled


@pytest.fixture
def world(d, org):
    u = org.users.create(username="alice", email="alice@acme.com", first_name="Alice")
    ug = org.user_groups.create("eng")
    dg = org.device_groups.create("prod")
    dev = org.devices.create(hostname="web-01", os="linux")
    cmd = org.commands.create(name="restart", script="systemctl restart nginx")
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    # Every org keeps an active admin (ARCHITECTURE.md): this one lets tests remove the runner.
    d.admins.create(email="keeper@acme.com", role="administrator", orgs=[org])
    return {"user": u, "user_group": ug, "device_group": dg, "device": dev, "command": cmd, "admin": runner}


# ---- values ---------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["user", "user_group", "device_group", "device", "command", "admin"])
def test_objects_are_immutable(world, kind):
    obj = world[kind]
    with pytest.raises(AttributeError, match="values"):
        obj.name = "x"
    with pytest.raises(AttributeError):
        obj.id = 5
    with pytest.raises(AttributeError):
        obj.brand_new_attribute = 1


def test_org_is_immutable(org):
    with pytest.raises(AttributeError):
        org.name = "other"
    assert org.name == "acme"


def test_setattr_does_not_change_the_store(d, org, world):
    u = world["user"]
    with pytest.raises(AttributeError):
        u.department = "eng"
    assert org.users.get(u.id).department is None


def test_unknown_attribute_lists_fields(world):
    with pytest.raises(AttributeError, match="no field 'nickname'.*username"):
        world["user"].nickname


def test_kind_and_classes(world, org):
    assert world["user"].kind == "user" and isinstance(world["user"], dirctl.User)
    assert isinstance(world["user_group"], dirctl.UserGroup)
    assert isinstance(world["device_group"], dirctl.DeviceGroup)
    assert isinstance(world["device"], dirctl.Device)
    assert isinstance(world["command"], dirctl.Command)
    assert isinstance(world["admin"], dirctl.Admin)
    assert isinstance(org, dirctl.Org) and org.kind == "org"
    assert all(isinstance(o, dirctl.Object) for o in world.values())


def test_equality_and_hash(org, world):
    u = world["user"]
    same = org.users.get("alice")
    assert u == same and hash(u) == hash(same)
    assert len({u, same}) == 1
    changed = org.users.update(u, department="eng")
    assert changed != u  # a different snapshot
    assert hash(changed) == hash(u)  # same object
    assert u != world["device"]
    assert (u == "alice") is False


def test_to_dict(org, world):
    u = world["user"]
    data = u.to_dict()
    assert data["id"] == u.id and data["org"] == org.id
    assert data["username"] == "alice" and data["first_name"] == "Alice"
    data["username"] = "mallory"  # a copy: the object is untouched
    assert u.username == "alice"
    a = world["admin"].to_dict()
    assert "org" not in a and a["orgs"] == [org.id]


def test_refresh_returns_current_value(org, world):
    u = world["user"]
    org.users.update(u, department="eng")
    assert u.department is None
    fresh = u.refresh()
    assert fresh.department == "eng" and fresh.id == u.id
    org.users.delete(u)
    with pytest.raises(dirctl.NotFound):
        u.refresh()


def test_org_property(org, world, d):
    assert world["user"].org == org
    assert world["command"].org.name == "acme"
    with pytest.raises(AttributeError, match="directory-wide"):
        world["admin"].org
    with pytest.raises(AttributeError):
        org.org


def test_admin_orgs_and_user(d, org, world):
    other = d.orgs.create("globex")
    a = d.admins.update(world["admin"], orgs=[org, other])
    assert [o.name for o in a.orgs] == ["acme", "globex"]
    assert a.org_ids == [org.id, other.id]
    assert a.user is None
    linked = d.admins.create_from_user(enrolled(world["user"]), role="help_desk")
    assert isinstance(linked.user, dirctl.User) and linked.user.username == "alice"


# ---- repr -----------------------------------------------------------------------------

def test_user_repr(world):
    r = repr(world["user"])
    assert r.startswith("User(") and f"id={world['user'].id}" in r
    assert "alice" in r and "alice@acme.com" in r and "active" in r


def test_admin_repr(org, world):
    r = repr(world["admin"])
    assert r.startswith("Admin(")
    assert "runner@acme.com" in r and "command_runner" in r and f"orgs=[{org.id}]" in r


def test_org_repr_shows_name_and_counts(org, world):
    org.users.create(username="bob", email="bob@acme.com")
    r = repr(org)
    assert r.startswith("Org(") and "'acme'" in r
    assert "2 users" in r and "1 user_groups" in r and "1 devices" in r and "1 commands" in r


def test_other_reprs(world):
    assert "web-01" in repr(world["device"]) and "linux" in repr(world["device"])
    assert "restart" in repr(world["command"]) and "manual" in repr(world["command"])
    assert "eng" in repr(world["user_group"]) and "prod" in repr(world["device_group"])


# ---- associations ----------------------------------------------------------------------

ALLOWED = [
    ("user", "device"), ("user", "device_group"), ("user_group", "device"), ("user_group", "device_group"),
    ("command", "device"), ("command", "device_group"), ("admin", "command"),
    ("command", "user_group"),  # who may run and approve the command
]
REFUSED = [
    ("user", "user_group"), ("user", "command"), ("user", "admin"), ("user_group", "admin"),
    ("device", "device_group"), ("device", "admin"), ("device_group", "admin"), ("user", "user"),
    ("device", "device"), ("command", "command"),
]


@pytest.mark.parametrize("a, b", ALLOWED)
@pytest.mark.parametrize("flip", [False, True], ids=["forward", "reversed"])
def test_associate_allowed_pairs_both_orders(d, org, world, a, b, flip):
    x, y = (world[b], world[a]) if flip else (world[a], world[b])
    n = len(d.events())
    org.associate(x, y)
    assert [o.id for o in org.associations(world[a])] == [world[b].id]
    assert [o.id for o in org.associations(world[b])] == [world[a].id]
    ev = d.events()[n:]
    assert [e.event_type for e in ev] == ["association_add"]
    assert {ev[0].resource["id"], ev[0].target["id"]} == {world[a].id, world[b].id}
    org.associate(y, x)  # again, either order: a no-op
    assert len(d.events()) == n + 1
    org.dissociate(y, x)
    assert org.associations(world[a]) == [] and org.associations(world[b]) == []
    assert d.events()[-1].event_type == "association_remove"


@pytest.mark.parametrize("a, b", REFUSED)
def test_associate_refused_pairs_list_allowed_ones(d, org, world, unchanged, a, b):
    x = world[a]
    y = world[b] if a != b else {
        "user": lambda: org.users.create(username="bob", email="bob@acme.com"),
        "device": lambda: org.devices.create(hostname="db-01"),
        "command": lambda: org.commands.create(name="other", script="x"),
    }[a]()
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="allowed pairs are") as err:
        org.associate(x, y)
    msg = str(err.value)
    assert "user|user_group <-> device|device_group" in msg
    assert "command <-> device|device_group" in msg
    assert "admin" in msg
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="allowed pairs"):
        org.associate(y, x)


def test_associate_with_self_is_refused(d, org, world, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument):
        org.associate(world["user_group"], world["user_group"])


def test_associate_org_is_refused(d, org, world, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="allowed pairs"):
        org.associate(org, world["device"])


def test_associate_across_orgs_is_refused(d, org, world, unchanged):
    other = d.orgs.create("globex")
    far = other.devices.create(hostname="far")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="different orgs"):
        org.associate(world["user"], far)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="different orgs"):
        other.associate(far, world["command"])


def test_admin_needs_org_access_and_runner_role(d, org, world, unchanged):
    other = d.orgs.create("globex")
    far_cmd = other.commands.create(name="far", script="x")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="no access to org 'globex'"):
        other.associate(world["admin"], far_cmd)
    manager = d.admins.create(email="m@acme.com", role="manager", orgs=[org])
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="Command Runner"):
        org.associate(manager, world["command"])
    billing_runner = d.admins.create(email="b@acme.com", role="command_runner_with_billing", orgs=[org])
    org.associate(world["command"], billing_runner)
    assert [a.email for a in org.associations(world["command"])] == ["b@acme.com"]


def test_dissociate_missing_is_not_found(d, org, world, unchanged):
    with unchanged(d), pytest.raises(dirctl.NotFound, match="not associated"):
        org.dissociate(world["user"], world["device"])


def test_associations_exclude_groups_members_and_orgs(d, org, world):
    org.user_groups.add_member(world["user_group"], world["user"])
    org.device_groups.add_member(world["device_group"], world["device"])
    org.associate(world["user_group"], world["device_group"])
    org.associate(world["admin"], world["command"])
    assert [o.id for o in org.associations(world["user_group"])] == [world["device_group"].id]
    assert org.associations(world["user"]) == []
    assert org.associations(world["device"]) == []
    assert [o.id for o in org.associations(world["admin"])] == [world["command"].id]


@pytest.mark.parametrize("victim", ["user", "user_group", "device", "device_group", "command", "admin"])
def test_deleting_an_object_removes_its_associations(d, org, world, victim):
    org.associate(world["user"], world["device"])
    org.associate(world["user_group"], world["device_group"])
    org.associate(world["command"], world["device"])
    org.associate(world["command"], world["device_group"])
    org.associate(world["admin"], world["command"])
    org.user_groups.add_member(world["user_group"], world["user"])
    org.device_groups.add_member(world["device_group"], world["device"])
    coll = {"user": org.users, "user_group": org.user_groups, "device": org.devices,
            "device_group": org.device_groups, "command": org.commands, "admin": d.admins}[victim]
    coll.delete(world[victim])
    gone = world[victim].id
    for name, obj in world.items():
        if name == victim:
            continue
        assert gone not in [o.id for o in org.associations(obj)], name
        if name in ("user_group", "device_group"):
            coll2 = org.user_groups if name == "user_group" else org.device_groups
            assert gone not in [m.id for m in coll2.members(obj)]
        if name in ("user", "device"):
            coll2 = org.user_groups if name == "user" else org.device_groups
            assert gone not in [g.id for g in coll2.of(obj)]


def test_associations_survive_reopen(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        g = org.user_groups.create("eng")
        dg = org.device_groups.create("prod")
        c = org.commands.create(name="c", script="x")
        org.associate(dg, g)
        org.associate(c, dg)
    with dirctl.open(shared) as d:
        org = d.orgs.get("acme")
        assert sorted(o.name for o in org.associations(org.device_groups.get("prod"))) == ["c", "eng"]
        org.dissociate(org.user_groups.get("eng"), org.device_groups.get("prod"))
    with dirctl.open(shared) as d:
        org = d.orgs.get("acme")
        assert [o.name for o in org.associations(org.device_groups.get("prod"))] == ["c"]


def test_associate_takes_ids_but_not_other_things(d, org, world, unchanged):
    org.associate(world["user"].id, world["device"].id)
    assert [o.id for o in org.associations(world["device"])] == [world["user"].id]
    with unchanged(d), pytest.raises(dirctl.InvalidArgument):
        org.associate("alice", world["device"])
    with unchanged(d), pytest.raises(dirctl.NotFound):
        org.associate(world["user"], 99999)
