"""The role engine's rules 1-8, scenario by scenario, through d.check() and views.

Each Decision is truthy/falsy, reports the stable id of the rule that decided
(.rule) and explains itself (.reason names the actor's email and role).
"""

from __future__ import annotations

import pytest

import dirctl
from dirctl import _core
from conftest import enrolled

ROLES = [r.value for r in dirctl.Role]
PEOPLE = dict(zip(ROLES, ["boss", "ann", "max", "cara", "cyd", "hal", "rob", "bea"]))


@pytest.fixture
def w(d):
    """Two orgs; an admin of every role with access to acme; users, devices, commands."""
    acme = d.orgs.create("acme")
    globex = d.orgs.create("globex")
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme, globex],
                           api_access=True)
    # Emails that do not spell the role, so that a reason naming the role is checked for real.
    a = {role: d.admins.create(email=f"{PEOPLE[role]}@acme.com", role=role, orgs=[acme])
         for role in ROLES if role != "administrator_with_billing"}
    a["administrator_with_billing"] = boss
    g_admin = d.admins.create(email="ops@globex.com", role="manager", orgs=[globex])
    bob = acme.users.create(username="bob", email="bob@acme.com")
    alice = acme.users.create(username="alice", email="alice@acme.com")
    zed = globex.users.create(username="zed", email="zed@globex.com")
    deploy = acme.commands.create(name="deploy", script="echo deploy")
    backup = acme.commands.create(name="backup", script="echo backup")
    acme.associate(a["command_runner"], deploy)
    acme.associate(a["command_runner_with_billing"], deploy)
    ra_on = acme.devices.create(hostname="ra-on", os="linux", remote_assist_allowed=True)
    ra_off = acme.devices.create(hostname="ra-off", os="linux")
    g_dev = globex.devices.create(hostname="g-01", os="linux", remote_assist_allowed=True)
    g_cmd = globex.commands.create(name="g-deploy", script="echo g")
    return dict(d=d, acme=acme, globex=globex, boss=boss, a=a, g_admin=g_admin, bob=bob, alice=alice, zed=zed,
                deploy=deploy, backup=backup, ra_on=ra_on, ra_off=ra_off, g_dev=g_dev, g_cmd=g_cmd)


def denied(dec, rule: str) -> None:
    assert isinstance(dec, dirctl.Decision)
    assert not dec and dec.allowed is False, dec.reason
    assert dec.rule == rule, dec.reason


def allowed(dec, rule: str | None = None) -> None:
    assert isinstance(dec, dirctl.Decision)
    assert dec and dec.allowed is True, dec.reason
    if rule is not None:
        assert dec.rule == rule, dec.reason


def names_actor(dec, admin) -> None:
    assert admin.email in dec.reason, dec.reason
    assert admin.role in dec.reason, dec.reason


# ---- Decision ----------------------------------------------------------------------------


def test_decision_is_a_value(w):
    d, mgr = w["d"], w["a"]["manager"]
    yes, no = d.check(mgr, "users.edit", w["bob"]), d.check(mgr, "billing.edit")
    assert bool(yes) is True and bool(no) is False
    assert yes.rule == no.rule == "role_matrix"
    assert set(d.rule_names()) >= {"suspended_actor", "org_access", "assigned_commands", "remote_assist",
                                   "protected_user", "admin_management", "no_self_raise",
                                   "invariant_billing_admin", "invariant_org_admin", "group_match",
                                   "api_access_disabled"}
    assert "manager" in repr(no) and "denied" in repr(no)


def test_unknown_action_is_an_invalid_argument_naming_the_scopes(w):
    with pytest.raises(dirctl.InvalidArgument, match="users") as info:
        w["d"].check(w["a"]["manager"], "users.fly")
    assert "remote_assist" in str(info.value)
    with pytest.raises(ValueError):
        w["d"].check(w["a"]["manager"], "payroll.read")


def test_system_handle_is_allowed(w):
    dec = w["d"].check(None, "administrators.edit", w["boss"])
    allowed(dec, "system")


# ---- rule 1: suspended actors -------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_suspended_admin_is_denied_everything(w, role):
    d = w["d"]
    sus = d.admins.create(email=f"sus-{PEOPLE[role]}@acme.com", role=role, orgs=[w["acme"]], state="suspended")
    resources = [None, w["acme"], w["bob"], w["deploy"], w["ra_on"], w["boss"]]
    for action in _core.action_names():
        for r in resources:
            denied(d.check(sus, action, r), "suspended_actor")


