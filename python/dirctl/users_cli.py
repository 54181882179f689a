"""``dirctl users`` and ``dirctl register``: Runops' user verbs (seed 004) on the Python API.

    dirctl users create --db F --org O --email E --name "N" [--team T] [--groups dev,support]
    dirctl users list --db F --org O [--status reviewing]
    dirctl users update --db F --org O --id N [--status active] [--team T] [--groups ...]
    dirctl users approve|reject ID --db F --org O
    dirctl register --db F --org O --email E --name "N" [--team T] [--groups dev,support]

Who acts: the API key in $DIRCTL_API_KEY, else --as-admin EMAIL or --as-user USERNAME,
else the directory's own handle (whoever may write the file). Every step is audited.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .directory import Directory
from .directory import open as open_directory
from .frames import frame_from_columns


def _who(v: Any) -> None:
    who = v.add_mutually_exclusive_group()
    who.add_argument("--as-admin", metavar="EMAIL", help="act as this admin")
    who.add_argument("--as-user", metavar="USERNAME", help="act as this user of the org (an operator)")


def add_users_parser(sub: Any) -> None:
    users = sub.add_parser("users", help="create, list, update, approve or reject users (Runops' verbs)")
    verbs = users.add_subparsers(dest="verb", required=True)
    for verb in ("create", "list", "update", "approve", "reject"):
        v = verbs.add_parser(verb, help=f"{verb} users")
        v.add_argument("--db", required=True, help="the directory file")
        v.add_argument("--org", required=True, help="the org")
        if verb in ("approve", "reject"):
            v.add_argument("user", help="the user's id, username or email")
        if verb == "update":
            v.add_argument("--id", required=True, help="the user's id, username or email")
        if verb in ("create", "update"):
            v.add_argument("--email", required=verb == "create")
            v.add_argument("--name", required=verb == "create", help="full name")
            v.add_argument("--username", help="default: the email's local part")
            v.add_argument("--team", help="the user's team (department)")
            v.add_argument("--groups", help="comma-separated user groups to be in")
        if verb in ("list", "update"):
            v.add_argument("--status", choices=("staged", "active", "suspended", "reviewing"))
        _who(v)
    reg = sub.add_parser("register", help="ask for access: a user waiting in 'reviewing' for an operator")
    reg.add_argument("--db", required=True)
    reg.add_argument("--org", required=True)
    reg.add_argument("--email", required=True)
    reg.add_argument("--name", required=True)
    reg.add_argument("--team")
    reg.add_argument("--groups", help="comma-separated user groups to ask for")


def _acting(d: Directory, args: argparse.Namespace) -> Directory:
    key = os.environ.get("DIRCTL_API_KEY")
    if key:
        return d.with_api_key(key)
    if getattr(args, "as_admin", None):
        return d.as_admin(args.as_admin)
    if getattr(args, "as_user", None):
        return d.as_user(d.orgs.get(args.org).users.get(args.as_user))
    return d


def _names(full: str) -> dict[str, str]:
    first, _, last = full.strip().rpartition(" ")
    return {"first_name": first, "last_name": last} if first else {"first_name": last}


def _groups(text: str | None) -> list[str]:
    return [g.strip() for g in (text or "").split(",") if g.strip()]


def _set_groups(org: Any, user: Any, names: list[str]) -> None:
    for name in names:
        group = org.user_groups.get(name)
        if user.id not in {m.id for m in org.user_groups.members(group)}:
            org.user_groups.add_member(group, user)


def _print(frame: Any) -> None:
    """Users as Runops lists them (id, username, email, name, team, status), from the engine's columns."""
    if frame.empty:
        print("no users")
        return
    # astype(object) first: department and state may be categoricals, which fillna("") refuses
    text = {c: frame[c].astype(object).fillna("").astype(str) for c in ("first_name", "last_name", "department",
                                                                        "state")}
    name = (text["first_name"] + " " + text["last_name"]).str.strip()
    print(frame[["username", "email"]].assign(name=name, team=text["department"], status=text["state"])
          .to_string(index_names=False))


def _one(org: Any, user_id: int) -> Any:
    """One user's row, in the listing's columns."""
    u = org.users.get(user_id)
    return frame_from_columns({"id": [u.id], **{k: [getattr(u, k)] for k in ("username", "email", "first_name",
                                                                             "last_name", "department", "state")}},
                              index="id")


def users_main(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        org = _acting(d, args).orgs.get(args.org)
        if args.verb == "list":
            frame = org.users.to_frame()
            _print(frame[frame["state"] == args.status] if args.status else frame)
        elif args.verb == "create":
            user = org.users.create(username=args.username or args.email.split("@")[0], email=args.email,
                                    department=args.team, **_names(args.name))
            _set_groups(org, user, _groups(args.groups))
            _print(_one(org, user.id))
        elif args.verb == "update":
            user = org.users.get(int(args.id) if args.id.isdigit() else args.id)
            fields: dict[str, Any] = {k: v for k, v in (("email", args.email), ("username", args.username),
                                                        ("department", args.team)) if v}
            if args.name:
                fields.update(_names(args.name))
            if args.status == "active" and user.state == "reviewing":
                user = org.users.approve(user)  # Runops: reviewing -> active is the approval
            elif args.status:
                fields["state"] = args.status
            if fields:
                user = org.users.update(user, **fields)
            _set_groups(org, user, _groups(args.groups))
            _print(_one(org, user.id))
        else:
            target = org.users.get(int(args.user) if args.user.isdigit() else args.user)
            if args.verb == "approve":
                _print(_one(org, org.users.approve(target).id))
            else:
                org.users.reject(target)
                print(f"rejected {target.username} ({target.email})")
    return 0


def register_main(args: argparse.Namespace) -> int:
    with open_directory(args.db) as d:
        user = d.register(d.orgs.get(args.org), args.email, args.name, team=args.team, groups=_groups(args.groups))
    print(f"registered {user.email} as {user.username}: waiting for an operator to approve (status reviewing)")
    return 0
