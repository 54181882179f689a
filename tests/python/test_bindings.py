"""Device bindings (dirctl.bindings): org.users.bindings / org.devices.bindings with
their sudo flags, bind/unbind, rights through views; a device's external_id (unique
per org); the import's SystemID by dirctl id or external_id, binding rows for a
user's further bindings; export of SystemID/Administrator and the round trip."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import dirctl
from dirctl import Binding
from dirctl.importing import ImportIssue

BASE = ["FirstName", "LastName", "Username", "Email"]
NO_DEVICE = ("no device of this org has this id or external_id; give dirctl's device id or set the device's "
             "external_id first (org.devices.update(device, external_id=...))")


def write(tmp_path: Path, rows, name="users.csv") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def person(n, *cells):
    return [f"First{n}", f"Last{n}", f"user{n}", f"user{n}@acme.com", *cells]


def issue(report, line):
    found = [i for i in report.error_records if i.line == line]
    assert len(found) == 1, report.error_records
    return found[0]


def flags(org):
    """{(username, external_id or hostname): (sudo, passwordless_sudo)} over the org's users."""
    return {(b.user.username, b.device.external_id or b.device.hostname): (b.sudo, b.passwordless_sudo)
            for u in org.users for b in org.users.bindings(u)}


@pytest.fixture
def w(d, org):
    alice = org.users.create(username="alice", email="alice@acme.com")
    bob = org.users.create(username="bob", email="bob@acme.com")
    web = org.devices.create(hostname="web-1", os="linux", external_id="5f0c1a2b3c4d5e6f7a8b9c0d")
    db = org.devices.create(hostname="db-1", os="linux")
    return dict(d=d, org=org, alice=alice, bob=bob, web=web, db=db)


# ---- the API ----------------------------------------------------------------------------


def test_bind_and_list_from_both_sides(w):
    org, alice, bob, web, db = w["org"], w["alice"], w["bob"], w["web"], w["db"]
    org.users.bind(alice, web, sudo=True)
    org.devices.bind(db, alice, sudo=True, passwordless_sudo=True)
    org.devices.bind("web-1", bob)
    mine = org.users.bindings("alice")
    assert mine == [Binding(alice, web, True, False), Binding(alice, db, True, True)]
    assert all(isinstance(b.device, dirctl.Device) and isinstance(b.user, dirctl.User) for b in mine)
    assert [(b.user.username, b.sudo) for b in org.devices.bindings(web)] == [("alice", True), ("bob", False)]
    assert repr(mine[1]) == "Binding(user='alice', device='db-1', sudo=True, passwordless_sudo=True)"
    with pytest.raises(dataclasses_frozen()):
        mine[0].sudo = False  # type: ignore[misc]
    assert org.users.bindings(bob) == [Binding(bob, web, False, False)]


def dataclasses_frozen():
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_flags_change_and_unbind(w):
    d, org, alice, web = w["d"], w["org"], w["alice"], w["web"]
    org.users.bind(alice, web, sudo=True, passwordless_sudo=True)
    org.users.bind(alice, web, sudo=True)  # passwordless off again
    seq = d._core.last_event_seq()
    org.users.bind(alice, web, sudo=True)  # the same flags: nothing to do, nothing audited
    assert d._core.last_event_seq() == seq
    assert org.users.bindings(alice) == [Binding(alice, web, True, False)]
    events = [e for e in d.events() if e.event_type.startswith("association")]
    assert [e.event_type for e in events] == ["association_add", "association_update"]
    assert [(c["field"], c["from"], c["to"]) for c in events[1].changes] == [("passwordless_sudo", True, False)]
    org.devices.unbind(web, alice)
    assert org.users.bindings(alice) == []
    with pytest.raises(dirctl.NotFound):
        org.users.unbind(alice, web)


