"""The file on disk: schema version, refusing foreign or newer files untouched,
migrating an older schema, WAL mode, and surviving a crash mid-batch."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

import dirctl

DIRCTL_APPLICATION_ID = 0x44495243  # "DIRC"
V2_INDEXES = ("events_type", "events_time", "events_resource")


def make_directory(path: Path, users: int = 2) -> None:
    with dirctl.open(path) as d:
        org = d.orgs.create("acme")
        for i in range(users):
            org.users.create(username=f"u{i}", email=f"u{i}@acme.com")


def sql(path: Path, *statements: str):
    """Run statements with the sqlite3 module; returns the last one's rows."""
    con = sqlite3.connect(path)
    try:
        rows = None
        for s in statements:
            rows = con.execute(s).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# ---- schema ----------------------------------------------------------------------------

def test_schema_version_is_latest(db_path):
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
    assert sql(db_path, "PRAGMA user_version") == [(dirctl._core.LATEST_SCHEMA_VERSION,)]
    assert sql(db_path, "PRAGMA application_id") == [(DIRCTL_APPLICATION_ID,)]


def test_latest_schema_version_is_at_least_two():
    assert isinstance(dirctl._core.LATEST_SCHEMA_VERSION, int)
    assert dirctl._core.LATEST_SCHEMA_VERSION >= 2


def test_wal_mode(db_path):
    make_directory(db_path)
    assert sql(db_path, "PRAGMA journal_mode") == [("wal",)]


