"""Collections: create / get / update / delete / len / iter / in / to_frame for
every kind, group membership, admins and admin-from-user."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

import dirctl
from conftest import enrolled

USER_FIELDS = {
    "username", "email", "first_name", "middle_name", "last_name", "display_name", "job_title", "department",
    "employee_identifier", "state", "account_locked", "password_expiration_date", "mfa_status", "sudo",
    "attributes", "created", "updated",
    # the rest of JumpCloud's import template (schema 3); the password is write-only, never read back
    "cost_center", "company", "employee_type", "description", "location", "alternate_email", "manager",
    "passwordless_sudo", "password_never_expires",
    # and the rest of it (schema 9, issue #12), with `activated`
    *(f"{k}_{p}" for k in ("home", "work") for p in ("street_address", "po_box", "city", "state", "postal_code",
                                                      "country")),
    "mobile_number", "home_number", "work_number", "work_mobile_number", "work_fax_number", "managed_apple_id",
    "unix_uid", "unix_guid", "enable_managed_uid", "enable_user_portal_multifactor", "enrollment_days",
    "ldapserver_id", "ldap_binding_user", "allow_public_key", "externally_managed", "external_dn",
    "external_source_type", "activated",
}


# ---- orgs -------------------------------------------------------------------------

def test_orgs_create_get_list(d):
    a = d.orgs.create("acme", description="Acme Corp")
    b = d.orgs.create("globex")
    assert isinstance(a, dirctl.Org)
    assert a.name == "acme" and a.description == "Acme Corp"
    assert b.description is None
    assert d.orgs.get("acme") == a
    assert d.orgs.get("ACME").id == a.id  # names compare case-insensitively
    assert d.orgs.get(a.id) == a
    assert [o.name for o in d.orgs] == ["acme", "globex"]
    assert len(d.orgs) == 2
    assert "acme" in d.orgs and "initech" not in d.orgs


def test_org_name_is_unique_case_insensitively(d):
    a = d.orgs.create("acme")
    with pytest.raises(dirctl.Conflict, match=rf"acme.*id {a.id}"):
        d.orgs.create("ACME")
    assert len(d.orgs) == 1


def test_org_update_and_delete(d):
    a = d.orgs.create("acme")
    a2 = d.orgs.update(a, description="new")
    assert a2.description == "new" and a2.id == a.id
    d.orgs.delete(a)
    assert len(d.orgs) == 0
    with pytest.raises(dirctl.NotFound):
        d.orgs.get("acme")


def test_org_delete_removes_everything_in_it(d):
    acme = d.orgs.create("acme")
    other = d.orgs.create("globex")
    u = acme.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    g = acme.user_groups.create("eng")
    acme.user_groups.add_member(g, u)
    dev = acme.devices.create(hostname="web-01")
    acme.associate(u, dev)
    acme.commands.create(name="c", script="true")
    admin = d.admins.create(email="ops@acme.com", role="manager", orgs=[acme, other])
    linked = d.admins.create_from_user(u, role="help_desk")
    keep = other.users.create(username="alice", email="alice@acme.com")
    d.orgs.delete(acme)
    assert [o.name for o in d.orgs] == ["globex"]
    for obj in (u, g, dev, linked):
        with pytest.raises(dirctl.NotFound):
            d[obj.id]
    assert d.admins.get(admin.id).org_ids == [other.id]
    assert other.users.get("alice") == keep
    ev = d.events(type="organization_delete")
    assert len(ev) == 1 and ev[0].resource["id"] == acme.id


# ---- users --------------------------------------------------------------------------

def test_user_create_defaults(org):
    u = org.users.create(username="alice", email="alice@acme.com", first_name="Alice", last_name="Ng")
    assert isinstance(u, dirctl.User)
    assert set(u.to_dict()) - {"id", "org"} == USER_FIELDS
    assert u.org_id == org.id
    assert (u.username, u.email, u.first_name, u.last_name) == ("alice", "alice@acme.com", "Alice", "Ng")
    assert u.state == "active"
    assert u.account_locked is False
    assert u.sudo is False
    assert u.mfa_status == "not_enrolled"
    assert u.password_expiration_date is None
    assert u.attributes == {}
    assert u.middle_name is None and u.department is None
    assert u.created == u.updated


def test_user_all_fields(org):
    u = org.users.create(
        username="bob.o-k_1", email="Bob.Okafor@Acme.com", first_name="Bob", middle_name="K", last_name="Okafor",
        display_name="Bobby", job_title="Backend engineer", department="Engineering", employee_identifier="E1001",
        state="staged", account_locked=True, password_expiration_date="2030-01-31", mfa_status="enrolled",
        sudo=True, attributes={"team": "core", "cost_center": "42"},
    )
    got = org.users.get(u.id)
    assert got == u
    assert got.username == "bob.o-k_1"
    assert got.email == "Bob.Okafor@Acme.com"
    assert (got.middle_name, got.display_name, got.job_title, got.department) == (
        "K", "Bobby", "Backend engineer", "Engineering")
    assert got.employee_identifier == "E1001"
    assert got.state == "staged"
    assert got.account_locked is True and got.sudo is True
    assert got.password_expiration_date == "2030-01-31"
    assert got.mfa_status == "enrolled"
    assert got.attributes == {"team": "core", "cost_center": "42"}


def test_user_jumpcloud_aliases(org):
    u = org.users.create(
        username="carmen", email="carmen@acme.com", firstname="Carmen", middlename="M", lastname="Diaz",
        displayname="Carmen D", jobTitle="IT lead", employeeIdentifier="E7", locked=True,
        password_expiry="2031-02-03", mfa_enrollment_status="pending_activation",
    )
    assert u.first_name == "Carmen" and u.middle_name == "M" and u.last_name == "Diaz"
    assert u.display_name == "Carmen D" and u.job_title == "IT lead"
    assert u.employee_identifier == "E7"
    assert u.account_locked is True
    assert u.password_expiration_date == "2031-02-03"
    assert u.mfa_status == "pending_activation"
    u2 = org.users.update(u, jobTitle="CIO", preferredName="CD")
    assert u2.job_title == "CIO" and u2.display_name == "CD"


def test_user_date_accepts_python_date(org):
    u = org.users.create(username="a", email="a@acme.com", password_expiration_date=dt.date(2030, 5, 6))
    assert u.password_expiration_date == "2030-05-06"


@pytest.mark.parametrize("state", ["staged", "active", "suspended"])
def test_user_state_enum(org, state):
    u = org.users.create(username="a", email="a@acme.com", state=state)
    assert u.state == state


def test_user_state_enum_is_case_insensitive(org):
    assert org.users.create(username="a", email="a@acme.com", state="Suspended").state == "suspended"


def test_user_text_is_trimmed_and_blank_is_null(org):
    u = org.users.create(username="  alice ", email=" alice@acme.com ", department="  ")
    assert u.username == "alice" and u.email == "alice@acme.com"
    assert u.department is None


def test_users_get_by_username_email_id_object(org):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    assert org.users.get("alice") == u
    assert org.users.get("ALICE") == u
    assert org.users.get("alice@acme.com") == u
    assert org.users.get("Alice@ACME.com") == u
    assert org.users.get(u.id) == u
    assert org.users.get(u) == u


def test_users_get_missing_is_not_found_and_key_error(org):
    with pytest.raises(dirctl.NotFound, match="nobody.*acme"):
        org.users.get("nobody")
    with pytest.raises(KeyError):
        org.users.get("nobody")
    with pytest.raises(dirctl.NotFound):
        org.users.get(123456)


def test_users_get_rejects_bad_key_type(org):
    for key in (3.5, True, None, ["alice"]):
        with pytest.raises(dirctl.InvalidArgument):
            org.users.get(key)


def test_collection_get_by_id_of_other_kind_or_org_is_not_found(d, org):
    other = d.orgs.create("globex")
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    g = org.user_groups.create("eng")
    with pytest.raises(dirctl.NotFound):
        org.users.get(g.id)
    with pytest.raises(dirctl.NotFound):
        org.user_groups.get(u.id)
    with pytest.raises(dirctl.NotFound):
        other.users.get(u.id)
    with pytest.raises(dirctl.NotFound):
        other.users.get("alice")
    with pytest.raises(dirctl.NotFound):
        d.orgs.get(u.id)
    assert u not in other.users
    assert u in org.users


def test_same_username_and_email_allowed_in_different_orgs(d, org):
    other = d.orgs.create("globex")
    a = org.users.create(username="alice", email="alice@acme.com", employee_identifier="E1")
    b = other.users.create(username="alice", email="alice@acme.com", employee_identifier="E1")
    assert a.id != b.id
    assert org.users.get("alice").id == a.id
    assert other.users.get("alice").id == b.id


def test_users_update_returns_new_value_and_persists(org):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    u2 = org.users.update(u, department="eng", state="suspended", attributes={"k": "v"}, sudo=True)
    assert u2.department == "eng" and u2.state == "suspended" and u2.attributes == {"k": "v"} and u2.sudo
    assert u.department is None  # the old value is a snapshot
    assert org.users.get("alice") == u2
    assert u2.updated >= u.updated
    u3 = org.users.update("alice", department=None, attributes={})
    assert u3.department is None and u3.attributes == {}
    u4 = org.users.update(u.id, email="alice2@acme.com")
    assert org.users.get("alice2@acme.com").id == u.id
    assert u4.email == "alice2@acme.com"


def test_users_update_by_key(org):
    org.users.create(username="alice", email="alice@acme.com")
    assert org.users.update("alice@acme.com", account_locked=True).account_locked is True


def test_users_delete_and_len_iter(org):
    users = [org.users.create(username=f"u{i}", email=f"u{i}@acme.com") for i in range(5)]
    assert len(org.users) == 5
    assert [u.id for u in org.users] == [u.id for u in users]
    org.users.delete(users[1])
    org.users.delete("u3")
    org.users.delete(users[4].id)
    assert len(org.users) == 2
    assert [u.username for u in org.users] == ["u0", "u2"]
    with pytest.raises(dirctl.NotFound):
        org.users.delete(users[1])
    assert "u1" not in org.users and "u0" in org.users


def test_user_required_fields(org, unchanged, d):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="'email' is required"):
        org.users.create(username="alice")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="'username' is required"):
        org.users.create(email="alice@acme.com")


# ---- groups & membership ----------------------------------------------------------------

def test_user_groups_members_and_of(org):
    eng = org.user_groups.create("engineering", description="people who ship")
    ops = org.user_groups.create("ops")
    assert isinstance(eng, dirctl.UserGroup) and eng.description == "people who ship"
    alice = org.users.create(username="alice", email="alice@acme.com")
    bob = org.users.create(username="bob", email="bob@acme.com")
    org.user_groups.add_member(eng, alice)
    org.user_groups.add_member("engineering", bob.id)
    org.user_groups.add_member(ops, alice)
    members = org.user_groups.members(eng)
    assert [m.username for m in members] == ["alice", "bob"]
    assert all(isinstance(m, dirctl.User) for m in members)
    assert [g.name for g in org.user_groups.of(alice)] == ["engineering", "ops"]
    assert [g.name for g in org.user_groups.of(bob.id)] == ["engineering"]
    org.user_groups.remove_member(eng, alice)
    assert [m.username for m in org.user_groups.members(eng)] == ["bob"]
    assert [g.name for g in org.user_groups.of(alice)] == ["ops"]


def test_add_member_twice_is_a_noop(d, org):
    g = org.user_groups.create("g")
    u = org.users.create(username="a", email="a@acme.com")
    org.user_groups.add_member(g, u)
    n = len(d.events())
    org.user_groups.add_member(g, u)
    assert [m.id for m in org.user_groups.members(g)] == [u.id]
    assert len(d.events()) == n


def test_remove_member_not_a_member_is_not_found(d, org, unchanged):
    g = org.user_groups.create("g")
    u = org.users.create(username="a", email="a@acme.com")
    with unchanged(d), pytest.raises(dirctl.NotFound, match="not a member"):
        org.user_groups.remove_member(g, u)


def test_device_groups_members_and_of(org):
    prod = org.device_groups.create("prod")
    assert isinstance(prod, dirctl.DeviceGroup)
    web = org.devices.create(hostname="web-01", os="linux")
    db = org.devices.create(hostname="db-01", os="linux")
    org.device_groups.add_member(prod, web)
    org.device_groups.add_member(prod, db)
    assert [m.hostname for m in org.device_groups.members("prod")] == ["web-01", "db-01"]
    assert all(isinstance(m, dirctl.Device) for m in org.device_groups.members(prod))
    assert [g.name for g in org.device_groups.of(web)] == ["prod"]
    org.device_groups.remove_member(prod, web)
    assert org.device_groups.of(web) == []


def test_group_names_unique_per_kind_and_org(d, org):
    g = org.user_groups.create("eng")
    with pytest.raises(dirctl.Conflict, match=rf"user_group 'eng' \(id {g.id}\)"):
        org.user_groups.create("ENG")
    org.device_groups.create("eng")  # other kind: fine
    d.orgs.create("globex").user_groups.create("eng")  # other org: fine
    assert len(org.user_groups) == 1 and len(org.device_groups) == 1


def test_membership_kind_mismatch(d, org, unchanged):
    ug = org.user_groups.create("ug")
    dg = org.device_groups.create("dg")
    u = org.users.create(username="a", email="a@acme.com")
    dev = org.devices.create(hostname="h")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="holds users"):
        org.user_groups.add_member(ug, dev)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="holds devices"):
        org.device_groups.add_member(dg, u)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument):
        org.user_groups.add_member(ug, dg)
    with pytest.raises(dirctl.InvalidArgument, match="neither a user nor a device"):
        org.user_groups.of(ug)


def test_membership_across_orgs_is_refused(d, org, unchanged):
    other = d.orgs.create("globex")
    g = org.user_groups.create("g")
    stranger = other.users.create(username="s", email="s@globex.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="different orgs"):
        org.user_groups.add_member(g, stranger)


def test_deleting_a_user_removes_its_memberships(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        g = org.user_groups.create("g")
        u = org.users.create(username="a", email="a@acme.com")
        v = org.users.create(username="b", email="b@acme.com")
        org.user_groups.add_member(g, u)
        org.user_groups.add_member(g, v)
        org.users.delete(u)
        assert [m.username for m in org.user_groups.members(g)] == ["b"]
    with dirctl.open(shared) as d:
        assert [m.username for m in d.orgs.get("acme").user_groups.members("g")] == ["b"]


def test_deleting_a_group_removes_its_memberships(d, org):
    g = org.user_groups.create("g")
    h = org.user_groups.create("h")
    u = org.users.create(username="a", email="a@acme.com")
    org.user_groups.add_member(g, u)
    org.user_groups.add_member(h, u)
    org.user_groups.delete(g)
    assert [x.name for x in org.user_groups.of(u)] == ["h"]
    assert u.refresh() == u


# ---- devices ----------------------------------------------------------------------------

def test_devices(org):
    web = org.devices.create(hostname="web-01", os="linux", arch="x86_64", displayName="Web 1",
                             serialNumber="SN1", agentVersion="1.2.3",
                             last_contact=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    assert isinstance(web, dirctl.Device)
    assert (web.hostname, web.os, web.arch, web.display_name) == ("web-01", "linux", "x86_64", "Web 1")
    assert (web.serial_number, web.agent_version) == ("SN1", "1.2.3")
    assert web.last_contact == "2026-01-02T03:04:05.000Z"
    assert web.remote_assist_allowed is False
    assert org.devices.get("web-01") == web
    web2 = org.devices.update(web, remote_assist_allowed=True)
    assert web2.remote_assist_allowed is True
    assert org.devices.get(web.id).remote_assist_allowed is True


def test_device_last_contact_needs_timezone(d, org, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="timezone"):
        org.devices.create(hostname="h", last_contact=dt.datetime(2026, 1, 1))


def test_device_last_contact_converted_to_utc(org):
    tz = dt.timezone(dt.timedelta(hours=2))
    dev = org.devices.create(hostname="h", last_contact=dt.datetime(2026, 1, 1, 12, 0, tzinfo=tz))
    assert dev.last_contact == "2026-01-01T10:00:00.000Z"


def test_device_hostnames_may_repeat_but_lookup_by_name_is_ambiguous(org):
    a = org.devices.create(hostname="dup")
    b = org.devices.create(hostname="dup")
    assert a.id != b.id and len(org.devices) == 2
    with pytest.raises(dirctl.InvalidArgument, match="by id"):
        org.devices.get("dup")
    assert org.devices.get(b.id) == b


# ---- commands ----------------------------------------------------------------------------

def test_command_defaults(org):
    c = org.commands.create(name="restart nginx", script="systemctl restart nginx")
    assert isinstance(c, dirctl.Command)
    assert c.timeout == 120
    assert c.shell == "bash"
    assert c.user == "root"
    assert c.launch_type == "manual"
    assert c.schedule is None and c.trigger is None


def test_command_all_fields(org):
    c = org.commands.create(name="backup", script="#!/bin/sh\n\tbackup --all\n", shell="sh", run_as="backup",
                            timeout=86400, launchType="repeated", schedule="0 3 * * *")
    assert c.script == "#!/bin/sh\n\tbackup --all\n"  # multiline kept verbatim
    assert (c.shell, c.user, c.timeout, c.launch_type, c.schedule) == ("sh", "backup", 86400, "repeated",
                                                                          "0 3 * * *")
    t = org.commands.create(name="on-login", script="x", launch_type="trigger", trigger="login")
    assert t.trigger == "login"
    o = org.commands.create(name="once", script="x", launch_type="one-time", schedule="2030-01-01T00:00:00Z")
    assert o.launch_type == "one-time"


@pytest.mark.parametrize("shell", ["bash", "sh", "powershell", "cmd"])
def test_command_shells(org, shell):
    assert org.commands.create(name="c", script="x", shell=shell).shell == shell


@pytest.mark.parametrize("timeout", [0, -1, 86401])
def test_command_timeout_range(d, org, unchanged, timeout):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="timeout.*1 to 86400"):
        org.commands.create(name="c", script="x", timeout=timeout)


def test_command_timeout_bounds_accepted(org):
    assert org.commands.create(name="a", script="x", timeout=1).timeout == 1
    assert org.commands.create(name="b", script="x", timeout=86400).timeout == 86400


def test_command_bad_shell_and_launch_type(d, org, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="bash, sh, powershell, cmd"):
        org.commands.create(name="c", script="x", shell="zsh")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="manual, one-time, repeated, trigger"):
        org.commands.create(name="c", script="x", launch_type="sometimes")


def test_command_launch_type_rules_on_create(d, org, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="trigger"):
        org.commands.create(name="c", script="x", launch_type="trigger")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="schedule"):
        org.commands.create(name="c", script="x", launch_type="repeated")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="schedule"):
        org.commands.create(name="c", script="x", launch_type="one-time")


def test_command_launch_type_rules_on_update(d, org, unchanged):
    c = org.commands.create(name="c", script="x")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="schedule"):
        org.commands.update(c, launch_type="repeated")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="trigger"):
        org.commands.update(c, launch_type="trigger")
    r = org.commands.update(c, launch_type="repeated", schedule="*/5 * * * *")
    assert r.launch_type == "repeated"
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="schedule"):
        org.commands.update(c, schedule=None)  # a repeated command keeps its schedule
    assert org.commands.update(c, launch_type="manual", schedule=None).schedule is None


def test_command_name_and_trigger_unique_per_org(d, org):
    c = org.commands.create(name="c", script="x", launch_type="trigger", trigger="t1")
    with pytest.raises(dirctl.Conflict, match=rf"command 'c' \(id {c.id}\)"):
        org.commands.create(name="C", script="y")
    with pytest.raises(dirctl.Conflict, match=r"trigger.*t1.*command 'c'"):
        org.commands.create(name="d", script="y", launch_type="trigger", trigger="t1")
    d.orgs.create("globex").commands.create(name="c", script="x", launch_type="trigger", trigger="t1")


# ---- admins --------------------------------------------------------------------------------

def test_admin_create_defaults(d, org):
    a = d.admins.create(email="ops@acme.com", role="command_runner", orgs=[org])
    assert isinstance(a, dirctl.Admin)
    assert a.email == "ops@acme.com"
    assert a.role == "command_runner"
    assert a.org_ids == [org.id]
    assert [o.name for o in a.orgs] == ["acme"]
    assert a.api_access is False
    assert a.state == "pending"  # invited; active from its first login (seed 002)
    assert a.mfa_required is False
    assert a.user is None
    assert a.org_id == 0


@pytest.mark.parametrize("role", list(dirctl.Role))
def test_admin_every_role(d, role):
    a = d.admins.create(email="x@acme.com", role=role.value)
    assert a.role == role.value == role


def test_admin_role_accepts_role_enum(d):
    assert d.admins.create(email="x@acme.com", role=dirctl.Role.MANAGER).role == "manager"


def test_admin_role_required_and_checked(d, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="administrator_with_billing"):
        d.admins.create(email="x@acme.com", role="superuser")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="role"):
        d.admins.create(email="x@acme.com", role=None)


def test_admin_unknown_org(d, unchanged):
    with unchanged(d), pytest.raises(dirctl.NotFound, match="no org with id 999"):
        d.admins.create(email="x@acme.com", role="manager", orgs=[999])


def test_admin_org_ids_not_orgs(d, org, unchanged):
    u = org.users.create(username="a", email="a@acme.com")
    with unchanged(d), pytest.raises(dirctl.NotFound, match="orgs"):
        d.admins.create(email="x@acme.com", role="manager", orgs=[u])


def test_admin_update_role_state_orgs(d, org):
    other = d.orgs.create("globex")
    # Every org keeps an active admin (ARCHITECTURE.md): this one stays.
    d.admins.create(email="keeper@acme.com", role="administrator", orgs=[org, other])
    a = d.admins.create(email="ops@acme.com", role="command_runner", orgs=[org])
    a2 = d.admins.update(a, role="manager", state="suspended", orgs=[other, org], api_access=True,
                         first_name="Op")
    assert (a2.role, a2.state, a2.api_access, a2.first_name) == ("manager", "suspended", True, "Op")
    assert a2.org_ids == sorted([org.id, other.id])
    a3 = d.admins.update(a2, orgs=[other])
    assert a3.org_ids == [other.id]
    assert d.admins.get("ops@acme.com").org_ids == [other.id]
    assert d.admins.update(a3, orgs=[]).org_ids == []


def test_sole_admin_of_an_org_can_still_be_edited(d, org):
    """Changes that keep the org's only admin active and in the org are fine."""
    other = d.orgs.create("globex")
    a = d.admins.create(email="ops@acme.com", role="command_runner", orgs=[org])
    assert d.admins.update(a, first_name="Op").first_name == "Op"
    assert d.admins.update(a, orgs=[org, other]).org_ids == [org.id, other.id]
    assert d.admins.update(a, role="manager").role == "manager"


