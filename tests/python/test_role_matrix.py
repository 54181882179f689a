"""Conformance: the role engine against the spec tables (docs/spec/, copied from the source documents).

Every cell of admin_roles.csv is compared with the built-in matrix
(dirctl._core.matrix_access) and, behaviourally, with d.check() for an admin of
each role in a one-org directory. Every protected action of
protected_user_actions.csv is checked for each role on a user with and without
an admin role; commands.run/schedule/approve per role on assigned and
unassigned commands.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import dirctl
from dirctl import _core
from conftest import enrolled, STORES, module_location

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec"
ROLES_CSV = SPEC / "admin_roles.csv"
PROTECTED_CSV = SPEC / "protected_user_actions.csv"



def test_the_spec_tables_are_in_the_repository():
    assert ROLES_CSV.is_file() and PROTECTED_CSV.is_file(), f"spec tables missing under {SPEC}"

ROLES = [r.value for r in dirctl.Role]
EDIT_ROLES = ["administrator_with_billing", "administrator", "manager"]
RUNNER_ROLES = ["command_runner_with_billing", "command_runner"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _matrix() -> dict[tuple[str, str], str]:
    """(role, scope) -> edit | read | none | assigned | launch_if_allowed ('n/a' read as none)."""
    if not ROLES_CSV.is_file():
        return {}
    out = {}
    for row in _rows(ROLES_CSV):
        for role in ROLES:
            cell = row[role].strip()
            out[(role, row["scope"])] = "none" if cell == "n/a" else cell
    return out


def _scopes() -> list[str]:
    return [row["scope"] for row in _rows(ROLES_CSV)] if ROLES_CSV.is_file() else []


def _protected() -> list[dict[str, str]]:
    return _rows(PROTECTED_CSV) if PROTECTED_CSV.is_file() else []


MATRIX = _matrix()
SCOPES = _scopes()
PROTECTED = _protected()
CELLS = sorted(MATRIX)


# ---- the tables themselves ---------------------------------------------------------


def test_spec_columns_are_the_roles():
    header = _rows(ROLES_CSV)[0].keys()
    assert [c for c in header if c not in ("scope", "description")] == ROLES


def test_spec_cells_use_the_documented_values():
    raw = {row[r].strip() for row in _rows(ROLES_CSV) for r in ROLES}
    assert raw <= {"edit", "read", "none", "n/a", "assigned", "launch_if_allowed"}


def test_every_spec_scope_has_read_and_edit_actions():
    names = set(_core.action_names())
    for scope in SCOPES:
        assert {f"{scope}.read", f"{scope}.edit"} <= names, scope
    assert {n.split(".")[0] for n in names} == set(SCOPES)
    assert {"commands.run", "commands.schedule", "commands.approve", "remote_assist.launch"} <= names


def test_protected_actions_are_the_spec_rows():
    assert list(_core.protected_action_names()) == [r["action"] for r in PROTECTED]
    names = set(_core.action_names())
    for r in PROTECTED:
        assert f"users.{r['action']}" in names
        assert r["requires_role_when_target_has_admin_role"] == "administrator_with_billing"


@pytest.mark.parametrize("role,scope", CELLS, ids=[f"{r}-{s}" for r, s in CELLS])
def test_builtin_matrix_cell(role, scope):
    assert _core.matrix_access(role, scope) == MATRIX[(role, scope)]


def test_matrix_access_rejects_unknown_names():
    with pytest.raises(dirctl.InvalidArgument, match="role"):
        _core.matrix_access("owner", "users")
    with pytest.raises(dirctl.InvalidArgument, match="scope"):
        _core.matrix_access("manager", "payroll")


# ---- behaviour: one admin per role in a one-org directory ---------------------------------


@pytest.fixture(scope="module", params=STORES)
def world(request):
    d = dirctl.open(module_location(request))
    org = d.orgs.create("acme")
    admins = {role: d.admins.create(email=f"{role}@acme.com", role=role, orgs=[org]) for role in ROLES}
    plain = org.users.create(username="plain", email="plain@acme.com")
    holder = org.users.create(username="holder", email="holder@acme.com")
    linked_admin = d.admins.create_from_user(enrolled(holder), role="read_only")
    assigned = org.commands.create(name="assigned", script="echo a")
    unassigned = org.commands.create(name="unassigned", script="echo u")
    for role in RUNNER_ROLES:
        org.associate(admins[role], assigned)
    ra_on = org.devices.create(hostname="ra-on", os="linux", remote_assist_allowed=True)
    ra_off = org.devices.create(hostname="ra-off", os="linux")
    group = org.user_groups.create("eng")
    objects = {
        "users": plain,
        "groups": group,
        "devices": ra_off,
        "organization": org,
        "administrators": linked_admin,
    }
    yield {
        "d": d, "org": org, "admins": admins, "plain": plain, "holder": holder, "linked_admin": linked_admin,
        "assigned": assigned, "unassigned": unassigned, "ra_on": ra_on, "ra_off": ra_off, "objects": objects,
    }
    d.close()


def _ok(decision) -> bool:
    assert isinstance(decision, dirctl.Decision)
    assert bool(decision) is decision.allowed
    return decision.allowed


@pytest.mark.parametrize("role,scope", CELLS, ids=[f"{r}-{s}" for r, s in CELLS])
def test_scope_level_check_follows_the_matrix(world, role, scope):
    d, admin = world["d"], world["admins"][role]
    cell = MATRIX[(role, scope)]
    read = d.check(admin, f"{scope}.read")
    edit = d.check(admin, f"{scope}.edit")
    expect_read = cell in ("read", "edit", "assigned")
    expect_edit = cell == "edit"
    assert _ok(read) == expect_read, read.reason
    assert _ok(edit) == expect_edit, edit.reason
    if expect_edit:
        assert read, "edit implies read"
    if cell == "assigned":
        assert read.rule == "assigned_commands"  # scope-level: a filtered listing
        assert edit.rule == "assigned_commands"
    else:
        assert read.rule == "role_matrix"
        if not expect_edit:
            assert edit.rule == ("admin_management" if scope == "administrators" else "role_matrix")


@pytest.mark.parametrize("role,scope", CELLS, ids=[f"{r}-{s}" for r, s in CELLS])
def test_scope_level_check_within_the_org(world, role, scope):
    """An org as the resource of another scope's action means 'that scope, in this org'."""
    d, admin, org = world["d"], world["admins"][role], world["org"]
    cell = MATRIX[(role, scope)]
    assert _ok(d.check(admin, f"{scope}.read", org)) == (cell in ("read", "edit", "assigned"))
    assert _ok(d.check(admin, f"{scope}.edit", org)) == (cell == "edit")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("scope", ["users", "groups", "devices", "organization", "administrators"])
