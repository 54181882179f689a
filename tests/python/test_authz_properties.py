"""Property test: on random small directories, the role engine answers the same
through every door.

- d.check(actor, action, resource) and d.check_many(...) agree (allowed and rule)
  on every (actor, action, resource) triple of the directory;
- a mutation through an acting view raises iff d.check denies it: NotFound when
  the rule is org_access, PermissionDenied with the same rule otherwise; an
  allowed one takes effect.
"""

from __future__ import annotations

import hypothesis.strategies as st
import numpy as np
from hypothesis import HealthCheck, given, settings

import dirctl
from dirctl import _core
from dirctl.collections import Collection, GroupCollection
from conftest import enrolled

ROLES = [r.value for r in dirctl.Role]
ACTIONS = list(_core.action_names())


@st.composite
def worlds(draw):
    """A plain description of a directory with two orgs (built by build())."""
    n_users = draw(st.integers(1, 5))
    users = [
        {
            "org": draw(st.integers(0, 1)),
            "state": draw(st.sampled_from(["active", "active", "suspended", "staged"])),
            # Admin from user (only an active user can be given a role).
            "admin": draw(st.none() | st.tuples(st.sampled_from(ROLES), st.sampled_from(["active", "suspended"]))),
        }
        for _ in range(n_users)
    ]
    admins = [
        {
            "role": draw(st.sampled_from(ROLES)),
            "state": draw(st.sampled_from(["active", "active", "suspended"])),
            "orgs": draw(st.sets(st.integers(0, 1))),
            "api": draw(st.booleans()),
        }
        for _ in range(draw(st.integers(1, 4)))
    ]
    per_org = []
    for _ in range(2):
        per_org.append({
            "groups": draw(st.integers(0, 2)),
            "devices": draw(st.lists(st.booleans(), min_size=1, max_size=2)),  # remote_assist_allowed
            "commands": draw(st.integers(1, 2)),
        })
    # Random relations, as indices resolved in build() (out-of-range ones are dropped).
    members = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9)), max_size=6))
    cmd_groups = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=4))
    assignments = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=4))
    return dict(users=users, admins=admins, per_org=per_org, members=members, cmd_groups=cmd_groups,
                assignments=assignments)


def build(spec):
    d = dirctl.open(":memory:")
    orgs = [d.orgs.create("acme"), d.orgs.create("globex")]
    admins, users, objects = [], [], list(orgs)
    for i, a in enumerate(spec["admins"]):
        admins.append(d.admins.create(email=f"a{i}@example.com", role=a["role"], state=a["state"],
                                      orgs=[orgs[k] for k in sorted(a["orgs"])], api_access=a["api"]))
    for i, u in enumerate(spec["users"]):
        org = orgs[u["org"]]
        user = org.users.create(username=f"u{i}", email=f"u{i}@example.com")
        if u["admin"] is not None:
            role, state = u["admin"]
            admins.append(d.admins.create_from_user(enrolled(user), role=role, state=state))
        if u["state"] != "active":
            user = org.users.update(user, state=u["state"])
        users.append(user)
    groups, commands, devices = [], [], []
    for org, o in zip(orgs, spec["per_org"]):
        groups += [org.user_groups.create(f"g{org.id}-{k}") for k in range(o["groups"])]
        devices += [org.devices.create(hostname=f"h{org.id}-{k}", remote_assist_allowed=ra)
                    for k, ra in enumerate(o["devices"])]
        commands += [org.commands.create(name=f"c{org.id}-{k}", script="echo") for k in range(o["commands"])]
    for gi, ui in spec["members"]:
        if gi < len(groups) and ui < len(users) and groups[gi].org_id == users[ui].org_id:
            d.orgs.get(groups[gi].org_id).user_groups.add_member(groups[gi], users[ui])
    for ci, gi in spec["cmd_groups"]:
        if ci < len(commands) and gi < len(groups) and commands[ci].org_id == groups[gi].org_id:
            d.orgs.get(commands[ci].org_id).associate(commands[ci], groups[gi])
    for ai, ci in spec["assignments"]:
        if ai < len(admins) and ci < len(commands):
            a, c = d.admins.get(admins[ai].id), commands[ci]
            if a.role.startswith("command_runner") and c.org_id in a.org_ids:
                d.orgs.get(c.org_id).associate(a, c)
    objects += admins + users + groups + devices + commands
    return d, orgs, admins, users, groups, devices, commands, objects


PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.data_too_large])