def test_suspending_an_admin_takes_effect_at_once(w):
    d, mgr = w["d"], w["a"]["manager"]
    allowed(d.check(mgr, "users.edit", w["bob"]))
    d.admins.update(mgr, state="suspended")
    denied(d.check(mgr, "users.edit", w["bob"]), "suspended_actor")
    denied(d.check(mgr, "users.read"), "suspended_actor")
    view = d.as_admin(mgr)
    with pytest.raises(dirctl.PermissionDenied) as info:
        view.orgs.get("acme")
    assert info.value.rule == "suspended_actor"
    with pytest.raises(dirctl.PermissionDenied) as info:  # listing is a denial too, not an empty list
        list(view.orgs)
    assert info.value.rule == "suspended_actor"
    d.admins.update(mgr, state="active")
    allowed(d.check(mgr, "users.edit", w["bob"]))


@pytest.mark.parametrize("state", ["suspended", "staged"])
def test_inactive_user_is_denied(w, state):
    d, acme = w["d"], w["acme"]
    g = acme.user_groups.create("dev")
    acme.user_groups.add_member(g, w["bob"])
    acme.associate(w["deploy"], g)
    allowed(d.check(w["bob"], "commands.run", w["deploy"]), "group_match")
    acme.users.update(w["bob"], state=state)
    denied(d.check(w["bob"], "commands.run", w["deploy"]), "suspended_actor")
    denied(d.check(w["bob"], "users.read", w["bob"]), "suspended_actor")


def test_suspended_reason_names_actor_and_role(w):
    d = w["d"]
    sus = d.admins.create(email="sus@acme.com", role="help_desk", orgs=[w["acme"]], state="suspended")
    dec = d.check(sus, "users.read", w["bob"])
    denied(dec, "suspended_actor")
    names_actor(dec, sus)


# ---- rule 2: org access --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_objects_of_other_orgs_are_out_of_reach(w, role):
    d = w["d"]
    admin = d.admins.create(email=f"acme-only-{PEOPLE[role]}@acme.com", role=role, orgs=[w["acme"]])
    for action, obj in (("users.read", w["zed"]), ("users.edit", w["zed"]), ("users.unlock", w["zed"]),
                        ("devices.read", w["g_dev"]), ("remote_assist.launch", w["g_dev"]),
                        ("commands.read", w["g_cmd"]), ("commands.run", w["g_cmd"]),
                        ("organization.read", w["globex"]), ("users.read", w["globex"])):
        denied(d.check(admin, action, obj), "org_access")


def test_org_access_follows_the_admins_orgs(w):
    d, boss = w["d"], w["boss"]
    allowed(d.check(boss, "users.edit", w["zed"]))
    allowed(d.check(w["g_admin"], "users.edit", w["zed"]))
    denied(d.check(w["g_admin"], "users.edit", w["bob"]), "org_access")


def test_org_access_through_a_view_is_not_found(w):
    d, mgr = w["d"], w["a"]["manager"]
    view = d.as_admin(mgr)
    zed = w["zed"]
    with pytest.raises(dirctl.NotFound) as info:
        view.orgs.get("globex")
    assert not isinstance(info.value, dirctl.PermissionDenied)
    with pytest.raises(dirctl.NotFound) as info:
        view[zed.id]
    assert not isinstance(info.value, dirctl.PermissionDenied)
    with pytest.raises(KeyError):
        view.orgs.get(w["globex"].id)
    # Through a collection bound to the other org: the update is refused as not found.
    from dirctl.collections import Collection

    with pytest.raises(dirctl.NotFound) as info:
        Collection(view, "user", w["globex"].id).update(zed, department="x")
    assert not isinstance(info.value, dirctl.PermissionDenied)
    assert d.orgs.get("globex").users.get("zed").department is None
    assert "globex" not in [o.name for o in view.orgs]


def test_org_access_reason_names_actor_and_role(w):
    mgr = w["a"]["manager"]
    dec = w["d"].check(mgr, "users.read", w["zed"])
    denied(dec, "org_access")
    names_actor(dec, mgr)


