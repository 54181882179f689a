"""JumpCloud template fidelity (issue #12): every column of JumpCloud's user import
template is kept, checked by JumpCloud's rules, shown in to_frame() and exported; users
without a password wait for activation; an export imports back into an empty org as the
same users, attributes, groups and bindings.

The column list below is written out from JumpCloud's template (Import-JCUsersFromCSV /
Update-JCUsersFromCSV), not read from dirctl, so a column dirctl dropped would fail here.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import dirctl
from dirctl import Address

# JumpCloud's template, in its own spelling: (column, dirctl field).
TEMPLATE = [
    ("FirstName", "first_name"), ("LastName", "last_name"), ("Username", "username"), ("Email", "email"),
    ("MiddleName", "middle_name"), ("DisplayName", "display_name"), ("JobTitle", "job_title"),
    ("EmployeeIdentifier", "employee_identifier"), ("Department", "department"), ("CostCenter", "cost_center"),
    ("Company", "company"), ("EmployeeType", "employee_type"), ("Description", "description"),
    ("Location", "location"), ("AlternateEmail", "alternate_email"), ("Manager", "manager"),
    ("account_locked", "account_locked"), ("sudo", "sudo"), ("passwordless_sudo", "passwordless_sudo"),
    ("password_never_expires", "password_never_expires"), ("state", "state"),
    ("home_streetAddress", "home_street_address"), ("home_poBox", "home_po_box"), ("home_city", "home_city"),
    ("home_state", "home_state"), ("home_postalCode", "home_postal_code"), ("home_country", "home_country"),
    ("work_streetAddress", "work_street_address"), ("work_poBox", "work_po_box"), ("work_city", "work_city"),
    ("work_state", "work_state"), ("work_postalCode", "work_postal_code"), ("work_country", "work_country"),
    ("mobile_number", "mobile_number"), ("home_number", "home_number"), ("work_number", "work_number"),
    ("work_mobile_number", "work_mobile_number"), ("work_fax_number", "work_fax_number"),
    ("managedAppleID", "managed_apple_id"), ("unix_uid", "unix_uid"), ("unix_guid", "unix_guid"),
    ("enable_managed_uid", "enable_managed_uid"),
    ("enable_user_portal_multifactor", "enable_user_portal_multifactor"), ("EnrollmentDays", "enrollment_days"),
    ("ldapserver_id", "ldapserver_id"), ("ldap_binding_user", "ldap_binding_user"),
    ("allow_public_key", "allow_public_key"), ("externally_managed", "externally_managed"),
    ("external_dn", "external_dn"), ("external_source_type", "external_source_type"),
]
NEW_FIELDS = [f for c, f in TEMPLATE[21:]]  # the ones issue #12 adds

ADA = {
    "FirstName": "Ada", "LastName": "Lovelace", "Username": "ada", "Email": "ada+eng@example.me2",
    "MiddleName": "King", "DisplayName": "Ada L.", "JobTitle": "Countess", "EmployeeIdentifier": "E-1",
    "Department": "Maths", "CostCenter": "CC-1", "Company": "Analytical, Ltd.", "EmployeeType": "contractor",
    "Description": "first\nprogrammer", "Location": "London", "AlternateEmail": "ada@alt.example.com",
    "Manager": "babbage", "account_locked": "false", "sudo": "true", "passwordless_sudo": "false",
    "password_never_expires": "true", "state": "active",
    "home_streetAddress": "12 St James's Square", "home_poBox": "PO 7", "home_city": "London",
    "home_state": "Westminster", "home_postalCode": "SW1Y 4JH", "home_country": "United Kingdom",
    "work_streetAddress": "1 Engine Row", "work_poBox": "", "work_city": "Cambridge", "work_state": "Cambs",
    "work_postalCode": "CB1 1AA", "work_country": "UK",
    "mobile_number": "+44 7700 900123", "home_number": "(020) 7946 0018", "work_number": "+44 1223 000000 x12",
    "work_mobile_number": "07700 900456", "work_fax_number": "+44 1223 000001",
    "managedAppleID": "ada@appleid.example.com", "unix_uid": "5001", "unix_guid": "5001",
    "enable_managed_uid": "true", "enable_user_portal_multifactor": "true", "EnrollmentDays": "14",
    "ldapserver_id": "5F1E2D3C4B5A69788796A5B4", "ldap_binding_user": "true", "allow_public_key": "false",
    "externally_managed": "true", "external_dn": "CN=Ada Lovelace,OU=Staff,DC=example,DC=com",
    "external_source_type": "Active Directory",
}


def csv_file(tmp_path: Path, rows: list[dict[str, str]], name: str = "users.csv") -> Path:
    """The rows as a template file; a new user's required names default to its username."""
    rows = [{"FirstName": r["Username"].title(), "LastName": "Test", **r} for r in rows]
    header: list[str] = []
    for r in rows:
        header += [k for k in r if k not in header]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def comparable(u: dirctl.User) -> dict:
    out = u.to_dict()
    for k in ("id", "org", "org_id", "created", "updated"):
        out.pop(k, None)
    return out


