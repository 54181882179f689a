"""dirctl.open / Directory: life cycle, repr, lookups by id, batches."""

from __future__ import annotations

import pytest

import dirctl


# ---- open / close / context manager -----------------------------------------

def test_open_memory_is_empty_and_latest_schema():
    d = dirctl.open(":memory:")
    try:
        assert isinstance(d, dirctl.Directory)
        assert d.path == ":memory:"
        assert not d.closed
        assert len(d.orgs) == 0 and len(d.admins) == 0
        assert list(d.orgs) == [] and d.events() == []
        assert d.schema_version == dirctl._core.LATEST_SCHEMA_VERSION
    finally:
        d.close()
    assert d.closed


def test_open_default_path_is_memory():
    with dirctl.open() as d:
        assert d.path == ":memory:"
        d.orgs.create("acme")
        assert len(d.orgs) == 1


def test_memory_directories_are_private():
    with dirctl.open(":memory:") as a, dirctl.open(":memory:") as b:
        a.orgs.create("acme")
        assert len(a.orgs) == 1
        assert len(b.orgs) == 0


def test_context_manager_closes(shared):
    with dirctl.open(shared) as d:
        assert not d.closed
        d.orgs.create("acme")
    assert d.closed


def test_context_manager_closes_on_exception(shared):
    with pytest.raises(RuntimeError, match="boom"):
        with dirctl.open(shared) as d:
            d.orgs.create("acme")
            raise RuntimeError("boom")
    assert d.closed
    with dirctl.open(shared) as again:
        assert [o.name for o in again.orgs] == ["acme"]


def test_on_disk_persists_across_reopen(db_path):
    with dirctl.open(db_path) as d:
        assert d.path == str(db_path)
        org = d.orgs.create("acme", description="Acme Corp")
        u = org.users.create(username="alice", email="alice@acme.com", first_name="Alice",
                             attributes={"team": "sre"})
        g = org.user_groups.create("eng")
        org.user_groups.add_member(g, u)
        dev = org.devices.create(hostname="web-01", os="linux")
        org.associate(g, dev)
        n_events = len(d.events())
    assert db_path.exists()
    with dirctl.open(str(db_path)) as d:
        org = d.orgs.get("acme")
        assert org.description == "Acme Corp"
        alice = org.users.get("alice")
        assert alice.id == u.id
        assert alice.first_name == "Alice" and alice.attributes == {"team": "sre"}
        assert [m.username for m in org.user_groups.members("eng")] == ["alice"]
        assert [x.id for x in org.associations(g)] == [dev.id]
        assert len(d.events()) == n_events


def test_open_accepts_pathlike_and_str(tmp_path):
    p = tmp_path / "a.db"
    with dirctl.open(p) as d:
        d.orgs.create("x")
    with dirctl.open(str(p)) as d:
        assert len(d.orgs) == 1


def test_close_is_idempotent(d):
    d.close()
    d.close()
    assert d.closed


@pytest.mark.parametrize("operation", [
    lambda d, org: len(d.orgs),
    lambda d, org: list(d.orgs),
    lambda d, org: d.orgs.create("other"),
    lambda d, org: d.orgs.get("acme"),
    lambda d, org: len(d.admins),
    lambda d, org: d.admins.create(email="ops@acme.com", role="manager"),
    lambda d, org: org.users.create(username="bob", email="bob@acme.com"),
    lambda d, org: len(org.users),
    lambda d, org: org.users.to_frame(),
    lambda d, org: d.events(),
    lambda d, org: d.events_frame(),
    lambda d, org: d.integrity_check(),
    lambda d, org: d.schema_version,
    lambda d, org: d[org.id],
    lambda d, org: org.refresh(),
    lambda d, org: d.batch().__enter__(),
], ids=["len-orgs", "iter-orgs", "create-org", "get-org", "len-admins", "create-admin", "create-user",
        "len-users", "to_frame", "events", "events_frame", "integrity", "schema_version", "getitem",
        "refresh", "batch"])
def test_operations_after_close_raise_storage_error(d, org, operation):
    d.close()
    with pytest.raises(dirctl.StorageError):
        operation(d, org)


def test_storage_error_after_close_says_closed(d):
    d.close()
    with pytest.raises(dirctl.StorageError, match="closed"):
        d.orgs.create("x")


def test_close_inside_batch_discards_the_batch(shared):
    d = dirctl.open(shared)
    d.orgs.create("kept")
    try:
        with d.batch():
            d.orgs.create("lost")
            d.close()
    except dirctl.Error:
        pass  # leaving a batch of a closed directory may report it; either way nothing commits
    assert d.closed
    with dirctl.open(shared) as again:
        assert [o.name for o in again.orgs] == ["kept"]


# ---- repr -------------------------------------------------------------------