# ---- rule 3: Command Runner ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["command_runner", "command_runner_with_billing"])
def test_command_runner_runs_only_assigned_commands(w, role):
    d, cr = w["d"], w["a"][role]
    for verb in ("read", "run", "schedule"):
        allowed(d.check(cr, f"commands.{verb}", w["deploy"]), "assigned_commands")
        denied(d.check(cr, f"commands.{verb}", w["backup"]), "assigned_commands")
    dec = d.check(cr, "commands.run", w["deploy"])
    names_actor(dec, cr)
    assert "deploy" in dec.reason


@pytest.mark.parametrize("role", ["command_runner", "command_runner_with_billing"])
def test_command_runner_cannot_create_edit_or_assign(w, role, snapshot):
    d, cr, acme = w["d"], w["a"][role], w["acme"]
    denied(d.check(cr, "commands.edit", w["deploy"]), "assigned_commands")
    denied(d.check(cr, "commands.edit"), "assigned_commands")
    view = d.as_admin(cr)
    vacme = view.orgs.get("acme")
    other_cr = d.admins.create(email=f"other-{PEOPLE[role]}@acme.com", role="command_runner", orgs=[acme])
    before = snapshot(d)
    attempts = [
        lambda: vacme.commands.create(name="new", script="echo"),
        lambda: vacme.commands.update(w["deploy"], script="rm -rf /"),
        lambda: vacme.commands.delete(w["deploy"]),
        lambda: vacme.associate(other_cr, w["deploy"]),
        lambda: vacme.associate(w["deploy"], w["ra_on"]),
    ]
    for attempt in attempts:
        with pytest.raises(dirctl.PermissionDenied) as info:
            attempt()
        assert info.value.rule == "assigned_commands"
    after = snapshot(d)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}


def test_command_runner_sees_nothing_else(w):
    d, cr = w["d"], w["a"]["command_runner"]
    for action in ("users.read", "groups.read", "devices.read", "insights.read", "administrators.read",
                   "billing.edit"):
        denied(d.check(cr, action), "role_matrix")
    allowed(d.check(w["a"]["command_runner_with_billing"], "billing.edit"), "role_matrix")


def test_unassigning_a_command_revokes_it(w):
    d, cr = w["d"], w["a"]["command_runner"]
    w["acme"].dissociate(cr, w["deploy"])
    denied(d.check(cr, "commands.run", w["deploy"]), "assigned_commands")
    w["acme"].associate(w["backup"], cr)  # either order
    allowed(d.check(cr, "commands.run", w["backup"]), "assigned_commands")


# ---- rule 4: remote assist -----------------------------------------------------------------


def test_help_desk_launches_only_where_allowed(w):
    d, hd = w["d"], w["a"]["help_desk"]
    dec_on = d.check(hd, "remote_assist.launch", w["ra_on"])
    dec_off = d.check(hd, "remote_assist.launch", w["ra_off"])
    allowed(dec_on, "remote_assist")
    denied(dec_off, "remote_assist")
    names_actor(dec_off, hd)
    denied(d.check(hd, "remote_assist.launch"), "remote_assist")
    denied(d.check(hd, "remote_assist.launch", w["bob"]), "remote_assist")
    denied(d.check(hd, "remote_assist.read", w["ra_on"]), "role_matrix")


def test_only_manager_or_above_allows_remote_assist(w):
    d, hd, mgr = w["d"], w["a"]["help_desk"], w["a"]["manager"]
    with pytest.raises(dirctl.PermissionDenied) as info:
        d.as_admin(hd).orgs.get("acme").devices.update(w["ra_off"], remote_assist_allowed=True)
    assert info.value.rule == "role_matrix"
    assert d.orgs.get("acme").devices.get("ra-off").remote_assist_allowed is False
    dev = d.as_admin(mgr).orgs.get("acme").devices.update(w["ra_off"], remote_assist_allowed=True)
    assert dev.remote_assist_allowed is True
    allowed(d.check(hd, "remote_assist.launch", w["ra_off"]), "remote_assist")
    d.as_admin(mgr).orgs.get("acme").devices.update(w["ra_off"], remote_assist_allowed=False)
    denied(d.check(hd, "remote_assist.launch", w["ra_off"]), "remote_assist")


