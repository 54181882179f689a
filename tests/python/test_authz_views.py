"""Acting views: d.as_admin(a), d.as_api_key(a), d.as_user(u).

A view has the directory's API; every call is authorised for its actor. A
denial raises PermissionDenied (rule, decision), changes nothing and is
audited with success=False; an allowed mutation is audited as the actor;
listings show only what the actor may see.
"""

from __future__ import annotations

import pandas as pd
import pytest

import dirctl


@pytest.fixture
def w(d):
    acme = d.orgs.create("acme")
    globex = d.orgs.create("globex")
    initech = d.orgs.create("initech")
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme, globex, initech])
    mgr = d.admins.create(email="max@acme.com", role="manager", orgs=[acme, globex])
    ro = d.admins.create(email="rob@acme.com", role="read_only", orgs=[acme])
    cr = d.admins.create(email="cyd@acme.com", role="command_runner", orgs=[acme])
    bo = d.admins.create(email="bea@acme.com", role="billing_only", orgs=[acme])
    bob = acme.users.create(username="bob", email="bob@acme.com", department="it")
    zed = globex.users.create(username="zed", email="zed@globex.com")
    ian = initech.users.create(username="ian", email="ian@initech.com")
    deploy = acme.commands.create(name="deploy", script="echo deploy")
    backup = acme.commands.create(name="backup", script="echo backup")
    clean = acme.commands.create(name="clean", script="echo clean")
    acme.associate(cr, deploy)
    acme.associate(cr, clean)
    return dict(d=d, acme=acme, globex=globex, initech=initech, boss=boss, mgr=mgr, ro=ro, cr=cr, bo=bo, bob=bob,
                zed=zed, ian=ian, deploy=deploy, backup=backup, clean=clean)


def _state(d):
    """Everything but the audit log: objects, fields, counts, relations."""
    from conftest import take_snapshot

    snap = take_snapshot(d)
    snap.pop("events")
    return snap


# ---- the same API ---------------------------------------------------------------------


def test_view_has_the_directorys_api(w):
    d, mgr = w["d"], w["mgr"]
    for view in (d.as_admin(mgr), d.as_admin("max@acme.com"), d.as_admin(mgr.id)):
        assert isinstance(view, dirctl.Directory)
        assert view.actor.id == mgr.id
        acme = view.orgs.get("acme")
        assert acme.users.get("bob").id == w["bob"].id
        assert len(acme.users) == 1
        assert list(acme.users.to_frame().index) == [w["bob"].id]
        assert "max@acme.com" in repr(view)
        assert bool(d.check(view, "users.edit", w["bob"]))
    assert d.actor is None


def test_allowed_mutations_through_a_view_work_and_are_audited_as_the_admin(w):
    d, mgr = w["d"], w["mgr"]
    view = d.as_admin(mgr)
    acme = view.orgs.get("acme")
    u = acme.users.create(username="new", email="new@acme.com")
    acme.users.update(u, department="eng")
    g = acme.user_groups.create("eng")
    acme.user_groups.add_member(g, u)
    dev = acme.devices.create(hostname="web-01", os="linux")
    acme.associate(g, dev)
    acme.users.delete(u)
    assert "new" not in d.orgs.get("acme").users
    mine = d.events(initiated_by=mgr)
    types = [e.event_type for e in mine]
    for t in ("user_create", "user_update", "group_create", "group_member_add", "device_create",
              "association_add", "user_delete"):
        assert t in types
    for e in mine:
        assert e.success is True
        assert e.initiated_by["type"] == "admin"
        assert e.initiated_by["email"] == "max@acme.com"
        assert e.initiated_by["id"] == mgr.id


def test_system_handle_is_audited_as_system(w):
    d = w["d"]
    d.orgs.get("acme").users.update(w["bob"], department="ops")
    e = d.events(type="user_update")[-1]
    assert e.initiated_by["type"] == "system"


# ---- denials --------------------------------------------------------------------------


DENIALS = {
    "update_user": (lambda v, w: v.orgs.get("acme").users.update(w["bob"], department="x"), "user_update", "role_matrix"),
    "create_user": (lambda v, w: v.orgs.get("acme").users.create(username="x", email="x@acme.com"), "user_create",
                    "role_matrix"),
    "delete_user": (lambda v, w: v.orgs.get("acme").users.delete(w["bob"]), "user_delete", "role_matrix"),
    "create_group": (lambda v, w: v.orgs.get("acme").user_groups.create("eng"), "group_create", "role_matrix"),
    "update_command": (lambda v, w: v.orgs.get("acme").commands.update(w["deploy"], script="rm"), "command_update",
                       "role_matrix"),
    "create_admin": (lambda v, w: v.admins.create(email="x@acme.com", role="manager", orgs=[w["acme"]]),
                     "admin_create", "admin_management"),
    "delete_admin": (lambda v, w: v.admins.delete(w["cr"]), "admin_delete", "admin_management"),
    "create_org": (lambda v, w: v.orgs.create("newco"), "organization_create", "role_matrix"),
}


