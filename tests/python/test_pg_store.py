"""What only the PostgreSQL store does (store/pg_connection, store/pg_schema): how it opens a
database, where a server directory keeps its secret key, its errors, and its notifications."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dirctl

from conftest import child_env, psql

pytestmark = pytest.mark.slow


@pytest.fixture
def server(pg_server):
    return pg_server


def test_a_database_with_other_tables_is_refused_untouched(server):
    url = server.database()
    psql(url, "DROP TABLE events CASCADE; DROP TABLE dirctl_meta")  # no longer a directory, still tables
    tables = psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    with pytest.raises(dirctl.StorageError, match="holds other tables and no dirctl directory.*left untouched"):
        dirctl.open(url)
    assert psql(url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == tables


def test_an_empty_database_becomes_a_directory(server):
    url = server.url_of("fresh")
    psql(server.url, "CREATE DATABASE fresh")
    with dirctl.open(url) as d:
        assert repr(d).startswith("<dirctl.Directory 'postgresql://")
        d.orgs.create("acme")
    with dirctl.open(url) as d:
        assert psql(url, "SELECT value FROM dirctl_meta WHERE key = 'schema_version'") == str(d.schema_version)
    # Names and emails are unique without regard to case, as in a file.
    with dirctl.open(url) as d:
        d.orgs.get("acme").users.create(username="Ann", email="ann@acme.com")
        with pytest.raises(dirctl.Conflict):
            d.orgs.get("acme").users.create(username="ANN", email="other@acme.com")


def test_an_unreachable_server_says_what_to_check():
    with pytest.raises(dirctl.StorageError, match="check that the server runs.*Nothing was stored"):
        dirctl.open("postgresql://nobody@/nothing?host=/nonexistent&port=1", timeout=1)


def test_a_password_never_shows(server):
    url = server.database()
    for spelled in (url.replace("dirctl@", "dirctl:s3cret@"), url + "&password=s3cret"):
        with dirctl.open(spelled) as d:  # trust authentication ignores it
            assert "s3cret" not in repr(d) and "***" in repr(d)


def test_the_secret_key_of_a_server_directory_lives_in_the_users_config(server, tmp_path):
    url = server.database()
    env = child_env()
    env.pop("DIRCTL_SECRET_KEY_FILE", None)
    env["HOME"] = str(tmp_path)
    code = """
import sys, dirctl
with dirctl.open(sys.argv[1]) as d:
    org = d.orgs.create("acme")
    u = org.users.create(username="ann", email="ann@acme.com")
    print(d.enroll_totp(u).startswith("otpauth://"))
"""
    proc = subprocess.run([sys.executable, "-c", code, url], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    keys = list((tmp_path / ".config" / "dirctl" / "keys").iterdir())
    assert len(keys) == 1 and keys[0].stat().st_size == 32 and oct(keys[0].stat().st_mode)[-3:] == "600"


def test_a_commit_notifies_listeners(server, spawn_python):
    url = server.database()
    listener = spawn_python("""
import select, subprocess, sys
p = subprocess.Popen(["psql", sys.argv[1], "-qAt"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
p.stdin.write("LISTEN dirctl_changes;\\nSELECT 'listening';\\n"); p.stdin.flush()
print(p.stdout.readline().strip(), flush=True)
import time; time.sleep(1.5)
p.stdin.write("SELECT 1;\\n"); p.stdin.flush(); p.stdin.close()
print(p.stdout.read(), flush=True)
""", url)
    assert listener.stdout.readline().strip() == "listening"
    with dirctl.open(url) as d:
        d.orgs.create("acme")
    out, err = listener.communicate(timeout=30)
    assert 'notification "dirctl_changes"' in out, (out, err)


def test_an_older_server_directory_is_migrated_on_open(server):
    """Schema steps reach a server directory translated as its schema is: set one back to
    version 9 (its initiator index as version 9 had it) and open it."""
    url = server.database()
    with dirctl.open(url) as d:
        d.orgs.create("acme")
    psql(url, "DROP INDEX events_initiator; CREATE INDEX events_initiator ON events(initiated_by_id, time);"
              "UPDATE dirctl_meta SET value = 9 WHERE key = 'schema_version'")
    with dirctl.open(url) as d:
        assert d.schema_version == 10
        assert [o.name for o in d.orgs] == ["acme"]
    index = psql(url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'events_initiator'")
    assert '(initiated_by_id, "time", seq)' in index and "WHERE (initiated_by_id > 0)" in index, index
    assert psql(url, "SELECT value FROM dirctl_meta WHERE key = 'schema_version'") == "10"


def test_a_newer_server_directory_is_refused_untouched(server):
    url = server.database()
    with dirctl.open(url) as d:
        d.orgs.create("acme")
    psql(url, "UPDATE dirctl_meta SET value = 99 WHERE key = 'schema_version'")
    with pytest.raises(dirctl.StorageError, match="newer dirctl.*left untouched"):
        dirctl.open(url)
    assert psql(url, "SELECT count(*) FROM orgs") == "1"


def cut(url: str) -> None:
    """Ends every other connection to the database, as a restart or a failover does."""
    psql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              "WHERE datname = current_database() AND pid <> pg_backend_pid()")


def test_a_batch_the_server_cut_short_stores_nothing(server):
    url = server.database()
    with dirctl.open(url) as d:
        org = d.orgs.create("acme")
        with pytest.raises(dirctl.StorageError, match="no connection to the server|lost during the transaction"):
            with d.batch():
                org.users.create(username="a", email="a@acme.com")
                cut(url)
                with pytest.raises(dirctl.StorageError):
                    org.users.create(username="b", email="b@acme.com")  # the batch's caller may go on...
        assert [u.username for u in org.users] == []  # ...but the batch fails whole, and says so
        org.users.create(username="c", email="c@acme.com")  # connected again
    with dirctl.open(url) as fresh:
        assert [u.username for u in fresh.orgs.get("acme").users] == ["c"]


def test_a_connection_the_server_ends_is_made_again(server, spawn_python):
    """A restart or failover ends every connection: the next call connects again, and the
    handle's reads, writes and waits go on (what a write in flight had done is rolled back)."""
    url = server.database()
    with dirctl.open(url) as d:
        org = d.orgs.create("acme")

        def cut() -> None:
            psql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()")

        cut()
        assert [o.name for o in d.orgs] == ["acme"]  # a read
        cut()
        org.users.create(username="alice", email="alice@acme.com")  # a write
        assert d.wait_for_change(0.1) is False  # now it LISTENs
        cut()
        writer = spawn_python("""
import sys, time, dirctl
with dirctl.open(sys.argv[1]) as d:
    time.sleep(1)  # while the handle below already waits
    d.orgs.get("acme").users.create(username="bob", email="bob@acme.com")
""", url)
        assert d.wait_for_change(60) is True  # woken by the notification: it listens again after the cut
        assert writer.wait(timeout=60) == 0, writer.stderr.read()
        assert sorted(u.username for u in org.users) == ["alice", "bob"]
        assert d.integrity_check() == "ok"
