"""Property test: random sequences of operations on a ":memory:" directory agree
with a plain Python model (users, groups, membership, audit-log length)."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import dirctl

NAMES = st.sampled_from(["ann", "bob", "cy", "dee", "eve", "fay"])
GROUPS = st.sampled_from(["eng", "ops", "it"])
DEPTS = st.sampled_from([None, "eng", "ops", "it"])
STATES = st.sampled_from(["staged", "active", "suspended"])
CASE = st.sampled_from([str.lower, str.upper, str.title])


class DirectoryMachine(RuleBasedStateMachine):
    """The model: users {username: {email, department, state}}, groups {name: set(usernames)}."""

    def __init__(self) -> None:
        super().__init__()
        self.d = dirctl.open(":memory:")
        self.org = self.d.orgs.create("acme")
        self.users: dict[str, dict] = {}
        self.groups: dict[str, set[str]] = {}
        self.events = 1  # organization_create

    def teardown(self) -> None:
        self.d.close()

    def _email_holder(self, email: str, except_user: str | None = None) -> str | None:
        for name, u in self.users.items():
            if name != except_user and u["email"].lower() == email.lower():
                return name
        return None

    # ---- users ----------------------------------------------------------------------
    @rule(name=NAMES, mail=NAMES, case=CASE, dept=DEPTS)
    def create_user(self, name, mail, case, dept):
        email = case(f"{mail}@acme.com")
        if name in self.users or self._email_holder(email):
            with pytest.raises(dirctl.Conflict):
                self.org.users.create(username=name, email=email, department=dept)
            return
        u = self.org.users.create(username=name, email=email, department=dept)
        assert u.username == name and u.department == dept and u.state == "active"
        self.users[name] = {"email": email, "department": dept, "state": "active"}
        self.events += 1

    @precondition(lambda self: self.users)
    @rule(data=st.data(), dept=DEPTS, state=STATES)
    def update_user(self, data, dept, state):
        name = data.draw(st.sampled_from(sorted(self.users)))
        u = self.org.users.update(name, department=dept, state=state)
        model = self.users[name]
        if (model["department"], model["state"]) != (dept, state):
            self.events += 1
        model.update(department=dept, state=state)
        assert (u.department, u.state) == (dept, state)

    @precondition(lambda self: self.users)
    @rule(data=st.data(), mail=NAMES)
    def change_email(self, data, mail):
        name = data.draw(st.sampled_from(sorted(self.users)))
        email = f"{mail}.x@acme.com"
        if self._email_holder(email, except_user=name):
            with pytest.raises(dirctl.Conflict):
                self.org.users.update(name, email=email)
            return
        self.org.users.update(name, email=email)
        if self.users[name]["email"] != email:
            self.events += 1
        self.users[name]["email"] = email

    @rule(name=NAMES)
    def delete_user(self, name):
        if name not in self.users:
            with pytest.raises(dirctl.NotFound):
                self.org.users.delete(name)
            return
        self.org.users.delete(name)
        del self.users[name]
        for members in self.groups.values():
            members.discard(name)
        self.events += 1

    # ---- groups ------------------------------------------------------------------------
    @rule(name=GROUPS)
    def create_group(self, name):
        if name in self.groups:
            with pytest.raises(dirctl.Conflict):
                self.org.user_groups.create(name)
            return
        self.org.user_groups.create(name)
        self.groups[name] = set()
        self.events += 1

    @rule(name=GROUPS)
    def delete_group(self, name):
        if name not in self.groups:
            with pytest.raises(dirctl.NotFound):
                self.org.user_groups.delete(name)
            return
        self.org.user_groups.delete(name)
        del self.groups[name]
        self.events += 1

    @precondition(lambda self: self.users and self.groups)
    @rule(data=st.data())
    def add_member(self, data):
        group = data.draw(st.sampled_from(sorted(self.groups)))
        user = data.draw(st.sampled_from(sorted(self.users)))
        self.org.user_groups.add_member(group, self.org.users.get(user))
        if user not in self.groups[group]:
            self.events += 1
        self.groups[group].add(user)

    @precondition(lambda self: self.users and self.groups)
    @rule(data=st.data())
    def remove_member(self, data):
        group = data.draw(st.sampled_from(sorted(self.groups)))
        user = data.draw(st.sampled_from(sorted(self.users)))
        if user not in self.groups[group]:
            with pytest.raises(dirctl.NotFound):
                self.org.user_groups.remove_member(group, self.org.users.get(user))
            return
        self.org.user_groups.remove_member(group, self.org.users.get(user))
        self.groups[group].discard(user)
        self.events += 1

    @rule(names=st.lists(NAMES, min_size=1, max_size=3, unique=True))
    def failed_batch(self, names):
        """A batch that raises changes nothing, whatever it did first."""
        with pytest.raises(RuntimeError):
            with self.d.batch():
                for n in names:
                    if n in self.users:
                        self.org.users.delete(n)
                    else:
                        self.org.users.create(username=n, email=f"{n}.batch@acme.com")
                raise RuntimeError("roll back")

    # ---- invariants ---------------------------------------------------------------------
    @invariant()
    def users_agree(self):
        assert len(self.org.users) == len(self.users)
        stored = {u.username: (u.email, u.department, u.state) for u in self.org.users}
        assert stored == {n: (u["email"], u["department"], u["state"]) for n, u in self.users.items()}

    @invariant()
    def groups_agree(self):
        assert len(self.org.user_groups) == len(self.groups)
        for name, members in self.groups.items():
            assert {m.username for m in self.org.user_groups.members(name)} == members
        for name in self.users:
            expected = {g for g, m in self.groups.items() if name in m}
            assert {g.name for g in self.org.user_groups.of(self.org.users.get(name))} == expected

    @invariant()
    def events_agree(self):
        assert len(self.d.events()) == self.events


DirectoryMachine.TestCase.settings = settings(
    max_examples=50, stateful_step_count=30, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestDirectoryMachine = DirectoryMachine.TestCase