def test_org_keeps_an_active_admin(d, org, snapshot):
    """ARCHITECTURE.md: an org always keeps at least one admin."""
    other = d.orgs.create("globex")
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    before = snapshot(d)
    for attempt in (lambda: d.admins.delete(a), lambda: d.admins.update(a, state="suspended"),
                    lambda: d.admins.update(a, orgs=[other])):
        with pytest.raises(dirctl.PermissionDenied, match="admin"):
            attempt()
    after = snapshot(d)
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}
    assert d.admins.get(a.id).state == a.state  # unchanged


def test_directory_keeps_a_billing_admin(d, org, snapshot):
    """ARCHITECTURE.md: the directory keeps a billing-capable admin once it has one."""
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    d.admins.create(email="ops@acme.com", role="administrator", orgs=[org])
    with pytest.raises(dirctl.PermissionDenied, match="administrator_with_billing"):
        d.admins.update(boss, role="administrator")
    with pytest.raises(dirctl.PermissionDenied, match="administrator_with_billing"):
        d.admins.delete(boss)
    assert d.admins.get(boss.id).role == "administrator_with_billing"


def test_admin_get_list_delete(d, org):
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    b = d.admins.create(email="help@acme.com", role="help_desk", orgs=[org])
    assert d.admins.get("OPS@acme.com") == a
    assert d.admins.get(a.id) == a
    assert [x.email for x in d.admins] == ["ops@acme.com", "help@acme.com"]
    assert len(d.admins) == 2
    d.admins.delete(a)
    assert [x.id for x in d.admins] == [b.id]
    with pytest.raises(dirctl.NotFound):
        d.admins.get("ops@acme.com")


