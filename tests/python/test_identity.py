"""Identity (issue 11): logins with password and TOTP, sessions, API keys, the admin
lifecycle of seeds 002-003, and Runops self-registration (seed 004), through the public API.

TOTP codes are computed here with the standard library (RFC 6238 over hmac), an
implementation independent of the engine's liboath."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import struct
import time
import urllib.parse
from pathlib import Path

import pytest

import dirctl
from conftest import enrolled

PW = "correct horse battery"


def totp(secret_b32: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return str((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 10**digits).zfill(digits)


def secret_of(uri: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]


def activate(d, admin, password=PW):
    """A pending admin's first login with its invitation; returns the session."""
    return d.login(admin.email, password, invite=d.admins.resend_invite(admin))


@pytest.fixture
def world(d, org):
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    activate(d, boss).logout()
    return {"d": d, "org": org, "boss": d.admins.get(boss.id)}


def rule_of(fn) -> str:
    with pytest.raises(dirctl.PermissionDenied) as info:
        fn()
    return info.value.rule


# -- the admin lifecycle -------------------------------------------------------------

def test_new_admin_is_pending_until_its_first_login_sets_a_password(d, org):
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    assert a.state == "pending"
    assert rule_of(lambda: d.login("ops@acme.com", PW)) == "invitation_pending"
    token = d.admins.resend_invite(a)
    assert rule_of(lambda: d.login("ops@acme.com", PW, invite="not-the-token")) == "login_failed"
    s = d.login("ops@acme.com", PW, invite=token)
    assert s.portal == "admin" and d.admins.get(a.id).state == "active"
    assert d.login("ops@acme.com", PW).view.actor.id == a.id  # the password is now its own
    invites = d.events(type="admin_invite")
    assert invites and "would be sent" in invites[-1].message and token not in invites[-1].message
    with pytest.raises(dirctl.Conflict):
        d.admins.resend_invite(a)  # accepted already


def test_suspend_restore_delete(world):
    d, org = world["d"], world["org"]
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    s = activate(d, a)
    d.admins.suspend(a)
    assert rule_of(lambda: s.orgs.get("acme")) in ("suspended_actor", "session_ended")
    assert rule_of(lambda: d.login("ops@acme.com", PW)) == "suspended_actor"
    d.admins.restore(a)
    d.login("ops@acme.com", PW)
    d.admins.delete(a)
    with pytest.raises(dirctl.NotFound):
        d.admins.restore(a)  # a deleted admin is gone: nothing to restore
    assert rule_of(lambda: d.login("ops@acme.com", PW)) == "login_failed"


def test_health_warns_below_two_admins(world):
    d, org = world["d"], world["org"]
    warnings = d.admins.health()
    assert any("at least 2" in w for w in warnings) and any("'acme'" in w for w in warnings)
    d.admins.create(email="two@acme.com", role="administrator_with_billing", orgs=[org])
    assert d.admins.health() == []


def test_lockout_after_the_policys_failures_and_unlock(world):
    d, org = world["d"], world["org"]
    d.orgs.update(org, lockout_attempts=3)
    a = d.admins.create(email="ops@acme.com", role="manager", orgs=[org])
    activate(d, a)
    for _ in range(3):
        assert rule_of(lambda: d.login("ops@acme.com", "wrong password")) == "login_failed"
    assert rule_of(lambda: d.login("ops@acme.com", PW)) == "account_locked"
    failed = d.events(type="admin_login_attempt", success=False)
    assert any("now locked" in e.message for e in failed)
    d.admins.unlock(a)
    d.login("ops@acme.com", PW)


def test_user_lockout_sets_account_locked(world):
    d, org = world["d"], world["org"]
    d.orgs.update(org, lockout_attempts=2)
    u = org.users.create(username="alice", email="alice@acme.com", password="alice password 1")
    for _ in range(2):
        rule_of(lambda: d.login("alice@acme.com", "nope nope nope"))
    assert org.users.get(u.id).account_locked is True
    assert rule_of(lambda: d.login("alice@acme.com", "alice password 1")) == "account_locked"
    org.users.update(u, account_locked=False)
    assert d.login("alice@acme.com", "alice password 1").portal == "user"


