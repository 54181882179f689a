"""Bulk import figures, each beside its baselines, on one generated file.

    python bench/import_bench.py [rows=1000000] [folder=/tmp/dirctl_import_bench]
                                 [floor=build/bench/bench/import_floor]

Writes a template CSV (rows users, 3 groups each out of 1,000, no passwords),
then times on that same file:
- the floor for the same rows: bench/import_floor (C++, `make bench` builds it),
  SQLite alone writing the rows and events dirctl writes, run first;
- dirctl: org.import_users_csv(..., create_groups=True), end to end, in a fresh
  process so its peak memory can be read, with the file's bytes per user, against
  the floor (issue #15: >= 90% of it, >= 120,000 rows/s, <= 600 bytes per user,
  peak memory <= 730 MB);
- the floor: the sqlite3 command line's `.import --csv` into a bare table;
- a straightforward Python importer: the csv module and sqlite3, with the same
  checks (required fields, email and username syntax, booleans, duplicates
  within the file, groups), one transaction, user rows, memberships and one
  event per user (the issue's baseline: lean tables of its own);
- the same importer writing what dirctl writes (like for like): dirctl's own
  file and tables, every user column, each user's event with its changes and
  the events' indexes, memberships with their reverse index.
Then 200 rows with passwords through dirctl, for Argon2id hashes per second.
"""

from __future__ import annotations

import csv
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
USERNAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$")
BOOLS = {"true": 1, "yes": 1, "1": 1, "$true": 1, "false": 0, "no": 0, "0": 0, "$false": 0}


# The rest of JumpCloud's template (issue #12): with wide=True every one is a
# column of the file, its cells empty, to show what carrying them costs.
WIDE = ["MiddleName", "DisplayName", "JobTitle", "EmployeeIdentifier", "CostCenter", "Company", "EmployeeType",
        "Description", "Location", "AlternateEmail", "Manager", "account_locked", "passwordless_sudo",
        "password_never_expires", "state"] + [f"{k}_{p}" for k in ("home", "work") for p in (
            "streetAddress", "poBox", "city", "state", "postalCode", "country")] + [
        "mobile_number", "home_number", "work_number", "work_mobile_number", "work_fax_number", "managedAppleID",
        "unix_uid", "unix_guid", "enable_managed_uid", "enable_user_portal_multifactor", "EnrollmentDays",
        "ldapserver_id", "ldap_binding_user", "allow_public_key", "externally_managed", "external_dn",
        "external_source_type", "Attribute1_name", "Attribute1_value", "SystemID", "Administrator"]


def generate(path: Path, rows: int, passwords: bool = False, wide: bool = False) -> None:
    blank = [""] * len(WIDE) if wide else []
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["FirstName", "LastName", "Username", "Email", "Department", "sudo", "Group1", "Group2", "Group3"]
                     + (["Password"] if passwords else []) + (WIDE if wide else []))
        for i in range(rows):
            out.writerow([f"First{i}", f"Last{i}", f"user{i}", f"user{i}@example.com", ("Eng", "IT", "Sales")[i % 3],
                          "false", f"g{i % 1000}", f"g{(i * 7 + 1) % 1000}", f"g{(i * 13 + 2) % 1000}"]
                         + ([f"secret-password-{i}"] if passwords else []) + blank)


