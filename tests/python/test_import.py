"""Bulk CSV user import (org.import_users_csv) on files the tests write.

Format (JumpCloud's template, RFC 4180, BOM, CRLF, broken files), cell checks
(booleans, enums, lengths, UTF-8), behaviour (modes, on_error, dry_run,
duplicates, groups, devices, re-import), passwords (Argon2id only, never in
events, reports or logs), events (one per user plus a summary, in the data's
transaction), the ImportReport, acting views, and a killed import.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

import dirctl
from dirctl.importing import ImportIssue, ImportReport, import_users_csv
from conftest import enrolled

BASE = ["FirstName", "LastName", "Username", "Email"]
# What a duplicate username's message adds: the one way a file may repeat one.
REPEATED_USERNAME = ("; a row repeating a Username may give only SystemID (or Hostname) and Administrator, "
                     "to bind another device")


def csv_text(rows, ending="\n"):
    """Rows (lists of cells) as RFC 4180 text, quoting where needed."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=ending).writerows(rows)
    return buf.getvalue()


def write(tmp_path: Path, content, name="users.csv") -> Path:
    """Writes text (UTF-8) or bytes as they are; returns the path."""
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def person(n, **extra):
    """A valid new user's four base cells, then the extra cells in keyword order."""
    return [f"First{n}", f"Last{n}", f"user{n}", f"user{n}@acme.com", *extra.values()]


def last_seq(d):
    return d._core.last_event_seq()


def new_events(d, seq):
    return d.events(after_seq=seq)


def user_event_types(d, seq):
    return [e.event_type for e in new_events(d, seq) if e.event_type in ("user_create", "user_update")]


def issue(report, line=None, column=None):
    """The one error record at (line, column)."""
    found = [i for i in report.error_records
             if (line is None or i.line == line) and (column is None or i.column == column)]
    assert len(found) == 1, report.error_records
    return found[0]


def user_fields(user):
    out = user.to_dict()
    for k in ("id", "org", "created", "updated"):
        out.pop(k, None)
    return out


# =============================================================================
# Format
# =============================================================================


def test_headers_are_case_insensitive_and_in_any_order(d, org, tmp_path):
    header = ["eMaIl", "DEPARTMENT", "username", "lastname", "FIRSTNAME", "JobTitle", "state"]
    path = write(tmp_path, csv_text([header, ["ada@acme.com", "Math", "ada", "Lovelace", "Ada", "Countess", "STAGED"]]))
    rep = org.import_users_csv(path)
    assert rep.ok and rep.written and rep.created == 1, rep.error_records
    assert rep.warnings == []
    u = org.users.get("ada")
    assert (u.first_name, u.last_name, u.email, u.department, u.job_title, u.state) == (
        "Ada", "Lovelace", "ada@acme.com", "Math", "Countess", "staged")


def test_every_template_column(d, tmp_path):
    with dirctl.open(tmp_path / "dir.db") as fd:
        org = fd.orgs.create("acme")
        dev = org.devices.create(hostname="web-01", os="linux")
        header = (BASE + ["Password", "MiddleName", "preferredName", "JobTitle", "EmployeeIdentifier", "Department",
                          "CostCenter", "Company", "EmployeeType", "Description", "Location", "AlternateEmail",
                          "Manager", "account_locked", "sudo", "passwordless_sudo", "password_never_expires", "state"])
        cells = ["Ada", "Lovelace", "ada", "ada@acme.com", "analytical-engine-1843", "King", "Ada L.", "Countess",
                 "E-0001", "Mathematics", "CC-10", "Analytical, Ltd.", "contractor",
                 'First "programmer"\nwrote notes, on Bernoulli numbers', "London", "ada@alt.acme.com", "babbage",
                 "no", "$True", "YES", "0", "suspended"]
        # Twelve attributes, written in reverse so that order comes from the numbers (10 after 9).
        for n in range(12, 0, -1):
            header += [f"Attribute{n}_name", f"Attribute{n}_value"]
            cells += [f"attr{n}", f"value {n}"]
        for n in (10, 1, 12, 2, 11, 3, 9, 4, 8, 5, 7, 6):
            header.append(f"Group{n}")
            cells.append(f"team{n:02d}")
        header += ["Hostname", "Administrator"]
        cells += ["web-01", "true"]
        path = write(tmp_path, csv_text([header, cells]))
        rep = org.import_users_csv(path, create_groups=True)
        assert rep.ok and rep.created == 1, rep.error_records
        assert rep.warnings == []
        row = rep.rows[0]
        assert row["status"] == "created" and row["username"] == "ada" and row["device_bound"] == "web-01"
        # groups_added follows the numbers, not the column order
        assert row["groups_added"] == ";".join(f"team{n:02d}" for n in range(1, 13))
        u = org.users.get("ada")
        assert row["user_id"] == u.id
        assert user_fields(u) == {
            "username": "ada", "email": "ada@acme.com", "first_name": "Ada", "middle_name": "King",
            "last_name": "Lovelace", "display_name": "Ada L.", "job_title": "Countess", "department": "Mathematics",
            "employee_identifier": "E-0001", "state": "suspended", "account_locked": False,
            "password_expiration_date": None, "mfa_status": "not_enrolled", "sudo": True,
            "attributes": {f"attr{n}": f"value {n}" for n in range(1, 13)}, "cost_center": "CC-10",
            "company": "Analytical, Ltd.", "employee_type": "contractor",
            "description": 'First "programmer"\nwrote notes, on Bernoulli numbers', "location": "London",
            "alternate_email": "ada@alt.acme.com", "manager": "babbage", "passwordless_sudo": True,
            "password_never_expires": False, "activated": True,  # the row gives a password
            # the template's other columns, absent from this file (test_template_fidelity.py has them all)
            **{f"{k}_{p}": None for k in ("home", "work")
               for p in ("street_address", "po_box", "city", "state", "postal_code", "country")},
            **dict.fromkeys(("mobile_number", "home_number", "work_number", "work_mobile_number", "work_fax_number",
                             "managed_apple_id", "unix_uid", "unix_guid", "enrollment_days", "ldapserver_id",
                             "external_dn", "external_source_type")),
            "enable_managed_uid": False, "enable_user_portal_multifactor": False, "ldap_binding_user": False,
            "allow_public_key": True, "externally_managed": False,
        }
        assert sorted(g.name for g in org.user_groups.of(u)) == [f"team{n:02d}" for n in range(1, 13)]
        assert [a.id for a in org.associations(u)] == [dev.id]
        uid = u.id
    db = sqlite3.connect(tmp_path / "dir.db")
    try:
        lo, hi = sorted((uid, dev.id))
        assert db.execute("select sudo from edges where a=? and b=?", (lo, hi)).fetchall() == [(1,)]
        (phc,) = db.execute("select password_hash from users where id=?", (uid,)).fetchone()
        assert phc.startswith("$argon2id$")
    finally:
        db.close()


def test_system_id_binding_and_the_administrator_flag(tmp_path):
    db = tmp_path / "dir.db"
    with dirctl.open(db) as d:
        org = d.orgs.create("acme")
        dev = org.devices.create(hostname="db-01", os="linux")
        path = write(tmp_path, csv_text([BASE + ["SystemID", "Administrator"],
                                         person(1, s=str(dev.id), a="false"), person(2, s=f" {dev.id} ", a=""),
                                         person(3, s=str(dev.id), a="$True")]))
        rep = org.import_users_csv(path)
        assert rep.ok and rep.created == 3, rep.error_records
        assert [r["device_bound"] for r in rep.rows] == ["db-01"] * 3
        ids = {}
        for name in ("user1", "user2", "user3"):
            u = org.users.get(name)
            assert [a.id for a in org.associations(u)] == [dev.id]
            ids[name] = u.id
    con = sqlite3.connect(db)
    try:
        sudo = {name: con.execute("select sudo from edges where a=? and b=?", tuple(sorted((uid, dev.id))))
                .fetchone()[0] for name, uid in ids.items()}
    finally:
        con.close()
    assert sudo == {"user1": 0, "user2": 0, "user3": 1}


