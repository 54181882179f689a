"""Issue 8: the library attacked as a hostile script author and as an operator with
several processes would. One test (or family) per finding; each failed before its fix."""

from __future__ import annotations

import multiprocessing
import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import dirctl
from dirctl import _core

from conftest import child_env, enrolled

ROLES = ["administrator_with_billing", "administrator", "manager", "command_runner_with_billing",
         "command_runner", "help_desk", "read_only", "billing_only"]


@pytest.fixture
def world(d):
    """Two orgs; an owner (billing admin), one admin per role in acme, a user with an admin role."""
    acme, other = d.orgs.create("acme"), d.orgs.create("globex")
    owner = d.admins.create(email="owner@acme.com", role="administrator_with_billing", orgs=[acme, other])
    admins = {r: d.admins.create(email=f"{r}@acme.com", role=r, orgs=[acme]) for r in ROLES}
    d.admins.update(admins["read_only"], api_access=True)
    user = acme.users.create(username="alice", email="alice@acme.com")
    secret = other.commands.create(name="wipe globex", script="rm -rf /srv")
    stranger = other.users.create(username="mallory", email="mallory@globex.com")
    return {"d": d, "acme": acme, "other": other, "owner": owner, "admins": admins, "user": user,
            "secret": secret, "stranger": stranger}


def views_of(w):
    """Every kind of restricted view: each role, an API key, a user."""
    d = w["d"]
    out = [(f"admin:{r}", d.as_admin(a)) for r, a in w["admins"].items()]
    out.append(("api_key:read_only", d.as_api_key(w["admins"]["read_only"])))
    out.append(("user:alice", d.as_user(w["user"])))
    return out


# -- 1. a view never acts with more rights than its actor ------------------------------------

@pytest.mark.parametrize("method", ["as_admin", "as_api_key", "as_user"])
def test_a_view_cannot_become_another_actor(world, method):
    """Every restricted view x every way of naming another actor: refused, audited, nothing done."""
    d, owner = world["d"], world["owner"]
    for name, view in views_of(world):
        if method == "as_user":
            targets = [world["stranger"], world["stranger"].id]
            if not name.startswith("user:"):
                targets += [world["user"], world["user"].id]
        else:
            targets = [owner, owner.id, owner.email]
        for target in targets:
            before = d._core.last_event_seq()
            with pytest.raises((dirctl.PermissionDenied, dirctl.NotFound)):
                getattr(view, method)(target)
            assert d.events(after_seq=before, success=False), (name, method, target)
            assert not d.events(after_seq=before, success=True), (name, method, target)


def test_a_view_may_narrow_to_itself_only(world):
    d, ro, user = world["d"], world["admins"]["read_only"], world["user"]
    view = d.as_admin(ro)
    assert view.as_admin(ro)._core.actor == ("admin", ro.id)
    assert view.as_admin(ro.id)._core.actor == ("admin", ro.id)
    assert view.as_api_key(ro)._core.actor == ("api_key", ro.id)   # an API key never has more than its admin
    key = d.as_api_key(ro)
    with pytest.raises(dirctl.PermissionDenied, match="acts only as its own actor"):
        key.as_admin(ro)                                             # the key could be off: no way back up
    assert key.as_api_key(ro)._core.actor == ("api_key", ro.id)
    uv = d.as_user(user)
    assert uv.as_user(user)._core.actor == ("user", user.id)
    with pytest.raises(dirctl.PermissionDenied):
        uv.as_admin(world["owner"].id)


def test_escalation_attempt_is_audited_and_changes_nothing(world, snapshot):
    d, owner = world["d"], world["owner"]
    view = d.as_admin(world["admins"]["read_only"])
    objects = {k: v for k, v in snapshot(d).items() if k != "events"}
    before = d._core.last_event_seq()
    with pytest.raises(dirctl.PermissionDenied) as err:
        view.as_admin(owner.email).admins.create(email="evil@x.com", role="administrator_with_billing")
    assert err.value.rule == "acting_view"
    assert {k: v for k, v in snapshot(d).items() if k != "events"} == objects
    [e] = d.events(after_seq=before)
    assert (e.event_type, e.success, e.initiated_by["id"]) == ("acting_view_denied", False, world["admins"]["read_only"].id)


