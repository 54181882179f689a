"""Reviews (Runops, hoop.dev) through the public API: a command's review policy makes its
runs wait in pending_review until every reviewer group approves. Every path: approve,
reject, revoke, expire, self-approval refused, one voter counting for two groups,
exempt groups, admins by role, and what waits for whom."""

from __future__ import annotations

import datetime as dt

import pytest

from dirctl import InvalidArgument, InvalidState, PermissionDenied
from conftest import enrolled


@pytest.fixture
def team(d, org):
    """deploy targets box and shares the groups sre, sec and oncall with their members
    (the group-match rule lets them run and approve it). Its policy: sre and sec review,
    oncall is exempt, a request waits an hour."""
    box = org.devices.create(hostname="box")
    deploy = org.commands.create(name="deploy", script="echo deploying")
    org.associate(deploy, box)
    groups = {name: org.user_groups.create(name) for name in ("sre", "sec", "oncall", "other")}
    for g in groups.values():
        org.associate(deploy, g)
    people = {}
    for name, member_of in [("alice", ["sre"]), ("bob", ["sre"]), ("carol", ["sec"]), ("dave", ["sre", "sec"]),
                            ("erin", ["oncall"]), ("frank", ["other"])]:
        u = org.users.create(username=name, email=f"{name}@acme.com", state="active")
        for g in member_of:
            org.user_groups.add_member(groups[g], u)
        people[name] = u
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    org.commands.set_review(deploy, [groups["sre"], groups["sec"]], exempt=[groups["oncall"]], wait=3600)
    return {"box": box, "deploy": deploy, "groups": groups, **people}


def as_user(d, user):
    return d.as_user(user).orgs.get("acme").commands


def request(d, team, who="alice"):
    launch = as_user(d, team[who]).run(team["deploy"])
    return launch, as_user(d, team[who]).reviews()[-1]


def test_a_launch_waits_for_review(d, org, team):
    launch, review = request(d, team)
    assert launch.review_id == review.id and review.state == "pending"
    assert [r.state for r in launch.runs()] == ["pending_review"]
    assert review.waiting_for == ["sre", "sec"] and review.requester_name == "alice"
    assert d.agent(team["box"]).next_run() is None  # not queued yet
    assert launch.pending() == 1
    assert org.commands.review_policy(team["deploy"])["wait"] == 3600
    (event,) = d.events(type="command_review_request")
    assert event.initiated_by["type"] == "user"


def test_every_group_must_approve(d, org, team):
    launch, review = request(d, team)
    after_bob = as_user(d, team["bob"]).approve(review, "looks fine")
    assert after_bob.state == "pending" and after_bob.waiting_for == ["sec"]
    assert [r.state for r in launch.runs()] == ["pending_review"]
    done = as_user(d, team["carol"]).approve(review)
    assert done.state == "approved" and done.decided_by == f"user:{team['carol'].id}"
    assert [(v["voter_name"], v["approve"], v["comment"]) for v in done.votes] == [
        ("bob", True, "looks fine"), ("carol", True, "")]
    run = d.agent(team["box"]).next_run()
    assert run is not None and run.launch_id == launch.id
    types = [e.event_type for e in d.events() if e.event_type.startswith("command_review")]
    assert types[-3:] == ["command_review_request", "command_review_approve", "command_review_approve"]


def test_one_voter_in_two_groups_counts_for_both(d, team):
    _, review = request(d, team)
    assert as_user(d, team["dave"]).approve(review).state == "approved"


def test_min_approvals_per_group(d, org, team):
    g = team["groups"]
    org.commands.set_review(team["deploy"], [g["sre"]], min_approvals=2)
    _, review = request(d, team, "carol")
    assert as_user(d, team["bob"]).approve(review).state == "pending"
    assert as_user(d, team["alice"]).approve(review).state == "approved"


def test_nobody_approves_their_own_request(d, team):
    _, review = request(d, team)
    with pytest.raises(PermissionDenied) as exc:
        as_user(d, team["alice"]).approve(review)
    assert exc.value.rule == "self_approval"
    assert len(d.events(type="command_review_approve", success=False)) == 1


def test_an_admin_made_from_the_requester_is_the_same_person(d, org, team):
    _, review = request(d, team)
    alice_admin = d.admins.create_from_user(enrolled(team["alice"]), role="administrator")
    with pytest.raises(PermissionDenied) as exc:
        d.as_admin(alice_admin).orgs.get("acme").commands.approve(review)
    assert exc.value.rule == "self_approval"


def test_a_voter_outside_the_reviewer_groups_is_refused(d, team):
    _, review = request(d, team)
    with pytest.raises(PermissionDenied) as exc:
        as_user(d, team["frank"]).approve(review)
    assert exc.value.rule == "group_match"


def test_everyone_votes_once(d, org, team):
    org.commands.set_review(team["deploy"], [team["groups"]["sre"]], min_approvals=2)
    _, review = request(d, team, "carol")
    as_user(d, team["bob"]).approve(review)
    with pytest.raises(InvalidState, match="already voted"):
        as_user(d, team["bob"]).approve(review)