def test_user_portal_can_be_off(world):
    d, org = world["d"], world["org"]
    org.users.create(username="alice", email="alice@acme.com", password="alice password 1")
    d.orgs.update(org, user_portal=False)
    assert rule_of(lambda: d.login("alice@acme.com", "alice password 1")) == "user_portal_disabled"


# -- sessions -------------------------------------------------------------------------

def test_session_is_an_acting_context_until_logout(world):
    d, boss = world["d"], world["boss"]
    s = d.login(boss.email, PW)
    assert s.orgs.get("acme").users.to_frame().empty
    assert [x.id for x in d.sessions(boss)] == [s.id]
    assert d.check(s, "users.edit")
    resumed = d.resume(s.token)
    assert resumed.orgs.get("acme").name == "acme"
    s.logout()
    assert rule_of(lambda: s.orgs.get("acme")) == "session_ended"
    assert rule_of(lambda: resumed.orgs.get("acme")) == "session_ended"
    assert d.sessions(boss) == []
    assert rule_of(lambda: d.resume(s.token)) == "session_ended"
    assert s.token not in repr(s) and d.events(type="admin_logout")


def test_a_view_asking_about_itself_answers_with_its_credential(world):
    """check() through a session about its own actor goes by the session: once it has ended,
    the answer is the refusal its next action would meet, on both of check()'s paths."""
    d, boss = world["d"], world["boss"]
    s = d.login(boss.email, PW)
    key_owner = d.admins.create(email="keys@acme.com", role="manager", orgs=[world["org"]], state="active",
                                api_access=True)
    v = d.with_api_key(d.admins.create_api_key(key_owner).key)
    assert s.check(("admin", boss.id), "users.edit") and v.check(v, "users.edit")
    s.logout()
    d.admins.revoke_api_key(key_owner)
    for dec in (s.check(("admin", boss.id), "users.edit"), s.check(actor=("admin", boss.id), action="users.edit"),
                s.check(boss, "users.edit", None)):
        assert not dec and dec.rule == "session_ended", dec
    dec = v.check(v, "users.edit")
    assert not dec and dec.rule == "api_key_revoked", dec
    assert d.check(s, "users.edit").rule == "session_ended"  # the directory asked about the views
    assert d.check(v, "users.edit").rule == "api_key_revoked"
    assert d.check(boss, "users.edit")  # the admin itself, asked by the directory, may


def test_session_expires(world):
    d, org, boss = world["d"], world["org"], world["boss"]
    d.orgs.update(org, session_minutes=1)
    s = d.login(boss.email, PW)
    left = s.expires.timestamp() - time.time()
    assert 0 < left <= 61


def test_a_session_ends_in_another_process_too(world, shared, run_python):
    d = dirctl.open(shared)
    org = d.orgs.create("acme")
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    s = activate(d, boss)
    out = run_python(f"""
import dirctl, sys
d = dirctl.open(sys.argv[1])
s = d.resume({s.token!r})
print(s.orgs.get("acme").name)
""", str(shared))
    assert out.stdout.strip() == "acme"
    other = dirctl.open(shared)
    s2 = other.resume(s.token)
    s.logout()
    assert rule_of(lambda: s2.orgs.get("acme")) == "session_ended"


# -- admin from user (seed 003) ---------------------------------------------------------