@pytest.mark.parametrize("method,kind", [("as_admin", "user"), ("as_api_key", "user"), ("as_user", "admin")])
def test_acting_as_an_object_of_the_wrong_kind_is_refused(world, method, kind):
    d = world["d"]
    obj = world["user"] if kind == "user" else world["owner"]
    for target in (obj, obj.id):
        with pytest.raises(dirctl.InvalidArgument, match="use as_"):
            getattr(d, method)(target)
    with pytest.raises(dirctl.InvalidArgument):
        getattr(d, method)(world["acme"])  # an org is no actor either


def _sessions_reachable(root, limit=20000):
    """Every engine session reachable from root through instance attributes (slots and
    __dict__, private ones too), lists, tuples and dicts: what a script holding root can touch."""
    seen, stack, found = set(), [root], []
    while stack and len(seen) < limit:
        x = stack.pop()
        if id(x) in seen or isinstance(x, (str, bytes, int, float, bool, type(None), type, type(os))):
            continue
        seen.add(id(x))
        if isinstance(x, _core.Directory):
            found.append(x)
            continue
        if isinstance(x, dict):
            stack.extend(x.values())
            continue
        if isinstance(x, (list, tuple, set, frozenset)):
            stack.extend(x)
            continue
        if callable(x) and not hasattr(x, "__self__"):
            continue
        if hasattr(x, "__self__"):  # a bound method: its instance
            stack.append(x.__self__)
            continue
        for cls in type(x).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if hasattr(x, slot):
                    stack.append(getattr(x, slot))
        stack.extend(getattr(x, "__dict__", {}).values())
    return found


def _public_callables(obj):
    for name in dir(obj):
        if name.startswith("_"):
            continue
        try:
            attr = getattr(obj, name)
        except (dirctl.Error, AttributeError):
            continue
        yield name, attr


def test_every_public_method_of_a_view_stays_within_its_actor(world):
    """Calls every public method of a view (and of its collections, orgs and graph) with the
    owner, the owner's id and email as arguments, then walks every result: each engine session
    reachable from the view or anything it returned acts as the view's own actor."""
    owner = world["owner"]
    for name, view in views_of(world):
        actor = view._core.actor
        roots = [view]
        for attr in ("orgs", "admins"):
            roots.append(getattr(view, attr))
        try:
            acme = view.orgs.get("acme")
            roots += [acme, acme.users, acme.commands, acme.user_groups, acme.devices, acme.graph, acme.audit]
        except dirctl.Error:
            pass
        results = []
        for root in list(roots):
            for mname, method in _public_callables(root):
                if not callable(method) or mname in ("close", "batch", "export_csv", "import_users_csv"):
                    continue
                for arg in (owner, owner.id, owner.email, world["secret"], None):
                    try:
                        results.append(method(arg))
                    except (dirctl.Error, TypeError):  # refusing is fine; TypeError: arity (walked elsewhere)
                        pass
                try:
                    results.append(method())
                except (dirctl.Error, TypeError):
                    pass
        sessions = _sessions_reachable([view, roots, results])
        assert sessions, name
        assert {s.actor for s in sessions} == {actor}, f"{name}: a session with other rights is reachable"


def test_the_session_under_a_view_is_bound_in_the_engine(world):
    d, owner = world["d"], world["owner"]
    view = d.as_admin(world["admins"]["read_only"])
    core = view._core
    with pytest.raises(TypeError):  # the acting context is no argument: it cannot be swapped per call
        core.create("admin", 0, [("email", "x@y.com"), ("role", "read_only")], actor=None)
    with pytest.raises(dirctl.PermissionDenied):
        core.create("admin", 0, [("email", "x@y.com"), ("role", "read_only"), ("orgs", [world["acme"].id])])
    with pytest.raises(dirctl.PermissionDenied):
        core.as_actor("admin", owner.id)
    with pytest.raises(dirctl.PermissionDenied):
        core.check(("admin", owner.id), "users.edit", 0)  # no asking about others' rights through a view
    assert core.check(("admin", world["admins"]["read_only"].id), "users.read", 0)
    with pytest.raises(dirctl.NotFound):
        core.actor_for(owner.id)


# -- 2. handles opened during another process's writes catch up ------------------------------

WRITER = """
import sys, dirctl
path, n = sys.argv[1], int(sys.argv[2])
with dirctl.open(path) as d:
    org = d.orgs.get("acme")
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(n):
        org.users.create(username=f"w{i}", email=f"w{i}@acme.com")
print("done", flush=True)
"""


