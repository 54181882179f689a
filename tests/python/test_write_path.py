"""One write path (issue 15): a user created through the API and the same user imported
from a CSV are stored byte for byte alike, row and audit event; the layer rules hold."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from pathlib import Path

import dirctl

ROOT = Path(__file__).resolve().parents[2]

FIELDS = {
    "username": "ada", "email": "ada@x.com", "first_name": "Ada", "last_name": "Lovelace",
    "middle_name": "King", "display_name": "Ada L", "job_title": "Analyst", "department": "R&D",
    "employee_identifier": "E-1", "cost_center": "CC", "company": "Engines", "employee_type": "staff",
    "description": "first\nprogrammer", "location": "London", "alternate_email": "ada@alt.com",
    "manager": "babbage", "account_locked": True, "sudo": True, "passwordless_sudo": False,
    "password_never_expires": True, "state": "staged", "password_expiration_date": "2030-01-01",
    "mfa_status": "not_enrolled",
}
TEMPLATE = {
    "first_name": "FirstName", "last_name": "LastName", "username": "Username", "email": "Email",
    "middle_name": "MiddleName", "display_name": "DisplayName", "job_title": "JobTitle",
    "employee_identifier": "EmployeeIdentifier", "department": "Department", "cost_center": "CostCenter",
    "company": "Company", "employee_type": "EmployeeType", "description": "Description", "location": "Location",
    "alternate_email": "AlternateEmail", "manager": "Manager",
}


def _rows(path: Path, sql: str) -> list[tuple]:
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_create_and_import_store_identical_rows_and_events(tmp_path):
    db = tmp_path / "d.db"
    with dirctl.open(db) as d:
        by_api, by_csv = d.orgs.create("api"), d.orgs.create("csv")
        by_api.users.create(**FIELDS)
        path = tmp_path / "u.csv"
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            names = list(FIELDS)
            w.writerow([TEMPLATE.get(n, n) for n in names])
            w.writerow([("true" if v else "false") if isinstance(v, bool) else v for v in FIELDS.values()])
        report = by_csv.import_users_csv(path)
        assert report.created == 1, report.error_records
    cols = [r[1] for r in _rows(db, "PRAGMA table_info(users)") if r[1] not in ("id", "org_id", "created", "updated")]
    rows = _rows(db, f"SELECT {', '.join(cols)} FROM users ORDER BY org_id")
    assert len(rows) == 2 and rows[0] == rows[1]
    ev_cols = ("event_type, initiated_by_type, initiated_by_id, initiated_by_email, resource_type, resource_name,"
               " target_type, target_id, target_name, success, changes, message")
    events = _rows(db, f"SELECT {ev_cols}, typeof(target_type), typeof(message) FROM events"
                       " WHERE event_type = 'user_create' ORDER BY seq")
    assert len(events) == 2 and events[0] == events[1]


def test_layer_rules_hold():
    """No SQL outside store/, no Directory::Impl outside directory/, include arrows one way."""
    proc = subprocess.run([sys.executable, str(ROOT / "tests" / "check_layers.py")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_creation_event_stores_what_was_given_and_reads_whole(tmp_path):
    db = tmp_path / "d.db"
    with dirctl.open(db) as d:
        d.orgs.create("acme").users.create(username="bo", email="bo@x.com")
        [event] = d.events(type="user_create")
        shown = {c["field"]: c for c in event.changes}
    [(raw,)] = _rows(db, "SELECT changes FROM events WHERE event_type = 'user_create'")
    assert raw == '[["username",null,"bo"],["email",null,"bo@x.com"]]'  # the defaults are not stored
    assert {"username", "email", "state", "mfa_status", "sudo"} <= set(shown)  # but they are read back