def test_unknown_device_is_an_error(org, tmp_path):
    org.devices.create(hostname="twin", os="linux")
    org.devices.create(hostname="twin", os="linux")
    other = org.user_groups.create("not-a-device")
    path = write(tmp_path, csv_text([BASE + ["SystemID", "Hostname"],
                                     person(1, s="999999", h=""), person(2, s="", h="nowhere"),
                                     person(3, s="", h="twin"), person(4, s=str(other.id), h=""),
                                     person(5, s="web", h="")]))
    rep = org.import_users_csv(path)
    assert not rep.written and rep.errors == 5
    no_device = ("no device of this org has this id or external_id; give dirctl's device id or set the device's "
                 "external_id first (org.devices.update(device, external_id=...))")
    assert issue(rep, 2) == ImportIssue(2, "SystemID", "999999", no_device)
    assert issue(rep, 3) == ImportIssue(3, "Hostname", "nowhere", "no device with this hostname in this org")
    assert "several devices have this hostname" in issue(rep, 4).message
    assert issue(rep, 5).message == no_device
    assert issue(rep, 6).message == no_device
    assert len(org.users) == 0


def test_device_of_another_org_is_unknown(d, org, tmp_path):
    other = d.orgs.create("globex")
    dev = other.devices.create(hostname="gx-01", os="linux")
    path = write(tmp_path, csv_text([BASE + ["SystemID"], person(1, s=str(dev.id))]))
    rep = org.import_users_csv(path)
    assert rep.errors == 1 and issue(rep, 2).column == "SystemID"
    assert len(org.users) == 0 and other.associations(dev) == []


def test_rfc4180_quoting_bom_crlf_and_blank_lines(org, tmp_path):
    text = ("\ufeffFirstName,LastName,Username,Email,Description,Company\r\n"
            "\r\n"
            '"Ada","Love, lace",ada,ada@acme.com,"Says ""hi""\r\nand, then\r\nleaves",Plain\r\n'
            "\r\n"
            "\r\n"
            'Bob,"B",bob,bob@acme.com,"",""""\r\n'
            "Cy,C,cy,cy@acme.com,one line,Co")  # no final line ending
    path = write(tmp_path, text)
    rep = org.import_users_csv(path)
    assert rep.ok and rep.created == 3, rep.error_records
    assert [(r["line"], r["username"]) for r in rep.rows] == [(3, "ada"), (8, "bob"), (9, "cy")]
    ada = org.users.get("ada")
    assert ada.first_name == "Ada" and ada.last_name == "Love, lace"
    assert ada.description == 'Says "hi"\r\nand, then\r\nleaves'
    assert ada.company == "Plain"
    bob = org.users.get("bob")
    assert bob.description is None and bob.company == '"'
    assert org.users.get("cy").company == "Co"


def test_lf_and_multiline_description_line_numbers(org, tmp_path):
    text = ("FirstName,LastName,Username,Email,Description\n"
            'A,A,a1,a1@acme.com,"one\ntwo\nthree"\n'
            "B,B,b1,b1@acme.com,x\n"
            'C,C,c1,c1@acme.com,"four\n\nfive"\n'
            "D,D,d1,d1@acme.com,bad,extra\n")
    rep = org.import_users_csv(write(tmp_path, text), on_error="skip")
    assert [r["line"] for r in rep.rows] == [2, 5, 6, 9]
    assert org.users.get("c1").description == "four\n\nfive"
    assert issue(rep) == ImportIssue(9, "", "extra",
                                     "has 6 fields but the header has 5; quote fields that contain commas")


def test_newline_in_a_single_line_field_is_an_error(org, tmp_path):
    path = write(tmp_path, 'FirstName,LastName,Username,Email\nAda,"Love\nlace",ada,ada@acme.com\n')
    rep = org.import_users_csv(path)
    rec = issue(rep, 2, "LastName")
    assert "control characters are not allowed" in rec.message
    assert rec.value == "Love\nlace"
    assert len(org.users) == 0