def test_misuse_is_refused(w, unchanged):
    d, org, alice, bob, web = w["d"], w["org"], w["alice"], w["bob"], w["web"]
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="passwordless_sudo without sudo"):
        org.users.bind(alice, web, passwordless_sudo=True)
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="joins a user and a device"):
        org.users.bind(alice, bob)
    with pytest.raises(dirctl.InvalidArgument, match="sudo must be True or False"):
        org.users.bind(alice, web, sudo=1)  # type: ignore[arg-type]
    # Only users and devices have bindings.
    assert not hasattr(org.commands, "bindings") and not hasattr(org.user_groups, "bind")
    other = d.orgs.create("globex").devices.create(hostname="gx", os="linux")
    with unchanged(d), pytest.raises(dirctl.InvalidArgument, match="different orgs"):
        org.users.bind(alice, other)
    with pytest.raises(dirctl.NotFound):
        org.users.bindings("nobody")


def test_views_read_and_bind_by_their_rights(w):
    d, org, alice, web = w["d"], w["org"], w["alice"], w["web"]
    globex = d.orgs.create("globex")
    zed = globex.users.create(username="zed", email="zed@globex.com")
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org, globex])
    ro = d.admins.create(email="rob@acme.com", role="read_only", orgs=[org])
    mgr = d.admins.create(email="max@acme.com", role="manager", orgs=[org])
    org.users.bind(alice, web, sudo=True)
    as_ro = d.as_admin(ro)
    ro_org = as_ro.orgs.get(org.id)
    assert [(b.user.username, b.sudo) for b in ro_org.devices.bindings(web.id)] == [("alice", True)]
    with pytest.raises(dirctl.PermissionDenied):
        ro_org.users.bind(alice.id, web.id)
    with pytest.raises(dirctl.NotFound):
        as_ro.orgs.get(org.id).users.bindings(zed.id)  # outside its orgs: not seen
    d.as_admin(mgr).orgs.get(org.id).users.bind(alice.id, web.id, sudo=True, passwordless_sudo=True)
    assert org.users.bindings(alice) == [Binding(alice, web, True, True)]


def test_another_process_sees_the_flags(tmp_path):
    path = tmp_path / "dir.db"
    with dirctl.open(path) as one, dirctl.open(path) as two:
        org = one.orgs.create("acme")
        u = org.users.create(username="u", email="u@acme.com")
        dev = org.devices.create(hostname="h", os="linux")
        org.users.bind(u, dev, sudo=True)
        other = two.orgs.get("acme")
        assert [(b.sudo, b.passwordless_sudo) for b in other.users.bindings("u")] == [(True, False)]
        org.users.bind(u, dev, sudo=True, passwordless_sudo=True)
        assert [(b.sudo, b.passwordless_sudo) for b in other.devices.bindings("h")] == [(True, True)]


# ---- external_id --------------------------------------------------------------------------


def test_external_id_is_settable_and_unique_per_org(w, unchanged):
    d, org, web, db = w["d"], w["org"], w["web"], w["db"]
    assert org.devices.get(web.id).external_id == "5f0c1a2b3c4d5e6f7a8b9c0d"
    assert org.devices.update(db, externalId="db-ext").external_id == "db-ext"  # the alias
    with unchanged(d), pytest.raises(dirctl.Conflict, match=r"external_id \"db-ext\" is already held by device 'db-1'"):
        org.devices.update(web, external_id="db-ext")
    with unchanged(d), pytest.raises(dirctl.Conflict, match="device 'web-1'"):
        org.devices.create(hostname="web-2", os="linux", external_id="5f0c1a2b3c4d5e6f7a8b9c0d")
    # Another org may hold the same external_id.
    assert d.orgs.create("globex").devices.create(hostname="x", external_id="db-ext").external_id == "db-ext"


# ---- the import ----------------------------------------------------------------------------


def test_system_id_matches_dirctl_id_and_external_id(w, tmp_path):
    org, web, db = w["org"], w["web"], w["db"]
    path = write(tmp_path, [BASE + ["SystemID", "Administrator"],
                            person(1, web.external_id, "true"), person(2, str(db.id), ""),
                            person(3, str(web.id), "false")])
    rep = org.import_users_csv(path)
    assert rep.ok and rep.created == 3, rep.error_records
    assert [r["device_bound"] for r in rep.rows] == ["web-1", "db-1", "web-1"]
    assert flags(org) == {("user1", web.external_id): (True, False), ("user2", "db-1"): (False, False),
                          ("user3", web.external_id): (False, False)}