def only_error(report, line: int, column: str):
    found = [i for i in report.error_records if i.line == line and i.column == column]
    assert len(found) == 1, report.error_records
    return found[0]


# ---- every column kept ------------------------------------------------------------------------

def test_every_template_column_is_known_stored_shown_and_exported(org, tmp_path):
    rep = org.import_users_csv(csv_file(tmp_path, [ADA]))
    assert rep.ok and rep.created == 1, rep.error_records
    assert rep.warnings == [], "no column of JumpCloud's template is unknown"
    u = org.users.get("ada")
    assert u.home_street_address == "12 St James's Square" and u.home_postal_code == "SW1Y 4JH"
    assert u.work_po_box is None, "an empty cell is no value"
    assert (u.mobile_number, u.work_fax_number) == ("+44 7700 900123", "+44 1223 000001")
    assert (u.unix_uid, u.unix_guid, u.enrollment_days) == (5001, 5001, 14)
    assert u.ldapserver_id == "5f1e2d3c4b5a69788796a5b4", "object ids are kept in lower case"
    assert (u.managed_apple_id, u.enable_managed_uid, u.enable_user_portal_multifactor) == (
        "ada@appleid.example.com", True, True)
    assert (u.ldap_binding_user, u.allow_public_key, u.externally_managed) == (True, False, True)
    assert (u.external_dn, u.external_source_type) == ("CN=Ada Lovelace,OU=Staff,DC=example,DC=com",
                                                        "Active Directory")
    frame = org.users.to_frame()
    for field in NEW_FIELDS + ["activated"]:
        assert field in frame.columns, field
    row = frame.iloc[0]
    assert row["unix_uid"] == 5001 and row["home_city"] == "London" and not row["activated"]
    out = tmp_path / "out.csv"
    org.users.export_csv(out)
    with out.open(encoding="utf-8", newline="") as f:
        exported = next(csv.DictReader(f))
    for column, _field in TEMPLATE:
        assert column in exported, f"export writes {column}"
    assert exported["unix_uid"] == "5001" and exported["EnrollmentDays"] == "14"
    assert exported["home_streetAddress"] == "12 St James's Square" and exported["work_poBox"] == ""


def test_addresses_are_structured_records(org):
    u = org.users.create(username="a", email="a@example.com",
                         home_address={"streetAddress": "1 Main St", "locality": "Oslo", "country": "Norway"},
                         work_address=Address("work", city="Bergen", postal_code="5003"))
    assert u.home_address == Address("home", street_address="1 Main St", city="Oslo", country="Norway")
    assert u.home_city == "Oslo" and u.work_postal_code == "5003"
    assert str(u.work_address) == "Bergen, 5003" and not org.users.create(username="b", email="b@x.com").home_address
    # A record given whole replaces the address: parts not given are cleared.
    u = org.users.update(u, home_address={"city": "Trondheim"})
    assert u.home_address == Address("home", city="Trondheim")
    assert org.users.update(u, home_address=None).home_address == Address("home")
    with pytest.raises(dirctl.InvalidArgument, match="has no part 'zip'; its parts: street_address, po_box"):
        org.users.update(u, home_address={"zip": "1"})
    with pytest.raises(dirctl.InvalidArgument, match="home_city.*given twice"):
        org.users.update(u, home_address={"city": "X"}, home_city="Y")
    with pytest.raises(dirctl.InvalidArgument, match="expected a mapping of its parts"):
        org.users.update(u, home_address="1 Main St")
    with pytest.raises(dirctl.InvalidArgument, match="home_postal_code.*the limit is 40"):
        org.users.update(u, home_address={"postal_code": "9" * 41})


# ---- JumpCloud's rules, refused on their line and column -------------------------------------

