"""dirctl.migrate and `dirctl migrate`: a directory copied to another store, either way, is
the same directory: objects, relations, credentials, runs and the whole event log."""

from __future__ import annotations

import subprocess
import sys

import pytest

import dirctl

from conftest import child_env


def populate(d: dirctl.Directory) -> None:
    org = d.orgs.create("acme")
    alice = org.users.create(username="alice", email="alice@acme.com", first_name="Alice",
                             attributes={"team": "ops"})
    eng = org.user_groups.create("engineering")
    org.user_groups.add_member(eng, alice)
    prod = org.device_groups.create("prod")
    web = org.devices.create(hostname="web-01", os="linux")
    org.device_groups.add_member(prod, web)
    org.associate(eng, prod)
    cmd = org.commands.create(name="restart", script="systemctl restart nginx", shell="bash", user="root")
    org.associate(cmd, prod)
    admin = d.admins.create(email="ops@acme.com", role="command_runner", orgs=[org])
    org.associate(admin, cmd)
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    org.users.update(alice, department="eng")
    org.users.delete(org.users.create(username="gone", email="gone@acme.com"))


def picture(d: dirctl.Directory) -> dict:
    org = d.orgs.get("acme")
    return {
        "users": [u.to_dict() for u in org.users],
        "groups": {g.name: sorted(m.username for m in org.user_groups.members(g)) for g in org.user_groups},
        "admins": [a.to_dict() for a in d.admins],
        "events": [(e.seq, e.time, e.event_type, e.resource, e.changes) for e in d.events()],
        "check": bool(d.check(d.admins.get("ops@acme.com"), "commands.run", org.commands.get("restart"))),
    }


def test_a_copy_is_the_same_directory_and_goes_on_from_there(store, request, tmp_path):
    source = str(tmp_path / "acme.db")
    with dirctl.open(source) as d:
        populate(d)
        before = picture(d)
    target = str(tmp_path / "copy.db") if store == "sqlite" else request.getfixturevalue("shared")
    seen = []
    counts = dirctl.migrate(source, target, progress=lambda table, rows: seen.append((table, rows)))
    assert counts["users"] == 1 and counts["events"] == len(before["events"]) and counts["admins"] == 2
    assert ("events", counts["events"]) in seen
    with dirctl.open(target) as copy:
        assert picture(copy) == before
        assert copy.integrity_check() == "ok"
        # It goes on: new ids and seqs follow the copied ones.
        org = copy.orgs.get("acme")
        bob = org.users.create(username="bob", email="bob@acme.com")
        assert bob.id > max(u["id"] for u in before["users"]) + 1  # "gone"'s id is not reused
        assert copy.events()[-1].seq == before["events"][-1][0] + 1
    # And back again, into a new file.
    back = str(tmp_path / "back.db")
    dirctl.migrate(target, back)
    with dirctl.open(back) as again:
        assert [u.username for u in again.orgs.get("acme").users] == ["alice", "bob"]


def test_a_target_that_holds_a_directory_is_refused_untouched(shared, tmp_path):
    source = str(tmp_path / "acme.db")
    with dirctl.open(source) as d:
        populate(d)
    with dirctl.open(shared) as other:
        other.orgs.create("globex")
    with pytest.raises(dirctl.StorageError, match="already holds a directory.*Nothing was written"):
        dirctl.migrate(source, shared)
    with dirctl.open(shared) as other:
        assert [o.name for o in other.orgs] == ["globex"]
        assert len(other.events()) == 1


def test_bad_arguments_say_what_to_give(tmp_path):
    with pytest.raises(dirctl.InvalidArgument, match="no directory file at"):
        dirctl.migrate(tmp_path / "missing.db", tmp_path / "new.db")
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(dirctl.InvalidArgument, match="in-memory"):
        dirctl.migrate(":memory:", tmp_path / "new.db")
    with pytest.raises(dirctl.InvalidArgument, match="same directory"):
        dirctl.migrate(tmp_path / "a.db", tmp_path / "a.db")


def test_the_command_line_copies_and_reports(shared, tmp_path):
    source = str(tmp_path / "acme.db")
    with dirctl.open(source) as d:
        populate(d)
    proc = subprocess.run([sys.executable, "-m", "dirctl", "migrate", "--from", source, "--to", shared],
                          env=child_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "copied" in proc.stdout and "users: 1" in proc.stdout
    again = subprocess.run([sys.executable, "-m", "dirctl", "migrate", "--from", source, "--to", shared],
                           env=child_env(), capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "already holds a directory" in again.stderr


def test_ids_of_purged_runs_are_never_given_again(store, request, tmp_path):
    import datetime as dt

    source = str(tmp_path / "acme.db")
    with dirctl.open(source) as d:
        org = d.orgs.create("acme")
        dev = org.devices.create(hostname="h", os="linux")
        cmd = org.commands.create(name="hello", script="echo hi")
        org.associate(cmd, dev)
        d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
        agent = d.agent(dev)
        for _ in range(3):
            org.commands.run(cmd, devices=[dev])
            run = agent.next_run()
            agent.report(run, 0, "ok")
        last = run.id
        soon = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
        assert org.commands.purge_results(soon) == 3  # every run, the newest included
    target = str(tmp_path / "copy.db") if store == "sqlite" else request.getfixturevalue("shared")
    dirctl.migrate(source, target)
    with dirctl.open(target) as copy:
        org = copy.orgs.get("acme")
        launch = org.commands.run(org.commands.get("hello"), devices=[org.devices.get("h")])
        assert min(r.id for r in launch.runs()) > last, "a purged run's id is never reused"


def test_sealed_secrets_keep_working_after_a_move(store, request, tmp_path, monkeypatch):
    monkeypatch.delenv("DIRCTL_SECRET_KEY_FILE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # a server directory's key goes to ~/.config/dirctl/keys
    source = str(tmp_path / "acme.db")
    with dirctl.open(source) as d:
        org = d.orgs.create("acme")
        u = org.users.create(username="ann", email="ann@acme.com")
        uri = d.enroll_totp(u)
    assert (tmp_path / "acme.db.key").exists()
    target = str(tmp_path / "copy.db") if store == "sqlite" else request.getfixturevalue("pg_server").database()
    dirctl.migrate(source, target)
    import hmac, struct, time, base64, hashlib, urllib.parse

    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    counter = int(time.time()) // 30
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    code = str((struct.unpack(">I", digest[digest[19] & 15:][:4])[0] & 0x7FFFFFFF) % 1_000_000).zfill(6)
    with dirctl.open(target) as copy:  # the seed, sealed under the source's key, opens under the copy's
        copy.confirm_totp(copy.orgs.get("acme").users.get("ann"), code)
        assert copy.orgs.get("acme").users.get("ann").mfa_status == "enrolled"