def test_admin_from_user_needs_mfa_inherits_it_and_logs_in_with_the_users_credentials(world):
    d, org = world["d"], world["org"]
    u = org.users.create(username="carol", email="carol@acme.com", password="carol password 1")
    with pytest.raises(dirctl.InvalidArgument, match="MFA"):
        d.admins.create_from_user(u, role="administrator")
    secret = secret_of(d.enroll_totp(u))
    assert org.users.get(u.id).mfa_status == "pending_activation"
    d.confirm_totp(u, totp(secret))
    assert org.users.get(u.id).mfa_status == "enrolled"
    a = d.admins.create_from_user(org.users.get(u.id), role="administrator")
    assert a.mfa_required is True and a.state == "active"
    assert org.users.to_frame().loc[u.id, "administrator"]
    # Only the user's credentials log in as the admin, with the user's TOTP.
    assert rule_of(lambda: d.login("carol@acme.com", "carol password 1")) == "mfa_required"
    code = totp(secret, time.time() + 30)  # the next step (the current one was spent confirming)
    before = d.events()[-1].seq
    s = d.login("carol@acme.com", "carol password 1", totp=code)
    assert s.portal == "admin" and s.view.actor.id == a.id
    types = [e.event_type for e in d.events(after_seq=before)]
    assert types == ["user_login_attempt", "admin_login_attempt"]  # spec/insights_events.csv
    assert rule_of(lambda: d.login("carol@acme.com", "carol password 1", totp=code)) == "login_failed"
    assert "totp_reused" in d.events(type="user_login_attempt", success=False)[-1].message
    # Changing the role ends the live session; the admin logs in again.
    d.admins.update(a, role="manager")
    assert rule_of(lambda: s.orgs.get("acme")) == "session_ended"


def test_role_events_match_the_spec(world):
    d, org = world["d"], world["org"]
    u = enrolled(org.users.create(username="dan", email="dan@acme.com"))
    spec = Path(__file__).resolve().parents[2] / "docs" / "spec" / "insights_events.csv"
    with spec.open(encoding="utf-8") as f:
        expected = {row["action"]: row["events"].split(";") for row in csv.DictReader(f)}
    seq = d.events()[-1].seq
    a = d.admins.create_from_user(u, role="manager")
    assert [e.event_type for e in d.events(after_seq=seq)] == expected["user given admin role (admin created)"]
    seq = d.events()[-1].seq
    d.admins.delete(a)
    assert [e.event_type for e in d.events(after_seq=seq)] == expected["admin role removed from user (admin deleted)"]
    existing = d.admins.create(email="dan@acme.com", role="read_only", orgs=[org])
    seq = d.events()[-1].seq
    d.admins.create_from_user(org.users.get(u.id), role="help_desk")
    assert [e.event_type for e in d.events(after_seq=seq)] == expected["user given existing admin role (admin updated)"]
    assert d.admins.get(existing.id).user.id == u.id and d.admins.get(existing.id).state == "active"


def test_linking_an_existing_admin_ends_its_sessions_and_credentials(world):
    d, org = world["d"], world["org"]
    a = d.admins.create(email="erin@acme.com", role="manager", orgs=[org])
    s = activate(d, a)
    u = enrolled(org.users.create(username="erin", email="erin@acme.com", password="erin password 12"))
    d.admins.create_from_user(u, role="manager")
    assert rule_of(lambda: s.orgs.get("acme")) == "session_ended"
    assert rule_of(lambda: d.login("erin@acme.com", PW)) == "login_failed"  # its own password is gone
    assert rule_of(lambda: d.login("erin@acme.com", "erin password 12")) == "mfa_required"  # no TOTP enrolled here


# -- the mutation path and the role engine agree -------------------------------------

USER_FIELDS = {
    "state": "suspended", "account_locked": True, "mfa_status": "enrolled", "password": "a new password 9",
    "password_expiration_date": "2031-01-01", "department": "ops", "first_name": "Bo", "sudo": True,
}


@pytest.mark.parametrize("role", [r.value for r in dirctl.Role])
def test_every_user_field_agrees_with_check_for_every_role(d, org, role):
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org], state="active")
    actor = boss if role == "administrator_with_billing" else d.admins.create(
        email="who@acme.com", role=role, orgs=[org], state="active")
    plain = org.users.create(username="plain", email="plain@acme.com")
    me = enrolled(org.users.create(username="me", email=actor.email))
    if actor is not boss:
        d.admins.delete(actor)
    linked = d.admins.create_from_user(me, role=role)
    for target in (plain, org.users.get(me.id)):
        for name, value in USER_FIELDS.items():
            view = d.as_admin(linked)
            action = dirctl._core.user_field_action(name)
            allowed = bool(d.check(linked, action, target))
            try:
                view.orgs.get("acme").users.update(target.id, **{name: value})
                did = True
            except dirctl.PermissionDenied:
                did = False
            assert did == allowed, (role, target.username, name, action)