def test_remote_assist_for_other_roles(w):
    d, a = w["d"], w["a"]
    for role in ("administrator_with_billing", "administrator", "manager"):
        allowed(d.check(a[role], "remote_assist.launch", w["ra_off"]), "role_matrix")
    for role in ("read_only", "billing_only", "command_runner", "command_runner_with_billing"):
        denied(d.check(a[role], "remote_assist.launch", w["ra_on"]), "role_matrix")


# ---- rule 5: users with an admin role ----------------------------------------------------------


def test_user_with_admin_role_needs_billing_admin(w, snapshot):
    d, mgr, boss, alice, bob = w["d"], w["a"]["manager"], w["boss"], w["alice"], w["bob"]
    allowed(d.check(mgr, "users.unlock", alice))
    linked = d.admins.create_from_user(enrolled(alice), role="read_only")
    for action in ("users.unlock", "users.set_password", "users.suspend_and_activate", "users.delete_user",
                   "users.totp_reset_and_enroll", "users.edit"):
        dec = d.check(mgr, action, alice)
        denied(dec, "protected_user")
        names_actor(dec, mgr)
        allowed(d.check(boss, action, alice))
        allowed(d.check(mgr, action, bob))
    vacme = d.as_admin(mgr).orgs.get("acme")
    before = snapshot(d)
    for attempt in (lambda: vacme.users.update(alice, account_locked=True),
                    lambda: vacme.users.update(alice, state="suspended"),
                    lambda: vacme.users.update(alice, department="eng"),
                    lambda: vacme.users.delete(alice)):
        with pytest.raises(dirctl.PermissionDenied) as info:
            attempt()
        assert info.value.rule == "protected_user"
    after = snapshot(d)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    # The billing admin may; the plain user stays the manager's to change.
    assert d.as_admin(boss).orgs.get("acme").users.update(alice, department="eng").department == "eng"
    assert vacme.users.update(bob, department="ops").department == "ops"
    # Once the admin role is removed, the users scope decides again.
    d.admins.delete(linked)
    allowed(d.check(mgr, "users.unlock", alice))


def test_no_one_resets_their_own_user_password_from_the_admin_side(w):
    d, boss, alice = w["d"], w["boss"], w["alice"]
    carol = w["acme"].users.create(username="carol", email="carol@acme.com")
    me = d.admins.create_from_user(enrolled(carol), role="administrator_with_billing")
    d.admins.create_from_user(enrolled(alice), role="read_only")
    denied(d.check(me, "users.set_password", carol), "protected_user")
    allowed(d.check(me, "users.set_password", alice))
    allowed(d.check(boss, "users.set_password", carol))


# ---- rule 6: admin management ------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES if r != "administrator_with_billing"])
def test_admin_management_needs_billing_admin(w, role, snapshot):
    d, actor, target = w["d"], w["a"][role], w["g_admin"]
    dec = d.check(actor, "administrators.edit", target)
    denied(dec, "admin_management")
    names_actor(dec, actor)
    denied(d.check(actor, "administrators.edit"), "admin_management")
    view = d.as_admin(actor)
    before = snapshot(d)
    for attempt in (lambda: view.admins.create(email="new@acme.com", role="read_only", orgs=[w["acme"]]),
                    lambda: view.admins.update(w["a"]["read_only" if role != "read_only" else "manager"],
                                               role="administrator"),
                    lambda: view.admins.delete(w["a"]["read_only" if role != "read_only" else "manager"]),
                    lambda: view.admins.create_from_user(w["bob"], role="read_only")):
        with pytest.raises(dirctl.PermissionDenied) as info:
            attempt()
        assert info.value.rule in ("admin_management", "role_matrix")
        if role in ("administrator", "manager", "help_desk", "read_only", "billing_only"):
            assert info.value.rule == "admin_management"
    after = snapshot(d)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}


def test_administrator_and_manager_may_view_admins(w):
    d = w["d"]
    for role in ("administrator", "manager", "help_desk", "read_only"):
        allowed(d.check(w["a"][role], "administrators.read", w["g_admin"]), "role_matrix")
        assert w["boss"].email in [x.email for x in d.as_admin(w["a"][role]).admins]


def test_billing_admin_manages_admins(w):
    d, boss = w["d"], w["boss"]
    view = d.as_admin(boss)
    new = view.admins.create(email="new@acme.com", role="read_only", orgs=[w["acme"]])
    assert view.admins.update(new, role="help_desk", api_access=True).role == "help_desk"
    view.admins.delete(new)
    assert "new@acme.com" not in [x.email for x in d.admins]


