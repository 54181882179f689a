"""Email address syntax (RFC 5321/5322, issue #12) through the Python API.

Any syntactically valid address is accepted whatever its top-level label
(JumpCloud's own tests use domains like ImportCSVUser.k3j9q); a refusal is an
InvalidArgument naming the field and saying why, and an import reports the
line and the Email column of each refused cell.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import dirctl

GOOD = [
    "name@example.me2",
    '"quoted local"@example.com',
    'a+tag@example.com',
    "user@xn--bcher-kva.example",
    "x@ImportCSVUser.k3j9q",
    '"a\\"b"@example.com',
    "a@[192.0.2.1]",
    "a" * 64 + "@example.com",
]

BAD = [
    ("a" * 65 + "@example.com", "the local part is 65 octets; the limit is 64"),
    ("a..b@example.com", "two dots in a row"),
    ("user@bücher.example", "'bücher' has non-ASCII characters; write the domain in punycode (xn--"),
    ("user@localhost", "has a single label"),
    ('"open@example.com', "must close its quote"),
    ("a@b_c.com", "the domain label 'b_c' may contain only letters, digits and '-'"),
    ("a(comment)@example.com", "comments"),
]


def csv_file(tmp_path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path = tmp_path / "users.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("email", GOOD)
def test_create_accepts(org, email):
    user = org.users.create(username="alice", email=email)
    assert user.email == email
    assert org.users.get("alice").email == email


@pytest.mark.parametrize(("email", "reason"), BAD)
def test_create_refuses_naming_field_and_reason(d, org, unchanged, email, reason):
    with unchanged(d), pytest.raises(dirctl.InvalidArgument) as err:
        org.users.create(username="alice", email=email)
    message = str(err.value)
    assert "field 'email'" in message
    assert "is not a valid email address: " in message
    assert reason in message


def test_update_and_alternate_email_use_the_same_rule(org):
    org.users.create(username="alice", email="alice@example.com")
    assert org.users.update("alice", email="alice@example.me2").email == "alice@example.me2"
    with pytest.raises(dirctl.InvalidArgument, match="field 'alternate_email'.*two dots in a row"):
        org.users.update("alice", alternate_email="a..b@example.com")
    assert org.users.get("alice").email == "alice@example.me2"


def test_trimmed_but_spaces_inside_quotes_kept(org):
    user = org.users.create(username="alice", email='  "john doe"@example.com  ')
    assert user.email == '"john doe"@example.com'


def test_import_reports_line_and_column_and_imports_good_addresses(org, tmp_path):
    path = csv_file(tmp_path, [
        ["FirstName", "LastName", "Username", "Email"],
        ["Ada", "L", "ada", "ada@example.me2"],
        ["Bob", "B", "bob", "bob..x@example.com"],
        ["Cy", "C", "cy", "cy@bücher.example"],
        ["Di", "D", "di", "di@ImportCSVUser.k3j9q"],
    ])
    rep = org.import_users_csv(path, on_error="skip")
    assert [(i.line, i.column) for i in rep.error_records] == [(3, "Email"), (4, "Email")]
    bob, cy = rep.error_records
    assert bob.value == "bob..x@example.com" and "two dots in a row" in bob.message
    assert "is not a valid email address" in cy.message and "punycode (xn--" in cy.message
    assert org.users.get("ada").email == "ada@example.me2"
    assert org.users.get("di").email == "di@ImportCSVUser.k3j9q"
    assert "bob" not in org.users and "cy" not in org.users
