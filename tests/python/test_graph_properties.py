"""Property tests: the assignment graph's queries and audits against a brute force.

Hypothesis draws small random orgs (users in several states, user groups, device groups,
devices, commands with targets and Runops groups, admins of every role and state, some
made from users, Command Runners with assigned commands, some with their org access or
role changed afterwards). The expected answers are computed in plain Python from the
public API's data only (org.user_groups.members, org.device_groups.members,
org.associations, d.admins), never from the graph, and compared with:
devices_of / users_of / commands_of, who_can_access, who_can_run, escalation_paths, and
every filter form of the audits against the filtered full audit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import pytest

import dirctl
from conftest import enrolled

# Reporting a falsifying example imports mypy_extensions, whose DeprecationWarning the
# suite's "error" filter would turn into an INTERNALERROR that hides the example.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROPS = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ROLES = ["administrator_with_billing", "administrator", "manager", "command_runner_with_billing",
         "command_runner", "help_desk", "read_only", "billing_only"]
# From docs/spec/admin_roles.csv: who edits users (users.set_password), who edits groups
# (groups.edit), whose role runs every command (commands: edit), who runs assigned ones.
USERS_EDIT = {"administrator_with_billing", "administrator", "manager", "help_desk"}
GROUPS_EDIT = {"administrator_with_billing", "administrator", "manager"}
RUNS_ALL = {"administrator_with_billing", "administrator", "manager"}
RUNS_ASSIGNED = {"command_runner_with_billing", "command_runner"}
BILLING = "administrator_with_billing"


# ---------------------------------------------------------------------------------------------
# random orgs


def subset(n: int, p_max: int = 2):
    """A strategy for a set of indices below n (biased small)."""
    return st.sets(st.integers(0, max(n - 1, 0)), max_size=min(n, p_max + 1)) if n else st.just(set())


@st.composite
def org_specs(draw, dense: bool = False):
    """dense: users and devices in many groups, so several shortest paths tie."""
    nu = draw(st.integers(1, 6))
    nug = draw(st.integers(2 if dense else 0, 3))
    ndg = draw(st.integers(2 if dense else 0, 3))
    ndev = draw(st.integers(1, 6))
    ncmd = draw(st.integers(0, 3))
    spec = {
        "users": nu, "ugs": nug, "dgs": ndg, "devs": ndev, "cmds": ncmd,
        "user_states": draw(st.lists(st.sampled_from(["active", "active", "active", "suspended", "staged"]),
                                     min_size=nu, max_size=nu)),
        "ug_members": [draw(subset(nu, nu if dense else 3)) for _ in range(nug)],
        "dg_members": [draw(subset(ndev, ndev if dense else 3)) for _ in range(ndg)],
        "user_devs": [draw(subset(ndev, 0 if dense else 1)) for _ in range(nu)],
        "user_dgs": [set() if dense else draw(subset(ndg, 0)) for _ in range(nu)],
        "ug_devs": [set() if dense else draw(subset(ndev, 1)) for _ in range(nug)],
        # dense: each user group bound to one device group, so groups cross (ug0-dg1, ug1-dg0)
        "ug_dgs": [{draw(st.integers(0, ndg - 1))} if dense else draw(subset(ndg, 1)) for _ in range(nug)],
        "cmd_devs": [draw(subset(ndev, 1)) for _ in range(ncmd)],
        "cmd_dgs": [draw(subset(ndg, 1)) for _ in range(ncmd)],
        "cmd_ugs": [draw(subset(nug, 1)) for _ in range(ncmd)],  # Runops: never device access
    }
    nadm = draw(st.integers(0, 5))
    linkable = draw(st.permutations(range(nu)))
    admins = []
    for i in range(nadm):
        admins.append({
            "role": draw(st.sampled_from(ROLES)),
            "linked": linkable[i] if i < nu and draw(st.booleans()) else None,
            "assigned": draw(subset(ncmd, 2)),
            "role_after": draw(st.one_of(st.none(), st.sampled_from(ROLES))),
            "org_access": draw(st.sampled_from([True, True, True, False])),
            "suspended": draw(st.sampled_from([False, False, False, True])),
        })
    spec["admins"] = admins
    spec["deletions"] = draw(st.lists(st.tuples(st.sampled_from(["user", "ug", "dg", "dev", "cmd"]),
                                                st.integers(0, 5)), max_size=3))
    return spec


@dataclass
class World:
    d: dirctl.Directory
    org: dirctl.Org
    users: list = field(default_factory=list)
    ugs: list = field(default_factory=list)
    dgs: list = field(default_factory=list)
    devs: list = field(default_factory=list)
    cmds: list = field(default_factory=list)
    admins: list = field(default_factory=list)


def build(spec) -> World:
    d = dirctl.open(":memory:")
    org = d.orgs.create("acme")
    w = World(d, org)
    # the directory keeps an active billing admin and every org an active admin
    w.admins.append(d.admins.create(email="root@admins.example", role=BILLING, orgs=[org]))
    with d.batch():
        w.users = [org.users.create(username=f"u{i}", email=f"u{i}@acme.example") for i in range(spec["users"])]
        w.ugs = [org.user_groups.create(f"ug{i}") for i in range(spec["ugs"])]
        w.dgs = [org.device_groups.create(f"dg{i}") for i in range(spec["dgs"])]
        w.devs = [org.devices.create(hostname=f"h{i}", os="linux") for i in range(spec["devs"])]
        w.cmds = [org.commands.create(name=f"c{i}", script="true") for i in range(spec["cmds"])]
        for g, members in zip(w.ugs, spec["ug_members"]):
            for i in members:
                org.user_groups.add_member(g, w.users[i])
        for g, members in zip(w.dgs, spec["dg_members"]):
            for i in members:
                org.device_groups.add_member(g, w.devs[i])
        for lefts, key, rights in [(w.users, "user_devs", w.devs), (w.users, "user_dgs", w.dgs),
                                   (w.ugs, "ug_devs", w.devs), (w.ugs, "ug_dgs", w.dgs),
                                   (w.cmds, "cmd_devs", w.devs), (w.cmds, "cmd_dgs", w.dgs),
                                   (w.cmds, "cmd_ugs", w.ugs)]:
            for left, chosen in zip(lefts, spec[key]):
                for i in chosen:
                    org.associate(left, rights[i])
    for i, a in enumerate(spec["admins"]):
        if a["linked"] is not None:
            adm = d.admins.create_from_user(enrolled(w.users[a["linked"]]), role=a["role"])
        else:
            adm = d.admins.create(email=f"a{i}@admins.example", role=a["role"], orgs=[org])
        if a["role"] in RUNS_ASSIGNED:
            for j in a["assigned"]:
                org.associate(adm, w.cmds[j])
        changes = {}
        if a["role_after"] is not None:
            changes["role"] = a["role_after"]  # assignments stay behind when the role changes
        if not a["org_access"]:
            changes["orgs"] = []
        if a["suspended"]:
            changes["state"] = "suspended"
        if changes:
            adm = d.admins.update(adm, **changes)
        w.admins.append(adm)
    for u, state in zip(w.users, spec["user_states"]):
        if state != "active":
            org.users.update(u, state=state)
    return w


# ---------------------------------------------------------------------------------------------
# the brute force, from public data only


def ids(objs) -> set[int]:
    return {o.id for o in objs}


class Brute:
    """Expected answers of one org, from members, associations and admins as the API lists them."""

    def __init__(self, d: dirctl.Directory, org: dirctl.Org) -> None:
        self.users = {u.id: u for u in org.users}
        self.ugs = {g.id: g for g in org.user_groups}
        self.dgs = {g.id: g for g in org.device_groups}
        self.devs = {x.id: x for x in org.devices}
        self.cmds = {c.id: c for c in org.commands}
        self.ug_members = {g: ids(org.user_groups.members(g)) for g in self.ugs}
        self.dg_members = {g: ids(org.device_groups.members(g)) for g in self.dgs}
        self.assoc = {x: ids(org.associations(x)) for x in [*self.users, *self.ugs, *self.cmds]}
        self.admins = list(d.admins)
        self.admin_assoc = {a.id: ids(org.associations(a)) for a in self.admins}
        self.org_id = org.id

    # devices behind a set of associated ids (devices themselves, or device groups' members)
    def _devices_behind(self, assoc: set[int]) -> dict[int, str | None]:
        """device -> name of the device group on the shortest way (None: direct)."""
        out: dict[int, str | None] = {}
        for x in assoc:
            if x in self.devs:
                out[x] = None
        for x in assoc:
            if x in self.dgs:
                for dev in self.dg_members[x]:
                    out.setdefault(dev, self.dgs[x].name)
        return out

    def access(self, u: int) -> dict[int, tuple[int, set[str]]]:
        """device -> (length of the shortest path, every 'how' text of that length)."""
        found: dict[int, list[tuple[int, str]]] = {}
        for x in self.assoc[u]:
            if x in self.devs:
                found.setdefault(x, []).append((1, "direct"))
            if x in self.dgs:
                for dev in self.dg_members[x]:
                    found.setdefault(dev, []).append((2, self.dgs[x].name))
        for g, members in self.ug_members.items():
            if u not in members:
                continue
            gname = self.ugs[g].name
            for x in self.assoc[g]:
                if x in self.devs:
                    found.setdefault(x, []).append((2, gname))
                if x in self.dgs:
                    for dev in self.dg_members[x]:
                        found.setdefault(dev, []).append((3, f"{gname} > {self.dgs[x].name}"))
        out = {}
        for dev, ways in found.items():
            best = min(n for n, _ in ways)
            out[dev] = (best, {t for n, t in ways if n == best})
        return out

    def devices_of_user(self, u: int) -> set[int]:
        return set(self.access(u))

    def devices_of_ug(self, g: int) -> set[int]:
        return set(self._devices_behind(self.assoc[g]))

    def targets(self, c: int) -> set[int]:
        return set(self._devices_behind(self.assoc[c]))

    def users_of(self, dev: int) -> set[int]:
        return {u for u in self.users if dev in self.devices_of_user(u)}

    def commands_of(self, dev: int) -> set[int]:
        return {c for c in self.cmds if dev in self.targets(c)}

    def who_can_access(self) -> dict[tuple[int, int], tuple[bool, set[str]]]:
        return {(u, dev): (self.users[u].state == "suspended", hows)
                for u in self.users for dev, (_, hows) in self.access(u).items()}

    def who_can_run(self) -> set[tuple[int, int, int, str, str]]:
        rows = set()
        for a in self.admins:
            if a.state == "suspended" or self.org_id not in a.org_ids:  # pending admins act (invited)
                continue
            if a.role in RUNS_ALL:
                cmds, rule = set(self.cmds), "role_matrix"
            elif a.role in RUNS_ASSIGNED:
                cmds, rule = self.admin_assoc[a.id] & set(self.cmds), "assigned_commands"
            else:
                continue
            rows |= {(a.id, c, dev, a.role, rule) for c in cmds for dev in self.targets(c)}
        return rows

    def escalation(self, a) -> set[tuple[str, int, int]]:
        if a.state == "suspended" or self.org_id not in a.org_ids:
            return set()
        linked = a.to_dict().get("user")
        protected = {x.to_dict().get("user") for x in self.admins} - {None}
        already = self.devices_of_user(linked) if linked is not None else set()
        rows = set()
        for u, user in self.users.items():
            if u == linked or user.state != "active" or a.role not in USERS_EDIT:
                continue
            if u in protected and a.role != BILLING:
                continue  # a user holding an admin role: only administrator_with_billing
            rows |= {("take_over_user", u, dev) for dev in self.devices_of_user(u) - already}
        if linked is not None:
            if a.role in GROUPS_EDIT:
                for g, members in self.ug_members.items():
                    if linked not in members:
                        rows |= {("join_group", g, dev) for dev in self.devices_of_ug(g) - already}
            if a.role == BILLING:  # users.edit on its own (protected) linked user
                rows |= {("direct_assignment", linked, dev) for dev in set(self.devs) - already}
        return rows


# ---------------------------------------------------------------------------------------------
# frames as sets


def access_rows(f) -> list[tuple]:
    return list(zip(f.user_id.tolist(), f.device_id.tolist(), f.suspended.tolist(), f.how.astype(str).tolist()))


def run_rows(f) -> list[tuple]:
    return list(zip(f.admin_id.tolist(), f.command_id.tolist(), f.device_id.tolist(),
                    f.role.astype(str).tolist(), f.rule.astype(str).tolist()))


def esc_rows(f) -> list[tuple]:
    return list(zip(f.mechanism.astype(str).tolist(), f.via_id.tolist(), f.device_id.tolist()))


def check_reach(w: World, b: Brute) -> None:
    g = w.org.graph
    for u in b.users:
        assert ids(g.devices_of(u)) == b.devices_of_user(u), ("devices_of user", b.users[u].username)
    for ug in b.ugs:
        assert ids(g.devices_of(ug)) == b.devices_of_ug(ug), ("devices_of user group", b.ugs[ug].name)
    for c in b.cmds:
        assert ids(g.devices_of(c)) == b.targets(c), ("devices_of command", b.cmds[c].name)
    for dev in b.devs:
        assert ids(g.users_of(dev)) == b.users_of(dev), ("users_of", b.devs[dev].hostname)
        assert ids(g.commands_of(dev)) == b.commands_of(dev), ("commands_of", b.devs[dev].hostname)
        listed = g.users_of(dev)
        assert [u.id for u in listed] == sorted(u.id for u in listed)  # ascending ids


# ---------------------------------------------------------------------------------------------
# the properties


@PROPS
@given(spec=org_specs())
def test_reach_queries_match_brute_force_before_and_after_deletions(spec):
    w = build(spec)
    try:
        check_reach(w, Brute(w.d, w.org))
        # delete some objects (never a user holding an admin role) and ask again at once
        linked = {a.to_dict().get("user") for a in w.admins} - {None}
        pools = {"user": [u for u in w.users if u.id not in linked], "ug": w.ugs, "dg": w.dgs,
                 "dev": w.devs, "cmd": w.cmds}
        colls = {"user": w.org.users, "ug": w.org.user_groups, "dg": w.org.device_groups,
                 "dev": w.org.devices, "cmd": w.org.commands}
        for kind, i in spec["deletions"]:
            pool = pools[kind]
            if pool:
                victim = pool.pop(i % len(pool))
                colls[kind].delete(victim)
        check_reach(w, Brute(w.d, w.org))
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_who_can_access_matches_brute_force(spec):
    w = build(spec)
    try:
        b = Brute(w.d, w.org)
        expected = b.who_can_access()
        rows = access_rows(w.org.audit.who_can_access())
        assert len(rows) == len({(u, dev) for u, dev, _, _ in rows}), "one row per (user, device)"
        assert {(u, dev) for u, dev, _, _ in rows} == set(expected)
        assert [(u, dev) for u, dev, _, _ in rows] == sorted((u, dev) for u, dev, _, _ in rows)
        for u, dev, suspended, how in rows:
            want_suspended, hows = expected[(u, dev)]
            assert suspended == want_suspended
            assert how in hows, (b.users[u].username, b.devs[dev].hostname, how, hows)  # a shortest path
        f = w.org.audit.who_can_access()
        assert f.user.astype(str).tolist() == [b.users[u].username for u in f.user_id]
        assert f.device.astype(str).tolist() == [b.devs[x].hostname for x in f.device_id]
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_who_can_run_matches_brute_force(spec):
    w = build(spec)
    try:
        b = Brute(w.d, w.org)
        f = w.org.audit.who_can_run()
        rows = run_rows(f)
        assert len(rows) == len(set(rows))
        assert set(rows) == b.who_can_run()
        assert [r[:3] for r in rows] == sorted(r[:3] for r in rows)
        emails = {a.id: a.email for a in b.admins}
        assert f.admin.astype(str).tolist() == [emails[a] for a in f.admin_id]
        assert f.command.astype(str).tolist() == [b.cmds[c].name for c in f.command_id]
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_escalation_paths_match_brute_force(spec):
    w = build(spec)
    try:
        b = Brute(w.d, w.org)
        names = {**{u: x.username for u, x in b.users.items()}, **{g: x.name for g, x in b.ugs.items()}}
        for a in b.admins:
            f = w.org.audit.escalation_paths(a)
            rows = esc_rows(f)
            assert len(rows) == len(set(rows))
            assert set(rows) == b.escalation(a), (a.email, a.role, a.state)
            for mech, via, steps in zip(f.mechanism.astype(str), f.via_id, f.steps.astype(str)):
                assert steps and f"'{names[via]}'" in steps, (mech, steps)
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_access_filters_equal_the_filtered_full_audit(spec):
    w = build(spec)
    try:
        full = access_rows(w.org.audit.who_can_access())
        for u in w.org.users:
            assert access_rows(w.org.audit.who_can_access(user=u)) == [r for r in full if r[0] == u.id]
        for dev in w.org.devices:
            got = access_rows(w.org.audit.who_can_access(device=dev))
            assert [r[:3] for r in got] == [r[:3] for r in full if r[1] == dev.id]
            for u in w.org.users:
                both = access_rows(w.org.audit.who_can_access(user=u, device=dev))
                assert both == [r for r in full if r[:2] == (u.id, dev.id)]
    finally:
        w.d.close()


@settings(PROPS, derandomize=True, database=None)  # a fixed draw of dense orgs, with ties in it
@given(spec=org_specs(dense=True))
def test_access_device_filter_names_the_same_path_as_the_full_audit(spec):
    """The same (user, device) row, asked for by device, says the same `how`."""
    w = build(spec)
    try:
        full = access_rows(w.org.audit.who_can_access())
        for dev in w.org.devices:
            assert access_rows(w.org.audit.who_can_access(device=dev)) == [r for r in full if r[1] == dev.id]
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_run_filters_equal_the_filtered_full_audit(spec):
    w = build(spec)
    try:
        audit = w.org.audit
        full = run_rows(audit.who_can_run())
        for c in w.org.commands:
            assert run_rows(audit.who_can_run(command=c)) == [r for r in full if r[1] == c.id]
        for dev in w.org.devices:
            assert run_rows(audit.who_can_run(device=dev)) == [r for r in full if r[2] == dev.id]
            for c in w.org.commands:
                assert run_rows(audit.who_can_run(command=c, device=dev)) == [
                    r for r in full if r[1:3] == (c.id, dev.id)]
        for a in w.d.admins:
            assert run_rows(audit.who_can_run(admin=a)) == [r for r in full if r[0] == a.id]
            for dev in w.org.devices:
                assert run_rows(audit.who_can_run(admin=a, device=dev)) == [
                    r for r in full if (r[0], r[2]) == (a.id, dev.id)]
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_escalation_device_filter_equals_the_filtered_full_audit(spec):
    w = build(spec)
    try:
        for a in w.d.admins:
            full = esc_rows(w.org.audit.escalation_paths(a))
            for dev in w.org.devices:
                assert esc_rows(w.org.audit.escalation_paths(a, device=dev)) == [r for r in full if r[2] == dev.id]
    finally:
        w.d.close()


@PROPS
@given(spec=org_specs())
def test_escalation_user_filter_equals_the_filtered_full_audit(spec):
    """user= narrows to the paths through that user (the user taken over, or its own user)."""
    w = build(spec)
    try:
        for a in w.d.admins:
            full = esc_rows(w.org.audit.escalation_paths(a))
            for u in w.org.users:
                got = esc_rows(w.org.audit.escalation_paths(a, user=u))
                assert got == [r for r in full if r[1] == u.id], (a.email, u.username)
    finally:
        w.d.close()