@pytest.mark.parametrize("column,value,message", [
    ("unix_uid", "4294967296", "out of range; use 0 to 4294967295"),
    ("unix_uid", "-1", "out of range; use 0 to 4294967295"),
    ("unix_guid", "50x1", "is not a whole number"),
    ("EnrollmentDays", "0", "out of range; use 1 to 365"),
    ("EnrollmentDays", "366", "out of range; use 1 to 365"),
    ("ldapserver_id", "5f1e2d3c4b5a69788796a5b", "not a JumpCloud object id"),
    ("ldapserver_id", "5f1e2d3c4b5a69788796a5bz", "not a JumpCloud object id"),
    ("managedAppleID", "ada@localhost", "not a valid email address"),
    ("mobile_number", "+1 " + "5" * 62, "the limit is 64"),
    ("home_postalCode", "1" * 41, "the limit is 40"),
    ("work_streetAddress", "x" * 257, "the limit is 256"),
    ("allow_public_key", "maybe", "is not a boolean"),
])
def test_each_rule_is_refused_on_its_line_and_column(org, tmp_path, column, value, message):
    good = {"Username": "ok", "Email": "ok@example.com"}
    bad = {"Username": "bad", "Email": "bad@example.com", "enable_user_portal_multifactor": "true", column: value}
    rep = org.import_users_csv(csv_file(tmp_path, [good, bad]), on_error="skip")
    issue = only_error(rep, 3, column)
    assert message in issue.message, issue.message
    assert rep.created == 1 and [u.username for u in org.users] == ["ok"]


def test_uid_and_gid_bounds_are_jumpclouds(org):
    u = org.users.create(username="a", email="a@example.com", unix_uid=0, unix_guid=4294967295)
    assert (u.unix_uid, u.unix_guid) == (0, 4294967295)
    with pytest.raises(dirctl.InvalidArgument, match="unix_uid.*out of range; use 0 to 4294967295"):
        org.users.update(u, unix_uid=4294967296)


def test_enrollment_days_only_with_mfa_in_the_same_row(org, tmp_path):
    rows = [{"Username": "a", "Email": "a@example.com", "EnrollmentDays": "30"},
            {"Username": "b", "Email": "b@example.com", "EnrollmentDays": "30",
             "enable_user_portal_multifactor": "false"},
            {"Username": "c", "Email": "c@example.com", "EnrollmentDays": "30",
             "enable_user_portal_multifactor": "true"}]
    rep = org.import_users_csv(csv_file(tmp_path, rows), on_error="skip")
    for line in (2, 3):
        assert "applies only with enable_user_portal_multifactor" in only_error(rep, line, "EnrollmentDays").message
    c = org.users.get("c")
    assert (c.enable_user_portal_multifactor, c.enrollment_days) == (True, 30)
    with pytest.raises(dirctl.InvalidArgument, match="enrollment_days.*applies only with"):
        org.users.update(c, enrollment_days=7)
    c = org.users.update(c, enable_user_portal_multifactor=False)
    assert c.enrollment_days is None, "turning MFA off ends the enrolment period"


def test_attribute_with_an_empty_value_is_refused(org, tmp_path):
    rows = [{"Username": "a", "Email": "a@example.com", "Attribute1_name": "badge", "Attribute1_value": ""},
            {"Username": "b", "Email": "b@example.com", "Attribute1_name": "badge", "Attribute1_value": "B-7"}]
    rep = org.import_users_csv(csv_file(tmp_path, rows), on_error="skip")
    assert "has no value" in only_error(rep, 2, "Attribute1_value").message
    assert org.users.get("b").attributes == {"badge": "B-7"}
    with pytest.raises(dirctl.InvalidArgument, match="attribute 'badge' has no value"):
        org.users.create(username="c", email="c@example.com", attributes={"badge": ""})


# ---- activation -------------------------------------------------------------------------------

def test_users_without_a_password_wait_for_activation(d, org, tmp_path):
    pending = org.users.create(username="p", email="p@example.com")
    ready = org.users.create(username="r", email="r@example.com", password="correct horse battery")
    assert (pending.activated, ready.activated) == (False, True)
    assert "activated=False" in repr(pending)
    frame = org.users.to_frame()
    assert dict(zip(frame["username"], frame["activated"])) == {"p": False, "r": True}
    with pytest.raises(dirctl.PermissionDenied):
        d.login("p@example.com", "any password at all")
    refused = d.events(type="user_login_attempt", success=False)[-1]
    assert "not_activated" in refused.message
    pending = org.users.update(pending, password="now it is set 1")
    assert pending.activated
    assert d.login("p@example.com", "now it is set 1").view.actor.id == pending.id
    update = d.events(type="user_update")[-1]
    assert {c["field"]: c["to"] for c in update.changes}["activated"] is True