@pytest.mark.parametrize("name", sorted(DENIALS))
def test_denial_raises_changes_nothing_and_is_audited(w, name):
    d, ro = w["d"], w["ro"]
    attempt, event_type, rule = DENIALS[name]
    view = d.as_admin(ro)
    before = _state(d)
    seq = d._core.last_event_seq()
    with pytest.raises(dirctl.PermissionDenied) as info:
        attempt(view, w)
    err = info.value
    assert isinstance(err, PermissionError)
    assert err.rule == rule
    assert isinstance(err.decision, dirctl.Decision)
    assert not err.decision and err.decision.allowed is False
    assert err.decision.rule == rule
    assert "rob@acme.com" in str(err) and "read_only" in str(err)
    assert _state(d) == before
    new = d.events(after_seq=seq)
    assert [(e.event_type, e.success) for e in new] == [(event_type, False)]
    denial = new[0]
    assert denial.initiated_by["type"] == "admin" and denial.initiated_by["email"] == "rob@acme.com"
    assert denial in d.events(success=False)
    assert "rob@acme.com" in denial.message


def test_denial_keeps_field_values(w):
    d, ro, bob = w["d"], w["ro"], w["bob"]
    with pytest.raises(dirctl.PermissionDenied):
        d.as_admin(ro).orgs.get("acme").users.update(bob, department="x", state="suspended")
    now = d.orgs.get("acme").users.get("bob")
    assert (now.department, now.state) == ("it", "active")
    assert len(d.orgs.get("acme").users) == 1


def test_denial_names_the_resource_in_its_event(w):
    d = w["d"]
    with pytest.raises(dirctl.PermissionDenied):
        d.as_admin(w["ro"]).orgs.get("acme").users.update(w["bob"], department="x")
    e = d.events(success=False)[-1]
    assert e.resource["id"] == w["bob"].id
    assert e.org == w["acme"].id


def test_denial_inside_a_batch_leaves_the_batch_going(w):
    d, ro, mgr = w["d"], w["ro"], w["mgr"]
    with d.batch():
        d.as_admin(mgr).orgs.get("acme").users.update(w["bob"], department="ops")
        with pytest.raises(dirctl.PermissionDenied):
            d.as_admin(ro).orgs.get("acme").users.update(w["bob"], department="x")
    assert d.orgs.get("acme").users.get("bob").department == "ops"
    assert d.events(success=False)[-1].event_type == "user_update"


def test_not_found_outside_the_admins_orgs_is_audited_too(w):
    d, ro = w["d"], w["ro"]
    seq = d._core.last_event_seq()
    with pytest.raises(dirctl.NotFound):
        d.as_admin(ro)[w["zed"].id]
    new = d.events(after_seq=seq)
    assert len(new) == 1 and new[0].success is False


# ---- filtered listings ------------------------------------------------------------------


def test_command_runner_sees_only_assigned_commands(w):
    d, cr = w["d"], w["cr"]
    acme = d.as_admin(cr).orgs.get("acme")
    assigned = sorted([w["deploy"].id, w["clean"].id])
    assert sorted(c.id for c in acme.commands) == assigned
    assert len(acme.commands) == 2
    frame = acme.commands.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert sorted(frame.index) == assigned
    assert set(frame["name"]) == {"deploy", "clean"}
    assert "deploy" in acme.commands
    with pytest.raises(dirctl.PermissionDenied) as info:
        acme.commands.get("backup")
    assert info.value.rule == "assigned_commands"
    # Assigning one more shows it at once.
    w["acme"].associate(cr, w["backup"])
    assert len(acme.commands) == 3


def test_command_runner_cannot_list_what_it_has_no_access_to(w):
    acme = w["d"].as_admin(w["cr"]).orgs.get("acme")
    for coll in (acme.users, acme.devices, acme.user_groups):
        with pytest.raises(dirctl.PermissionDenied) as info:
            list(coll)
        assert info.value.rule == "role_matrix"
        with pytest.raises(dirctl.PermissionDenied):
            len(coll)


def test_unfiltered_roles_list_everything_in_their_orgs(w):
    acme = w["d"].as_admin(w["ro"]).orgs.get("acme")
    assert len(acme.commands) == 3
    assert sorted(acme.commands.to_frame().index) == sorted(x.id for x in (w["deploy"], w["backup"], w["clean"]))