BROKEN = {
    # name: (file text, line of the error, message start)
    "unterminated_quote": ('FirstName,LastName,Username,Email\nA,B,a,a@acme.com\nC,"D,c,c@acme.com\nE,F,e,e@acme.com\n',
                           3, "a quoted field is never closed"),
    "stray_quote": ('FirstName,LastName,Username,Email\nA,B,a,a@acme.com\nC,D"x,c,c@acme.com\n', 3,
                    "malformed quoting"),
    "text_after_closing_quote": ('FirstName,LastName,Username,Email\r\nA,"B"x,a,a@acme.com\r\n', 2,
                                 "malformed quoting"),
    "stray_quote_after_multiline_record": (
        'FirstName,LastName,Username,Email,Description\nA,B,a,a@acme.com,"x\ny"\nC,D"x,c,c@acme.com,z\n', 4,
        "malformed quoting"),
    "text_after_closing_quote_of_multiline_field": (
        'FirstName,LastName,Username,Email,Description\nA,B,a,a@acme.com,"x\ny"z\n', 3, "malformed quoting"),
    "unterminated_quote_at_end": ('FirstName,LastName,Username,Email\nA,B,a,a@acme.com\n\nC,D,c,"c@acme.com\n', 4,
                                  "a quoted field is never closed"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
@pytest.mark.parametrize("on_error", ["abort", "skip"])
def test_structurally_broken_file_is_one_error_and_nothing_written(d, org, tmp_path, unchanged, name, on_error):
    text, line, message = BROKEN[name]
    path = write(tmp_path, text)
    with unchanged(d):
        rep = org.import_users_csv(path, on_error=on_error)
    assert len(rep.error_records) == 1, rep.error_records
    rec = rep.error_records[0]
    assert (rec.line, rec.column, rec.value) == (line, "", "")
    assert rec.message.startswith(message), rec.message
    assert rep.errors == 1 and rep.rows == [] and rep.created == 0
    assert rep.written is False


def test_a_break_late_in_a_long_file_undoes_the_rows_already_written(d, org, tmp_path, unchanged):
    # Rows are written as they are read: 10,000 good rows go in before the
    # broken quote on the last line, and all of them must go again.
    lines = [",".join(BASE + ["Shoe"])] + [f"F{i},L{i},u{i},u{i}@acme.com,{i}" for i in range(10_000)]
    lines.append('X,"Y,x,x@acme.com,1')
    with unchanged(d):
        rep = org.import_users_csv(write(tmp_path, "\n".join(lines) + "\n"), create_groups=True)
    assert [(i.line, i.column) for i in rep.error_records] == [(10_002, "")]
    assert [w.column for w in rep.warnings] == ["Shoe"], "the header's warnings stay"
    assert rep.written is False and rep.created == 0 and rep.rows == []
    assert len(org.users) == 0


def test_cr_only_line_endings_count_lines(org, tmp_path):
    # Classic-Mac CSV: records end with a lone CR. They are read; lines must count.
    text = "FirstName,LastName,Username,Email\rA,A,a1,a1@acme.com\rB,B,b1,b1@acme.com,extra\r"
    rep = org.import_users_csv(write(tmp_path, text), dry_run=True)
    assert [r["line"] for r in rep.rows] == [2, 3]
    assert issue(rep).line == 3


def test_too_many_fields_names_the_line(org, tmp_path):
    rows = [BASE, person(1), person(2) + ["surplus", "more"], person(3)]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert rep.error_records == [
        ImportIssue(3, "", "surplus", "has 6 fields but the header has 4; quote fields that contain commas")]
    assert [r["status"] for r in rep.rows] == ["not_imported", "error", "not_imported"]
    assert len(org.users) == 0


def test_fewer_fields_than_the_header_is_fine(org, tmp_path):
    text = "FirstName,LastName,Username,Email,Department,Company\nA,B,ab,ab@acme.com\n"
    rep = org.import_users_csv(write(tmp_path, text))
    assert rep.ok and rep.created == 1
    assert org.users.get("ab").department is None


def test_non_utf8_cell_names_row_and_column(org, tmp_path):
    content = ("FirstName,LastName,Username,Email\n".encode() + b"Zo\xeb,Smith,zoe,zoe@acme.com\n"
               + "Ok,Fine,ok,ok@acme.com\n".encode() + b"A,\xff\xfeB,ab,ab@acme.com\n")
    rep = org.import_users_csv(write(tmp_path, content), on_error="skip")
    assert rep.errors == 2 and rep.created == 1
    assert issue(rep, 2) == ImportIssue(2, "FirstName", "Zo\\xeb", "is not valid UTF-8; save the file as UTF-8")
    assert issue(rep, 4) == ImportIssue(4, "LastName", "\\xff\\xfeB", "is not valid UTF-8; save the file as UTF-8")
    assert [u.username for u in org.users] == ["ok"]


def test_non_utf8_header_is_a_warning_not_a_crash(org, tmp_path):
    content = b"FirstName,LastName,Username,Email,Abteilung\xe4\n" + "A,B,ab,ab@acme.com,x\n".encode()
    rep = org.import_users_csv(write(tmp_path, content), dry_run=True)
    assert rep.created == 1 and rep.errors == 0
    assert len(rep.warnings) == 1
    w = rep.warnings[0]
    assert w.line == 1 and "unknown column" in w.message
    assert w.value == "Abteilung\\xe4"


@pytest.mark.parametrize("column", ["Username", "Email"])
def test_key_cell_of_only_a_line_break_is_a_row_error(org, tmp_path, column):
    # A quoted cell holding just a line break is blank once trimmed: the row lacks
    # that key, which is a row error (not an exception out of the import).
    cells = {"FirstName": "A", "LastName": "B", "Username": "ab", "Email": "ab@acme.com"}
    cells[column] = "\r\n"
    text = ",".join(cells) + "\n" + ",".join(f'"{v}"' for v in cells.values()) + "\n" + ",".join(person(1)) + "\n"
    rep = org.import_users_csv(write(tmp_path, text), on_error="skip")
    assert rep.errors == 1 and [r["status"] for r in rep.rows] == ["skipped", "created"]
    assert issue(rep, 2).column == column


def test_utf8_text_is_kept(org, tmp_path):
    path = write(tmp_path, csv_text([BASE + ["Location"], ["Zoë", "Ñúñez", "zoe", "zoe@acme.com", "東京 🗼"]]))
    rep = org.import_users_csv(path)
    assert rep.ok
    u = org.users.get("zoe")
    assert (u.first_name, u.last_name, u.location) == ("Zoë", "Ñúñez", "東京 🗼")


def test_huge_fields_are_length_errors(org, tmp_path):
    big = "d" * 5000
    huge = "F" * (3 << 20)  # 3 MiB: longer than the reader's buffer
    rows = [BASE + ["Description", "Attribute1_name", "Attribute1_value"],
            ["A", "B", "ab", "ab@acme.com", big, "", ""],
            [huge, "B", "cd", "cd@acme.com", "", "", ""],
            ["E", "F", "u" * 65, "ef@acme.com", "", "", ""],
            ["G", "H", "gh", "gh@acme.com", "", "color", "v" * 1025]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert rep.errors == 4
    assert issue(rep, 2) == ImportIssue(2, "Description", "d" * 80 + "...", "is 5000 bytes long; the limit is 1024")
    assert issue(rep, 3) == ImportIssue(3, "FirstName", "F" * 80 + "...", f"is {3 << 20} bytes long; the limit is 64")
    assert issue(rep, 4).column == "Username" and issue(rep, 4).value == "u" * 65
    assert "at most 1024 bytes" in issue(rep, 5).message
    for rec in rep.error_records:
        assert len(rec.value) <= 83 and len(rec.message) < 300
    assert len(org.users) == 0


def test_empty_file_is_a_clean_error(org, tmp_path):
    for content in (b"", b"\n\r\n\n", b"\xef\xbb\xbf"):
        with pytest.raises(dirctl.InvalidArgument, match="is empty"):
            org.import_users_csv(write(tmp_path, content))


def test_header_only_imports_nothing(org, tmp_path):
    rep = org.import_users_csv(write(tmp_path, ",".join(BASE) + "\r\n"))
    assert rep.ok and rep.rows == [] and rep.created == 0


def test_missing_file_is_not_found(org, tmp_path):
    with pytest.raises(dirctl.NotFound, match="cannot open CSV file"):
        org.import_users_csv(tmp_path / "nope.csv")


def test_path_like_and_str_paths(org, tmp_path):
    path = write(tmp_path, csv_text([BASE, person(1)]))
    assert org.import_users_csv(str(path), dry_run=True).created == 1
    assert org.import_users_csv(path, dry_run=True).created == 1


# =============================================================================
# Booleans, unknown columns, enums, required fields
# =============================================================================

TRUE_WORDS = ["true", "TRUE", "True", "yes", "YES", "Yes", "1", "$True", "$TRUE", "$true", " true "]
FALSE_WORDS = ["false", "FALSE", "False", "no", "NO", "No", "0", "$False", "$FALSE", "$false"]


def test_boolean_spellings(org, tmp_path):
    words = [(w, True) for w in TRUE_WORDS] + [(w, False) for w in FALSE_WORDS]
    rows = [BASE + ["sudo", "account_locked", "passwordless_sudo", "password_never_expires"]]
    for n, (w, _) in enumerate(words):
        rows.append(person(n, a=w, b=w, c=w, e=w))
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert rep.ok and rep.created == len(words), rep.error_records
    for n, (w, value) in enumerate(words):
        u = org.users.get(f"user{n}")
        assert (u.sudo, u.account_locked, u.passwordless_sudo, u.password_never_expires) == (value,) * 4, w


@pytest.mark.parametrize("word", ["y", "n", "on", "off", "2", "-1", "t", "f", "truee", "$yes", "sí", "null"])
def test_other_boolean_words_are_errors(org, tmp_path, word):
    rows = [BASE + ["Sudo"], person(1, s=word)]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert rep.error_records == [
        ImportIssue(2, "Sudo", word, "is not a boolean; use true/false, yes/no, 1/0 or $True/$False")]
    assert len(org.users) == 0


def test_unknown_column_is_a_warning(org, tmp_path):
    rows = [BASE + ["ShoeSize"], person(1, s="44")]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert rep.ok and rep.written and rep.created == 1
    assert len(rep.warnings) == 1
    w = rep.warnings[0]
    assert (w.line, w.column, w.value) == (1, "ShoeSize", "ShoeSize")
    assert w.message.startswith("unknown column 'ShoeSize' is ignored")
    assert rep.error_records == []


def test_unknown_column_is_an_error_when_strict(d, org, tmp_path, unchanged):
    rows = [BASE + ["ShoeSize"], person(1, s="44"), person(2, s="45")]
    path = write(tmp_path, csv_text(rows))
    for on_error in ("abort", "skip"):
        with unchanged(d):
            rep = org.import_users_csv(path, strict=True, on_error=on_error)
        assert not rep.written and rep.warnings == []
        assert len(rep.error_records) == 1
        assert rep.error_records[0].line == 1 and rep.error_records[0].column == "ShoeSize"
        assert "refused (strict)" in rep.error_records[0].message
        assert rep.errors >= 1 and not rep.ok
        assert {r["status"] for r in rep.rows} == {"not_imported"}
    dry = org.import_users_csv(path, strict=True, dry_run=True)
    assert not dry.ok and len(dry.error_records) == 1


def test_repeated_column_is_an_error(org, tmp_path):
    rows = [BASE + ["email"], person(1, e="other@acme.com")]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), on_error="skip")
    assert not rep.written and len(org.users) == 0
    assert rep.error_records[0].line == 1 and "repeats column 'Email'" in rep.error_records[0].message


def test_state_enum(org, tmp_path):
    rows = [BASE + ["state"], person(1, s="Staged"), person(2, s=" SUSPENDED "), person(3, s="retired")]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), on_error="skip")
    assert issue(rep) == ImportIssue(4, "state", "retired", "'retired' is not one of: staged, active, suspended, reviewing")
    assert org.users.get("user1").state == "staged"
    assert org.users.get("user2").state == "suspended"
    assert "user3" not in org.users