@pytest.mark.parametrize("change", [{"role": "administrator"}, {"orgs": "acme-only"}, {"api_access": False}])
def test_no_one_changes_their_own_role_orgs_or_api_access(w, change):
    d, boss = w["d"], w["boss"]
    d.admins.create(email="boss2@acme.com", role="administrator_with_billing", orgs=[w["acme"], w["globex"]])
    if change.get("orgs") == "acme-only":
        change = {"orgs": [w["acme"]]}
    for view in (d.as_admin(boss), d.as_api_key(boss)):
        with pytest.raises(dirctl.PermissionDenied) as info:
            view.admins.update(boss, **change)
        assert info.value.rule == "no_self_raise"
    now = d.admins.get(boss.id)
    assert (now.role, now.org_ids, now.api_access) == (boss.role, boss.org_ids, boss.api_access)


def test_own_other_fields_may_change(w):
    """Only role, org access and API access are closed to oneself."""
    d, boss = w["d"], w["boss"]
    d.admins.create(email="boss2@acme.com", role="administrator_with_billing", orgs=[w["acme"], w["globex"]])
    assert d.as_admin(boss).admins.update(boss, first_name="Bo").first_name == "Bo"


def test_another_billing_admin_may_change_role(w):
    d, boss = w["d"], w["boss"]
    boss2 = d.admins.create(email="boss2@acme.com", role="administrator_with_billing",
                            orgs=[w["acme"], w["globex"]])
    assert d.as_admin(boss2).admins.update(boss, role="administrator").role == "administrator"


# ---- rule 7: invariants ----------------------------------------------------------------------


def _invariant(attempt, rule: str) -> None:
    with pytest.raises(dirctl.PermissionDenied) as info:
        attempt()
    assert info.value.rule == rule


def test_last_billing_admin_stays(w, snapshot):
    d, boss = w["d"], w["boss"]
    before = snapshot(d)
    for attempt in (lambda: d.admins.delete(boss), lambda: d.admins.update(boss, state="suspended"),
                    lambda: d.admins.update(boss, role="administrator"),
                    lambda: d.as_admin(boss).admins.delete(boss)):
        _invariant(attempt, "invariant_billing_admin")
    after = snapshot(d)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    assert d.admins.get(boss.id).state == boss.state  # unchanged


def test_suspended_billing_admins_do_not_count(w):
    d, boss = w["d"], w["boss"]
    d.admins.create(email="boss2@acme.com", role="administrator_with_billing", orgs=[w["acme"]], state="suspended")
    _invariant(lambda: d.admins.delete(boss), "invariant_billing_admin")


def test_deleting_the_user_of_the_last_billing_admin_is_refused(d):
    acme = d.orgs.create("acme")
    u = acme.users.create(username="root", email="root@acme.com")
    d.admins.create(email="keeper@acme.com", role="manager", orgs=[acme])
    d.admins.create_from_user(enrolled(u), role="administrator_with_billing")
    _invariant(lambda: acme.users.delete(u), "invariant_billing_admin")
    assert acme.users.get("root").id == u.id


def test_a_second_billing_admin_frees_the_first(w):
    d, boss = w["d"], w["boss"]
    d.admins.create(email="boss2@acme.com", role="administrator_with_billing", orgs=[w["acme"], w["globex"]])
    assert d.admins.update(boss, role="administrator").role == "administrator"


def test_last_admin_of_an_org_keeps_access(w):
    d = w["d"]
    initech = d.orgs.create("initech")
    solo = d.admins.create(email="solo@initech.com", role="read_only", orgs=[initech])
    for attempt in (lambda: d.admins.delete(solo), lambda: d.admins.update(solo, state="suspended"),
                    lambda: d.admins.update(solo, orgs=[w["acme"]])):
        _invariant(attempt, "invariant_org_admin")
    assert d.admins.get(solo.id).org_ids == [initech.id]
    d.admins.create(email="second@initech.com", role="manager", orgs=[initech], state="suspended")
    _invariant(lambda: d.admins.delete(solo), "invariant_org_admin")  # suspended admins do not count
    d.admins.create(email="third@initech.com", role="manager", orgs=[initech])
    d.admins.delete(solo)
    assert "solo@initech.com" not in [a.email for a in d.admins]