def test_admin_sees_only_its_orgs(w):
    d = w["d"]
    cases = {"boss": {"acme", "globex", "initech"}, "mgr": {"acme", "globex"}, "ro": {"acme"}, "cr": {"acme"}}
    for who, names in cases.items():
        view = d.as_admin(w[who])
        assert {o.name for o in view.orgs} == names
        assert len(view.orgs) == len(names)
        ids = {w[n].id for n in names}
        assert set(view.orgs.to_frame().index) == ids
        for o in ("acme", "globex", "initech"):
            assert (o in view.orgs) == (o in names)
    assert len(d.orgs) == 3


def test_granting_org_access_shows_the_org(w):
    d, ro = w["d"], w["ro"]
    assert "globex" not in d.as_admin(ro).orgs
    d.admins.update(ro, orgs=[w["acme"], w["globex"]])
    assert d.as_admin(ro).orgs.get("globex").users.get("zed").id == w["zed"].id


def test_user_view_lists_only_commands_sharing_a_group(w):
    d, acme, bob = w["d"], w["acme"], w["bob"]
    g = acme.user_groups.create("dev")
    acme.user_groups.add_member(g, bob)
    acme.associate(w["deploy"], g)
    view = d.as_user(bob)
    assert view.actor.id == bob.id
    vacme = view.orgs.get("acme")
    assert [o.name for o in view.orgs] == ["acme"]
    assert [c.name for c in vacme.commands] == ["deploy"]
    assert len(vacme.commands) == 1
    assert list(vacme.commands.to_frame().index) == [w["deploy"].id]


def test_as_user_needs_a_user(w):
    with pytest.raises(dirctl.InvalidArgument):
        w["d"].as_user(w["mgr"].id)


# ---- events through a view -------------------------------------------------------------


def test_events_need_insights_read(w):
    d = w["d"]
    seq = d._core.last_event_seq()
    with pytest.raises(dirctl.PermissionDenied) as info:
        d.as_admin(w["cr"]).events()
    assert info.value.rule == "role_matrix"
    denial = d.events(after_seq=seq)
    assert [(e.event_type, e.success) for e in denial] == [("insights_read", False)]
    for who in ("ro", "bo", "mgr", "boss"):  # insights: edit or read
        assert d.as_admin(w[who]).events()


def test_events_show_only_the_views_orgs(w):
    d, ro, mgr = w["d"], w["ro"], w["mgr"]
    mine = d.as_admin(ro).events()
    assert mine
    assert {e.org for e in mine} <= {0, w["acme"].id}
    assert w["acme"].id in {e.org for e in mine}
    resources = {e.resource.get("id") for e in mine if e.org}
    assert w["zed"].id not in resources and w["ian"].id not in resources
    wider = d.as_admin(mgr).events()
    assert {e.org for e in wider} <= {0, w["acme"].id, w["globex"].id}
    assert w["zed"].id in {e.resource.get("id") for e in wider}
    assert w["ian"].id not in {e.resource.get("id") for e in wider}
    assert len(d.events()) > len(wider) > len(mine)
    # Filters still apply on top.
    assert [e.event_type for e in d.as_admin(ro).events(type="user_create")] == ["user_create"]
    frame = d.as_admin(ro).events_frame()
    assert set(frame["org"]) <= {0, w["acme"].id}


def test_not_found_through_a_view_names_nothing_outside_the_actors_orgs():
    d = dirctl.open(":memory:")
    acme, globex = d.orgs.create("acme"), d.orgs.create("globex")
    d.admins.create(email="root@x.example", role="administrator_with_billing", orgs=[acme, globex])
    secret = globex.users.create(username="ceo-of-globex", email="ceo@globex.example")
    hd = d.admins.create(email="hd@acme.example", role="help_desk", orgs=[acme])
    with pytest.raises(dirctl.NotFound) as caught:
        d.as_admin(hd).orgs.get("acme").users.get(secret.id)
    assert "ceo-of-globex" not in str(caught.value) and str(secret.id) in str(caught.value)
    denied = d.events(success=False)[-1]
    assert "ceo-of-globex" in denied.message  # the audit log still says exactly what was tried


def test_repr_of_a_views_collection_reads_nothing(d, org):
    # repr() must not run a count through the view (an audited read, denied for some roles).
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    billing = d.admins.create(email="billing@acme.com", role="billing_only", orgs=[org])
    users = d.as_admin(billing).orgs.get("acme").users
    seq = d._core.last_event_seq()
    assert repr(users) == f"<users of org {org.id}>"
    assert d.events(after_seq=seq) == []