CHILD = """
import sys, time, resource, dirctl
db, csv_path = sys.argv[1], sys.argv[2]
with dirctl.open(db) as d:
    org = d.orgs.create("bench")
    t0 = time.perf_counter()
    r = org.import_users_csv(csv_path, create_groups=True)
    took = time.perf_counter() - t0
print(took, r.created, r.errors, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def dirctl_import(db: Path, csv_path: Path) -> tuple[float, int, int, int]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(db), str(csv_path)], check=True, capture_output=True,
                         text=True, env={**os.environ}).stdout.split()
    return float(out[0]), int(out[1]), int(out[2]), int(out[3])


def python_import(db: Path, csv_path: Path) -> int:
    con = sqlite3.connect(db)
    con.executescript("""
        CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT UNIQUE, email TEXT UNIQUE COLLATE NOCASE,
                           first_name TEXT, last_name TEXT, department TEXT, sudo INTEGER);
        CREATE TABLE groups(id INTEGER PRIMARY KEY, name TEXT UNIQUE);
        CREATE TABLE members(g INTEGER, u INTEGER, PRIMARY KEY (g, u)) WITHOUT ROWID;
        CREATE TABLE events(seq INTEGER PRIMARY KEY, type TEXT, resource INTEGER, changes TEXT);""")
    groups: dict[str, int] = {}
    rows = check_rows(csv_path)
    if not rows:
        return 0
    with con:
        for r in rows:
            cur = con.execute("INSERT INTO users(username, email, first_name, last_name, department, sudo) "
                              "VALUES (?, ?, ?, ?, ?, ?)", (r["Username"], r["Email"], r["FirstName"], r["LastName"],
                                                             r["Department"], BOOLS[r["sudo"].lower()]))
            uid = cur.lastrowid
            for key in ("Group1", "Group2", "Group3"):
                name = r[key]
                if name not in groups:
                    groups[name] = con.execute("INSERT INTO groups(name) VALUES (?)", (name,)).lastrowid
                con.execute("INSERT OR IGNORE INTO members VALUES (?, ?)", (groups[name], uid))
            con.execute("INSERT INTO events(type, resource, changes) VALUES ('user_create', ?, ?)",
                        (uid, f'[{{"field":"username","to":"{r["Username"]}"}}]'))
    con.close()
    return len(rows)


def check_rows(csv_path: Path) -> list[dict[str, str]]:
    """The baseline's checks; returns the rows, or [] when any is bad."""
    errors, rows, seen_u, seen_e = [], [], set(), set()
    with csv_path.open(newline="", encoding="utf-8-sig") as f:
        for line, r in enumerate(csv.DictReader(f), start=2):
            if not (r["FirstName"] and r["LastName"] and r["Username"] and r["Email"]):
                errors.append((line, "required"))
            if not USERNAME.match(r["Username"]) or r["Username"].lower() in seen_u:
                errors.append((line, "Username"))
            if not EMAIL.match(r["Email"]) or r["Email"].lower() in seen_e:
                errors.append((line, "Email"))
            if r["sudo"].lower() not in BOOLS:
                errors.append((line, "sudo"))
            seen_u.add(r["Username"].lower())
            seen_e.add(r["Email"].lower())
            rows.append(r)
    return [] if errors else rows


def python_import_like_dirctl(db: Path, csv_path: Path) -> int:
    """The same importer writing dirctl's rows into a dirctl file: what dirctl's engine does, in Python."""
    import json

    import dirctl

    with dirctl.open(db) as d:  # the schema, the org
        org_id = d.orgs.create("bench").id
    rows = check_rows(csv_path)
    if not rows:
        return 0
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA synchronous = FULL")
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    next_id = con.execute("SELECT max(id) FROM orgs").fetchone()[0] + 1
    groups: dict[str, int] = {}
    con.execute("BEGIN IMMEDIATE")
    for r in rows:
        uid, next_id = next_id, next_id + 1
        sudo = BOOLS[r["sudo"].lower()]
        con.execute("INSERT INTO users (id, org_id, username, email, first_name, last_name, department, state, sudo, "
                    "created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                    (uid, org_id, r["Username"], r["Email"], r["FirstName"], r["LastName"], r["Department"], sudo,
                     now, now))
        names = [r[k] for k in ("Group1", "Group2", "Group3")]
        for name in names:
            if name not in groups:
                gid, next_id = next_id, next_id + 1
                groups[name] = gid
                con.execute("INSERT INTO user_groups (id, org_id, name, created, updated) VALUES (?, ?, ?, ?, ?)",
                            (gid, org_id, name, now, now))
                con.execute("INSERT INTO events (time, org_id, event_type, initiated_by_type, resource_type, "
                            "resource_id, resource_name) VALUES (?, ?, 'group_create', 'system', 'user_group', ?, ?)",
                            (now, org_id, gid, name))
            con.execute("INSERT OR IGNORE INTO edges (a, b) VALUES (?, ?)", (groups[name], uid))
        changes = [["username", None, r["Username"]], ["email", None, r["Email"]],
                   ["first_name", None, r["FirstName"]], ["last_name", None, r["LastName"]],
                   ["department", None, r["Department"]], ["state", None, "active"],
                   ["account_locked", None, False], ["mfa_status", None, "not_enrolled"], ["sudo", None, bool(sudo)],
                   ["passwordless_sudo", None, False], ["password_never_expires", None, False],
                   ["groups", None, ";".join(names)]]
        con.execute("INSERT INTO events (time, org_id, event_type, initiated_by_type, resource_type, resource_id, "
                    "resource_name, changes) VALUES (?, ?, 'user_create', 'system', 'user', ?, ?, ?)",
                    (now, org_id, uid, r["Username"], json.dumps(changes, separators=(",", ":"))))
    con.execute("COMMIT")
    con.close()
    return len(rows)