def test_admin_email_unique_case_insensitive(d, unchanged):
    a = d.admins.create(email="ops@acme.com", role="manager")
    with unchanged(d), pytest.raises(dirctl.Conflict, match=rf"admin 'ops@acme.com' \(id {a.id}\)"):
        d.admins.create(email="OPS@ACME.COM", role="read_only")


def test_admin_bad_state(d, unchanged):
    a = d.admins.create(email="ops@acme.com", role="manager")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="active, suspended"):
        d.admins.update(a, state="staged")


# ---- admin from user -------------------------------------------------------------------------

def test_create_from_user_links_same_email(d, org):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled", first_name="Alice", last_name="Ng")
    a = d.admins.create_from_user(u, role="help_desk")
    assert a.email == "alice@acme.com"
    assert a.role == "help_desk"
    assert a.user == u
    assert a.to_dict()["user"] == u.id
    assert (a.first_name, a.last_name) == ("Alice", "Ng")
    assert a.org_ids == [org.id]  # defaults to the user's org
    assert a.api_access is False
    assert d.admins.get("alice@acme.com") == a


def test_create_from_user_events_per_spec(d, org):
    """docs/spec/insights_events.csv: user given admin role -> user_update;admin_create."""
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    n = len(d.events())
    a = d.admins.create_from_user(u, role="help_desk")
    new = d.events(after_seq=d.events()[n - 1].seq)
    assert [e.event_type for e in new] == ["user_update", "admin_create"]
    assert new[0].resource["id"] == u.id
    assert new[0].changes == [{"field": "admin", "from": None, "to": "alice@acme.com"}]
    assert new[1].resource["id"] == a.id