def test_syntax_checks_per_cell(org, tmp_path):
    rows = [BASE + ["AlternateEmail", "password_expiration_date"],
            ["A", "B", "bad name", "ok1@acme.com", "", ""],
            ["A", "B", "ok2", "not-an-email", "", ""],
            ["A", "B", "ok3", "ok3@acme.com", "nope@", ""],
            ["A", "B", "ok4", "ok4@acme.com", "", "31/12/2027"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert [(i.line, i.column) for i in rep.error_records] == [
        (2, "Username"), (3, "Email"), (4, "AlternateEmail"), (5, "password_expiration_date")]
    assert "is not a valid username" in issue(rep, 2).message
    assert "is not a valid email address" in issue(rep, 3).message
    assert "is not a date" in issue(rep, 5).message


def test_required_fields_for_new_users(org, tmp_path):
    rows = [["FirstName", "LastName", "Username", "Email"],
            ["", "B", "nofirst", "nofirst@acme.com"],
            ["A", "B", "", "nouser@acme.com"],
            ["A", "B", "noemail", ""]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert issue(rep, 2) == ImportIssue(2, "FirstName", "", "is required for a new user (first_name)")
    assert issue(rep, 3) == ImportIssue(3, "Username", "", "is required for a new user (username)")
    assert issue(rep, 4) == ImportIssue(4, "Email", "", "is required for a new user (email)")
    rep2 = org.import_users_csv(write(tmp_path, "Username,Email\nsolo,solo@acme.com\n"))
    assert issue(rep2, 2) == ImportIssue(2, "first_name", "", "is required for a new user (first_name)")
    assert len(org.users) == 0


# =============================================================================
# Modes, on_error, dry_run
# =============================================================================


@pytest.fixture
def ada(org):
    return org.users.create(username="ada", email="ada@acme.com", first_name="Ada", last_name="Lovelace",
                            department="Math", employee_identifier="E-1", job_title="Countess")


def test_create_mode_refuses_existing_users(org, ada, tmp_path):
    rows = [BASE, ["Ada", "Lovelace", "ADA", "new@acme.com"], person(1)]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert issue(rep) == ImportIssue(
        2, "Username", "ADA", "user 'ADA' already exists; import with mode update or upsert to change it")
    assert [r["status"] for r in rep.rows] == ["error", "not_imported"]
    assert len(org.users) == 1


def test_update_mode_changes_given_fields_only(d, org, ada, tmp_path):
    seq = last_seq(d)
    rows = [["Username", "FirstName", "LastName", "Department", "JobTitle", "Company"],
            ["ADA", "", "", "Engines", "", "Babbage & Co"]]  # empty cells leave fields unchanged
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), mode="update")
    assert rep.ok and rep.updated == 1 and rep.created == 0, rep.error_records
    assert rep.rows[0]["status"] == "updated" and rep.rows[0]["user_id"] == ada.id
    u = org.users.get(ada.id)
    assert (u.username, u.first_name, u.last_name, u.department, u.job_title, u.company) == (
        "ada", "Ada", "Lovelace", "Engines", "Countess", "Babbage & Co")
    ev = [e for e in new_events(d, seq) if e.event_type == "user_update"]
    assert len(ev) == 1 and ev[0].resource["id"] == ada.id
    assert sorted((c["field"], c["from"], c["to"]) for c in ev[0].changes) == [
        ("company", None, "Babbage & Co"), ("department", "Math", "Engines")]


def test_update_mode_falls_back_to_email(org, ada, tmp_path):
    rows = [["Email", "Department"], ["ADA@acme.com", "Looms"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), mode="update")
    assert rep.ok and rep.updated == 1, rep.error_records
    assert rep.rows[0]["user_id"] == ada.id
    assert org.users.get("ada").department == "Looms"
    rows = [["Username", "Email", "Department"], ["", "ada@acme.com", "Gears"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), mode="upsert")
    assert rep.ok and rep.updated == 1
    assert org.users.get("ada").department == "Gears"


def test_update_mode_unknown_user_is_an_error(org, ada, tmp_path):
    rows = [["Username", "Email", "Department"], ["ghost", "", "x"], ["", "ghost@acme.com", "y"], ["", "", "z"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), mode="update", on_error="skip")
    assert issue(rep, 2) == ImportIssue(
        2, "Username", "ghost", "no such user in this org; import with mode create or upsert to add it")
    assert issue(rep, 3).column == "Email" and issue(rep, 3).value == "ghost@acme.com"
    assert "needs a Username (or an Email)" in issue(rep, 4).message
    assert rep.skipped == 3 and rep.updated == 0
    assert org.users.get("ada").department == "Math"


def test_upsert_creates_and_updates(d, org, ada, tmp_path):
    seq = last_seq(d)
    rows = [BASE + ["Department"], ["Ada", "Lovelace", "ada", "ada@acme.com", "Engines"], person(1, dep="Ops")]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), mode="upsert")
    assert (rep.created, rep.updated, rep.unchanged) == (1, 1, 0)
    assert [r["status"] for r in rep.rows] == ["updated", "created"]
    assert org.users.get("ada").department == "Engines"
    assert org.users.get("user1").department == "Ops"
    assert user_event_types(d, seq) == ["user_update", "user_create"]


def test_update_cannot_take_another_users_email(org, ada, tmp_path):
    org.users.create(username="bob", email="bob@acme.com")
    rep = org.import_users_csv(write(tmp_path, "Username,Email\nbob,Ada@Acme.com\n"), mode="update")
    assert issue(rep) == ImportIssue(2, "Email", "Ada@Acme.com", "is already the email of user 'ada'")
    assert org.users.get("bob").email == "bob@acme.com"


def test_update_may_keep_its_own_email_and_employee_id(org, ada, tmp_path):
    rows = [["Username", "Email", "EmployeeIdentifier", "Department"], ["ada", "ada@acme.com", "E-1", "Math"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), mode="update")
    assert rep.ok and rep.unchanged == 1 and rep.updated == 0


def test_abort_writes_nothing_and_lists_every_error(d, org, tmp_path, unchanged):
    rows = [BASE + ["sudo", "state"], person(1, s="yes", t=""), person(2, s="maybe", t=""),
            person(3, s="", t=""), person(4, s="", t="gone"), person(5, s="", t="")]
    path = write(tmp_path, csv_text(rows))
    seq = last_seq(d)
    with unchanged(d):
        rep = org.import_users_csv(path)
    assert new_events(d, seq) == []
    assert rep.written is False and rep.errors == 2 and not rep.ok
    assert (rep.created, rep.updated, rep.skipped) == (0, 0, 0)
    assert [(i.line, i.column, i.value) for i in rep.error_records] == [(3, "sudo", "maybe"), (5, "state", "gone")]
    assert [(r["line"], r["status"]) for r in rep.rows] == [
        (2, "not_imported"), (3, "error"), (4, "not_imported"), (5, "error"), (6, "not_imported")]
    assert all(r["user_id"] == 0 for r in rep.rows)


def test_skip_writes_the_valid_rows(d, org, tmp_path):
    rows = [BASE + ["sudo", "state"], person(1, s="yes", t=""), person(2, s="maybe", t=""),
            person(3, s="", t=""), person(4, s="", t="gone"), person(5, s="", t="")]
    seq = last_seq(d)
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), on_error="skip")
    assert rep.written and (rep.created, rep.skipped, rep.errors) == (3, 2, 2)
    assert [(r["line"], r["status"]) for r in rep.rows] == [
        (2, "created"), (3, "skipped"), (4, "created"), (5, "skipped"), (6, "created")]
    assert sorted(u.username for u in org.users) == ["user1", "user3", "user5"]
    assert org.users.get("user1").sudo is True
    assert user_event_types(d, seq) == ["user_create"] * 3


def test_on_error_must_be_abort_or_skip(org, tmp_path):
    path = write(tmp_path, csv_text([BASE, person(1)]))
    with pytest.raises(dirctl.InvalidArgument, match="on_error"):
        org.import_users_csv(path, on_error="ignore")
    with pytest.raises(dirctl.InvalidArgument, match="mode"):
        org.import_users_csv(path, mode="merge")
    assert len(org.users) == 0