def test_system_id_refusals_name_line_column_and_value(w, tmp_path):
    org, web, db = w["org"], w["web"], w["db"]
    # db's external_id is web's dirctl id: "that id" names two devices.
    org.devices.update(db, external_id=str(web.id))
    path = write(tmp_path, [BASE + ["systemID", "Administrator"],
                            person(1, "no-such-system", "true"), person(2, str(web.id), ""),
                            person(3, "", "true")])
    rep = org.import_users_csv(path)
    assert not rep.written and rep.errors == 3
    assert issue(rep, 2) == ImportIssue(2, "systemID", "no-such-system", NO_DEVICE)
    amb = issue(rep, 3)
    assert (amb.line, amb.column, amb.value) == (3, "systemID", str(web.id))
    assert amb.message == (f"is ambiguous: it is the id of device 'web-1' (id {web.id}) and the external_id of "
                           f"device 'db-1' (id {db.id}); change that external_id, or bind by Hostname instead")
    assert issue(rep, 4).column == "Administrator" and "give SystemID or Hostname" in issue(rep, 4).message
    assert len(org.users) == 2  # alice and bob only


def test_a_device_whose_external_id_is_its_own_id_is_not_ambiguous(w, tmp_path):
    org, db = w["org"], w["db"]
    org.devices.update(db, external_id=str(db.id))
    rep = org.import_users_csv(write(tmp_path, [BASE + ["SystemID"], person(1, str(db.id))]))
    assert rep.ok, rep.error_records


def test_binding_rows_add_more_devices(w, tmp_path):
    org, web, db = w["org"], w["web"], w["db"]
    path = write(tmp_path, [BASE + ["Department", "SystemID", "Administrator"],
                            person(1, "Ops", web.external_id, "true"),
                            ["", "", "user1", "", "", str(db.id), "false"],   # one more binding of user1
                            person(2, "Ops", "", "")])
    rep = org.import_users_csv(path)
    assert rep.ok and (rep.created, rep.updated) == (2, 1), rep.error_records
    assert [(r["username"], r["status"], r["device_bound"]) for r in rep.rows] == [
        ("user1", "created", "web-1"), ("user1", "updated", "db-1"), ("user2", "created", "")]
    assert rep.rows[1]["user_id"] == rep.rows[0]["user_id"]
    assert flags(org) == {("user1", web.external_id): (True, False), ("user1", "db-1"): (False, False)}


def test_a_repeated_username_with_other_cells_is_a_duplicate(w, tmp_path):
    org, db = w["org"], w["db"]
    path = write(tmp_path, [BASE + ["SystemID"], person(1, ""), ["", "", "user1", "x@acme.com", str(db.id)]])
    rep = org.import_users_csv(path)
    dup = issue(rep, 3)
    assert (dup.column, dup.value) == ("Username", "user1")
    assert dup.message.startswith("duplicate username in the file: also on line 2; a row repeating a Username may "
                                  "give only SystemID (or Hostname) and Administrator")


def test_a_binding_row_for_a_bad_row_is_refused(w, tmp_path):
    org, db = w["org"], w["db"]
    path = write(tmp_path, [BASE + ["SystemID"], ["", "Last", "user1", "user1@acme.com", ""],
                            ["", "", "user1", "", str(db.id)], person(2, str(db.id))])
    rep = org.import_users_csv(path, on_error="skip")
    assert rep.created == 1 and rep.skipped == 2
    assert issue(rep, 3) == ImportIssue(3, "Username", "user1",
                                        "binds a device to the user of line 2, which has errors; fix that row first")
    assert flags(org) == {("user2", "db-1"): (False, False)}


def test_binding_rows_for_existing_users_are_audited(w, tmp_path):
    d, org, alice, web, db = w["d"], w["org"], w["alice"], w["web"], w["db"]
    org.users.bind(alice, web)
    seq = d._core.last_event_seq()
    path = write(tmp_path, [["Username", "SystemID", "Administrator"], ["alice", web.external_id, "yes"],
                            ["alice", str(db.id), "no"]])
    rep = org.import_users_csv(path, mode="update")
    assert rep.ok, rep.error_records
    assert [r["status"] for r in rep.rows] == ["updated", "updated"]
    assert flags(org) == {("alice", web.external_id): (True, False), ("alice", "db-1"): (False, False)}
    types = [e.event_type for e in d.events(after_seq=seq)]
    assert types == ["user_update", "association_add", "user_import"]
    again = org.import_users_csv(path, mode="update")
    assert [r["status"] for r in again.rows] == ["unchanged"] * 2