def test_create_from_user_links_existing_admin(d, org):
    """docs/spec/insights_events.csv: user given existing admin role -> user_update;admin_update."""
    existing = d.admins.create(email="alice@acme.com", role="read_only")
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    n = len(d.events())
    a = d.admins.create_from_user(u, role="manager")
    assert a.id == existing.id
    assert a.role == "manager"
    assert a.user == u
    assert len(d.admins) == 1
    assert [e.event_type for e in d.events()[n:]] == ["user_update", "admin_update"]


@pytest.mark.parametrize("change, match", [
    ({"state": "suspended"}, "suspended"),
    ({"state": "staged"}, "staged"),
    ({"account_locked": True}, "locked"),
    ({"password_expiration_date": "2001-01-01"}, "expired"),
])
def test_create_from_user_needs_active_unlocked_user(d, org, unchanged, change, match):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    org.users.update(u, **change)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match=match):
        d.admins.create_from_user(u, role="help_desk")


def test_create_from_user_twice_conflicts(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    a = d.admins.create_from_user(u, role="help_desk")
    with unchanged(d), pytest.raises(dirctl.Conflict, match=rf"already has an admin role.*id {a.id}"):
        d.admins.create_from_user(u, role="manager")


def test_create_from_user_refuses_email_field(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="email"):
        d.admins.create_from_user(u, role="help_desk", email="other@acme.com")


def test_create_from_user_requires_a_user(d, org, unchanged):
    g = org.user_groups.create("g")
    with unchanged(d), pytest.raises(dirctl.NotFound):
        d.admins.create_from_user(enrolled(g), role="help_desk")
    with unchanged(d), pytest.raises(dirctl.NotFound):
        d.admins.create_from_user(enrolled(99999), role="help_desk")


def test_linked_emails_cannot_diverge(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    a = d.admins.create_from_user(u, role="help_desk")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="emails must match"):
        org.users.update(u, email="alice2@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="emails must match"):
        d.admins.update(a, email="alice2@acme.com")


def test_deleting_user_deletes_its_linked_admin(d, org):
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    a = d.admins.create_from_user(u, role="help_desk")
    other = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    org.users.delete(u)
    assert [x.id for x in d.admins] == [other.id]
    with pytest.raises(dirctl.NotFound):
        d.admins.get(a.id)
    types = [e.event_type for e in d.events()][-2:]
    assert sorted(types) == ["admin_delete", "user_delete"]


def test_deleting_user_deletes_its_linked_admin_on_disk(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
        d.admins.create_from_user(u, role="help_desk")
        keeper = d.admins.create(email="keeper@acme.com", role="administrator", orgs=[org])
        org.users.delete(u)
    with dirctl.open(shared) as d:
        assert len(d.admins) == 1 and [a.id for a in d.admins] == [keeper.id]


def test_deleting_linked_admin_keeps_user_and_records_events(d, org):
    """docs/spec/insights_events.csv: admin role removed from user -> user_update;admin_delete."""
    u = org.users.create(username="alice", email="alice@acme.com", mfa_status="enrolled")
    a = d.admins.create_from_user(u, role="help_desk")
    d.admins.create(email="keeper@acme.com", role="administrator", orgs=[org])
    n = len(d.events())
    d.admins.delete(a)
    assert org.users.get("alice").id == u.id
    new = d.events()[n:]
    assert [e.event_type for e in new] == ["user_update", "admin_delete"]
    assert new[0].changes == [{"field": "admin", "from": "alice@acme.com", "to": None}]
    # The user can be given a role again.
    again = d.admins.create_from_user(u, role="manager")
    assert again.user.id == u.id and again.id != a.id


# ---- to_frame -----------------------------------------------------------------------------------

def _populate(d, org):
    us = [org.users.create(username=f"u{i}", email=f"u{i}@acme.com", department="eng" if i % 2 else None)
          for i in range(3)]
    gs = [org.user_groups.create(f"g{i}") for i in range(2)]
    dgs = [org.device_groups.create("dg")]
    devs = [org.devices.create(hostname=f"h{i}", os="linux") for i in range(4)]
    cmds = [org.commands.create(name="c", script="true")]
    admins = [d.admins.create(email="ops@acme.com", role="manager", orgs=[org])]
    return {"users": us, "user_groups": gs, "device_groups": dgs, "devices": devs, "commands": cmds,
            "admins": admins}


@pytest.mark.parametrize("kind, key", [
    ("users", "username"), ("user_groups", "name"), ("device_groups", "name"), ("devices", "hostname"),
    ("commands", "name"),
])
def test_to_frame_per_org_collections(d, org, kind, key):
    made = _populate(d, org)[kind]
    other = d.orgs.create("globex")
    getattr(other, kind).create(**({"username": "x", "email": "x@x.com"} if kind == "users" else
                                  {"hostname": "x"} if kind == "devices" else
                                  {"name": "x", "script": "y"} if kind == "commands" else {"name": "x"}))
    frame = getattr(org, kind).to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame.index.name == "id"
    assert list(frame.index) == [o.id for o in made]
    assert list(frame[key]) == [getattr(o, key) for o in made]
    assert (frame["org"] == org.id).all()


def test_users_frame_values(d, org):
    _populate(d, org)
    frame = org.users.to_frame()
    assert set(USER_FIELDS) <= set(frame.columns)
    assert frame.loc[org.users.get("u1").id, "department"] == "eng"
    assert pd.isna(frame.loc[org.users.get("u0").id, "department"])
    assert list(frame["state"]) == ["active"] * 3
    assert not frame["sudo"].any()


def _frame_value(value):
    """A frame cell as the object holds it: NA as None, numpy scalars as Python ones."""
    if isinstance(value, list):
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _expect_frame_equals_objects(frame, objects):
    assert list(frame.index) == [o.id for o in objects]
    for o in objects:
        row = frame.loc[o.id]
        for name, value in o.to_dict().items():
            if name == "id":
                continue
            got = _frame_value(row[name])
            if name == "attributes":
                got = json.loads(got)
            assert got == value, (o, name, got, value)


# What each column of users.to_frame() is: no object dtype (attributes are JSON text).
USER_DTYPES = {
    "org": "int64", "username": "str", "email": "str", "first_name": "str", "middle_name": "str",
    "last_name": "str", "display_name": "str", "job_title": "category", "department": "category",
    "employee_identifier": "str", "state": "category", "account_locked": "bool", "password_expiration_date": "str",
    "mfa_status": "category", "sudo": "bool", "attributes": "str", "cost_center": "category", "company": "category",
    "employee_type": "category", "description": "str", "location": "category", "alternate_email": "str",
    "manager": "category", "passwordless_sudo": "bool", "password_never_expires": "bool", "created": "str",
    "updated": "str", "administrator": "bool",
    **{f"{k}_{p}": "category" if p in ("city", "state", "country") else "str" for k in ("home", "work")
       for p in ("street_address", "po_box", "city", "state", "postal_code", "country")},
    "mobile_number": "str", "home_number": "str", "work_number": "str", "work_mobile_number": "str",
    "work_fax_number": "str", "managed_apple_id": "str", "unix_uid": "Int64", "unix_guid": "Int64",
    "enable_managed_uid": "bool", "enable_user_portal_multifactor": "bool", "enrollment_days": "Int64",
    "ldapserver_id": "str", "ldap_binding_user": "bool", "allow_public_key": "bool", "externally_managed": "bool",
    "external_dn": "str", "external_source_type": "category", "activated": "bool",
}


def test_users_frame_equals_the_users(d, org):
    made = [
        org.users.create(username="zoe", email="zoe@acme.com", first_name="Zoë", last_name="Ñúñez",
                         display_name="Zoë 🚀", department="Ingeniería", job_title="Engineer", state="suspended",
                         account_locked=True, password_expiration_date="2030-01-31", mfa_status="enrolled", sudo=True,
                         attributes={"badge": "7", "note_1": 'cödé "q" ü'}, company="Acmé", location="東京",
                         description="tab\tand\nnewline", manager="boss@acme.com", employee_identifier="E-1",
                         passwordless_sudo=True, password_never_expires=True),
        org.users.create(username="bare", email="bare@acme.com"),
        org.users.create(username="ann", email="ann@acme.com", department="Ingeniería", mfa_status="enrolled"),
    ]
    d.admins.create_from_user(made[2], role="help_desk")
    d.orgs.create("other").users.create(username="x", email="x@x.com")
    frame = org.users.to_frame()
    users = list(org.users)
    _expect_frame_equals_objects(frame, users)
    assert list(frame["administrator"]) == [False, False, True]
    assert frame.index.dtype == "int64"
    assert {name: str(frame[name].dtype) for name in frame.columns} == USER_DTYPES
    assert list(frame["department"].cat.categories) == ["Ingeniería"]
    assert frame.loc[made[1].id, "attributes"] == "{}"


def test_users_frame_of_many_users(d, org):
    with d.batch():
        for i in range(2000):
            org.users.create(username=f"u{i}", email=f"u{i}@acme.com", department=("it", "eng", None)[i % 3],
                             first_name=f"F{i}" if i % 5 else None, sudo=i % 7 == 0)
    frame = org.users.to_frame()
    _expect_frame_equals_objects(frame, list(org.users))
    assert list(frame["department"].cat.categories) == ["eng", "it"], "in text order, not order of first use"
    assert list(frame.sort_values("department")["department"].dropna().unique()) == ["eng", "it"]


def test_every_kinds_frame_equals_its_objects(d, org):
    made = _populate(d, org)
    org.commands.create(name="tz", script="true", timezone="Europe/Paris", user="deploy", timeout=30, shell="sh")
    for kind in made:
        coll = d.admins if kind == "admins" else getattr(org, kind)
        _expect_frame_equals_objects(coll.to_frame(), list(coll))
    _expect_frame_equals_objects(d.orgs.to_frame(), list(d.orgs))
    commands = org.commands.to_frame()
    # an integer field with a default is never null (int64); one without may be (nullable Int64)
    assert str(commands["timeout"].dtype) == "int64" and str(commands["count"].dtype) == "Int64"
    assert commands["count"].isna().all()
    admins = d.admins.to_frame()
    assert str(admins["user"].dtype) == "Int64" and admins["orgs"].dtype == object


def test_orgs_and_admins_frames(d, org):
    made = _populate(d, org)
    d.orgs.create("globex")
    orgs = d.orgs.to_frame()
    assert isinstance(orgs, pd.DataFrame)
    assert list(orgs["name"]) == ["acme", "globex"]
    admins = d.admins.to_frame()
    assert isinstance(admins, pd.DataFrame)
    assert list(admins.index) == [made["admins"][0].id]
    assert list(admins["email"]) == ["ops@acme.com"]
    assert list(admins["role"]) == ["manager"]


def test_empty_frame(org):
    frame = org.users.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 0
    assert "username" in frame.columns


def test_collection_repr(org):
    org.users.create(username="a", email="a@acme.com")
    r = repr(org.users)
    assert "user" in r and "1" in r


def test_admin_frame_shows_org_access(d):
    a, b = d.orgs.create("alpha"), d.orgs.create("beta")
    d.admins.create(email="two@x.example", role="manager", orgs=[b, a])
    d.admins.create(email="none@x.example", role="read_only")
    frame = d.admins.to_frame().set_index("email")
    assert frame.loc["two@x.example", "orgs"] == sorted([a.id, b.id])
    assert frame.loc["none@x.example", "orgs"] == []