def test_dry_run_checks_everything_and_writes_nothing(d, org, ada, tmp_path, unchanged):
    org.user_groups.create("eng")
    org.users.create(username="bob", email="bob@acme.com")
    rows = [BASE + ["EmployeeIdentifier", "Group1", "Department"],
            ["Ada", "Lovelace", "ada", "ada@acme.com", "", "eng", "Math"],         # update: joins eng
            ["B", "B", "bee", "BOB@acme.com", "", "", ""],                         # email taken by bob
            ["C", "C", "cee", "cee@acme.com", "e-1", "", ""],                      # another id (ids are exact)
            ["D", "D", "dee", "dee@acme.com", "E-1", "", ""],                      # ada's employee id
            ["E", "E", "eee", "eee@acme.com", "", "ops", ""],                      # unknown group
            ["F", "F", "fff", "fff@acme.com", "", "", ""]]
    path = write(tmp_path, csv_text(rows))
    seq = last_seq(d)
    with unchanged(d):
        rep = org.import_users_csv(path, mode="upsert", dry_run=True)
    assert new_events(d, seq) == []
    assert rep.dry_run is True and rep.written is False
    assert [(r["line"], r["status"]) for r in rep.rows] == [
        (2, "updated"), (3, "error"), (4, "created"), (5, "error"), (6, "error"), (7, "created")]
    assert rep.rows[0]["groups_added"] == "eng" and rep.rows[0]["user_id"] == ada.id
    assert issue(rep, 3) == ImportIssue(3, "Email", "BOB@acme.com", "is already the email of user 'bob'")
    assert issue(rep, 5) == ImportIssue(5, "EmployeeIdentifier", "E-1",
                                        "is already the employee identifier of user 'ada'")
    assert issue(rep, 6).value == "ops"
    assert (rep.created, rep.updated, rep.errors) == (2, 1, 3)
    # The real import (skip) does what the dry run said.
    real = org.import_users_csv(path, mode="upsert", on_error="skip")
    assert [r["status"] for r in real.rows] == ["updated", "skipped", "created", "skipped", "skipped", "created"]
    assert real.error_records == rep.error_records
    assert (real.created, real.updated) == (rep.created, rep.updated)


def test_dry_run_without_errors_reports_what_would_happen(d, org, ada, tmp_path):
    rows = [BASE + ["Department"], ["Ada", "Lovelace", "ada", "ada@acme.com", "Math"],
            ["Ada", "Lovelace", "ada2", "ada2@acme.com", "Math"]]
    path = write(tmp_path, csv_text(rows))
    seq = last_seq(d)
    rep = org.import_users_csv(path, mode="upsert", dry_run=True)
    assert rep.ok and not rep.written and (rep.created, rep.unchanged) == (1, 1)
    assert [r["status"] for r in rep.rows] == ["unchanged", "created"]
    assert "ada2" not in org.users and new_events(d, seq) == []
    assert "dry run, nothing written" in rep.summary()


# =============================================================================
# Duplicates, groups, re-import
# =============================================================================


def test_duplicates_within_the_file(org, tmp_path):
    rows = [BASE + ["EmployeeIdentifier"],
            ["A", "A", "alice", "alice@acme.com", "E-7"],
            ["B", "B", "bob", "bob@acme.com", ""],
            ["A", "A", "Alice", "alice2@acme.com", ""],     # username, other case
            ["C", "C", "carol", "BOB@acme.com", ""],        # email, other case
            ["D", "D", "dave", "dave@acme.com", "E-7"]]     # employee identifier
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), on_error="skip")
    assert [r["status"] for r in rep.rows] == ["created", "created", "skipped", "skipped", "skipped"]
    assert issue(rep, 4).column == "Username"
    assert issue(rep, 4).message == "duplicate username in the file: also on line 2" + REPEATED_USERNAME
    assert issue(rep, 5).column == "Email" and issue(rep, 5).message == "duplicate email in the file: also on line 3"
    assert issue(rep, 6) == ImportIssue(6, "EmployeeIdentifier", "E-7",
                                        "duplicate employee identifier in the file: also on line 2")
    assert sorted(u.username for u in org.users) == ["alice", "bob"]


def test_duplicate_error_shows_the_value_as_written(org, tmp_path):
    rows = [BASE, ["A", "A", "alice", "alice@acme.com"], ["A", "A", "ALICE", "Alice@Acme.com"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), dry_run=True)
    assert issue(rep, 3, "Username").value == "ALICE"
    assert issue(rep, 3, "Email").value == "Alice@Acme.com"


def test_duplicates_against_the_directory(org, ada, tmp_path):
    rows = [BASE + ["EmployeeIdentifier"],
            ["A", "A", "Ada", "x@acme.com", ""],
            ["B", "B", "b", "ada@ACME.com", ""],
            ["C", "C", "c", "c@acme.com", "E-1"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), on_error="skip")
    assert "already exists" in issue(rep, 2).message
    assert issue(rep, 3) == ImportIssue(3, "Email", "ada@ACME.com", "is already the email of user 'ada'")
    assert issue(rep, 4) == ImportIssue(4, "EmployeeIdentifier", "E-1",
                                        "is already the employee identifier of user 'ada'")
    assert rep.created == 0 and len(org.users) == 1


def test_same_username_in_another_org_is_fine(d, org, ada, tmp_path):
    other = d.orgs.create("globex")
    rep = other.import_users_csv(write(tmp_path, csv_text([BASE, ["Ada", "L", "ada", "ada@acme.com"]])))
    assert rep.ok and rep.created == 1


def test_unknown_group_is_an_error(d, org, tmp_path, unchanged):
    org.user_groups.create("eng")
    rows = [BASE + ["Group1", "Group2"], person(1, a="ENG", b=""), person(2, a="eng", b="ops")]
    with unchanged(d):
        rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert len(rep.error_records) == 1
    rec = rep.error_records[0]
    assert (rec.line, rec.value) == (3, "ops")
    assert rec.message == "no user group 'ops' in this org; create it first or import with create_groups=True"


def test_unknown_group_error_names_its_column(org, tmp_path):
    rows = [BASE + ["Group1", "Group2"], person(1, a="", b="ops")]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), dry_run=True)
    assert issue(rep).column == "Group2"


def test_create_groups(d, org, tmp_path):
    eng = org.user_groups.create("eng")
    rows = [BASE + ["Group1", "Group2"], person(1, a="Eng", b="ops"), person(2, a="OPS", b="data"),
            person(3, a="", b="")]
    seq = last_seq(d)
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), create_groups=True)
    assert rep.ok and rep.created == 3
    assert [r["groups_added"] for r in rep.rows] == ["Eng;ops", "OPS;data", ""]
    assert sorted(g.name for g in org.user_groups) == ["data", "eng", "ops"]  # ops once, as first written
    assert sorted(m.username for m in org.user_groups.members(eng)) == ["user1"]
    assert sorted(m.username for m in org.user_groups.members("ops")) == ["user1", "user2"]
    created = [e for e in new_events(d, seq) if e.event_type == "group_create"]
    assert sorted(e.resource["name"] for e in created) == ["data", "ops"]
    for e in created:
        assert e.message == "created by a user import" and e.org == org.id and e.success
    ev = {e.resource["name"]: e for e in new_events(d, seq) if e.event_type == "user_create"}
    assert {"field": "groups", "from": None, "to": "Eng;ops"} in ev["user1"].changes


def test_create_groups_checks_the_new_group_names(d, org, tmp_path):
    # A group the import would create must be a valid group: a name over 128 bytes is
    # that row's error, seen by the dry run too, not an exception halfway through writing.
    rows = [BASE + ["Group1"], person(1, g="g" * 200), person(2, g="ok")]
    path = write(tmp_path, csv_text(rows))
    dry = org.import_users_csv(path, create_groups=True, dry_run=True)
    assert dry.errors == 1 and [r["status"] for r in dry.rows] == ["error", "created"]
    assert "128" in issue(dry, 2).message
    real = org.import_users_csv(path, create_groups=True, on_error="skip")
    assert [r["status"] for r in real.rows] == ["skipped", "created"]
    assert [g.name for g in org.user_groups] == ["ok"]


def test_create_groups_in_dry_run_creates_nothing(d, org, tmp_path, unchanged):
    rows = [BASE + ["Group1"], person(1, g="new")]
    with unchanged(d):
        rep = org.import_users_csv(write(tmp_path, csv_text(rows)), create_groups=True, dry_run=True)
    assert rep.ok and rep.rows[0]["groups_added"] == "new"


def test_reimport_is_unchanged_and_writes_no_user_events(d, org, tmp_path):
    dev = org.devices.create(hostname="web-01", os="linux")
    rows = [BASE + ["Department", "sudo", "state", "Attribute1_name", "Attribute1_value", "Group1", "Hostname",
                    "Description"]]
    for n in range(1, 6):
        rows.append(person(n, dep="Ops", s="$True", st="Staged", an="tier", av=str(n), g="eng", h="web-01",
                           desc=f"line one\nline {n}"))
    path = write(tmp_path, csv_text(rows, ending="\r\n"))
    first = org.import_users_csv(path, create_groups=True)
    assert first.ok and first.created == 5, first.error_records
    seq = last_seq(d)
    for mode in ("update", "upsert"):
        again = org.import_users_csv(path, mode=mode)
        assert again.ok and again.unchanged == 5 and (again.created, again.updated) == (0, 0)
        assert {r["status"] for r in again.rows} == {"unchanged"}
        assert all(r["groups_added"] == "" for r in again.rows)
    assert user_event_types(d, seq) == []
    assert {e.event_type for e in new_events(d, seq)} <= {"user_import"}
    assert len(org.associations(dev)) == 5


