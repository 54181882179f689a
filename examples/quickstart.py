"""The main job: create (or reopen) a directory file, build a small realistic
org in it, import an HR export of a few thousand users (examples/users.csv),
print what it holds, then have the Command Runner launch a command on this
host and a local agent execute it, and print its result.

    python examples/quickstart.py [acme.db]

Running it again reopens the file and shows the same org (nothing is
duplicated: the import is an upsert, so a second run reports every row unchanged).
"""

from __future__ import annotations

import getpass
import socket
import sys
from pathlib import Path

import dirctl

USERS_CSV = Path(__file__).with_name("users.csv")

PEOPLE = [
    ("alice", "Alice", "Ng", "Engineering", "SRE"),
    ("bob", "Bob", "Okafor", "Engineering", "Backend engineer"),
    ("carmen", "Carmen", "Diaz", "IT", "IT lead"),
    ("dmitri", "Dmitri", "Ivanov", "Engineering", "Frontend engineer"),
    ("erin", "Erin", "Walsh", "Finance", "Controller"),
    ("farah", "Farah", "Haddad", "IT", "Help desk"),
]


def build(d: dirctl.Directory) -> dirctl.Org:
    """One batch: the org, its people, groups, fleet, a command and its runner."""
    with d.batch():
        org = d.orgs.create("acme", description="Acme Corp, main tenant")
        users = {
            username: org.users.create(
                username=username, email=f"{username}@acme.com", first_name=first, last_name=last,
                department=dept, job_title=title, employee_identifier=f"E{1000 + i}",
            )
            for i, (username, first, last, dept, title) in enumerate(PEOPLE)
        }
        org.users.update(users["erin"], state="suspended")
        eng = org.user_groups.create("engineering", description="everyone who ships code")
        it = org.user_groups.create("it")
        for name in ("alice", "bob", "dmitri"):
            org.user_groups.add_member(eng, users[name])
        for name in ("carmen", "farah"):
            org.user_groups.add_member(it, users[name])

        prod = org.device_groups.create("prod-web")
        laptops = org.device_groups.create("laptops")
        for i in range(1, 4):
            org.device_groups.add_member(prod, org.devices.create(hostname=f"web-0{i}", os="linux", arch="x86_64"))
        for name in ("alice", "bob", "carmen"):
            org.device_groups.add_member(laptops, org.devices.create(hostname=f"{name}-mbp", os="darwin", arch="arm64"))

        org.associate(eng, prod)      # engineers may log in to the web fleet
        org.associate(it, laptops)    # IT may log in to every laptop
        restart = org.commands.create(name="restart nginx", script="systemctl restart nginx", shell="bash",
                                      user="root", timeout=60)
        org.associate(restart, prod)

        d.admins.create(email="root@acme.com", role="administrator_with_billing", orgs=[org],
                        first_name="Root", last_name="Admin")
        runner = d.admins.create(email="ops@acme.com", role="command_runner", orgs=[org])
        org.associate(runner, restart)  # ops may run 'restart nginx', nothing else
        # Seed 003: an admin role goes to a user enrolled in MFA, whose MFA it inherits.
        carmen = org.users.update(users["carmen"], mfa_status="enrolled")
        d.admins.create_from_user(carmen, role="help_desk")
    return org


def show(d: dirctl.Directory, org: dirctl.Org) -> None:
    print(d)
    print(org)
    users = org.users.to_frame()
    print(f"\nUsers: {len(users)}; by department and state:")
    print(users.groupby(["department", "state"]).size().unstack(fill_value=0).to_string())
    print("\nGroups:")
    for group in org.user_groups:
        members = org.user_groups.members(group)
        print(f"  {group.name:<12} {len(members):>5} users, e.g. {[u.username for u in members[:3]]}")
    for group in org.device_groups:
        print(f"  {group.name:<12} {[dev.hostname for dev in org.device_groups.members(group)]}")
    print("\nCommands and who they target:")
    for command in org.commands:
        targets = [o.to_dict().get("name") or o.to_dict().get("hostname") or o.to_dict().get("email")
                   for o in org.associations(command)]
        print(f"  {command!r} -> {targets}")
    print("\nAdmins:")
    for admin in d.admins:
        linked = f" (from user {admin.user.username})" if admin.user else ""
        print(f"  {admin.email:<16} {admin.role:<28} {admin.state}{linked}")
    access = org.audit.who_can_access()
    print(f"\nWho can access what: {len(access)} (user, device) pairs; by path:")
    print(access["how"].value_counts().to_string())
    print("\nWho can run what:")
    print(org.audit.who_can_run()[["admin", "role", "command", "device", "rule"]].to_string(index=False))
    events = d.events_frame()
    print(f"\nAudit log: {len(events)} events; by type:")
    print(events["event_type"].value_counts().to_string())


def import_hr_export(org: dirctl.Org) -> None:
    report = org.import_users_csv(USERS_CSV, mode="upsert", create_groups=True)
    print(f"Import of {USERS_CSV.name}: {report.summary()}")
    for issue in report.error_records[:20]:
        print(f"  error: {issue}")
    print(report.to_frame()["status"].value_counts().to_string(), end="\n\n")


def run_on_this_host(d: dirctl.Directory, org: dirctl.Org) -> None:
    """This host as a device with a command for it, assigned to the Command Runner, who
    launches it through their own view; a local agent executes it (as this user)."""
    host = socket.gethostname()
    with d.batch():
        here = org.devices.get(host) if host in org.devices else org.devices.create(hostname=host, os=sys.platform)
        if "disk report" in org.commands:
            report = org.commands.get("disk report")
        else:
            report = org.commands.create(name="disk report", script='echo "$GREETING from $(uname -sr)"; df -h / | tail -1',
                                         user=getpass.getuser(), timeout=30)
            org.associate(report, here)
            org.associate(d.admins.get("ops@acme.com"), report)
    ops = d.as_admin(d.admins.get("ops@acme.com"))
    launch = ops.orgs.get("acme").commands.run(report, variables={"GREETING": "hello"})
    print(f"\nops@acme.com launched {report.name!r}: {launch}")
    dirctl.LocalAgent(d, here).run_pending()
    for run in launch.wait(timeout=60):
        print(f"  {run!r} on {run.device_name} in {(run.finished_at - run.started_at).total_seconds():.3f} s")
        print("  " + run.stdout.strip().replace("\n", "\n  "))
    frame = org.commands.results_frame()
    print(f"Results so far: {len(frame)} runs; by command and state:")
    print(frame.groupby(["command", "state"], observed=True).size().to_string())


def main(path: str) -> None:
    with dirctl.open(path) as d:
        org = d.orgs.get("acme") if "acme" in d.orgs else build(d)
        import_hr_export(org)
        show(d, org)
        run_on_this_host(d, org)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "acme.db")