@pytest.mark.slow
def test_handles_opened_during_writes_all_catch_up(shared):
    n = 400
    with dirctl.open(shared) as d:
        d.orgs.create("acme")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(shared), str(n)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=child_env())
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.stdin.write("go\n")
        proc.stdin.flush()
        handles = []
        while proc.poll() is None and len(handles) < 200:
            handles.append(dirctl.open(shared))
            time.sleep(0.01)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert len(handles) >= 5, "the writer finished before the handles could race it"
    for i, h in enumerate(handles):
        org = h.orgs.get("acme")
        assert len(org.users) == n + i, f"handle {i} is stale"  # + the late users of earlier handles
        names = {u.username for u in org.users}
        assert all(org.users.get(f"w{k}").username == f"w{k}" for k in range(0, n, 37))
        assert names == {f"w{k}" for k in range(n)} | {f"late{k}" for k in range(i)}
        org.users.create(username=f"late{i}", email=f"late{i}@acme.com")  # ids not reused
    for h in handles:
        h.close()
    with dirctl.open(shared) as d:
        assert len(d.orgs.get("acme").users) == n + len(handles)
        assert d.integrity_check() == "ok"


def _race_open(path: str, barrier, who: int, out) -> None:
    try:
        barrier.wait(timeout=30)
        with dirctl.open(path, timeout=30) as d:
            org = d.orgs.create(f"org{who}")
            org.users.create(username=f"u{who}", email=f"u{who}@x.com")
        out.put((who, "ok"))
    except Exception as exc:  # reported to the parent, which fails the test
        out.put((who, f"{type(exc).__name__}: {exc}"))


@pytest.mark.slow
def test_racing_first_opens_of_a_new_file(tmp_path):
    """Four processes open one brand-new file at once, 50 times over."""
    ctx = multiprocessing.get_context("fork")
    failures = []
    for trial in range(50):
        path = str(tmp_path / f"race{trial}.db")
        barrier, out = ctx.Barrier(4), ctx.Queue()
        procs = [ctx.Process(target=_race_open, args=(path, barrier, k, out)) for k in range(4)]
        for p in procs:
            p.start()
        results = [out.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        failures += [(trial, r) for r in results if r[1] != "ok"]
        if not failures:
            with dirctl.open(path) as d:
                assert sorted(o.name for o in d.orgs) == [f"org{k}" for k in range(4)]
    assert not failures


# -- 3. a batch belongs to the thread that opened it ----------------------------------------

def test_another_threads_writes_survive_a_batch_rollback(shared):
    d = dirctl.open(shared)
    org = d.orgs.create("acme")
    in_batch, acked = threading.Event(), []

    def writer():
        in_batch.wait(5)
        for i in range(5):
            org.users.create(username=f"b{i}", email=f"b{i}@acme.com")
            acked.append(i)

    t = threading.Thread(target=writer)
    t.start()
    with pytest.raises(RuntimeError):
        with d.batch():
            org.users.create(username="a0", email="a0@acme.com")
            in_batch.set()
            time.sleep(0.3)  # thread B's creates wait for the batch instead of joining it
            assert acked == []
            raise RuntimeError("A fails")
    t.join(10)
    assert acked == list(range(5))
    d.close()
    with dirctl.open(shared) as again:
        names = {u.username for u in again.orgs.get("acme").users}
    assert names == {f"b{i}" for i in range(5)}


def test_a_thread_waiting_on_anothers_batch_times_out_clearly(shared):
    d = dirctl.open(shared, timeout=0.2)
    org = d.orgs.create("acme")
    errors = []
    with d.batch():
        t = threading.Thread(target=lambda: errors.append(_catch(lambda: len(org.users))))
        t.start()
        t.join(5)
    assert isinstance(errors[0], dirctl.StorageError)
    assert "another thread" in str(errors[0]) and "own handle" in str(errors[0])
    assert len(org.users) == 0  # the handle works again once the batch ended
    d.close()


def _catch(f):
    try:
        f()
    except Exception as exc:
        return exc
    return None


# -- 4. export_csv never clobbers what it should not -----------------------------------------

def test_export_refuses_fifos_devices_and_links(org, tmp_path):
    org.users.create(username="alice", email="alice@acme.com")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "target.csv")
    for target, what in ((fifo, "FIFO"), (Path("/dev/null"), "device"), (tmp_path, "folder"), (link, "symbolic link")):
        with pytest.raises(dirctl.InvalidArgument, match=what):
            org.users.export_csv(target, overwrite=True)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and os.path.islink(link)
    assert not (tmp_path / "target.csv").exists()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "pipe"], "no temporary file left behind"


