"""``dirctl users`` and ``dirctl register`` (seed 004, in Runops' verbs), run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import dirctl
from conftest import child_env


def cli(*args: object, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = child_env()
    env.pop("DIRCTL_API_KEY", None)
    if key:
        env["DIRCTL_API_KEY"] = key
    return subprocess.run([sys.executable, "-m", "dirctl", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=120)


def test_runops_flow_register_list_approve(tmp_path, shared):
    db = shared
    with dirctl.open(db) as d:
        org = d.orgs.create("acme", allowed_domains="dundermifflin.com")
        for g in ("dev", "support", "admin"):
            org.user_groups.create(g)
    made = cli("users", "create", "--db", db, "--org", "acme", "--email", "michael@dundermifflin.com",
               "--name", "Michale Scotch", "--team", "engineering", "--groups", "dev,support,admin")
    assert made.returncode == 0, made.stderr
    assert "michael" in made.stdout and "engineering" in made.stdout
    reg = cli("register", "--db", db, "--org", "acme", "--email", "pam@dundermifflin.com", "--name", "Pam B",
              "--groups", "support")
    assert reg.returncode == 0 and "reviewing" in reg.stdout, reg.stderr
    bad = cli("register", "--db", db, "--org", "acme", "--email", "x@evil.com", "--name", "X")
    assert bad.returncode == 1 and "allowed domains" in bad.stderr
    waiting = cli("users", "list", "--db", db, "--org", "acme", "--status", "reviewing")
    assert "pam" in waiting.stdout and "michael" not in waiting.stdout
    pam_id = next(line.split()[0] for line in waiting.stdout.splitlines() if "pam" in line)
    # A plain user may not approve; Michael is in the operator group ("admin") and may.
    with dirctl.open(db) as d:
        d.orgs.get("acme").users.create(username="toby", email="toby@dundermifflin.com")
    denied = cli("users", "update", "--db", db, "--org", "acme", "--id", pam_id, "--status", "active",
                 "--as-user", "toby")
    assert denied.returncode == 1 and "toby" in denied.stderr
    ok = cli("users", "update", "--db", db, "--org", "acme", "--id", pam_id, "--status", "active",
             "--as-user", "michael")
    assert ok.returncode == 0, ok.stderr
    with dirctl.open(db) as d:
        org = d.orgs.get("acme")
        pam = org.users.get(int(pam_id))
        assert pam.state == "active"
        assert [u.username for u in org.user_groups.members("support")] == ["michael", "pam"]
        approvals = [e for e in d.events(type="user_update") if e.resource["id"] == int(pam_id)]
        assert approvals and approvals[-1].initiated_by["type"] == "user"


def test_an_api_key_from_the_environment_acts_with_its_admins_role(tmp_path, shared):
    db = shared
    with dirctl.open(db) as d:
        org = d.orgs.create("acme")
        ro = d.admins.create(email="ro@acme.com", role="read_only", orgs=[org], api_access=True, state="active")
        key = d.admins.create_api_key(ro).key
    listed = cli("users", "list", "--db", db, "--org", "acme", key=key)
    assert listed.returncode == 0, listed.stderr
    refused = cli("users", "create", "--db", db, "--org", "acme", "--email", "a@acme.com", "--name", "A", key=key)
    assert refused.returncode == 1 and "read_only" in refused.stderr
    assert key not in refused.stderr + refused.stdout
    assert "DIRCTL_API_KEY" not in os.environ