def test_one_rejection_cancels_the_runs(d, team):
    launch, review = request(d, team)
    as_user(d, team["bob"]).approve(review)
    rejected = as_user(d, team["carol"]).reject(review, "not during the freeze")
    assert rejected.state == "rejected"
    assert [(r.state, r.finished_by) for r in launch.runs()] == [("cancelled", f"user:{team['carol'].id}")]
    with pytest.raises(InvalidState, match="is rejected"):
        as_user(d, team["dave"]).approve(review)


def test_the_requester_revokes(d, team):
    launch, review = request(d, team)
    with pytest.raises(PermissionDenied):
        as_user(d, team["bob"]).revoke(review)
    assert as_user(d, team["alice"]).revoke(review).state == "revoked"
    assert [r.state for r in launch.runs()] == ["cancelled"]
    assert len(d.events(type="command_review_revoke", success=True)) == 1
    assert len(d.events(type="command_review_revoke", success=False)) == 1  # bob's attempt


def test_an_unanswered_review_expires(d, team):
    launch, review = request(d, team)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
    d.commands.sweep(now=later)
    assert review.refresh().state == "expired"
    assert [r.state for r in launch.runs()] == ["expired"]
    with pytest.raises(InvalidState, match="is expired"):
        as_user(d, team["bob"]).approve(review)


def test_exempt_groups_and_the_system_run_without_review(d, org, team):
    launch = as_user(d, team["erin"]).run(team["deploy"])
    assert launch.review_id is None and [r.state for r in launch.runs()] == ["queued"]
    assert org.commands.run(team["deploy"]).review_id is None


def test_admins_approve_by_role(d, org, team):
    _, review = request(d, team)
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    org.associate(runner, team["deploy"])
    with pytest.raises(PermissionDenied) as exc:
        d.as_admin(runner).orgs.get("acme").commands.approve(review)
    assert exc.value.rule == "assigned_commands"
    boss = d.as_admin(d.admins.get("boss@acme.com")).orgs.get("acme").commands
    assert boss.approve(review).state == "approved"  # every group at once


def test_a_command_runner_launch_waits_too(d, org, team):
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    org.associate(runner, team["deploy"])
    launch = d.as_admin(runner).orgs.get("acme").commands.run(team["deploy"])
    assert launch.review_id is not None


def test_what_waits_for_whom(d, org, team):
    request(d, team)
    _, second = request(d, team, "bob")
    as_user(d, team["carol"]).approve(second)
    frame = org.commands.reviews_frame(state="pending")
    assert len(frame) == 4  # two reviews x two groups
    waiting = frame[frame["group_state"] == "pending"]
    assert sorted(zip(waiting["review"], waiting["group"])) == sorted(
        [(second.id - 1, "sec"), (second.id - 1, "sre"), (second.id, "sre")])
    assert "waiting_for=['sre']" in repr(second.refresh())


def test_policy_checks(d, org, team, unchanged):
    other = d.orgs.create("globex").user_groups.create("ops")
    with unchanged(d), pytest.raises(InvalidArgument, match="not a user group of org 'acme'"):
        org.commands.set_review(team["deploy"], [other])
    with unchanged(d), pytest.raises(InvalidArgument, match="at least one reviewer"):
        org.commands.set_review(team["deploy"], [])
    with unchanged(d), pytest.raises(InvalidArgument, match="min_approvals"):
        org.commands.set_review(team["deploy"], [team["groups"]["sre"]], min_approvals=0)
    org.commands.set_review(team["deploy"], None)
    assert org.commands.review_policy(team["deploy"]) is None
    assert as_user(d, team["alice"]).run(team["deploy"]).review_id is None


def test_a_command_runner_may_not_change_the_policy(d, org, team):
    runner = d.admins.create(email="runner@acme.com", role="command_runner", orgs=[org])
    org.associate(runner, team["deploy"])
    with pytest.raises(PermissionDenied):
        d.as_admin(runner).orgs.get("acme").commands.set_review(team["deploy"], None)


def test_the_reviews_cli(shared):
    import subprocess
    import sys

    import dirctl
    from conftest import child_env

    with dirctl.open(shared) as d:
        org = d.orgs.create("acme")
        box = org.devices.create(hostname="box")
        deploy = org.commands.create(name="deploy", script="true")
        org.associate(deploy, box)
        sre = org.user_groups.create("sre")
        org.associate(deploy, sre)
        for name in ("alice", "bob"):
            org.user_groups.add_member(sre, org.users.create(username=name, email=f"{name}@acme.com", state="active"))
        org.commands.set_review(deploy, [sre])
        d.as_user(org.users.get("alice")).orgs.get("acme").commands.run(deploy)
        review = org.commands.reviews()[0]

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "dirctl", "reviews", *args, "--db", str(shared), "--org", "acme"],
                              env=child_env(), capture_output=True, text=True, timeout=60)

    listed = cli("list", "--state", "pending")
    assert listed.returncode == 0 and "deploy" in listed.stdout and "sre" in listed.stdout
    refused = cli("approve", str(review.id), "--as-user", "alice")
    assert refused.returncode == 1 and "nobody reviews their own request" in refused.stderr
    approved = cli("approve", str(review.id), "--as-user", "bob", "--comment", "ok")
    assert approved.returncode == 0 and "state='approved'" in approved.stdout