def test_last_admin_of_an_org_may_still_be_edited(w):
    """Changes that keep the org's only admin active and in the org are not refused."""
    d = w["d"]
    initech = d.orgs.create("initech")
    solo = d.admins.create(email="solo@initech.com", role="read_only", orgs=[initech])
    assert d.admins.update(solo, first_name="Solo").first_name == "Solo"
    assert d.admins.update(solo, role="manager").role == "manager"
    assert d.admins.update(solo, orgs=[initech, w["acme"]]).org_ids == sorted([initech.id, w["acme"].id])
    assert d.admins.update(solo, api_access=True).api_access is True


def test_linking_an_existing_admin_to_its_user_keeps_the_invariants(d):
    """create_from_user on an admin with the user's email updates that admin (seed 003):
    rule 7 holds for that update as for any other."""
    acme, globex = d.orgs.create("acme"), d.orgs.create("globex")
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme])
    boss_user = acme.users.create(username="boss", email="boss@acme.com")
    _invariant(lambda: d.admins.create_from_user(enrolled(boss_user), role="read_only"), "invariant_billing_admin")
    assert (d.admins.get(boss.id).role, d.admins.get(boss.id).user) == ("administrator_with_billing", None)
    solo = d.admins.create(email="solo@globex.com", role="manager", orgs=[globex])
    solo_user = globex.users.create(username="solo", email="solo@globex.com")
    _invariant(lambda: d.admins.create_from_user(enrolled(solo_user), role="manager", state="suspended"), "invariant_org_admin")
    assert d.admins.get(solo.id).state == solo.state  # unchanged


@pytest.mark.parametrize("change", [{"role": "read_only"}, {"api_access": True}])
def test_linking_oneself_to_ones_user_changes_no_own_role_or_api_access(d, change):
    acme = d.orgs.create("acme")
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme])
    me = d.admins.create(email="me@acme.com", role="administrator_with_billing", orgs=[acme])
    mine = acme.users.create(username="me", email="me@acme.com")
    fields = {"role": "administrator_with_billing", **change}
    with pytest.raises(dirctl.PermissionDenied) as info:
        d.as_admin(me).admins.create_from_user(enrolled(mine), **fields)
    assert info.value.rule == "no_self_raise"
    now = d.admins.get(me.id)
    assert (now.role, now.api_access) == ("administrator_with_billing", False)


# ---- rule 8: group match (Runops) -----------------------------------------------------------


def test_group_match_for_users(w):
    d, acme, bob, alice = w["d"], w["acme"], w["bob"], w["alice"]
    dev, ops = acme.user_groups.create("dev"), acme.user_groups.create("ops")
    acme.user_groups.add_member(dev, bob)
    acme.user_groups.add_member(ops, alice)
    acme.associate(w["deploy"], dev)  # command <-> user group is an allowed pair
    assert dev.id in [x.id for x in acme.associations(w["deploy"])]
    for verb in ("run", "approve"):
        dec = d.check(bob, f"commands.{verb}", w["deploy"])
        allowed(dec, "group_match")
        assert "bob" in dec.reason
        denied(d.check(alice, f"commands.{verb}", w["deploy"]), "group_match")
        denied(d.check(bob, f"commands.{verb}", w["backup"]), "group_match")
    acme.user_groups.add_member(ops, bob)
    acme.associate(ops, w["backup"])
    allowed(d.check(alice, "commands.run", w["backup"]), "group_match")
    allowed(d.check(bob, "commands.run", w["backup"]), "group_match")
    acme.dissociate(w["deploy"], dev)
    denied(d.check(bob, "commands.run", w["deploy"]), "group_match")


def test_group_match_needs_membership_not_just_a_group(w):
    d, acme, bob = w["d"], w["acme"], w["bob"]
    dev = acme.user_groups.create("dev")
    acme.associate(w["deploy"], dev)
    denied(d.check(bob, "commands.run", w["deploy"]), "group_match")
    acme.user_groups.add_member(dev, bob)
    allowed(d.check(bob, "commands.run", w["deploy"]), "group_match")
    acme.user_groups.remove_member(dev, bob)
    denied(d.check(bob, "commands.run", w["deploy"]), "group_match")


