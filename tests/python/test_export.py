"""Export of an org's users to JumpCloud's import template (org.users.export_csv),
and the round trip: importing the export into an empty org (create_groups=True)
gives the same users, with every field, attribute and group."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

import dirctl
from dirctl.collections import Collection

TEMPLATE = ["FirstName", "LastName", "Username", "Email", "MiddleName", "DisplayName", "JobTitle",
            "EmployeeIdentifier", "Department", "CostCenter", "Company", "EmployeeType", "Description", "Location",
            "AlternateEmail", "Manager", "account_locked", "sudo", "passwordless_sudo", "password_never_expires",
            "state", "password_expiration_date", "mfa_status",
            *(f"{k}_{p}" for k in ("home", "work") for p in ("streetAddress", "poBox", "city", "state", "postalCode",
                                                              "country")),
            "mobile_number", "home_number", "work_number", "work_mobile_number", "work_fax_number", "managedAppleID",
            "unix_uid", "unix_guid", "enable_managed_uid", "enable_user_portal_multifactor", "EnrollmentDays",
            "ldapserver_id", "ldap_binding_user", "allow_public_key", "externally_managed", "external_dn",
            "external_source_type"]
BINDING = ["SystemID", "Administrator"]  # last: a device binding (tests/python/test_bindings.py)


def fields_of(user):
    out = user.to_dict()
    for k in ("id", "org", "created", "updated"):
        out.pop(k)
    return out


def users_by_name(org):
    return {u.username: fields_of(u) for u in org.users}


def groups_by_user(org):
    return {u.username: sorted(g.name for g in org.user_groups.of(u)) for u in org.users}


def read_rows(path: Path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def round_trip(d, org, tmp_path, name="copy"):
    path = tmp_path / f"{org.name}.csv"
    n = org.users.export_csv(path)
    assert n == len(org.users)
    copy = d.orgs.create(name)
    rep = copy.import_users_csv(path, create_groups=True)
    assert rep.ok and rep.written and rep.created == n, rep.error_records
    assert rep.warnings == []
    return copy, path


@pytest.fixture
def populated(d, org):
    eng, ops, data = (org.user_groups.create(n) for n in ("eng", "ops", "Data Science, R&D"))
    ada = org.users.create(
        username="ada", email="ada@acme.com", first_name="Ada", middle_name="King", last_name="Lovelace",
        display_name="Ada L.", job_title="Countess", employee_identifier="E-0001", department="Mathematics",
        cost_center="CC-10", company='Analytical "Engines", Ltd.', employee_type="contractor",
        description='Notes on the engine,\r\nwith "quotes", commas\nand  two lines  ', location="London, UK",
        alternate_email="ada@alt.acme.com", manager="babbage", account_locked=True, sudo=True,
        passwordless_sudo=True, password_never_expires=True, state="suspended",
        attributes={f"attr{n}": f"value {n}, with comma" for n in range(1, 14)})
    bob = org.users.create(username="bob", email="bob@acme.com", first_name="Bob", last_name="Ng",
                           attributes={"shell": "zsh"}, state="staged", description="x")
    zoe = org.users.create(username="zoe.u", email="zoe@acme.com", first_name="Zoë", last_name="日本",
                           location="東京 🗼", description="multi\n\nline\n")
    org.users.create(username="min", email="min@acme.com", first_name="M", last_name="N")  # nothing else
    for g in (eng, ops, data):
        org.user_groups.add_member(g, ada)
    org.user_groups.add_member(ops, bob)
    org.user_groups.add_member(data, zoe)
    return org


def test_round_trip_gives_identical_users(d, populated, tmp_path):
    copy, _ = round_trip(d, populated, tmp_path)
    assert users_by_name(copy) == users_by_name(populated)
    assert groups_by_user(copy) == groups_by_user(populated)
    assert sorted(g.name for g in copy.user_groups) == sorted(g.name for g in populated.user_groups)


def test_round_trip_of_every_writable_field(d, org, tmp_path):
    # Fields outside JumpCloud's template still belong to the user: the promise
    # is "the same users", so they must survive too.
    org.users.create(username="pat", email="pat@acme.com", first_name="Pat", last_name="Q",
                     password_expiration_date="2027-06-30", mfa_status="enrolled", department="Ops")
    copy, _ = round_trip(d, org, tmp_path)
    assert users_by_name(copy) == users_by_name(org)


def test_reimport_of_an_export_is_unchanged(d, populated, tmp_path):
    path = tmp_path / "acme.csv"
    populated.users.export_csv(path)
    seq = d._core.last_event_seq()
    rep = populated.import_users_csv(path, mode="upsert")
    assert rep.ok and rep.unchanged == len(populated.users) and rep.updated == 0 and rep.created == 0
    assert [e.event_type for e in d.events(after_seq=seq)] == ["user_import"]


def test_exported_file_layout(populated, tmp_path):
    path = tmp_path / "out.csv"
    assert populated.users.export_csv(path) == 4
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") >= 5 and raw.endswith(b"\r\n")
    rows = read_rows(path)
    header = rows[0]
    attrs = [f"Attribute{n}_{part}" for n in range(1, 14) for part in ("name", "value")]
    assert header == TEMPLATE + attrs + ["Group1", "Group2", "Group3"] + BINDING
    assert all(len(r) == len(header) for r in rows)
    by_name = {r[2]: dict(zip(header, r)) for r in rows[1:]}
    ada = by_name["ada"]
    assert ada["Company"] == 'Analytical "Engines", Ltd.'
    assert ada["Description"] == 'Notes on the engine,\r\nwith "quotes", commas\nand  two lines  '
    assert (ada["account_locked"], ada["sudo"], ada["state"]) == ("true", "true", "suspended")
    assert [ada[f"Group{n}"] for n in (1, 2, 3)] == sorted(["eng", "ops", "Data Science, R&D"])
    assert {ada[f"Attribute{n}_name"]: ada[f"Attribute{n}_value"] for n in range(1, 14)} == {
        f"attr{n}": f"value {n}, with comma" for n in range(1, 14)}
    mn = by_name["min"]
    assert mn["MiddleName"] == "" and mn["Group1"] == "" and mn["Attribute1_name"] == ""
    assert (mn["account_locked"], mn["sudo"], mn["state"]) == ("false", "false", "active")
    assert (mn["SystemID"], mn["Administrator"]) == ("", "")  # no binding: empty cells
    assert not {h.lower() for h in header} & {"password", "passwordhash"}


def test_export_has_no_password_material(tmp_path):
    with dirctl.open(tmp_path / "dir.db") as d:
        org = d.orgs.create("acme")
        src = tmp_path / "in.csv"
        src.write_text("FirstName,LastName,Username,Email,Password\nA,B,ab,ab@acme.com,Sup3r-Secret-Pw\n")
        assert org.import_users_csv(src).created == 1
        out = tmp_path / "out.csv"
        org.users.export_csv(out)
    text = out.read_text(encoding="utf-8")
    assert "Sup3r-Secret-Pw" not in text and "$argon2" not in text


def test_export_of_an_empty_org_is_a_header(d, org, tmp_path):
    path = tmp_path / "empty.csv"
    assert org.users.export_csv(path) == 0
    assert read_rows(path) == [TEMPLATE + BINDING]
    rep = d.orgs.create("copy").import_users_csv(path)
    assert rep.ok and rep.rows == []


def test_export_replaces_the_file_atomically(populated, tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old content that is much longer than nothing\n" * 100)
    populated.users.export_csv(str(path), overwrite=True)
    assert read_rows(path)[0][:4] == TEMPLATE[:4]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]  # no .tmp left behind


def test_export_errors(d, org, tmp_path):
    with pytest.raises(dirctl.StorageError, match="cannot write"):
        org.users.export_csv(tmp_path / "no" / "such" / "dir.csv")
    with pytest.raises(dirctl.InvalidArgument, match="exports users"):
        org.user_groups.export_csv(tmp_path / "g.csv")


def test_export_only_the_orgs_users(d, org, tmp_path):
    other = d.orgs.create("globex")
    other.users.create(username="zed", email="zed@globex.com")
    org.users.create(username="amy", email="amy@acme.com")
    path = tmp_path / "acme.csv"
    assert org.users.export_csv(path) == 1
    assert [r[2] for r in read_rows(path)[1:]] == ["amy"]


def test_export_through_views(d, org, tmp_path):
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    org.users.create(username="amy", email="amy@acme.com")
    for role in ("read_only", "help_desk", "manager"):
        admin = d.admins.create(email=f"{role}@acme.com", role=role, orgs=[org])
        path = tmp_path / f"{role}.csv"
        assert d.as_admin(admin).orgs.get("acme").users.export_csv(path) == 1
        assert [r[2] for r in read_rows(path)[1:]] == ["amy"]
    cr = d.admins.create(email="cr@acme.com", role="command_runner", orgs=[org])
    seq = d._core.last_event_seq()
    with pytest.raises(dirctl.PermissionDenied):
        Collection(d.as_admin(cr), "user", org.id).export_csv(tmp_path / "cr.csv")
    assert not (tmp_path / "cr.csv").exists()
    assert [(e.event_type, e.success) for e in d.events(after_seq=seq)] == [("user_export", False)]


def test_round_trip_of_random_users(d, org, tmp_path):
    rng = random.Random(20261123)
    pieces = ["a", "Z", "9", ",", '"', " ", "é", "日", "\n", "\r\n", "-", "'", ";", "\t"]

    def text(multiline=False, n=12):
        allowed = pieces if multiline else [p for p in pieces if p not in ("\n", "\r\n", "\t")]
        s = "".join(rng.choice(allowed) for _ in range(rng.randint(1, n)))
        return s if multiline else (s.strip() or "x")

    def value():
        v = text(multiline=True)
        return v if v.strip(" \t") else v + "v"  # a blank cell means "no value"

    groups = [org.user_groups.create(f"g{n}, \"{n}\"") for n in range(15)]
    for i in range(120):
        u = org.users.create(
            username=f"u{i}", email=f"u{i}@acme.com", first_name=text(), last_name=text(),
            description=("x" + text(multiline=True) + "x") if rng.random() < 0.7 else None,
            company=text() if rng.random() < 0.5 else None, sudo=rng.random() < 0.5,
            state=rng.choice(["staged", "active", "suspended"]),
            attributes={f"k{j}": value() for j in range(rng.randint(0, 14))})
        for g in rng.sample(groups, rng.randint(0, 14)):
            org.user_groups.add_member(g, u)
    copy, _ = round_trip(d, org, tmp_path)
    assert users_by_name(copy) == users_by_name(org)
    assert groups_by_user(copy) == groups_by_user(org)


def test_a_failed_export_says_why_and_leaves_nothing_behind(org, tmp_path):
    org.users.create(username="ada", email="ada@acme.com")
    target = tmp_path / "users.csv"
    target.mkdir()  # a folder where the file should go: refused before anything is written
    with pytest.raises(dirctl.InvalidArgument, match="not a regular file .a folder.*pick another path"):
        org.users.export_csv(target, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["users.csv"], "no .tmp file is left"