@PROPS
@given(spec=worlds(), data=st.data())
def test_check_and_check_many_agree(spec, data):
    d, orgs, admins, users, groups, devices, commands, objects = build(spec)
    try:
        actors = [a.id for a in admins] + [u.id for u in users]
        resources = [0] + [o.id for o in objects]
        # Every triple of this directory, in one native call.
        grid = np.array([(a, k, r) for a in actors for k in range(len(ACTIONS)) for r in resources], dtype=np.int64)
        acts = [ACTIONS[k] for k in grid[:, 1]]
        ok, rules = d.check_many(grid[:, 0], acts, grid[:, 2], with_rules=True)
        assert ok.dtype == np.bool_ and len(ok) == len(grid) == len(rules)
        names = d.rule_names()
        for i, (a, k, r) in enumerate(grid):
            dec = d.check(int(a), ACTIONS[k], int(r))
            assert bool(dec) == bool(ok[i]), (int(a), ACTIONS[k], int(r), dec)
            assert dec.rule == names[rules[i]], (int(a), ACTIONS[k], int(r), dec)
        # Random triples, and broadcasting of length-1 inputs.
        triples = data.draw(st.lists(st.tuples(st.sampled_from(actors), st.sampled_from(ACTIONS),
                                               st.sampled_from(resources)), min_size=1, max_size=20))
        got = d.check_many([t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples])
        assert list(got) == [bool(d.check(*t)) for t in triples]
        a0, act0 = triples[0][0], triples[0][1]
        assert list(d.check_many(a0, act0, resources)) == [bool(d.check(a0, act0, r)) for r in resources]
        assert list(d.check_many(actors, act0, 0)) == [bool(d.check(a, act0)) for a in actors]
    finally:
        d.close()


def _attempt(d, actor_key, view, kind, target, data):
    """One mutation through a view; returns (decision, outcome) where outcome is 'ok',
    ('PermissionDenied', rule) or 'NotFound'."""
    if kind == "user":
        action = "users.other_user_operations"
        value = data.draw(st.sampled_from(["eng", "ops", "it"]))
        op = lambda: Collection(view, "user", target.org_id).update(target.id, department=value)  # noqa: E731
        effect = lambda: d.orgs.get(target.org_id).users.get(target.id).department == value  # noqa: E731
    elif kind == "device":
        action = "devices.edit"
        value = data.draw(st.sampled_from(["web", "db"]))
        op = lambda: Collection(view, "device", target.org_id).update(target.id, display_name=value)  # noqa: E731
        effect = lambda: d.orgs.get(target.org_id).devices.get(target.id).display_name == value  # noqa: E731
    else:  # a group and one of its org's users
        group, member = target
        action = "groups.edit"
        op = lambda: GroupCollection(view, "user_group", group.org_id).add_member(group.id, member.id)  # noqa: E731
        effect = lambda: member.id in [m.id for m in d.orgs.get(group.org_id).user_groups.members(group)]  # noqa: E731
        target = group
    dec = d.check(actor_key, action, target)
    try:
        op()
    except dirctl.PermissionDenied as e:
        return dec, ("PermissionDenied", e.rule)
    except dirctl.NotFound:
        return dec, "NotFound"
    assert effect()
    return dec, "ok"


@PROPS
@given(spec=worlds(), data=st.data())
def test_view_mutations_raise_iff_check_denies(spec, data):
    d, orgs, admins, users, groups, devices, commands, objects = build(spec)
    try:
        for _ in range(data.draw(st.integers(1, 6))):
            how = data.draw(st.sampled_from(["admin", "api_key", "user"]))
            if how == "user":
                actor = data.draw(st.sampled_from(users))
                view, key = d.as_user(actor), actor
            else:
                actor = data.draw(st.sampled_from(admins))
                view = d.as_admin(actor) if how == "admin" else d.as_api_key(actor)
                key = actor if how == "admin" else ("api_key", actor.id)
            pairs = [(g, u) for g in groups for u in users if u.org_id == g.org_id]
            kinds = ["user", "device"] + (["group"] if pairs else [])
            kind = data.draw(st.sampled_from(kinds))
            target = {"user": lambda: data.draw(st.sampled_from(users)),
                      "device": lambda: data.draw(st.sampled_from(devices)),
                      "group": lambda: data.draw(st.sampled_from(pairs))}[kind]()
            seq = d._core.last_event_seq()
            dec, outcome = _attempt(d, key, view, kind, target, data)
            if dec:
                assert outcome == "ok", (how, kind, dec, outcome)
            elif dec.rule == "org_access":
                assert outcome == "NotFound", (how, kind, dec, outcome)
            else:
                assert outcome == ("PermissionDenied", dec.rule), (how, kind, dec, outcome)
            if not dec:  # the denial, and nothing else, was recorded
                new = d.events(after_seq=seq)
                assert [e.success for e in new] == [False], new
    finally:
        d.close()
