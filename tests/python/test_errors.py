"""The error hierarchy, its messages, and misuse: every failed mutation leaves
the directory exactly as it was (objects, relations, audit log)."""

from __future__ import annotations

import pytest

import dirctl
from dirctl import errors
from conftest import enrolled


# ---- hierarchy ------------------------------------------------------------------------

@pytest.mark.parametrize("cls, builtin", [
    (dirctl.NotFound, KeyError), (dirctl.NotFound, LookupError),
    (dirctl.InvalidArgument, ValueError),
    (dirctl.PermissionDenied, PermissionError),
])
def test_errors_subclass_natural_builtins(cls, builtin):
    assert issubclass(cls, builtin)
    assert issubclass(cls, dirctl.Error)


@pytest.mark.parametrize("cls", [dirctl.NotFound, dirctl.Conflict, dirctl.InvalidArgument,
                                 dirctl.PermissionDenied, dirctl.StorageError])
def test_every_error_is_a_dirctl_error(cls):
    assert issubclass(cls, dirctl.Error) and issubclass(cls, Exception)
    assert getattr(errors, cls.__name__) is cls


def test_core_raises_the_public_classes():
    assert dirctl._core.Error is dirctl.Error


def test_not_found_message_is_not_quoted(org):
    with pytest.raises(dirctl.NotFound) as err:
        org.users.get("ghost")
    assert str(err.value).startswith("no user with username or email 'ghost'")


def test_not_found_caught_as_key_error(org):
    try:
        org.users.get("ghost")
    except KeyError as e:
        assert isinstance(e, dirctl.NotFound)
    else:  # pragma: no cover
        pytest.fail("no KeyError")


def test_invalid_argument_caught_as_value_error(org):
    with pytest.raises(ValueError):
        org.users.create(username="a", email="nope")


# ---- validation messages ------------------------------------------------------------------------

@pytest.mark.parametrize("email", ["nope", "a@b", "@acme.com", "a@@acme.com", "a b@acme.com", "a@acme_c.com",
                                   "a..b@acme.com", ".a@acme.com", "a@-acme.com", "a@acme.com."])
def test_bad_email(d, org, unchanged, email):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="not a valid email address"):
        org.users.create(username="alice", email=email)


@pytest.mark.parametrize("email", ["a@acme.com", "first.last+tag@mail.acme.co", "O'Neil@acme.io",
                                   "a@acme.c", "a@acme.com1"])  # RFC 5321: any LDH last label (issue #12)
def test_good_email(org, email):
    assert org.users.create(username="alice", email=email).email == email


@pytest.mark.parametrize("username", ["-alice", ".alice", "al ice", "al/ice", "al@ice", "ålice", "a" * 65])
def test_bad_username(d, org, unchanged, username):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="username"):
        org.users.create(username=username, email="alice@acme.com")


@pytest.mark.parametrize("username", ["alice", "_svc", "a.b-c_d", "9lives", "a" * 64])
def test_good_username(org, username):
    assert org.users.create(username=username, email="alice@acme.com").username == username


def test_unknown_field_lists_valid_fields(d, org, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument) as err:
        org.users.create(username="alice", email="alice@acme.com", nickname="Al")
    msg = str(err.value)
    assert "unknown user field 'nickname'" in msg
    for name in ("username", "email", "first_name", "job_title", "employee_identifier", "state", "attributes"):
        assert name in msg
    assert "created" not in msg  # read-only fields are not offered


def test_unknown_field_on_update_and_other_kinds(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="unknown user field 'colour'"):
        org.users.update(u, colour="red")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="valid fields: hostname"):
        org.devices.create(hostname="h", rack="3")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="unknown command field.*valid fields: name, script"):
        org.commands.create(name="c", script="x", retries=3)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="unknown admin field.*email.*role"):
        d.admins.create(email="x@acme.com", role="manager", phone="1")


def test_username_is_immutable(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="'username' cannot be changed"):
        org.users.update(u, username="alicia")


@pytest.mark.parametrize("field", ["created", "updated"])
def test_readonly_fields(d, org, unchanged, field):
    u = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="read-only"):
        org.users.update(u, **{field: "2020-01-01T00:00:00Z"})


def test_admin_user_link_is_readonly(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="read-only"):
        d.admins.create(email="x@acme.com", role="manager", user=u.id)