def test_administrator_false_revokes_sudo_and_passwordless(w, tmp_path):
    org, alice, web = w["org"], w["alice"], w["web"]
    org.users.bind(alice, web, sudo=True, passwordless_sudo=True)
    path = write(tmp_path, [["Username", "SystemID", "Administrator"], ["alice", web.external_id, "true"]])
    assert [r["status"] for r in org.import_users_csv(path, mode="update").rows] == ["unchanged"]
    assert org.users.bindings(alice) == [Binding(alice, web, True, True)]  # passwordless kept with sudo
    path = write(tmp_path, [["Username", "SystemID", "Administrator"], ["alice", web.external_id, "false"]])
    assert [r["status"] for r in org.import_users_csv(path, mode="update").rows] == ["updated"]
    assert org.users.bindings(alice) == [Binding(alice, web, False, False)]


# ---- export and the round trip ------------------------------------------------------------


def make_devices(org):
    """The same devices (same external_ids) in any org; their dirctl ids differ per org."""
    return [org.devices.create(hostname=f"h{n}", os="linux", external_id=f"sys-{n}") for n in range(4)]


def test_export_writes_bindings_and_reimports_them(d, org, tmp_path):
    devs = make_devices(org)
    plain = org.devices.create(hostname="plain", os="linux")  # no external_id: exported by dirctl id
    rows = [BASE + ["SystemID", "Administrator"],
            person(0, "", ""),                       # no binding
            person(1, "sys-0", "true"),              # one, by external_id, sudo
            person(2, str(devs[1].id), "false"),     # one, by dirctl id
            person(3, "sys-2", "true"),              # several, mixed
            ["", "", "user3", "", str(devs[0].id), "false"],
            ["", "", "user3", "", "sys-3", "true"],
            ["", "", "user3", "", str(devs[1].id), ""]]
    rep = org.import_users_csv(write(tmp_path, rows))
    assert rep.ok and rep.created == 4, rep.error_records
    original = flags(org)
    assert len(original) == 6
    out = tmp_path / "export.csv"
    assert org.users.export_csv(out) == 4 + 3  # user3's 2nd to 4th bindings are rows of their own
    with open(out, newline="", encoding="utf-8") as f:
        exported = list(csv.reader(f))
    header = exported[0]
    assert header[-2:] == ["SystemID", "Administrator"]
    cells = [(r[header.index("Username")], r[-2], r[-1], r[header.index("Email")]) for r in exported[1:]]
    assert cells == [("user0", "", "", "user0@acme.com"), ("user1", "sys-0", "true", "user1@acme.com"),
                     ("user2", "sys-1", "false", "user2@acme.com"), ("user3", "sys-0", "false", "user3@acme.com"),
                     ("user3", "sys-1", "false", ""), ("user3", "sys-2", "true", ""), ("user3", "sys-3", "true", "")]
    # A binding row carries nothing else.
    assert all(c == "" for c in exported[5][:-2] if c != "user3")
    copy = d.orgs.create("copy")
    make_devices(copy)
    again = copy.import_users_csv(out)
    assert again.ok and again.created == 4, again.error_records
    assert flags(copy) == original
    # A device without external_id goes out as dirctl's id.
    org.users.bind(org.users.get("user0"), plain, sudo=True)
    org.users.export_csv(out, overwrite=True)
    with open(out, newline="", encoding="utf-8") as f:
        assert [r[-2:] for r in csv.reader(f) if r[header.index("Username")] == "user0"] == [[str(plain.id), "true"]]


def test_reimport_of_an_export_into_the_same_org_is_unchanged(d, org, tmp_path):
    devs = make_devices(org)
    u = org.users.create(username="u", email="u@acme.com")
    for n, dev in enumerate(devs):
        org.users.bind(u, dev, sudo=n % 2 == 0)
    out = tmp_path / "export.csv"
    assert org.users.export_csv(out) == 4
    rep = org.import_users_csv(out, mode="upsert")
    assert rep.ok and [r["status"] for r in rep.rows] == ["unchanged"] * 4, rep.error_records