def test_reimport_with_a_password_column_updates(d, org, tmp_path):
    rows = [BASE + ["Password"], person(1, p="Correct-Horse-1")]
    path = write(tmp_path, csv_text(rows))
    assert org.import_users_csv(path).created == 1
    rep = org.import_users_csv(path, mode="upsert")
    assert rep.updated == 1  # a password is re-hashed: it cannot be compared


# =============================================================================
# Exact error records
# =============================================================================


def test_exact_error_records(org, tmp_path):
    long_name = "N" * 200
    rows = [BASE + ["JobTitle", "sudo", "Password"],
            ["A", "B", "ok", "ok@acme.com", "", "", ""],
            [long_name, "B", "c", "c@acme.com", "", "", ""],
            ["A", "B", "d", "d@acme.com", "", "nah", ""],
            ["A", "B", "e", "e@acme.com", "", "", "short"]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)))
    assert rep.error_records == [
        ImportIssue(3, "FirstName", "N" * 80 + "...", "is 200 bytes long; the limit is 64"),
        ImportIssue(4, "sudo", "nah", "is not a boolean; use true/false, yes/no, 1/0 or $True/$False"),
        ImportIssue(5, "Password", "[redacted]", "a password needs at least 8 characters"),
    ]
    assert all(isinstance(i, ImportIssue) for i in rep.error_records)
    assert str(rep.error_records[1]) == ("line 4, column sudo: is not a boolean; use true/false, yes/no, 1/0 or "
                                         "$True/$False (value 'nah')")


def test_multibyte_value_is_cut_on_a_character(org, tmp_path):
    value = "é" * 100
    rep = org.import_users_csv(write(tmp_path, csv_text([BASE, [value, "B", "c", "c@acme.com"]])))
    assert issue(rep).value == "é" * 40 + "..."


# =============================================================================
# Passwords
# =============================================================================

SECRET = "Tr0ub4dor&3-horse-staple"
SECRET2 = "another-Secret-99"


def test_passwords_are_argon2id_and_never_leave(tmp_path, capfd):
    db = tmp_path / "dir.db"
    dirctl.set_log_level("trace")
    try:
        with dirctl.open(db) as d:
            org = d.orgs.create("acme")
            rows = [BASE + ["Password"], person(1, p=SECRET), person(2, p=SECRET2), person(3, p="")]
            path = write(tmp_path, csv_text(rows))
            rep = org.import_users_csv(path)
            assert rep.ok and rep.created == 3
            upd = org.import_users_csv(write(tmp_path, csv_text([["Username", "Password"], ["user3", SECRET]]),
                                             "upd.csv"), mode="update")
            assert upd.updated == 1
            bad = org.import_users_csv(write(tmp_path, csv_text([BASE + ["Password", "sudo"],
                                                                 person(4, p=SECRET, s="bogus")]), "bad.csv"))
            assert bad.errors == 1
            dry = org.import_users_csv(path, mode="upsert", dry_run=True)
            events = d.events()
            ids = {u.username: u.id for u in org.users}
            for u in org.users:
                assert "password" not in u.to_dict()
        out, err = capfd.readouterr()
    finally:
        dirctl.set_log_level("off")
    assert "dirctl" in err + out  # the trace log was on and captured
    for text in (out, err):
        assert SECRET not in text and SECRET2 not in text
    # Reports
    for report in (rep, upd, bad, dry):
        blob = repr(report) + repr(report.rows) + repr(report.error_records) + repr(report.warnings)
        assert SECRET not in blob and SECRET2 not in blob
        assert SECRET not in report.errors_frame().to_string() + report.to_frame().to_string()
    # Events: the password shows as "[redacted]" only
    blob = json.dumps([(e.event_type, e.changes, e.message) for e in events])
    assert SECRET not in blob and SECRET2 not in blob and "$argon2" not in blob
    creates = {e.resource["name"]: e for e in events if e.event_type == "user_create"}
    pw = [c for c in creates["user1"].changes if c["field"] == "password"]
    assert pw == [{"field": "password", "from": None, "to": "[redacted]"}]
    assert not any(c["field"] == "password" for c in creates["user3"].changes)
    update = [e for e in events if e.event_type == "user_update"][0]
    assert update.changes == [{"field": "password", "from": None, "to": "[redacted]"},
                              {"field": "activated", "from": False, "to": True}]  # a password activates
    # Storage: Argon2id PHC strings, salted, and no plaintext anywhere in the file
    con = sqlite3.connect(db)
    try:
        hashes = dict(con.execute("select username, password_hash from users"))
    finally:
        con.close()
    assert hashes["user1"].startswith("$argon2id$v=19$") and hashes["user2"].startswith("$argon2id$")
    assert hashes["user3"].startswith("$argon2id$") and hashes["user3"] != hashes["user1"]  # same secret, new salt
    assert "user4" not in hashes
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("dir.db"))
    assert SECRET.encode() not in raw and SECRET2.encode() not in raw
    assert set(ids) == {"user1", "user2", "user3"}


def test_password_hash_is_kept_as_is(tmp_path):
    db = tmp_path / "dir.db"
    with dirctl.open(db) as d:
        acme = d.orgs.create("acme")
        acme.import_users_csv(write(tmp_path, csv_text([BASE + ["Password"], person(1, p=SECRET)])))
        con = sqlite3.connect(db)
        (phc,) = con.execute("select password_hash from users where username='user1'").fetchone()
        con.close()
        globex = d.orgs.create("globex")
        rows = [BASE + ["PasswordHash"], person(1, h=phc), person(2, h=f"  {phc} "), person(3, h="$argon2id$bogus")]
        rep = globex.import_users_csv(write(tmp_path, csv_text(rows), "hash.csv"), on_error="skip")
        assert rep.created == 2 and rep.errors == 1
        assert issue(rep, 4) == ImportIssue(
            4, "PasswordHash", "[redacted]", "is not an Argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)")
        for e in d.events():
            assert phc not in json.dumps(e.changes)
    con = sqlite3.connect(db)
    try:
        stored = [h for (h,) in con.execute(
            "select password_hash from users where org_id=? order by username", (globex.id,))]
    finally:
        con.close()
    assert stored == [phc, phc]


def test_dry_run_with_passwords_writes_nothing(d, org, tmp_path, unchanged):
    path = write(tmp_path, csv_text([BASE + ["Password"], person(1, p=SECRET)]))
    with unchanged(d):
        rep = org.import_users_csv(path, dry_run=True)
    assert rep.ok and rep.created == 1 and not rep.written


# =============================================================================
# Events and transactions
# =============================================================================


def test_events_one_per_user_and_a_summary(d, org, ada, tmp_path):
    rows = [BASE + ["Department"], ["Ada", "Lovelace", "ada", "ada@acme.com", "Engines"], person(1, dep="Ops"),
            person(2, dep="Ops")]
    path = write(tmp_path, csv_text(rows))
    seq = last_seq(d)
    rep = org.import_users_csv(path, mode="upsert")
    evs = new_events(d, seq)
    assert [e.event_type for e in evs] == ["user_update", "user_create", "user_create", "user_import"]
    assert all(e.success and e.org == org.id and e.initiated_by["type"] == "system" for e in evs)
    assert [e.resource["name"] for e in evs[:3]] == ["ada", "user1", "user2"]
    assert evs[1].resource["id"] == org.users.get("user1").id
    assert ("department", None, "Ops") in [(c["field"], c["from"], c["to"]) for c in evs[1].changes]
    summary = evs[-1]
    assert summary.message == (f"imported '{path}': {rep.created} created, {rep.updated} updated, "
                               "0 unchanged, 0 skipped, 0 with errors")
    assert summary.resource["id"] == org.id
    assert [e.seq for e in evs] == list(range(seq + 1, seq + 5))  # nothing in between


def test_aborted_or_denied_import_leaves_no_events(d, org, tmp_path):
    seq = last_seq(d)
    rep = org.import_users_csv(write(tmp_path, csv_text([BASE, person(1), ["x", "y", "bad name", "z@acme.com"]])))
    assert not rep.written and new_events(d, seq) == []