def test_a_billing_admin_made_from_a_user_may_not_set_its_own_password(d, org):
    d.admins.create(email="root@acme.com", role="administrator_with_billing", orgs=[org], state="active")
    me = enrolled(org.users.create(username="me", email="me@acme.com"))
    a = d.admins.create_from_user(me, role="administrator_with_billing")
    dec = d.check(a, "users.set_password", me)
    assert not dec and dec.rule == "protected_user"
    with pytest.raises(dirctl.PermissionDenied) as info:
        d.as_admin(a).orgs.get("acme").users.update(me.id, password="my own new pass 1")
    assert info.value.rule == dec.rule


# -- API keys -----------------------------------------------------------------------------

def test_api_keys(world):
    d, org, boss = world["d"], world["org"], world["boss"]
    ops = d.admins.create(email="ops@acme.com", role="manager", orgs=[org], state="active")
    with pytest.raises(dirctl.InvalidArgument, match="API access off"):
        d.admins.create_api_key(ops)
    d.admins.update(ops, api_access=True)
    key = d.admins.create_api_key(ops)
    assert key.key.startswith("dk_") and key.key not in repr(key)
    v = d.with_api_key(key.key)
    assert bool(d.check(v, "users.edit")) and not d.check(v, "administrators.edit")  # exactly a manager
    with pytest.raises(dirctl.Conflict):
        d.admins.create_api_key(ops)
    new = d.admins.rotate_api_key(ops)
    assert rule_of(lambda: d.with_api_key(key.key)) == "api_key_revoked"
    assert rule_of(lambda: v.orgs.get("acme")) == "api_key_revoked"
    assert [k.prefix for k in d.admins.api_keys(ops)] == [new.prefix]
    d.admins.update(ops, api_access=False)
    assert rule_of(lambda: d.with_api_key(new.key)) == "api_access_disabled"
    d.admins.update(ops, api_access=True)
    d.admins.suspend(ops)
    assert rule_of(lambda: d.with_api_key(new.key)) == "suspended_actor"
    d.admins.restore(ops)
    d.admins.revoke_api_key(ops)
    assert rule_of(lambda: d.with_api_key(new.key)) == "api_key_revoked"
    assert rule_of(lambda: d.with_api_key("dk_000000000000_forged")) == "api_key_invalid"
    # A manager may not make keys for another admin; a key may not make keys.
    d.admins.update(boss, api_access=True)
    assert rule_of(lambda: d.as_admin(ops).admins.create_api_key(boss)) == "admin_management"


# -- passwords ----------------------------------------------------------------------------

def test_password_policy(world):
    d, org = world["d"], world["org"]
    d.orgs.update(org, password_min_length=12, password_history=2)
    with pytest.raises(dirctl.InvalidArgument, match="password_min_length") as info:
        org.users.create(username="alice", email="alice@acme.com", password="short pass1")
    assert "short pass1" not in str(info.value)
    u = org.users.create(username="alice", email="alice@acme.com", password="first password 1")
    org.users.update(u, password="second password 2")
    with pytest.raises(dirctl.InvalidArgument, match="password_history"):
        org.users.update(u, password="first password 1")
    s = d.login("alice@acme.com", "second password 2")
    s.change_password("second password 2", "third password 33")
    assert rule_of(lambda: d.login("alice@acme.com", "second password 2")) == "login_failed"
    d.login("alice@acme.com", "third password 33")


def test_password_expiry(world):
    d, org = world["d"], world["org"]
    d.orgs.update(org, password_expiry_days=30)
    u = org.users.create(username="alice", email="alice@acme.com", password="first password 1")
    assert u.password_expiration_date > time.strftime("%Y-%m-%d")
    org.users.update(u, password_expiration_date="2020-01-01")
    assert rule_of(lambda: d.login("alice@acme.com", "first password 1")) == "password_expired"


# -- self-registration and operators (seed 004) ---------------------------------------