def test_users_act_only_in_their_org_and_manage_nothing(w):
    d, acme, bob = w["d"], w["acme"], w["bob"]
    dev = acme.user_groups.create("dev")
    acme.user_groups.add_member(dev, bob)
    acme.associate(w["deploy"], dev)
    denied(d.check(bob, "commands.run", w["g_cmd"]), "org_access")
    for action, obj in (("users.edit", w["alice"]), ("commands.edit", w["deploy"]), ("groups.edit", dev),
                        ("administrators.read", w["boss"])):
        assert not d.check(bob, action, obj)
    view = d.as_user(bob)
    cmd = view.orgs.get("acme").commands.get("deploy")
    assert cmd.id == w["deploy"].id
    with pytest.raises(dirctl.PermissionDenied) as info:
        view.orgs.get("acme").commands.get("backup")
    assert info.value.rule == "group_match"
    with pytest.raises(dirctl.PermissionDenied):
        view.orgs.get("acme").users.update(w["alice"], department="x")


# ---- API keys ---------------------------------------------------------------------------------


def test_api_key_works_only_with_api_access(w):
    d, mgr = w["d"], w["a"]["manager"]
    assert mgr.api_access is False  # off by default
    dec = d.check(("api_key", mgr.id), "users.read", w["bob"])
    denied(dec, "api_access_disabled")
    key = d.as_api_key(mgr)
    with pytest.raises(dirctl.PermissionDenied) as info:
        key.orgs.get("acme")
    assert info.value.rule == "api_access_disabled"
    with pytest.raises(dirctl.PermissionDenied) as info:
        key[w["bob"].id]
    assert info.value.rule == "api_access_disabled"
    # The admin itself is unaffected.
    assert d.as_admin(mgr).orgs.get("acme").users.get("bob").id == w["bob"].id


def test_api_key_carries_exactly_the_admins_role(w):
    d, boss = w["d"], w["boss"]
    keyed = d.admins.create(email="robot@acme.com", role="manager", orgs=[w["acme"]], api_access=True)
    k = ("api_key", keyed.id)
    allowed(d.check(k, "users.edit", w["bob"]), "role_matrix")
    denied(d.check(k, "administrators.edit"), "admin_management")
    denied(d.check(k, "users.read", w["zed"]), "org_access")
    key = d.as_api_key(keyed)
    assert key.orgs.get("acme").users.update(w["bob"], department="eng").department == "eng"
    assert d.events(type="user_update")[-1].initiated_by["id"] == keyed.id
    # Only a billing admin turns API access off and on.
    with pytest.raises(dirctl.PermissionDenied) as info:
        d.as_admin(w["a"]["administrator"]).admins.update(keyed, api_access=False)
    assert info.value.rule == "admin_management"
    d.as_admin(boss).admins.update(keyed, api_access=False)
    denied(d.check(k, "users.edit", w["bob"]), "api_access_disabled")
    d.as_admin(boss).admins.update(keyed, api_access=True)
    allowed(d.check(k, "users.edit", w["bob"]))


def test_api_key_of_a_suspended_admin_is_denied(w):
    d = w["d"]
    keyed = d.admins.create(email="robot@acme.com", role="manager", orgs=[w["acme"]], api_access=True,
                            state="suspended")
    denied(d.check(("api_key", keyed.id), "users.read"), "suspended_actor")


def test_api_access_reason_names_actor_and_role(w):
    mgr = w["a"]["manager"]
    dec = w["d"].check(("api_key", mgr.id), "users.read")
    denied(dec, "api_access_disabled")
    names_actor(dec, mgr)


def test_only_admins_have_api_keys(w):
    with pytest.raises(dirctl.NotFound):
        w["d"].as_api_key("nobody@acme.com")
    with pytest.raises(dirctl.InvalidArgument):
        w["d"]._core.actor_for(w["bob"].id, api_key=True)


def test_check_many_takes_numpy_scalars_and_refuses_nd_arrays_saying_what_to_pass(d, org):
    import numpy as np

    boss = d.admins.create(email="many@acme.com", role="administrator_with_billing", orgs=[org])
    assert d.check_many(np.int64(boss.id), "users.read", np.int64(org.id)).tolist() == [True]
    with pytest.raises(dirctl.InvalidArgument, match="one-dimensional.*ravel"):
        d.check_many(np.array([[boss.id]]), "users.read", org.id)
