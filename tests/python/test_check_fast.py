"""Directory.check as a native method (issue #15): the same answers, errors and refusals as the
Python wrapper it replaced, on both of its paths (in memory with the GIL held, and through the
catch-up with the GIL released), and a reason that describes the model its check saw even when it
is first read after a change.

A file directory is used throughout: ":memory:" never takes the in-memory path (its change probe
is inert), so these tests are the ones that reach it.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

import dirctl
from dirctl import _core


@pytest.fixture
def f(shared):
    """A file directory: an org, a manager and a help_desk admin in it, a command and a user."""
    with dirctl.open(shared) as directory:
        acme = directory.orgs.create("acme")
        mgr = directory.admins.create(email="mgr@acme.com", role="manager", orgs=[acme])
        desk = directory.admins.create(email="desk@acme.com", role="help_desk", orgs=[acme])
        cmd = acme.commands.create(name="deploy", script="echo deploy")
        bob = acme.users.create(username="bob", email="bob@acme.com")
        yield directory, acme, mgr, desk, cmd, bob


def triple(dec):
    return bool(dec), dec.allowed, dec.rule, dec.reason


def test_every_actor_and_resource_form_gives_the_engines_answer(f):
    d, acme, mgr, desk, cmd, bob = f
    via_core = triple(d._core.check(("admin", mgr.id), "commands.edit", cmd.id))
    for actor in (mgr, ("admin", mgr.id), mgr.id, d.as_admin(mgr)):
        for resource in (cmd, cmd.id, np.int64(cmd.id)):
            assert triple(d.check(actor, "commands.edit", resource)) == via_core, (actor, resource)
    assert triple(d.check(actor=mgr, action="commands.edit", resource=cmd)) == via_core
    assert triple(d.check(mgr, "commands.edit", resource=cmd.id)) == via_core
    assert "mgr@acme.com" in via_core[3] and "deploy" in via_core[3]
    denied = d.check(desk, "commands.edit", cmd)
    assert not denied and denied.rule == "role_matrix" and "desk@acme.com" in denied.reason
    assert d.check(None, "users.read").rule == "system"
    assert d.check(("user", bob.id), "users.read", None).rule == d._core.check(("user", bob.id), "users.read", 0).rule


@pytest.mark.parametrize("resource, error, words", [
    (True, dirctl.InvalidArgument, "resource: expected an integer, got a bool"),
    ("7", dirctl.InvalidArgument, "resource: expected a dirctl object or an id"),
    (1.0, dirctl.InvalidArgument, "resource: expected a dirctl object or an id"),
    (-1, dirctl.NotFound, "ids are positive integers below 2**32"),
    (2**32, dirctl.NotFound, "ids are positive integers below 2**32"),
])
def test_a_bad_resource_raises_what_the_wrapper_raised(f, resource, error, words):
    d, _, mgr, *_ = f
    with pytest.raises(error, match=words.replace("*", r"\*")):
        d.check(mgr, "users.read", resource)


def test_a_bad_action_raises_what_the_wrapper_raised(f):
    d, _, mgr, *_ = f
    with pytest.raises(dirctl.InvalidArgument, match="action: expected text"):
        d.check(mgr, b"users.read")
    with pytest.raises(dirctl.InvalidArgument, match="lone surrogate"):
        d.check(mgr, "users.\ud800")
    with pytest.raises(dirctl.InvalidArgument, match="unknown action 'users.fly'"):
        d.check(mgr, "users.fly")
    with pytest.raises(dirctl.InvalidArgument, match="unknown action 'users.fly'"):
        d.check(None, "users.fly")


def test_a_view_still_refuses_other_actors_once_and_audited(f):
    d, _, mgr, desk, cmd, _ = f
    view = d.as_admin(mgr)
    assert view.check(mgr, "commands.edit", cmd)
    assert view.check(("admin", mgr.id), "commands.edit", cmd)
    before = len([e for e in d.events() if e.event_type == "acting_view_denied"])
    for other in (desk, ("admin", desk.id), None):
        with pytest.raises(dirctl.PermissionDenied):
            view.check(other, "commands.edit", cmd)
    after = len([e for e in d.events() if e.event_type == "acting_view_denied"])
    assert after - before == 3  # each refusal audited exactly once


def test_a_reason_read_after_a_change_describes_the_checked_model(f):
    d, _, mgr, desk, cmd, _ = f
    dec = d.check(desk, "commands.edit", cmd)
    d.admins.update(desk, role="manager")  # the next call: the pending reason is written first
    d.admins.update(desk, email="moved@acme.com")
    assert not dec and dec.rule == "role_matrix"
    assert "desk@acme.com is a help_desk" in dec.reason and "moved" not in dec.reason
    now = d.check(desk, "commands.edit", cmd)
    assert now and "moved@acme.com is a manager" in now.reason
    assert dec.reason in repr(dec)


def test_a_reason_survives_its_directory(shared):
    d = dirctl.open(shared)
    org = d.orgs.create("acme")
    admin = d.admins.create(email="a@acme.com", role="manager", orgs=[org])
    dec = d.check(admin, "users.read")
    d.close()
    assert "a@acme.com" in dec.reason
    dec2 = dirctl.open(shared).check(admin, "users.read")  # the handle is garbage at once
    assert dec2.reason == dec.reason


def test_another_connections_commit_is_seen_by_the_next_check(f, shared):
    d, _, _, desk, cmd, _ = f
    assert not d.check(desk, "commands.edit", cmd)
    with dirctl.open(shared) as other:
        other.admins.update(desk.id, role="manager")
    dec = d.check(desk, "commands.edit", cmd)
    assert dec and "is a manager" in dec.reason


def test_a_check_waits_for_another_threads_batch(f):
    d, _, _, desk, cmd, _ = f
    in_batch, release = threading.Event(), threading.Event()

    def promote():
        with d.batch():
            d.admins.update(desk, role="manager")
            in_batch.set()
            release.wait(10)

    t = threading.Thread(target=promote)
    t.start()
    assert in_batch.wait(10)
    answers: list = []
    checker = threading.Thread(target=lambda: answers.append(d.check(desk, "commands.edit", cmd)))
    checker.start()
    checker.join(0.2)
    assert answers == []  # not answered from inside the other thread's uncommitted batch
    release.set()
    t.join(10)
    checker.join(10)
    assert len(answers) == 1 and answers[0] and "is a manager" in answers[0].reason


def test_threads_checking_and_writing_agree_with_the_engine(f):
    d, acme, mgr, desk, cmd, _ = f
    errors: list = []

    def reader():
        try:
            for _ in range(300):
                dec = d.check(desk, "commands.edit", cmd)
                assert dec.rule == "role_matrix" and ("is a help_desk" in dec.reason) != dec.allowed
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def writer():
        for i in range(20):
            d.admins.update(desk, role="manager" if i % 2 == 0 else "help_desk")

    threads = [threading.Thread(target=reader) for _ in range(3)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


def test_decision_made_from_python_keeps_its_reason():
    dec = _core.Decision(False, "role_matrix", "because")
    assert not dec and dec.rule == "role_matrix" and dec.reason == "because"
    assert repr(dec) == "<Decision denied by role_matrix: because>"


@pytest.mark.parametrize("call", ['view.check(("admin", mgr.id), "users.read")',
                                  'view.check(("admin", mgr.id), "users.read", resource=None)'])
def test_a_check_waiting_for_a_batch_outlives_its_views_session(run_python, shared, call):
    """While a check waits for another thread's batch (the GIL released), that thread drops the
    view's own reference to its session: the waiting check still holds it, and answers."""
    out = run_python(f"""
        import gc, sys, threading, time, dirctl
        d = dirctl.open(sys.argv[1])
        acme = d.orgs.create("acme")
        mgr = d.admins.create(email="mgr@acme.com", role="manager", orgs=[acme])
        view = d.as_admin(mgr)
        inside = threading.Event()
        def batcher():
            with d.batch():
                d.orgs.create("o2")
                inside.set()
                time.sleep(0.3)  # the main thread now waits for the batch
                view._core = None
                gc.collect()
                junk = [bytearray(48) for _ in range(20000)]  # reuses freed memory if any
        t = threading.Thread(target=batcher)
        t.start()
        inside.wait()
        dec = {call}
        t.join()
        print(bool(dec), dec.rule, "mgr@acme.com" in dec.reason)
    """, shared)
    assert out.stdout.split() == ["True", "role_matrix", "True"]


def test_the_native_check_keeps_its_docstring():
    doc = dirctl.Directory.check.__doc__
    assert doc and "Whether actor (admin, user, view, or None for system)" in doc and "Decision" in doc
    assert dirctl.Directory.check.__doc__ == doc  # the same text on every read