def test_file_holds_the_tables(db_path):
    make_directory(db_path, users=3)
    tables = {r[0] for r in sql(db_path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"orgs", "users", "admins", "user_groups", "device_groups", "devices", "commands", "edges",
            "events"} <= tables
    assert sql(db_path, "SELECT count(*) FROM users") == [(3,)]
    assert sql(db_path, "SELECT count(*) FROM events") == [(4,)]


def test_empty_file_becomes_a_directory(db_path):
    db_path.write_bytes(b"")
    with dirctl.open(db_path) as d:
        d.orgs.create("acme")
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION


# ---- refusing files ------------------------------------------------------------------------

def test_newer_schema_is_refused_and_left_unchanged(db_path):
    make_directory(db_path)
    sql(db_path, "PRAGMA user_version = 99")
    before = fingerprint(db_path)
    with pytest.raises(dirctl.StorageError, match="newer dirctl") as err:
        dirctl.open(db_path)
    assert "99" in str(err.value)
    assert fingerprint(db_path) == before
    assert sql(db_path, "PRAGMA user_version") == [(99,)]


def test_text_file_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    before = fingerprint(path)
    with pytest.raises(dirctl.StorageError, match="not a dirctl directory|not a SQLite database"):
        dirctl.open(path)
    assert fingerprint(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_foreign_sqlite_is_refused_and_left_unchanged(tmp_path):
    path = tmp_path / "other.db"
    sql(path, "CREATE TABLE recipes(id INTEGER PRIMARY KEY, name TEXT)",
        "INSERT INTO recipes(name) VALUES ('soup')")
    before = fingerprint(path)
    with pytest.raises(dirctl.StorageError, match="not a dirctl directory") as err:
        dirctl.open(path)
    assert "left untouched" in str(err.value)
    assert fingerprint(path) == before
    assert sql(path, "PRAGMA journal_mode") == [("delete",)]
    assert sql(path, "SELECT name FROM recipes") == [("soup",)]


def test_foreign_sqlite_with_other_application_id_is_refused(tmp_path):
    path = tmp_path / "app.db"
    sql(path, "PRAGMA application_id = 1234", "CREATE TABLE t(x)")
    before = fingerprint(path)
    with pytest.raises(dirctl.StorageError, match="1234"):
        dirctl.open(path)
    assert fingerprint(path) == before


def test_unopenable_path_is_storage_error(tmp_path):
    with pytest.raises(dirctl.StorageError):
        dirctl.open(tmp_path / "no" / "such" / "dir" / "x.db")
    with pytest.raises(dirctl.StorageError):
        dirctl.open(tmp_path)  # a directory, not a file


def test_refused_open_can_be_retried_after_fix(db_path):
    make_directory(db_path)
    sql(db_path, "PRAGMA user_version = 99")
    with pytest.raises(dirctl.StorageError):
        dirctl.open(db_path)
    sql(db_path, f"PRAGMA user_version = {dirctl._core.LATEST_SCHEMA_VERSION}")
    with dirctl.open(db_path) as d:
        assert len(d.orgs.get("acme").users) == 2


# ---- migration ---------------------------------------------------------------------------------

# Schema 3 added these columns; a genuine version-1 file has none of them.
V3_COLUMNS = [("users", c) for c in ("cost_center", "company", "employee_type", "description", "location",
                                      "alternate_email", "manager", "passwordless_sudo", "password_never_expires",
                                      "password_hash")] + [("edges", "sudo")]


V6_COLUMNS = ("timezone", "schedule_repeat_type", "enabled", "schedule_start", "schedule_until", "schedule_count")
V6_TABLES = ("schedule_fires", "review_policies", "review_policy_groups", "review_votes", "review_groups", "reviews")


V7_COLUMNS = ("allowed_domains", "operator_group", "user_portal", "password_min_length", "password_history",
              "password_expiry_days", "lockout_attempts", "session_minutes")
V7_TABLES = ("logins", "password_history", "credentials", "registrations")


EVENT_COLUMNS = ("seq, time, org_id, event_type, initiated_by_type, initiated_by_id, initiated_by_email, "
                 "resource_type, resource_id, resource_name, target_type, target_id, target_name, success, changes, message")


V9_USER_COLUMNS = tuple(f"{kind}_{part}" for kind in ("home", "work")
                        for part in ("street_address", "po_box", "city", "state", "postal_code", "country")) + (
    "mobile_number", "home_number", "work_number", "work_mobile_number", "work_fax_number", "managed_apple_id",
    "unix_uid", "unix_guid", "enable_managed_uid", "enable_user_portal_multifactor", "enrollment_days",
    "ldapserver_id", "ldap_binding_user", "allow_public_key", "externally_managed", "external_dn",
    "external_source_type", "activated")


def as_version_9(db_path):
    """Turns a current directory file into what version 9 wrote: every event in the initiator and target indexes."""
    sql(db_path, "DROP INDEX events_initiator", "DROP INDEX events_target",
        "CREATE INDEX events_initiator ON events(initiated_by_id, time)",
        "CREATE INDEX events_target ON events(target_id, time)", "PRAGMA user_version = 9")


def test_migration_from_v9_keeps_only_events_with_an_initiator_or_target_in_their_indexes(db_path):
    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        boss = d.admins.create(email="boss@acme.com", role="administrator", orgs=[org])
        view = d.as_admin(boss)
        group = view.orgs.get("acme").user_groups.create("ops")
        for i in range(3):
            user = org.users.create(username=f"u{i}", email=f"u{i}@acme.com")  # by the system: no initiator id
            view.orgs.get("acme").user_groups.add_member(group, user)  # by boss, with a target
        asked = [dict(initiated_by=boss.id), dict(resource=group.id), dict(target=user.id), dict(resource=user.id)]
        before = [[e.seq for e in d.events(**q)] for q in asked]
    assert all(before)
    as_version_9(db_path)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        assert [[e.seq for e in d.events(**q)] for q in asked] == before
    for index, column in (("events_initiator", "initiated_by_id"), ("events_target", "target_id")):
        assert f"WHERE {column} > 0" in sql(db_path, f"SELECT sql FROM sqlite_master WHERE name = '{index}'")[0][0]
        entries = sql(db_path, f"SELECT count(*) FROM events INDEXED BY {index} WHERE {column} > 0")[0][0]
        assert entries == sql(db_path, f"SELECT count(*) FROM events WHERE {column} > 0")[0][0]
        assert entries < sql(db_path, "SELECT count(*) FROM events")[0][0]


def as_version_8(db_path):
    """Turns a current directory file into what version 8 wrote: no JumpCloud-only user columns, no activation,
    no device external ids, no passwordless sudo on bindings."""
    as_version_9(db_path)
    sql(db_path, "DROP INDEX devices_external_id", "ALTER TABLE devices DROP COLUMN external_id",
        "ALTER TABLE edges DROP COLUMN passwordless_sudo",
        *(f"ALTER TABLE users DROP COLUMN {c}" for c in V9_USER_COLUMNS), "PRAGMA user_version = 8")


def test_migration_from_v8_activates_users_with_a_password(db_path):
    make_directory(db_path, users=2)
    with dirctl.open(db_path) as d:
        org = d.orgs.get("acme")
        org.users.update(org.users.get("u1"), password="correct horse battery")
    as_version_8(db_path)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        org = d.orgs.get("acme")
        assert [(u.username, u.activated) for u in org.users] == [("u0", False), ("u1", True)]
        assert org.users.get("u0").allow_public_key is True and org.users.get("u0").unix_uid is None
    assert {c for (c,) in sql(db_path, "SELECT name FROM pragma_table_info('users')")} >= set(V9_USER_COLUMNS)


def as_version_7(db_path):
    """Turns a current directory file into what version 7 wrote: event times as ISO text, the old indexes."""
    as_version_8(db_path)
    sql(db_path, "CREATE TABLE events_v7 AS SELECT * FROM events WHERE 0", "DROP TABLE events",
        "CREATE TABLE events(seq INTEGER PRIMARY KEY, time TEXT NOT NULL, org_id INTEGER NOT NULL DEFAULT 0,"
        " event_type TEXT NOT NULL, initiated_by_type TEXT NOT NULL, initiated_by_id INTEGER NOT NULL DEFAULT 0,"
        " initiated_by_email TEXT NOT NULL DEFAULT '', resource_type TEXT NOT NULL DEFAULT '',"
        " resource_id INTEGER NOT NULL DEFAULT 0, resource_name TEXT NOT NULL DEFAULT '',"
        " target_type TEXT NOT NULL DEFAULT '', target_id INTEGER NOT NULL DEFAULT 0,"
        " target_name TEXT NOT NULL DEFAULT '', success INTEGER NOT NULL DEFAULT 1,"
        " changes TEXT NOT NULL DEFAULT '[]', message TEXT NOT NULL DEFAULT '')",
        "DROP TABLE events_v7", "DROP TABLE purges",
        "CREATE INDEX events_type ON events(event_type, seq)", "CREATE INDEX events_time ON events(time)",
        "CREATE INDEX events_resource ON events(resource_id)", "PRAGMA user_version = 7")


def _v7_with_events(db_path):
    """The file's events, saved before as_version_7 and put back with version 7's ISO text times."""
    rows = sql(db_path, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq")
    as_version_7(db_path)
    iso = [(r[0], dt.datetime.fromtimestamp(r[1] / 1000, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
           + r[2:] for r in rows]
    con = sqlite3.connect(db_path)
    with con:
        con.executemany(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({', '.join('?' * 16)})", iso)
    con.close()
    return rows


def test_migration_from_v7_keeps_every_event_and_its_time(db_path):
    make_directory(db_path, users=3)
    before = sql(db_path, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq")
    _v7_with_events(db_path)
    assert isinstance(sql(db_path, "SELECT time FROM events LIMIT 1")[0][0], str)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        assert len(d.events(type="user_create")) == 3
    assert sql(db_path, f"SELECT {EVENT_COLUMNS} FROM events ORDER BY seq") == before, "times to the millisecond"


def as_version_6(db_path):
    """Turns a current directory file into what version 6 wrote (no identity)."""
    _v7_with_events(db_path)
    sql(db_path, *(f"DROP TABLE {t}" for t in V7_TABLES), *(f"ALTER TABLE orgs DROP COLUMN {c}" for c in V7_COLUMNS),
        "UPDATE admins SET state = 'active' WHERE state = 'pending'", "PRAGMA user_version = 6")


def test_migration_from_v6_adds_identity(db_path):
    make_directory(db_path, users=2)
    as_version_6(db_path)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        org = d.orgs.get("acme")
        assert (org.operator_group, org.password_min_length, org.user_portal) == ("admin", 8, True)
        assert sorted(u.username for u in org.users) == ["u0", "u1"]
        d.orgs.update(org, allowed_domains="acme.com")
        assert d.register(org, "new@acme.com", "New").state == "reviewing"
        org.users.update("u0", password="a fine password 1")
        assert d.login(org.users.get("u0").email, "a fine password 1").portal == "user"


def as_version_5(db_path):
    """Turns a current directory file into what version 5 wrote (no schedules or reviews)."""
    as_version_6(db_path)
    sql(db_path, *(f"DROP TABLE {t}" for t in V6_TABLES), *(f"ALTER TABLE commands DROP COLUMN {c}" for c in V6_COLUMNS),
        "PRAGMA user_version = 5")


def test_migration_from_v5_adds_schedules_and_reviews(db_path):
    make_directory(db_path, users=1)
    as_version_5(db_path)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        org = d.orgs.get("acme")
        cmd = org.commands.create(name="c", script="true", launch_type="repeated", schedule="0 * * * *",
                                  timezone="Europe/Berlin")
        assert cmd.timezone == "Europe/Berlin" and len(org.commands.next_runs(cmd, 2)) == 2


def as_version_4(db_path):
    """Turns a current directory file into what version 4 wrote (no command runs)."""
    as_version_5(db_path)
    sql(db_path, "DROP TABLE runs", "DROP TABLE launches", "PRAGMA user_version = 4")


def test_migration_from_v4_adds_command_runs(db_path):
    make_directory(db_path, users=1)
    as_version_4(db_path)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        org = d.orgs.get("acme")
        dev = org.devices.create(hostname="h")
        cmd = org.commands.create(name="c", script="true")
        org.associate(cmd, dev)
        assert org.commands.run(cmd).pending() == 1


def as_version_1(db_path):
    """Turns a current directory file into what version 1 wrote."""
    as_version_4(db_path)
    sql(db_path, *(f"DROP INDEX {name}" for name in V2_INDEXES),
        *(f"ALTER TABLE {t} DROP COLUMN {c}" for t, c in V3_COLUMNS), "PRAGMA user_version = 1")


def test_migration_from_v1(db_path):
    make_directory(db_path, users=3)
    as_version_1(db_path)
    indexes = {r[0] for r in sql(db_path, "SELECT name FROM sqlite_master WHERE type='index'")}
    assert not indexes & set(V2_INDEXES)
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        org = d.orgs.get("acme")
        assert sorted(u.username for u in org.users) == ["u0", "u1", "u2"]
        assert len(d.events(type="user_create")) == 3
        assert d.integrity_check() == "ok"
    assert sql(db_path, "PRAGMA user_version") == [(dirctl._core.LATEST_SCHEMA_VERSION,)]
    indexes = {r[0] for r in sql(db_path, "SELECT name FROM sqlite_master WHERE type='index'")}
    assert set(V2_INDEXES) <= indexes
    assert sql(db_path, "PRAGMA application_id") == [(DIRCTL_APPLICATION_ID,)]


def test_migrated_file_reopens_without_migrating_again(db_path):
    make_directory(db_path)
    as_version_1(db_path)
    with dirctl.open(db_path):
        pass
    with dirctl.open(db_path) as d:
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
        d.orgs.get("acme").users.create(username="new", email="new@acme.com")
        assert len(d.orgs.get("acme").users) == 3


# ---- integrity and crashes --------------------------------------------------------------------

def test_integrity_check_on_disk(db_path):
    make_directory(db_path, users=20)
    with dirctl.open(db_path) as d:
        assert d.integrity_check() == "ok"
    assert sql(db_path, "PRAGMA integrity_check") == [("ok",)]


CRASH_CHILD = """
import os, sys
import dirctl
path = sys.argv[1]
d = dirctl.open(path)
org = d.orgs.create("acme")
for i in range(5):
    org.users.create(username=f"kept{i}", email=f"kept{i}@acme.com")
g = org.user_groups.create("kept-group")
with d.batch():
    for i in range(400):
        u = org.users.create(username=f"lost{i}", email=f"lost{i}@acme.com")
        org.user_groups.add_member(g, u)
        if i == 200:
            print("crashing", flush=True)
            os._exit(1)
print("not reached")
"""


@pytest.mark.slow
def test_crash_mid_batch_loses_only_the_batch(db_path, run_python):
    proc = run_python(CRASH_CHILD, str(db_path), check=False)
    assert proc.returncode == 1, proc.stderr
    assert "crashing" in proc.stdout and "not reached" not in proc.stdout
    with dirctl.open(db_path) as d:
        assert d.integrity_check() == "ok"
        org = d.orgs.get("acme")
        assert sorted(u.username for u in org.users) == [f"kept{i}" for i in range(5)]
        assert not any(u.username.startswith("lost") for u in org.users)
        with pytest.raises(dirctl.NotFound):
            org.users.get("lost0")
        assert org.user_groups.members("kept-group") == []
        assert len(d.events(type="user_create")) == 5
        assert len(d.events(type="group_member_add")) == 0
        # The file is writable again, and ids keep growing.
        top = max(u.id for u in org.users)
        fresh = org.users.create(username="after", email="after@acme.com")
        assert fresh.id > top
    assert sql(db_path, "SELECT count(*) FROM users") == [(6,)]