def test_import_inside_a_rolled_back_batch_leaves_nothing(d, org, tmp_path, snapshot):
    path = write(tmp_path, csv_text([BASE + ["Group1"], person(1, g="new"), person(2, g="new")]))
    before = snapshot(d)
    with pytest.raises(RuntimeError), d.batch():
        rep = org.import_users_csv(path, create_groups=True)
        assert rep.written and len(org.users) == 2
        raise RuntimeError("roll back")
    assert snapshot(d) == before


def test_import_inside_a_committed_batch(d, org, tmp_path):
    path = write(tmp_path, csv_text([BASE, person(1)]))
    with d.batch():
        org.import_users_csv(path)
        org.users.update("user1", department="Ops")
    assert org.users.get("user1").department == "Ops"


def test_import_persists_across_reopen(tmp_path):
    db = tmp_path / "dir.db"
    path = write(tmp_path, csv_text([BASE + ["Group1"], person(1, g="eng"), person(2, g="eng")]))
    with dirctl.open(db) as d:
        d.orgs.create("acme").import_users_csv(path, create_groups=True)
    with dirctl.open(db) as d:
        org = d.orgs.get("acme")
        assert sorted(u.username for u in org.user_groups.members("eng")) == ["user1", "user2"]
        assert [e.event_type for e in d.events()][-1] == "user_import"
        assert d.integrity_check() == "ok"


# =============================================================================
# The report
# =============================================================================


def test_report_shape_and_frames(org, tmp_path):
    rows = [BASE + ["Group1", "Shoe"], person(1, g="eng", s="1"), person(2, g="", s="2"),
            ["x", "y", "bad name", "q@acme.com", "", ""]]
    rep = org.import_users_csv(write(tmp_path, csv_text(rows)), on_error="skip", create_groups=True)
    assert isinstance(rep, ImportReport)
    assert (rep.created, rep.updated, rep.unchanged, rep.skipped, rep.errors) == (2, 0, 0, 1, 1)
    assert rep.dry_run is False and rep.written is True and rep.ok is False
    assert isinstance(rep.duration, float) and 0 < rep.duration < 30
    assert all(isinstance(w, ImportIssue) for w in rep.warnings) and len(rep.warnings) == 1
    assert [set(r) for r in rep.rows] == [{"line", "username", "status", "user_id", "groups_added", "device_bound"}] * 3
    frame = rep.to_frame()
    assert list(frame.index) == [2, 3, 4] and frame.index.name == "line"
    assert list(frame.columns) == ["username", "status", "user_id", "groups_added", "device_bound"]
    assert list(frame["status"]) == ["created", "created", "skipped"]
    assert frame.loc[2, "user_id"] == org.users.get("user1").id and frame.loc[2, "groups_added"] == "eng"
    errors = rep.errors_frame()
    assert list(errors.columns) == ["line", "column", "value", "message"]
    assert errors.to_dict("records") == [
        {"line": 4, "column": "Username", "value": "bad name", "message": issue(rep).message}]
    assert "2 created" in repr(rep) and "1 skipped" in repr(rep) and "1 warnings" in rep.summary()


def test_report_rows_stay_columns_until_asked_for(org, tmp_path):
    rep = org.import_users_csv(_big_csv(tmp_path, 5000))
    assert len(rep) == 5000 and "_columns" not in vars(rep) and "rows" not in vars(rep)
    frame = rep.to_frame()
    assert str(frame["status"].dtype) == "category" and set(frame["status"].cat.categories) >= {"created", "error"}
    assert frame["user_id"].dtype.kind == "i" and frame.index.dtype.kind == "i"
    assert (frame["status"] == "created").all() and frame.index[0] == 2 and frame.index[-1] == 5001
    assert rep.rows[4999] == {"line": 5001, "username": "user4999", "status": "created",
                              "user_id": org.users.get("user4999").id, "groups_added": "", "device_bound": ""}
    assert rep.rows is rep.rows  # built once


def test_errors_come_in_file_order_across_the_whole_file(org, tmp_path):
    # Cells are checked in chunks on worker threads, duplicates afterwards:
    # the report still lists every error by line.
    n = 20_000
    lines = [",".join(BASE + ["sudo"])]
    for i in range(n):
        username = "user1" if i == n - 1 else f"user{i}"  # a duplicate on the last line
        sudo = "maybe" if i % 4999 == 0 else "no"  # bad cells in several chunks
        lines.append(f"F{i},L{i},{username},x{i}@acme.com,{sudo}")
    rep = org.import_users_csv(write(tmp_path, "\n".join(lines) + "\n"))
    bad_lines = [i + 2 for i in range(n) if i % 4999 == 0] + [n + 1]
    assert [e.line for e in rep.error_records] == bad_lines
    assert rep.error_records[-1].message == "duplicate username in the file: also on line 3" + REPEATED_USERNAME
    assert rep.errors == len(bad_lines) and not rep.written and len(org.users) == 0