def file_bytes(db: Path) -> int:
    """The file's size once its WAL is copied in (what the directory takes on disk)."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return db.stat().st_size


def rows_floor(binary: Path, rows: int, db: Path) -> float | None:
    """Seconds for bench/import_floor to store the same rows (its report printed), or None without it."""
    if not binary.exists():
        print(f"import_floor           (no floor: {binary} is missing; `make bench` builds it)")
        return None
    out = subprocess.run([str(binary), str(rows), str(db)], check=True, capture_output=True, text=True).stdout
    print("".join("  " + line + "\n" for line in out.splitlines() if "migrating" not in line), end="")
    found = re.search(r"floor for dirctl's rows: ([0-9.]+) s", out)
    assert found, out
    return float(found.group(1))


def main(rows: int, folder: Path, floor_binary: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    csv_path = folder / "users.csv"
    generate(csv_path, rows)
    print(f"dirctl import_bench: {rows:,} rows, 3 groups each ({csv_path.stat().st_size / 1e6:.0f} MB)")

    floor_s = rows_floor(floor_binary, rows, folder / "floor_rows.db")

    took, created, errs, rss_kb = dirctl_import(folder / "dirctl.db", csv_path)
    assert created == rows and errs == 0, (created, errs)
    per_user = file_bytes(folder / "dirctl.db") / rows
    print(f"dirctl import          {took:7.2f} s  {rows / took:>10,.0f} rows/s  peak memory {rss_kb / 1024:,.0f} MB "
          f"(targets: >= 250,000 rows/s: {'met' if rows / took >= 250_000 else 'MISSED'}; "
          f"< 1.5 GB: {'met' if rss_kb < 1.5 * 1024 * 1024 else 'MISSED'})")
    if floor_s is not None:
        share = floor_s / took
        print(f"  against the floor    {100 * share:6.1f}% of SQLite alone writing the same rows ({rows / floor_s:,.0f} "
              f"rows/s; target >= 90%: {'met' if share >= 0.9 else 'MISSED'})")
    print(f"  issue #15 targets    {rows / took:,.0f} rows/s (>= 120,000: {'met' if rows / took >= 120_000 else 'MISSED'}); "
          f"{per_user:,.0f} bytes per user (<= 600: {'met' if per_user <= 600 else 'MISSED'}); "
          f"peak {rss_kb / 1024:,.0f} MB (<= 730 MB: {'met' if rss_kb <= 730 * 1024 else 'MISSED'})")

    wide_path = folder / "users_wide.csv"
    generate(wide_path, rows, wide=True)
    took_w, created_w, errs_w, rss_w = dirctl_import(folder / "dirctl_wide.db", wide_path)
    assert created_w == rows and errs_w == 0, (created_w, errs_w)
    wide_path.unlink()
    print(f"  every template column {took_w:6.2f} s  {rows / took_w:>10,.0f} rows/s  peak memory {rss_w / 1024:,.0f} MB "
          f"({len(WIDE)} more columns, cells empty: {100 * (took / took_w - 1):+.1f}% speed; "
          f"target: no more than 10% slower: {'met' if took_w <= 1.1 * took else 'MISSED'})")

    if shutil.which("sqlite3"):
        t0 = time.perf_counter()
        subprocess.run(["sqlite3", str(folder / "floor.db"), ".import --csv " + str(csv_path) + " users"], check=True)
        floor = time.perf_counter() - t0
        print(f"sqlite3 .import floor  {floor:7.2f} s  {rows / floor:>10,.0f} rows/s  "
              f"(dirctl is {took / floor:.1f}x the floor; target within 3x: {'met' if took / floor <= 3 else 'MISSED'})")
    else:
        print("sqlite3 .import floor  (the sqlite3 command line is not installed)")

    t0 = time.perf_counter()
    n = python_import(folder / "python.db", csv_path)
    py = time.perf_counter() - t0
    assert n == rows
    print(f"Python importer        {py:7.2f} s  {rows / py:>10,.0f} rows/s  "
          f"(dirctl is {py / took:.1f}x faster; target >= 5x: {'met' if py / took >= 5 else 'MISSED'})")

    t0 = time.perf_counter()
    n = python_import_like_dirctl(folder / "python_like_dirctl.db", csv_path)
    like = time.perf_counter() - t0
    assert n == rows
    print(f"Python, dirctl's rows  {like:7.2f} s  {rows / like:>10,.0f} rows/s  "
          f"(like for like: the same rows, events and indexes dirctl writes; dirctl is {like / took:.1f}x faster)")

    pw_csv = folder / "passwords.csv"
    generate(pw_csv, 200, passwords=True)
    took_pw, created_pw, _, _ = dirctl_import(folder / "pw.db", pw_csv)
    print(f"with passwords         {took_pw:7.2f} s for {created_pw} rows: {created_pw / took_pw:,.1f} Argon2id hashes/s "
          f"on {os.cpu_count()} cores (libsodium interactive limits: 64 MiB, 2 passes)")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000,
         Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.gettempdir()) / "dirctl_import_bench",
         Path(sys.argv[3]) if len(sys.argv) > 3 else Path("build/bench/bench/import_floor"))