def test_self_registration_and_approval_by_the_operator_group(world):
    d, org = world["d"], world["org"]
    dev = org.user_groups.create("dev")
    with pytest.raises(dirctl.InvalidArgument, match="allowed_domains"):
        d.register(org, "new@acme.com", "New Person")
    d.orgs.update(org, allowed_domains="acme.com, acme.io")
    with pytest.raises(dirctl.InvalidArgument, match="not one of"):
        d.register(org, "mallory@evil.com", "Mallory")
    with pytest.raises(dirctl.NotFound, match="support"):
        d.register(org, "new@acme.com", "New Person", groups="dev,support")
    new = d.register(org, "new@acme.com", "New Person", team="engineering", groups=["dev"])
    assert (new.state, new.department, new.first_name, new.last_name) == ("reviewing", "engineering", "New", "Person")
    assert rule_of(lambda: d.login("new@acme.com", "whatever pass")) == "login_failed"  # no password, not active
    plain = org.users.create(username="plain", email="plain@acme.com")
    assert rule_of(lambda: d.as_user(plain).orgs.get("acme").users.approve(new.id)) == "user_scope"
    admins = org.user_groups.create("admin")
    op = org.users.create(username="op", email="op@acme.com")
    org.user_groups.add_member(admins, op)
    assert d.check(op, "users.edit").rule == "operator_group"
    d.as_user(op).orgs.get("acme").users.approve(new.id)
    assert org.users.get(new.id).state == "active"
    assert [m.id for m in org.user_groups.members(dev)] == [new.id]
    other = d.register(org, "other@acme.io", "Other")
    d.as_user(op).orgs.get("acme").users.reject(other.id)
    with pytest.raises(dirctl.NotFound):
        org.users.get(other.id)
    assert d.events(type="user_register")


def test_operators_manage_users_but_not_admin_linked_ones(world):
    d, org = world["d"], world["org"]
    admins = org.user_groups.create("admin")
    op = org.users.create(username="op", email="op@acme.com")
    org.user_groups.add_member(admins, op)
    view = d.as_user(op).orgs.get("acme").users
    u = view.create(username="made", email="made@acme.com")
    view.update(u.id, department="sales")
    boss_user = enrolled(org.users.create(username="lead", email="lead@acme.com"))
    d.admins.create_from_user(boss_user, role="manager")
    with pytest.raises(dirctl.PermissionDenied) as info:
        view.update(boss_user.id, department="x")
    assert info.value.rule == "protected_user"
    d.orgs.update(org, operator_group="ops")  # another group is the operators now
    with pytest.raises(dirctl.PermissionDenied):
        view.update(u.id, department="eng")


# -- no secret anywhere ----------------------------------------------------------------

def test_no_secret_reaches_events_logs_reprs_errors_or_the_file(db_path, capfd):
    dirctl.set_log_level("debug")
    try:
        d = dirctl.open(db_path)
        org = d.orgs.create("acme")
        boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org],
                               api_access=True)
        secrets = ["Boss Password 123", "Alice Password 456"]
        token = d.admins.resend_invite(boss)
        s = d.login("boss@acme.com", secrets[0], invite=token)
        u = org.users.create(username="alice", email="alice@acme.com", password=secrets[1])
        uri = d.enroll_totp(u)
        seed = secret_of(uri)
        code = totp(seed)
        d.confirm_totp(u, code)
        key = d.admins.create_api_key(boss)
        errors = []
        for attempt in (lambda: d.login("alice@acme.com", "Wrong Password 789", totp=code),
                        lambda: d.login("boss@acme.com", secrets[0] + "x")):
            try:
                attempt()
            except dirctl.Error as e:
                errors.append(str(e))
        secrets += [token, seed, base64.b32decode(seed + "=" * (-len(seed) % 8)).hex(), code, key.key,
                    key.key.split("_", 2)[2], s.token, "Wrong Password 789"]
        shown = " ".join([repr(s), repr(key), repr(u), repr(d), *errors,
                          *(repr(e) + e.message + str(e.changes) for e in d.events())])
        d.close()
        out, err = capfd.readouterr()
        raw = db_path.read_bytes() + b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "-*"))
        for secret in secrets:
            assert secret not in shown, secret
            assert secret not in out + err, secret
            assert secret.encode() not in raw, secret
    finally:
        dirctl.set_log_level("off")