def test_export_needs_overwrite_and_keeps_the_mode(org, tmp_path):
    org.users.create(username="alice", email="alice@acme.com")
    out = tmp_path / "users.csv"
    out.write_text("precious\n")
    os.chmod(out, 0o600)
    with pytest.raises(dirctl.Conflict, match="overwrite=True"):
        org.users.export_csv(out)
    assert out.read_text() == "precious\n"
    assert org.users.export_csv(out, overwrite=True) == 1
    assert "alice" in out.read_text()
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    fresh = tmp_path / "new.csv"
    assert org.users.export_csv(fresh) == 1
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o666 & ~umask


def test_cli_export_needs_force(shared, tmp_path):
    with dirctl.open(shared) as d:
        d.orgs.create("acme").users.create(username="alice", email="alice@acme.com")
    out = tmp_path / "u.csv"
    out.write_text("keep")
    from dirctl.cli import main

    assert main(["export", str(out), "--db", str(shared), "--org", "acme"]) == 1
    assert out.read_text() == "keep"
    assert main(["export", str(out), "--db", str(shared), "--org", "acme", "--force"]) == 0
    assert "alice" in out.read_text()


# -- 5. paths: NUL, URIs, read-only folders --------------------------------------------------

def test_a_nul_in_a_path_is_refused(org, tmp_path):
    victim = tmp_path / "victim.db"
    with pytest.raises(dirctl.InvalidArgument, match="NUL"):
        dirctl.open(str(victim) + "\x00.copy")
    assert not victim.exists()
    with pytest.raises(dirctl.InvalidArgument, match="NUL"):
        org.users.export_csv(str(tmp_path / "x.csv") + "\x00.txt")
    assert list(tmp_path.iterdir()) == []


def test_uri_names_are_plain_files_unless_asked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "file:acme.db?mode=memory"
    with dirctl.open(name) as d:
        d.orgs.create("acme")
    assert (tmp_path / name).is_file(), "the name is a file, not an in-memory database"
    with dirctl.open(name) as d:
        assert [o.name for o in d.orgs] == ["acme"]
    with dirctl.open("file:mem1?mode=memory", uri=True) as d:  # asked for: SQLite's URI
        d.orgs.create("x")
    assert not (tmp_path / "mem1").exists()
    with dirctl.open(f"file:{tmp_path / 'u.db'}?mode=rwc", uri=True) as d:
        d.orgs.create("y")
    assert (tmp_path / "u.db").is_file()