def test_required_field_cannot_be_cleared(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="'email' is required"):
        org.users.update(u, email=None)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="required"):
        org.users.update(u, email="   ")


def test_field_given_twice_by_alias(d, org, unchanged):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="given twice"):
        org.users.create(username="alice", email="alice@acme.com", first_name="A", firstname="B")


@pytest.mark.parametrize("fields, match", [
    ({"first_name": 3}, "expected text, got an integer"),
    ({"first_name": True}, "expected text, got a boolean"),
    ({"first_name": {"a": "b"}}, "expected text, got a mapping"),
    ({"first_name": 1.5}, "float"),
    ({"first_name": b"bytes"}, "bytes"),
    ({"sudo": "yes"}, "expected true or false"),
    ({"sudo": 1}, "expected true or false"),
    ({"account_locked": None, "sudo": 0}, "expected true or false"),
    ({"attributes": "team=x"}, "expected a mapping"),
    ({"attributes": {"team": 1}}, "must be text"),
    ({"attributes": {"bad key": "x"}}, "attribute name"),
    ({"attributes": {"k": "v" * 1025}}, "1024"),
    ({"password_expiration_date": "31/01/2030"}, "YYYY-MM-DD"),
    ({"password_expiration_date": "2030-02-30"}, "YYYY-MM-DD"),
    ({"state": "deleted"}, "staged, active, suspended, reviewing"),
    ({"state": 1}, "expected text"),
    ({"mfa_status": "maybe"}, "not_enrolled, pending_activation, enrolled"),
    ({"department": "x" * 129}, "limit is 128"),
    ({"department": "a\x00b"}, "control characters"),
    ({"department": "line\nbreak"}, "control characters"),
])
def test_wrong_types_and_values_on_create(d, org, unchanged, fields, match):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match=match):
        org.users.create(username="alice", email="alice@acme.com", **fields)


def test_too_many_attributes(d, org, unchanged):
    attrs = {f"k{i}": "v" for i in range(101)}
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="at most 100"):
        org.users.create(username="alice", email="alice@acme.com", attributes=attrs)


@pytest.mark.parametrize("fields, match", [
    ({"timeout": "60"}, "expected an integer"),
    ({"timeout": 1.0}, "float"),
    ({"timeout": True}, "expected an integer"),
    ({"shell": "fish"}, "bash, sh, powershell, cmd"),
    ({"launch_type": 3}, "expected text"),
])
def test_wrong_types_on_command(d, org, unchanged, fields, match):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match=match):
        org.commands.create(name="c", script="x", **fields)


def test_huge_integer_is_invalid_argument_not_misread(d, org, unchanged):
    """An int beyond 64 bits is a wrong value (InvalidArgument), never read as True."""
    with unchanged(d), pytest.raises(dirctl.InvalidArgument) as err:
        org.commands.create(name="c", script="x", timeout=10**20)
    assert "boolean" not in str(err.value)


def test_huge_integer_is_not_accepted_as_a_boolean(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument):
        org.users.update(u, sudo=2**64)
    assert org.users.get(u).sudo is False


def test_naive_datetime_is_refused(d, org, unchanged):
    import datetime as dt
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="timezone-aware"):
        org.devices.create(hostname="h", last_contact=dt.datetime(2026, 1, 1, 12))


# ---- conflicts --------------------------------------------------------------------------------

def test_duplicate_username_names_the_holder(d, org, unchanged):
    a = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.Conflict) as err:
        org.users.create(username="Alice", email="other@acme.com")
    msg = str(err.value)
    assert f"user 'alice' (id {a.id})" in msg and "username" in msg and "acme" in msg


def test_duplicate_email_is_case_insensitive(d, org, unchanged):
    a = org.users.create(username="alice", email="alice@acme.com")
    with unchanged(d), pytest.raises(dirctl.Conflict, match=rf"email.*user 'alice' \(id {a.id}\)"):
        org.users.create(username="bob", email="ALICE@Acme.COM")


def test_duplicate_email_on_update(d, org, unchanged):
    a = org.users.create(username="alice", email="alice@acme.com")
    b = org.users.create(username="bob", email="bob@acme.com")
    with unchanged(d), pytest.raises(dirctl.Conflict, match=rf"user 'alice' \(id {a.id}\)"):
        org.users.update(b, email="Alice@acme.com")
    # Changing one's own email's case is not a conflict with oneself.
    assert org.users.update(a, email="ALICE@acme.com").email == "ALICE@acme.com"