def test_object_level_check_follows_the_matrix(world, role, scope):
    d, admin = world["d"], world["admins"][role]
    obj = world["objects"][scope]
    cell = MATRIX[(role, scope)]
    assert _ok(d.check(admin, f"{scope}.read", obj)) == (cell in ("read", "edit"))
    assert _ok(d.check(admin, f"{scope}.edit", obj)) == (cell == "edit")


@pytest.mark.parametrize("role", ROLES)
def test_command_objects_follow_the_matrix(world, role):
    d, admin = world["d"], world["admins"][role]
    cell = MATRIX[(role, "commands")]
    for cmd, is_assigned in ((world["assigned"], True), (world["unassigned"], False)):
        read, edit = d.check(admin, "commands.read", cmd), d.check(admin, "commands.edit", cmd)
        if cell == "assigned":
            assert _ok(read) == is_assigned
            assert read.rule == "assigned_commands"
            assert not _ok(edit) and edit.rule == "assigned_commands"
        else:
            assert _ok(read) == (cell in ("read", "edit"))
            assert _ok(edit) == (cell == "edit")


@pytest.mark.parametrize("role", ROLES)
def test_remote_assist_launch(world, role):
    d, admin = world["d"], world["admins"][role]
    cell = MATRIX[(role, "remote_assist")]
    on = d.check(admin, "remote_assist.launch", world["ra_on"])
    off = d.check(admin, "remote_assist.launch", world["ra_off"])
    if cell == "edit":
        assert _ok(on) and _ok(off)
    elif cell == "launch_if_allowed":
        assert _ok(on) and not _ok(off)
        assert on.rule == off.rule == "remote_assist"
        assert not d.check(admin, "remote_assist.launch")  # only ever on a device
        assert not d.check(admin, "remote_assist.read")
        assert not d.check(admin, "remote_assist.edit")
    else:
        assert cell == "none"
        assert not _ok(on) and not _ok(off)
        assert on.rule == off.rule == "role_matrix"