@pytest.mark.skipif(os.geteuid() != 0, reason="drops to an unprivileged user with setuid")
def test_a_read_only_folder_is_named_as_the_problem(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "dir.db"
    with dirctl.open(db) as d:
        d.orgs.create("acme")
    os.chmod(db, 0o666)
    os.chmod(folder, 0o555)
    os.chmod(tmp_path, 0o755)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as nobody, which cannot create dir.db-wal beside the file
        os.close(r)
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                dirctl.open(db)
                msg = "opened"
            except Exception as exc:
                msg = f"{type(exc).__name__}: {exc}"
            os.write(w, msg.encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        msg = f.read()
    os.waitpid(pid, 0)
    os.chmod(folder, 0o755)
    assert msg.startswith("StorageError"), msg
    assert "not writable" in msg and "-wal" in msg and "not a dirctl directory" not in msg


# -- 6. every denial leaves an event ---------------------------------------------------------

def test_a_denial_inside_a_rolled_back_batch_is_still_recorded(world):
    d = world["d"]
    view = d.as_admin(world["admins"]["read_only"])
    acme = view.orgs.get("acme")
    before = d._core.last_event_seq()
    with pytest.raises(dirctl.PermissionDenied):
        with view.batch():
            acme.users.create(username="x", email="x@acme.com")
    denied = d.events(after_seq=before, success=False)
    assert [e.event_type for e in denied] == ["user_create"]
    # nested: the inner batch rolls back, the outer commits; the denial stays once
    before = d._core.last_event_seq()
    with d.batch():
        with pytest.raises(dirctl.PermissionDenied):
            with view.batch():
                acme.users.create(username="y", email="y@acme.com")
        world["acme"].users.create(username="z", email="z@acme.com")
    assert [e.event_type for e in d.events(after_seq=before, success=False)] == ["user_create"]


def test_a_denial_in_a_batch_abandoned_by_close_is_recorded(shared):
    d = dirctl.open(shared)
    acme = d.orgs.create("acme")
    ro = d.admins.create(email="ro@acme.com", role="read_only", orgs=[acme])
    view = d.as_admin(ro)
    d._core.begin_batch()
    with pytest.raises(dirctl.PermissionDenied):
        view.orgs.get("acme").users.create(username="w", email="w@acme.com")
    d.close()  # the batch is rolled back; the attempt is not forgotten
    with dirctl.open(shared) as again:
        assert [e.event_type for e in again.events(success=False)] == ["user_create"]


def test_listing_orgs_as_a_suspended_admin_or_a_dead_api_key_is_a_denial(world):
    d = world["d"]
    ro, mgr = world["admins"]["read_only"], world["admins"]["manager"]
    d.admins.update(mgr, state="suspended")
    d.admins.update(ro, api_access=False)
    for view, rule in ((d.as_admin(mgr), "suspended_actor"), (d.as_api_key(ro), "api_access_disabled")):
        before = d._core.last_event_seq()
        with pytest.raises(dirctl.PermissionDenied) as err:
            list(view.orgs)
        assert err.value.rule == rule
        with pytest.raises(dirctl.PermissionDenied):
            len(view.orgs)
        events = d.events(after_seq=before)
        assert [(e.event_type, e.success) for e in events] == [("organization_list", False)] * 2


# -- 7. no names across orgs -----------------------------------------------------------------

def test_reasons_never_name_objects_in_other_orgs(world):
    d, secret, stranger = world["d"], world["secret"], world["stranger"]
    actors = list(world["admins"].values()) + [world["user"]]
    for actor in actors:
        for action, resource in (("commands.read", secret), ("commands.run", secret), ("users.edit", stranger),
                                 ("users.read", stranger), ("organization.read", world["other"])):
            dec = d.check(actor, action, resource)
            assert not dec
            for name in ("wipe globex", "mallory", "globex"):
                assert name not in dec.reason, (actor, action, dec.reason)
    d.admins.update(world["admins"]["manager"], state="suspended")
    dec = d.check(world["admins"]["manager"], "commands.read", secret)
    assert "wipe globex" not in dec.reason and str(secret.id) in dec.reason
    # what one can see is still named
    assert "alice" in d.check(world["admins"]["read_only"], "users.edit", world["user"]).reason


# -- 8. wrong types raise dirctl's errors, never pybind11's TypeError ------------------------

BAD = [None, 1.5, b"abc", "\udc80", -1, 2**63, 2**70, object(), [1, "x"], True]


def _api_calls(w):
    """(label, callable taking one argument) for every public entry point, each argument slot."""
    d, acme, user, owner = w["d"], w["acme"], w["user"], w["owner"]
    grp = acme.user_groups.create("eng")
    out = [
        ("d[]", lambda x: d[x]),
        ("as_admin", d.as_admin), ("as_api_key", d.as_api_key), ("as_user", d.as_user),
        ("check.actor", lambda x: d.check(x, "users.read")),
        ("check.action", lambda x: d.check(owner, x)),
        ("check.resource", lambda x: d.check(owner, "users.read", x)),
        ("check_many.actors", lambda x: d.check_many(x, "users.read")),
        ("check_many.actions", lambda x: d.check_many([owner.id], x)),
        ("orgs.get", d.orgs.get), ("orgs.create", d.orgs.create), ("admins.get", d.admins.get),
        ("admins.create.email", lambda x: d.admins.create(email=x, role="read_only", orgs=[acme])),
        ("admins.create.role", lambda x: d.admins.create(email="n@x.com", role=x, orgs=[acme])),
        ("admins.create.orgs", lambda x: d.admins.create(email="n@x.com", role="read_only", orgs=x)),
        ("admins.create_from_user", lambda x: d.admins.create_from_user(enrolled(x), role="read_only")),
        ("users.get", acme.users.get), ("users.delete", acme.users.delete),
        ("users.create.username", lambda x: acme.users.create(username=x, email="n@acme.com")),
        ("users.create.attributes", lambda x: acme.users.create(username="n", email="n@acme.com", attributes=x)),
        ("users.update.obj", lambda x: acme.users.update(x, department="x")),
        ("users.update.field", lambda x: acme.users.update(user, department=x)),
        ("users.export_csv", acme.users.export_csv),
        ("users.export_csv.overwrite", lambda x: acme.users.export_csv("/nonexistent/x.csv", overwrite=x)),
        ("user_groups.add_member.group", lambda x: acme.user_groups.add_member(x, user)),
        ("user_groups.add_member.member", lambda x: acme.user_groups.add_member(grp, x)),
        ("user_groups.members", acme.user_groups.members), ("user_groups.of", acme.user_groups.of),
        ("associate", lambda x: acme.associate(grp, x)), ("associations", acme.associations),
        ("graph.devices_of", acme.graph.devices_of), ("graph.explain", lambda x: acme.graph.explain(user, x)),
        ("audit.who_can_access", lambda x: acme.audit.who_can_access(user=x)),
        ("audit.who_can_run", lambda x: acme.audit.who_can_run(device=x)),
        ("audit.escalation_paths", acme.audit.escalation_paths),
        ("import_users_csv", acme.import_users_csv),
        ("import_users_csv.mode", lambda x: acme.import_users_csv("/nonexistent.csv", mode=x)),
        ("open", dirctl.open), ("open.timeout", lambda x: dirctl.open(":memory:", timeout=x)),
    ]
    for key in ("type", "since", "until", "initiated_by", "resource", "resource_type", "org", "success",
                "after_seq", "limit"):
        out.append((f"events.{key}", lambda x, key=key: d.events(**{key: x})))
    return out


def test_the_public_api_raises_dirctl_errors_for_wrong_types(world):
    wrong = []
    for label, call in _api_calls(world):
        for bad in BAD:
            try:
                call(bad)
            except dirctl.Error:
                pass
            except Exception as exc:  # noqa: BLE001 - that is the finding
                wrong.append(f"{label}({bad!r:.20}): {type(exc).__name__}: {exc}")
    assert not wrong, "\n".join(wrong)


def test_wrong_type_messages_say_what_to_pass(world):
    d, acme = world["d"], world["acme"]
    with pytest.raises(dirctl.NotFound, match="positive integers"):
        d[-1]
    with pytest.raises(dirctl.InvalidArgument, match="list of objects or ids"):
        d.admins.create(email="n@x.com", role="read_only", orgs=b"abc")
    with pytest.raises(dirctl.InvalidArgument, match="lone surrogate"):
        acme.users.create(username="a\udc80b", email="n@acme.com")
    with pytest.raises(dirctl.InvalidArgument, match="limit"):
        d.events(limit=2**70)


def test_an_error_message_is_not_cut_at_a_nul(org, tmp_path):
    """Engine messages travel as C strings: a NUL quoted from input is spelled, not a cut."""
    with pytest.raises(dirctl.NotFound) as err:
        org.users.get("al\x00ice")
    assert "al\\0ice" in str(err.value) and "in org 'acme'" in str(err.value)
    csv = tmp_path / "u.csv"
    csv.write_bytes(b"username,email\r\nal\x00ice,not-an-email\r\n")
    report = org.import_users_csv(csv, on_error="skip")
    assert report.error_records and all(str(e) for e in report.error_records)


# -- also seen ------------------------------------------------------------------------------

def test_import_progress_gets_a_total(org, tmp_path):
    csv = tmp_path / "u.csv"
    csv.write_text("username,email\n" + "".join(f"u{i},u{i}@acme.com\n" for i in range(3000)))
    seen = []
    org.import_users_csv(csv, progress=lambda done, total: seen.append((done, total)))
    assert seen and all(total > 0 for _, total in seen), seen[:5]
    assert seen[-1] == (3000, 3000)
    assert all(done <= total for done, total in seen)


def test_integrity_check_of_a_damaged_file_returns_the_problem(db_path):
    import sqlite3

    with dirctl.open(db_path) as d:
        org = d.orgs.create("acme")
        for i in range(300):
            org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
    with sqlite3.connect(db_path) as con:  # the file is checkpointed and closed: all in the main file
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'users_email'").fetchone()[0]
    con.close()
    with open(db_path, "r+b") as f:  # scribble over an index that opening does not read
        f.seek((root - 1) * page_size)
        f.write(b"\xde\xad" * (page_size // 2))
    with dirctl.open(db_path) as d:
        result = d.integrity_check()
    assert isinstance(result, str) and result != "ok"
    assert "users_email" in result or "malformed" in result or "not ok" in result, result


# -- found by a second review -----------------------------------------------------------------

def test_a_batch_left_open_by_a_dead_thread_is_joined_by_no_one(shared):
    d = dirctl.open(shared, timeout=0.3)
    org = d.orgs.create("acme")
    t = threading.Thread(target=d._core.begin_batch)
    t.start()
    t.join()  # the thread ends with its batch open
    results = []
    for _ in range(3):  # new threads (the C library may reuse the dead one's id)
        w = threading.Thread(target=lambda: results.append(_catch(lambda: org.users.create(username="v", email="v@a.com"))))
        w.start()
        w.join(10)
    assert all(isinstance(r, dirctl.StorageError) for r in results), results
    d.close()  # close() ends the orphan batch instead of waiting for it
    with dirctl.open(shared) as again:
        assert len(again.orgs.get("acme").users) == 0


def test_a_callback_calling_back_into_the_handle_is_refused_not_a_deadlock(run_python, tmp_path):
    csv = tmp_path / "u.csv"
    csv.write_text("username,email\n" + "".join(f"u{i},u{i}@a.com\n" for i in range(3000)))
    proc = run_python(
        """
        import sys, dirctl
        d = dirctl.open(":memory:")
        org = d.orgs.create("acme")
        try:
            org.import_users_csv(sys.argv[1], progress=lambda done, total: len(org.users))
        except dirctl.InvalidArgument as exc:
            print("refused:", exc)
        print("users", len(org.users))
        """, csv, timeout=60)
    assert "refused: this directory handle is already in a call" in proc.stdout
    assert "users 0" in proc.stdout


def test_checks_before_authorisation_name_nothing_in_other_orgs(world):
    d, acme, other, secret, mallory = world["d"], world["acme"], world["other"], world["secret"], world["stranger"]
    grp, gx_grp = acme.user_groups.create("acme-group"), other.user_groups.create("gx-group")
    views = [d.as_admin(world["admins"]["administrator"]), d.as_user(world["user"])]
    calls = [
        lambda c: c.find("user", other.id, "mallory"),
        lambda c: c.members(secret.id),
        lambda c: c.groups_of(secret.id),
        lambda c: c.add_member(grp.id, mallory.id),
        lambda c: c.remove_member(grp.id, mallory.id),
        lambda c: c.associate(mallory.id, gx_grp.id),
        lambda c: c.dissociate(mallory.id, gx_grp.id),
        lambda c: c.who_can_access(acme.id, mallory.id, 0),
        lambda c: c.update(mallory.id, [("department", "x")]),
        lambda c: c.remove(mallory.id),
    ]
    for view in views:
        for call in calls:
            with pytest.raises((dirctl.NotFound, dirctl.PermissionDenied)) as err:
                call(view._core)
            for name in ("globex", "mallory", "wipe", "gx-group"):
                assert name not in str(err.value), str(err.value)
    assert d.orgs.get("globex").users.get("mallory").department is None


def test_the_last_admin_rule_names_no_unseen_org(d):
    acme, globex = d.orgs.create("acme"), d.orgs.create("globex")
    owner = d.admins.create(email="owner@x.com", role="administrator_with_billing", orgs=[acme, globex])
    d.admins.create(email="keep@x.com", role="administrator_with_billing", orgs=[acme])
    b2 = d.admins.create(email="b2@x.com", role="administrator_with_billing", orgs=[acme])
    with pytest.raises(dirctl.PermissionDenied) as err:
        d.as_admin(b2).admins.delete(owner)
    assert "globex" not in str(err.value) and "must keep at least one active admin" in str(err.value)
    assert all("globex" not in e.message for e in d.as_admin(b2).events(success=False))


def test_a_users_denial_is_an_event_of_the_users_org(world):
    d, alice = world["d"], world["user"]
    with pytest.raises(dirctl.PermissionDenied):
        list(d.as_user(alice).admins)
    [e] = d.events(success=False, initiated_by=alice)
    assert e.org == world["acme"].id
    gx = d.admins.create(email="gx@globex.com", role="administrator", orgs=[world["other"]])
    assert not [x for x in d.as_admin(gx).events(success=False) if x.initiated_by.get("id") == alice.id]