def test_duplicate_employee_identifier(d, org, unchanged):
    a = org.users.create(username="alice", email="alice@acme.com", employee_identifier="E1")
    with unchanged(d), pytest.raises(dirctl.Conflict, match=rf"employee_identifier.*user 'alice' \(id {a.id}\)"):
        org.users.create(username="bob", email="bob@acme.com", employeeIdentifier="E1")
    b = org.users.create(username="bob", email="bob@acme.com", employee_identifier="E2")
    with unchanged(d), pytest.raises(dirctl.Conflict, match="alice"):
        org.users.update(b, employee_identifier="E1")
    # Unset identifiers never conflict.
    org.users.create(username="c1", email="c1@acme.com")
    org.users.create(username="c2", email="c2@acme.com")


def test_conflict_is_not_value_error(org):
    org.users.create(username="alice", email="alice@acme.com")
    with pytest.raises(dirctl.Conflict) as err:
        org.users.create(username="alice", email="x@acme.com")
    assert not isinstance(err.value, ValueError)
    assert "choose another" in str(err.value)


# ---- misuse of relations ---------------------------------------------------------------------

def test_disallowed_pair_lists_allowed_pairs(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    g = org.user_groups.create("g")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument) as err:
        org.associate(u, g)
    msg = str(err.value)
    assert "user 'alice'" in msg and "user_group 'g'" in msg
    assert "allowed pairs are user|user_group <-> device|device_group, command <-> device|device_group" in msg
    assert "add_member" in msg


def test_cross_org_relations_refused(d, org, unchanged):
    other = d.orgs.create("globex")
    u = org.users.create(username="alice", email="alice@acme.com")
    dev = other.devices.create(hostname="h")
    g = other.user_groups.create("g")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="different orgs"):
        org.associate(u, dev)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="different orgs"):
        other.user_groups.add_member(g, u)


def test_operations_on_deleted_objects(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    g = org.user_groups.create("g")
    org.users.delete(u)
    with unchanged(d), pytest.raises(dirctl.NotFound):
        org.users.update(u, department="x")
    with unchanged(d), pytest.raises(dirctl.NotFound):
        org.users.delete(u)
    with unchanged(d), pytest.raises(dirctl.NotFound):
        org.user_groups.add_member(g, u)


def test_group_operations_on_a_non_group(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    with pytest.raises(dirctl.NotFound):
        org.user_groups.members(u)  # not a user group of this org


def test_bad_object_argument(d, org, unchanged):
    g = org.user_groups.create("g")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="expected a dirctl object or an id"):
        org.user_groups.add_member(g, "alice")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument):
        org.associate(True, g)


def test_unknown_org_for_collection(d):
    org = d.orgs.create("acme")
    d.orgs.delete(org)
    with pytest.raises(dirctl.NotFound, match="org"):
        org.users.create(username="alice", email="alice@acme.com")
    with pytest.raises(dirctl.NotFound):
        len(org.users.to_frame())


# ---- a whole sequence of failures changes nothing --------------------------------------------

def test_failed_mutations_leave_everything_unchanged(d, org, unchanged):
    u = org.users.create(username="alice", email="alice@acme.com")
    g = org.user_groups.create("g")
    dev = org.devices.create(hostname="h")
    org.user_groups.add_member(g, u)
    org.associate(g, dev)
    a = d.admins.create_from_user(enrolled(u), role="help_desk")
    attempts = [
        lambda: org.users.create(username="alice", email="new@acme.com"),
        lambda: org.users.update(u, email="nope"),
        lambda: org.users.update(u, email="x@acme.com"),  # linked to an admin
        lambda: org.user_groups.remove_member(g, dev),
        lambda: org.dissociate(u, dev),
        lambda: org.associate(u, g),
        lambda: d.admins.create(email="ALICE@acme.com", role="manager"),
        lambda: d.admins.update(a, role="owner"),
        lambda: d.admins.update(a, orgs=[12345]),
        lambda: d.admins.create_from_user(enrolled(u), role="manager"),
        lambda: org.commands.create(name="c", script="x", launch_type="trigger"),
        lambda: d.orgs.create("ACME"),
        lambda: org.devices.update(dev, remote_assist_allowed="yes"),
    ]
    with unchanged(d):
        for attempt in attempts:
            with pytest.raises(dirctl.Error):
                attempt()