def test_the_import_report_counts_users_awaiting_activation(org, tmp_path):
    rows = [{"Username": f"u{i}", "Email": f"u{i}@example.com", "Password": "long enough pw" if i % 2 else ""}
            for i in range(5)]
    rep = org.import_users_csv(csv_file(tmp_path, rows))
    assert rep.created == 5 and rep.pending_activation == 3
    assert "3 awaiting activation" in rep.summary()
    assert sorted(u.username for u in org.users if not u.activated) == ["u0", "u2", "u4"]
    # An update that sets a password activates; one that does not leaves the user waiting.
    rows = [{"Username": "u0", "Email": "u0@example.com", "Password": "set at last 1"},
            {"Username": "u2", "Email": "u2@example.com", "Department": "Ops"}]
    rep = org.import_users_csv(csv_file(tmp_path, rows, "again.csv"), mode="update")
    assert rep.updated == 2 and rep.pending_activation == 1
    assert org.users.get("u0").activated and not org.users.get("u2").activated


# ---- the round trip ---------------------------------------------------------------------------

def test_export_imports_back_as_the_same_users_attributes_groups_and_bindings(d, tmp_path):
    first, second = d.orgs.create("first"), d.orgs.create("second")
    for org in (first, second):  # the same fleet in both, known by its external ids
        org.devices.create(hostname="web-01", external_id="5f00aa00aa00aa00aa00aa01")
        org.devices.create(hostname="db-01", external_id="SYS-DB-01")
    rows = [
        {**ADA, "Password": "analytical engine 1843", "Attribute1_name": "badge", "Attribute1_value": "B-7", "Attribute2_name": "note",
         "Attribute2_value": 'line one\nline "two"', "Group1": "eng", "Group2": "admins",
         "SystemID": "5f00aa00aa00aa00aa00aa01", "Administrator": "true"},
        {"FirstName": "Bob", "LastName": "B", "Username": "bob", "Email": '"bob smith"@example.com',
         "home_city": "Oslo", "unix_uid": "0", "Group1": "eng", "SystemID": "SYS-DB-01", "Administrator": "false"},
        {"Username": "cy", "Email": "cy@xn--bcher-kva.example", "state": "staged", "mobile_number": "112"},
    ]
    rep = first.import_users_csv(csv_file(tmp_path, rows), create_groups=True)
    assert rep.ok and rep.created == 3, rep.error_records
    # A second binding: the export writes it on a binding row of its own. (JumpCloud's
    # template has no column for passwordless sudo on a binding; it stays out of the trip.)
    first.users.bind("ada", first.devices.get("db-01"))
    out = tmp_path / "export.csv"
    assert first.users.export_csv(out) >= 3
    back = second.import_users_csv(out, create_groups=True)
    assert back.ok and back.created == 3 and back.warnings == [], back.error_records

    def users(org):
        return {u.username: u for u in org.users}

    a, b = users(first), users(second)
    assert a.keys() == b.keys() == {"ada", "bob", "cy"}
    for name in a:
        before, after = comparable(a[name]), comparable(b[name])
        # Passwords never leave the directory (the export has no Password column), so a
        # re-imported user waits for activation until it sets one.
        assert before.pop("activated") is (name == "ada") and after.pop("activated") is False
        assert before == after, name
        groups = sorted(g.name for g in first.user_groups.of(a[name]))
        assert groups == sorted(g.name for g in second.user_groups.of(b[name])), name
        bind_a = sorted((x.device.hostname, x.sudo, x.passwordless_sudo) for x in first.users.bindings(a[name]))
        bind_b = sorted((x.device.hostname, x.sudo, x.passwordless_sudo) for x in second.users.bindings(b[name]))
        assert bind_a == bind_b, name
    assert sorted((x.device.hostname, x.sudo, x.passwordless_sudo) for x in second.users.bindings(b["ada"])) == [
        ("db-01", False, False), ("web-01", True, False)]
    assert sorted(first.user_groups.of(a["ada"]), key=lambda g: g.name)[0].name == "admins"