def test_directory_repr_shows_path_and_counts(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        d.orgs.create("globex")
        d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
        r = repr(d)
        assert r.startswith("<dirctl.Directory")
        assert str(shared) in r
        assert "2 orgs" in r and "1 admins" in r
        assert f"schema {dirctl._core.LATEST_SCHEMA_VERSION}" in r
    r = repr(d)
    assert "closed" in r and str(shared) in r


# ---- objects by id --------------------------------------------------------------

def test_getitem_returns_any_kind_by_id(d, org):
    u = org.users.create(username="alice", email="alice@acme.com")
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    assert d[org.id] == org
    assert isinstance(d[u.id], dirctl.User) and d[u.id] == u
    assert isinstance(d[a.id], dirctl.Admin) and d[a.id].email == "ops@acme.com"


def test_getitem_unknown_id_is_not_found(d, org):
    with pytest.raises(dirctl.NotFound):
        d[9999]
    with pytest.raises(KeyError):
        d[9999]


def test_ids_are_global_and_never_reused(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        u1 = org.users.create(username="a", email="a@acme.com")
        g = org.user_groups.create("g")
        assert len({org.id, u1.id, g.id}) == 3
        org.users.delete(u1)
        u2 = org.users.create(username="b", email="b@acme.com")
        assert u2.id > g.id
        last = org.devices.create(hostname="h")
        org.devices.delete(last)
        top = last.id
    with dirctl.open(shared) as d:
        org = d.orgs.get("acme")
        u3 = org.users.create(username="c", email="c@acme.com")
        assert u3.id > top


def test_integrity_check_ok(d, shared):
    assert d.integrity_check() == "ok"
    with dirctl.open(shared) as disk:
        disk.orgs.create("acme")
        assert disk.integrity_check() == "ok"


def test_timeout_argument_is_accepted(shared):
    with dirctl.open(shared, timeout=0.5) as d:
        d.orgs.create("acme")
        assert len(d.orgs) == 1


# ---- batches ----------------------------------------------------------------------

def test_batch_commits_everything(d, org):
    before = len(d.events())
    with d.batch() as same:
        assert same is d
        for i in range(10):
            org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
        assert len(org.users) == 10  # visible inside the batch
    assert len(org.users) == 10
    assert len(d.events()) == before + 10


def test_batch_commits_to_disk(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        with d.batch():
            for i in range(5):
                org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
    with dirctl.open(shared) as d:
        assert len(d.orgs.get("acme").users) == 5


def test_batch_is_all_or_nothing_on_engine_error(d, org, snapshot):
    org.users.create(username="alice", email="alice@acme.com")
    before = snapshot(d)
    with pytest.raises(dirctl.Conflict):
        with d.batch():
            org.users.create(username="bob", email="bob@acme.com")
            org.user_groups.create("eng")
            org.users.create(username="alice2", email="ALICE@acme.com")  # conflicts
    assert snapshot(d) == before
    with pytest.raises(dirctl.NotFound):
        org.users.get("bob")
    assert "eng" not in org.user_groups


def test_batch_exception_rolls_back_memory_too(d, org, snapshot):
    before = snapshot(d)
    created = []
    with pytest.raises(RuntimeError, match="stop"):
        with d.batch():
            u = org.users.create(username="bob", email="bob@acme.com")
            created.append(u)
            g = org.user_groups.create("eng")
            org.user_groups.add_member(g, u)
            org.users.update(u, department="eng")
            assert len(org.users) == 1
            raise RuntimeError("stop")
    assert len(org.users) == 0
    assert len(org.user_groups) == 0
    with pytest.raises(dirctl.NotFound):
        org.users.get("bob")
    with pytest.raises(dirctl.NotFound):
        org.users.get(created[0].id)
    with pytest.raises(dirctl.NotFound):
        d[created[0].id]
    assert snapshot(d) == before


def test_batch_rollback_on_disk(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        with pytest.raises(KeyboardInterrupt):
            with d.batch():
                org.users.create(username="bob", email="bob@acme.com")
                raise KeyboardInterrupt
        assert len(org.users) == 0
    with dirctl.open(shared) as d:
        assert len(d.orgs.get("acme").users) == 0
        assert [e.event_type for e in d.events()] == ["organization_create"]


def test_failed_operation_inside_batch_keeps_the_rest(d, org):
    """A failed call inside a batch is undone alone (savepoint); the batch goes on."""
    with d.batch():
        org.users.create(username="alice", email="alice@acme.com")
        with pytest.raises(dirctl.Conflict):
            org.users.create(username="alice", email="other@acme.com")
        org.users.create(username="bob", email="bob@acme.com")
    assert sorted(u.username for u in org.users) == ["alice", "bob"]
    assert len(d.events(type="user_create")) == 2


def test_nested_batches_commit_only_at_outermost(shared):
    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        with d.batch():
            org.users.create(username="a", email="a@acme.com")
            with d.batch():
                org.users.create(username="b", email="b@acme.com")
            # The inner batch ended, but nothing is committed yet: another
            # connection does not see it.
            with dirctl.open(shared, timeout=0.2) as other:
                assert len(other.orgs.get("acme").users) == 0
            org.users.create(username="c", email="c@acme.com")
        with dirctl.open(shared) as other:
            assert len(other.orgs.get("acme").users) == 3


def test_nested_batch_exception_propagates_and_rolls_back_all(d, org, snapshot):
    before = snapshot(d)
    with pytest.raises(RuntimeError, match="inner boom"):
        with d.batch():
            org.users.create(username="a", email="a@acme.com")
            with d.batch():
                org.users.create(username="b", email="b@acme.com")
                raise RuntimeError("inner boom")
    assert snapshot(d) == before
    assert len(org.users) == 0
    # The directory is usable afterwards, outside any batch.
    org.users.create(username="z", email="z@acme.com")
    assert len(org.users) == 1


def test_nested_batch_exception_caught_inside_outer(d, org):
    """An inner batch that fails is undone; the outer batch goes on and commits."""
    with d.batch():
        org.users.create(username="a", email="a@acme.com")
        with pytest.raises(RuntimeError):
            with d.batch():
                org.users.create(username="b", email="b@acme.com")
                raise RuntimeError("inner")
        org.users.create(username="c", email="c@acme.com")
    assert sorted(u.username for u in org.users) == ["a", "c"]


def test_batch_usable_again_after_rollback(d, org):
    with pytest.raises(ValueError):
        with d.batch():
            org.users.create(username="a", email="a@acme.com")
            raise ValueError
    with d.batch():
        org.users.create(username="a", email="a@acme.com")
    assert [u.username for u in org.users] == ["a"]
    assert [e.event_type for e in d.events()] == ["organization_create", "user_create"]