def test_every_role_has_a_column_and_every_cell_is_checked():
    assert len(CELLS) == len(ROLES) * len(SCOPES) == 8 * 18


# ---- protected user actions ---------------------------------------------------------------

PROTECTED_CASES = [(role, row["action"]) for role in ROLES for row in _protected()]


@pytest.mark.parametrize("role,action", PROTECTED_CASES, ids=[f"{r}-{a}" for r, a in PROTECTED_CASES])
def test_protected_action_on_user_without_admin_role(world, role, action):
    d, admin = world["d"], world["admins"][role]
    dec = d.check(admin, f"users.{action}", world["plain"])
    assert _ok(dec) == (MATRIX[(role, "users")] == "edit"), dec.reason
    if not dec:
        assert dec.rule == "role_matrix"


@pytest.mark.parametrize("role,action", PROTECTED_CASES, ids=[f"{r}-{a}" for r, a in PROTECTED_CASES])
def test_protected_action_on_user_with_admin_role(world, role, action):
    d, admin = world["d"], world["admins"][role]
    holder = world["holder"]
    assert world["linked_admin"].user.id == holder.id
    dec = d.check(admin, f"users.{action}", holder)
    assert _ok(dec) == (role == "administrator_with_billing"), dec.reason
    if not dec:
        # Roles that could act on a plain user are stopped by the protected-user rule.
        assert dec.rule == ("protected_user" if MATRIX[(role, "users")] == "edit" else "role_matrix")
        if dec.rule == "protected_user":
            assert "administrator_with_billing" in dec.reason


@pytest.mark.parametrize("role", ROLES)
def test_plain_edit_of_user_with_admin_role_is_protected_too(world, role):
    """'Other user operations not listed' also need Administrator with Billing."""
    d, admin = world["d"], world["admins"][role]
    edit = d.check(admin, "users.edit", world["holder"])
    assert _ok(edit) == (role == "administrator_with_billing")
    # Viewing the user is not protected: the users scope decides.
    assert _ok(d.check(admin, "users.read", world["holder"])) == (MATRIX[(role, "users")] in ("read", "edit"))


# ---- commands: run / schedule / approve ---------------------------------------------------


@pytest.mark.parametrize("verb", ["run", "schedule"])
@pytest.mark.parametrize("role", ROLES)
def test_run_and_schedule_per_role(world, role, verb):
    d, admin = world["d"], world["admins"][role]
    cell = MATRIX[(role, "commands")]
    on_assigned = d.check(admin, f"commands.{verb}", world["assigned"])
    on_unassigned = d.check(admin, f"commands.{verb}", world["unassigned"])
    if cell == "edit":
        assert _ok(on_assigned) and _ok(on_unassigned)
    elif cell == "assigned":
        assert _ok(on_assigned) and not _ok(on_unassigned)
        assert on_assigned.rule == on_unassigned.rule == "assigned_commands"
    else:
        assert not _ok(on_assigned) and not _ok(on_unassigned)
        assert on_assigned.rule == on_unassigned.rule == "role_matrix"


@pytest.mark.parametrize("role", ROLES)
def test_approve_per_role(world, role):
    """spec: 'assigned' covers view, run and schedule of assigned commands -- not approving runs."""
    d, admin = world["d"], world["admins"][role]
    cell = MATRIX[(role, "commands")]
    for cmd in (world["assigned"], world["unassigned"]):
        dec = d.check(admin, "commands.approve", cmd)
        assert _ok(dec) == (cell == "edit"), dec.reason