def test_a_large_load_keeps_every_index_and_key(d, org, tmp_path, db_path):
    # 20,000 rows into an almost empty directory: the users' and edges' indexes
    # are set aside while loading and built again before the commit.
    def index_sql(con):
        return sorted(con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'").fetchall())

    with dirctl.open(db_path) as fd:
        big = fd.orgs.create("big")
        with sqlite3.connect(db_path) as con:
            before = index_sql(con)
        lines = [",".join(BASE + ["EmployeeIdentifier", "Group1"])]
        lines += [f"F{i},L{i},user{i},user{i}@acme.com,E{i},g{i % 10}" for i in range(20_000)]
        rep = big.import_users_csv(write(tmp_path, "\n".join(lines) + "\n"), create_groups=True)
        assert rep.created == 20_000 and fd.integrity_check() == "ok"
        with pytest.raises(dirctl.Conflict):
            big.users.create(username="USER7", email="new@acme.com")
        with pytest.raises(dirctl.Conflict):
            big.users.create(username="new", email="User7@ACME.com")
        assert len(big.user_groups.members("g3")) == 2000
    with sqlite3.connect(db_path) as con:
        assert index_sql(con) == before
        plan = " ".join(r[-1] for r in con.execute("EXPLAIN QUERY PLAN SELECT a FROM edges WHERE b = 5"))
        assert "edges_b" in plan
    with dirctl.open(db_path) as fd:
        assert len(fd.orgs.get("big").users) == 20_000


def test_empty_frames(org, tmp_path):
    rep = org.import_users_csv(write(tmp_path, ",".join(BASE) + "\n"))
    assert len(rep.to_frame()) == 0 and len(rep.errors_frame()) == 0
    assert len(rep) == 0 and rep and rep.rows == []
    assert rep.ok


def _big_csv(tmp_path, n, name="big.csv", prefix="user"):
    lines = [",".join(BASE + ["Department"])]
    lines += [f"F{i},L{i},{prefix}{i},{prefix}{i}@acme.com,dept{i % 7}" for i in range(n)]
    return write(tmp_path, "\n".join(lines) + "\n", name)


def test_progress_callable(org, tmp_path):
    path = _big_csv(tmp_path, 3000)
    calls = []
    rep = org.import_users_csv(path, progress=lambda done, total: calls.append((done, total)))
    assert rep.created == 3000
    assert calls[-1] == (3000, 3000)
    assert len(calls) >= 2  # at least one while reading, and the end
    for done, total in calls:
        assert isinstance(done, int) and isinstance(total, int)
        assert total in (0, 3000) and 0 <= done <= 3000
    small = []
    org.import_users_csv(write(tmp_path, csv_text([BASE, person(1)])), progress=lambda *a: small.append(a))
    assert small == [(1, 1)]


def test_progress_true_uses_tqdm(org, tmp_path, capfd):
    pytest.importorskip("tqdm")
    rep = org.import_users_csv(_big_csv(tmp_path, 1500), progress=True)
    assert rep.created == 1500
    err = capfd.readouterr().err
    assert "import" in err and "1500" in err


def test_progress_false_and_none(org, tmp_path):
    path = write(tmp_path, csv_text([BASE, person(1)]))
    assert org.import_users_csv(path, progress=False, dry_run=True).created == 1
    assert org.import_users_csv(path, progress=None, dry_run=True).created == 1
    with pytest.raises(dirctl.InvalidArgument, match="progress"):
        org.import_users_csv(path, progress="yes please")


def test_progress_callback_that_raises_stops_the_import(d, org, tmp_path, unchanged):
    path = _big_csv(tmp_path, 3000)

    def boom(done, total):
        raise ValueError("stop here")

    with unchanged(d), pytest.raises(ValueError, match="stop here"):
        org.import_users_csv(path, progress=boom)


# =============================================================================
# Acting views
# =============================================================================


@pytest.fixture
def staff(d, org):
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    return {role: d.admins.create(email=f"{role}@acme.com", role=role, orgs=[org])
            for role in ("help_desk", "read_only", "command_runner", "manager")}


def test_help_desk_may_import(d, org, staff, tmp_path):
    hd = staff["help_desk"]
    seq = last_seq(d)
    rep = d.as_admin(hd).orgs.get("acme").import_users_csv(write(tmp_path, csv_text([BASE, person(1), person(2)])))
    assert rep.ok and rep.created == 2
    evs = new_events(d, seq)
    assert [e.event_type for e in evs] == ["user_create", "user_create", "user_import"]
    assert all(e.initiated_by["type"] == "admin" and e.initiated_by["id"] == hd.id for e in evs)


def test_help_desk_import_cannot_touch_groups(d, org, staff, tmp_path):
    # help_desk has groups: read, so add_member is denied to it; an import must not do it either.
    eng = org.user_groups.create("eng")
    view = d.as_admin(staff["help_desk"]).orgs.get("acme")
    with pytest.raises(dirctl.PermissionDenied):
        view.user_groups.add_member(eng, org.users.create(username="z", email="z@acme.com"))
    rows = [BASE + ["Group1"], person(1, g="eng"), person(2, g="brand-new")]
    try:
        rep = view.import_users_csv(write(tmp_path, csv_text(rows)), create_groups=True, on_error="skip")
    except dirctl.PermissionDenied:
        rep = None
    assert org.user_groups.members(eng) == []
    assert "brand-new" not in org.user_groups
    if rep is not None:
        assert rep.errors == 2


def test_manager_may_import_with_groups(d, org, staff, tmp_path):
    view = d.as_admin(staff["manager"]).orgs.get("acme")
    rep = view.import_users_csv(write(tmp_path, csv_text([BASE + ["Group1"], person(1, g="eng")])),
                                create_groups=True)
    assert rep.ok and [m.username for m in org.user_groups.members("eng")] == ["user1"]


def test_read_only_may_only_dry_run(d, org, staff, tmp_path, unchanged):
    ro = d.as_admin(staff["read_only"]).orgs.get("acme")
    path = write(tmp_path, csv_text([BASE, person(1)]))
    with unchanged(d):
        dry = ro.import_users_csv(path, dry_run=True)
    assert dry.ok and dry.created == 1
    assert [w.message for w in dry.warnings] == [
        "this is what the file would do; an import by this actor would be refused: " + d.check(
            staff["read_only"], "bulk_user_imports.edit", org).reason]
    seq = last_seq(d)
    before = len(org.users)
    with pytest.raises(dirctl.PermissionDenied) as info:
        ro.import_users_csv(path)
    assert info.value.rule == "role_matrix" and "bulk_user_imports" in str(info.value)
    assert len(org.users) == before
    evs = new_events(d, seq)
    assert [(e.event_type, e.success) for e in evs] == [("user_import", False)]
    assert evs[0].initiated_by["email"] == "read_only@acme.com"


def test_command_runner_is_denied_and_audited(d, org, staff, tmp_path, unchanged):
    cr = d.as_admin(staff["command_runner"])
    path = write(tmp_path, csv_text([BASE, person(1)]))
    for dry_run in (True, False):
        seq = last_seq(d)
        with pytest.raises(dirctl.PermissionDenied, match="bulk_user_imports"):
            import_users_csv(cr, org.id, path, dry_run=dry_run)
        evs = new_events(d, seq)
        assert [(e.event_type, e.success) for e in evs] == [("user_import", False)]
        assert evs[0].initiated_by["email"] == "command_runner@acme.com"
    assert len(org.users) == 0


def test_view_import_of_a_protected_user_is_a_row_error(d, org, staff, tmp_path):
    u = org.users.create(username="ann", email="ann@acme.com", first_name="Ann", last_name="A")
    d.admins.create_from_user(enrolled(u), role="manager")
    view = d.as_admin(staff["help_desk"]).orgs.get("acme")
    rep = view.import_users_csv(write(tmp_path, "Username,Department\nann,Ops\n"), mode="update")
    assert rep.errors == 1 and not rep.written
    assert "holds an admin role" in issue(rep, 2).message
    assert org.users.get("ann").department is None


def test_admin_linked_users_email_change_agrees_with_dry_run(d, org, tmp_path):
    # A user with an admin role keeps the admin's email; the dry run must say so too,
    # and the real import must report it as a row error, not stop with an exception.
    u = org.users.create(username="ann", email="ann@acme.com", first_name="Ann", last_name="A")
    d.admins.create_from_user(enrolled(u), role="manager")
    path = write(tmp_path, "Username,Email,Department\nann,ann.new@acme.com,Ops\nbob,bob@acme.com,Ops\n")
    dry = org.import_users_csv(path, mode="upsert", dry_run=True, on_error="skip")
    try:
        real = org.import_users_csv(path, mode="upsert", on_error="skip")
    except dirctl.Error as exc:
        pytest.fail(f"dry run reported {dry.rows[0]['status']!r} but the import raised: {exc}")
    assert dry.rows[0]["status"] == "error" and real.rows[0]["status"] == "skipped"
    assert org.users.get("ann").email == "ann@acme.com"


# =============================================================================
# A killed import
# =============================================================================

KILL_CHILD = r"""
import os, sys, dirctl
db, csv_path, how, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
d = dirctl.open(db)
org = d.orgs.get("acme")

def progress(done, total):
    # Without passwords, rows are checked and written as the file is read,
    # inside the import's write transaction, which commits after the last row:
    # a call past a third of the rows comes in the middle of the writing.
    if rows // 3 <= done < rows:
        print(f"writing {done}", flush=True)
        if how == "exit":
            os._exit(3)

print("start", flush=True)
org.import_users_csv(csv_path, create_groups=True, progress=progress)
print("finished", flush=True)
"""

ROWS_TO_KILL = 100_000  # large enough that writing spans several progress calls


def _prepare_kill(tmp_path):
    db = tmp_path / "kill.db"
    with dirctl.open(db) as d:
        org = d.orgs.create("acme")
        org.users.create(username="keeper", email="keeper@acme.com")
        seq = d._core.last_event_seq()
    lines = [",".join(BASE + ["Department", "Group1"])]
    lines += [f"F{i},L{i},bulk{i},bulk{i}@acme.com,dept{i % 9},g{i % 4}" for i in range(ROWS_TO_KILL)]
    path = write(tmp_path, "\n".join(lines) + "\n", "big.csv")
    return db, path, seq


def _check_after_kill(db, seq):
    with dirctl.open(db) as d:
        assert d.integrity_check() == "ok"
        org = d.orgs.get("acme")
        assert [u.username for u in org.users] == ["keeper"]
    with sqlite3.connect(db) as con:  # the indexes a large load sets aside are all there
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"users_username", "users_email", "users_employee_identifier", "edges_b", "events_type"} <= names
    with dirctl.open(db) as d:
        org = d.orgs.get("acme")
        assert len(org.user_groups) == 0
        assert d.events(after_seq=seq) == []


@pytest.mark.slow
def test_import_killed_from_its_progress_callback(tmp_path, run_python):
    db, path, seq = _prepare_kill(tmp_path)
    proc = run_python(KILL_CHILD, db, path, "exit", str(ROWS_TO_KILL), check=False, timeout=120)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "writing" in proc.stdout and "finished" not in proc.stdout
    _check_after_kill(db, seq)


@pytest.mark.slow
def test_import_killed_by_sigkill(tmp_path, spawn_python):
    db, path, seq = _prepare_kill(tmp_path)
    proc = spawn_python(KILL_CHILD, db, path, "signal", str(ROWS_TO_KILL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line or line.startswith("writing"):
            break
    assert line.startswith("writing"), (line, proc.stderr.read() if proc.poll() is not None else "")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _check_after_kill(db, seq)
