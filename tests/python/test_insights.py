"""Directory Insights' query model (python/dirctl/insights.py, cpp/src/insights/, store/event_query).

Each filter, and random combinations of them, against a brute-force filter over the
whole log read with d.events(); the query plans use the indexes; views see what their
role and orgs allow; paging neither skips nor repeats while another process appends;
a purge exports, verifies and removes, and a process catching up across it reloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import subprocess
import sys
from collections import Counter
from typing import Any

import pandas as pd
import pytest

import dirctl
from conftest import child_env, enrolled, STORES, module_location

UTC = dt.timezone.utc


# ---- a random log ------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=STORES)
def world(request):
    d = dirctl.open(module_location(request))
    rng = random.Random(14)
    acme, globex = d.orgs.create("acme"), d.orgs.create("globex")
    boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme, globex])
    ro = d.admins.create(email="Rob@Acme.com", role="read_only", orgs=[acme])
    users = []
    for org in (acme, globex):
        groups = [org.user_groups.create(f"g{k}") for k in range(3)]
        for i in range(25):
            u = org.users.create(username=f"u{i}", email=f"u{i}@{org.name}.com",
                                 **({"department": "eng"} if i % 3 == 0 else {}))
            users.append((org, u))
            if i % 4 == 0:
                org.user_groups.add_member(rng.choice(groups), u)
    as_boss = d.as_admin(boss)
    for _ in range(60):
        org, u = rng.choice(users)
        view_org = as_boss.orgs.get(org.name)
        view_org.users.update(u.id, job_title=f"t{rng.randrange(5)}")
    for _ in range(10):  # refusals, audited
        org, u = rng.choice(users)
        with pytest.raises(dirctl.PermissionDenied):
            d.as_admin(ro).orgs.get("acme").users.update(u.id, job_title="x") if org.name == "acme" else \
                d.as_admin(ro).orgs.get("acme").users.create(username="no", email="no@acme.com")
    mgr_user = enrolled(acme.users.create(username="max", email="max@acme.com"))
    mgr = d.admins.create_from_user(mgr_user, role="manager", orgs=[acme]) if hasattr(d.admins, "create_from_user") \
        else d.admins.create(email="max2@acme.com", role="manager", orgs=[acme])
    d.admins.update(mgr, role="help_desk")
    d.admins.update(mgr, role="manager")
    acme.users.delete(users[3][1])
    yield dict(d=d, acme=acme, globex=globex, boss=boss, ro=ro, mgr=mgr, users=users)
    d.close()


def _ms(e: dirctl.Event) -> int:
    return e.cursor[0]


def _field(e: dirctl.Event, name: str) -> Any:
    if name == "event_type":
        return e.event_type
    if name == "organization":
        return e.org
    if name in ("success", "message", "seq"):
        return getattr(e, name)
    head, _, tail = name.partition(".")
    ref = getattr(e, head)
    default: Any = 0 if tail == "id" else ""
    return ref.get(tail, default) if ref else default


def _term(e: dirctl.Event, t: dict) -> bool:
    if "and" in t:
        return all(_term(e, s) for s in t["and"])
    if "or" in t:
        return any(_term(e, s) for s in t["or"])
    if "not" in t:
        return not _term(e, t["not"])
    for name, value in t.items():
        values = value if isinstance(value, list) else [value]
        if name == "changes.field":
            if not any(c["field"] in values for c in e.changes):
                return False
        elif name == "initiated_by.email":
            if _field(e, name).lower() not in [v.lower() for v in values]:
                return False
        elif _field(e, name) not in values:
            return False
    return True


def brute(events: list[dirctl.Event], **f: Any) -> list[dirctl.Event]:
    """The filter, by reading every event in Python."""
    out = []
    for e in events:
        if "start_time" in f and _ms(e) < f["start_time"]:
            continue
        if "end_time" in f and _ms(e) >= f["end_time"]:
            continue
        if "event_type" in f and e.event_type not in ([f["event_type"]] if isinstance(f["event_type"], str) else f["event_type"]):
            continue
        if "initiated_by" in f and e.initiated_by["id"] != f["initiated_by"]:
            continue
        if "initiated_by.email" in f and e.initiated_by["email"].lower() != f["initiated_by.email"].lower():
            continue
        if "initiated_by.type" in f and e.initiated_by["type"] != f["initiated_by.type"]:
            continue
        if "resource" in f and f["resource"] not in (e.resource.get("id"), e.target.get("id")):
            continue
        if "target" in f and e.target.get("id") != f["target"]:
            continue
        if "resource_type" in f and e.resource.get("type", "") != f["resource_type"]:
            continue
        if "org" in f and e.org not in f["org"]:
            continue
        if "success" in f and e.success != f["success"]:
            continue
        if "search_term" in f and not _term(e, f["search_term"]):
            continue
        out.append(e)
    out.sort(key=lambda e: (_ms(e), e.seq), reverse=f.get("sort") == "DESC")
    return out[: f["limit"]] if "limit" in f else out


def _leaf(rng: random.Random, events: list[dirctl.Event]) -> dict:
    e = rng.choice(events)
    name = rng.choice(["event_type", "organization", "success", "initiated_by.email", "initiated_by.type",
                       "resource.type", "resource.id", "target.name", "changes.field"])
    if name == "changes.field":
        return {name: rng.choice(["job_title", "department", "role", "state", "email", "nothing"])}
    value = _field(e, name)
    if rng.random() < 0.3 and name not in ("success",):
        return {name: [value, _field(rng.choice(events), name)]}
    return {name: value}


def _random_term(rng: random.Random, events: list[dirctl.Event], depth: int = 0) -> dict:
    r = rng.random()
    if depth < 2 and r < 0.25:
        return {"and": [_random_term(rng, events, depth + 1) for _ in range(rng.randint(1, 3))]}
    if depth < 2 and r < 0.45:
        return {"or": [_random_term(rng, events, depth + 1) for _ in range(rng.randint(1, 3))]}
    if depth < 2 and r < 0.55:
        return {"not": _random_term(rng, events, depth + 1)}
    return _leaf(rng, events)


def test_random_filter_combinations_match_brute_force(world):
    d = world["d"]
    events = d.events()
    assert len(events) > 120
    types = sorted({e.event_type for e in events})
    rng = random.Random(1)
    for case in range(300):
        f: dict[str, Any] = {}
        for _ in range(rng.randint(1, 4)):
            k = rng.choice(["start_time", "end_time", "event_type", "initiated_by", "initiated_by.email",
                            "initiated_by.type", "resource", "target", "resource_type", "org", "success",
                            "search_term", "sort", "limit"])
            e = rng.choice(events)
            if k in ("start_time", "end_time"):
                f[k] = _ms(e) + rng.choice([0, 0, 1, -1])
            elif k == "event_type":
                f[k] = rng.choice(types) if rng.random() < 0.5 else rng.sample(types, 2)
            elif k == "initiated_by":
                f[k] = e.initiated_by["id"]
            elif k == "initiated_by.email":
                f[k] = (e.initiated_by["email"] or "boss@acme.com").upper()
            elif k == "initiated_by.type":
                f[k] = e.initiated_by["type"]
            elif k == "resource":
                f[k] = e.resource.get("id") or world["acme"].id
            elif k == "target":
                f[k] = e.target.get("id") or world["users"][0][1].id
            elif k == "resource_type":
                f[k] = e.resource.get("type", "user")
            elif k == "org":
                f[k] = [e.org] if rng.random() < 0.5 else [0, world["globex"].id]
            elif k == "success":
                f[k] = rng.random() < 0.7
            elif k == "search_term":
                f[k] = _random_term(rng, events)
            elif k == "sort":
                f[k] = rng.choice(["ASC", "DESC"])
            else:
                f[k] = rng.randrange(0, 40)
        api = {k: (v if k not in ("start_time", "end_time") else dt.datetime.fromtimestamp(v / 1000, UTC))
               for k, v in f.items()}
        if "initiated_by" in api and api["initiated_by"] == 0:
            api["initiated_by"] = "system" if rng.random() < 0.5 else 0
            if api["initiated_by"] == "system":
                f.pop("initiated_by")
                f["initiated_by.type"] = "system"
        if "org" in api:
            api["org"] = [o if o == 0 else world["acme"] if o == world["acme"].id else o for o in api["org"]]
        expected = brute(events, **f)
        got = d.events(**api)
        assert [e.seq for e in got] == [e.seq for e in expected], (case, f)
        assert d.events_count(**{k: v for k, v in api.items() if k not in ("limit", "sort")}) == \
            len(brute(events, **{k: v for k, v in f.items() if k not in ("limit", "sort")})), (case, f)
        frame = d.events_frame(**api)
        assert list(frame.index) == [e.seq for e in expected], (case, f)


def test_each_filter_form(world):
    d, boss, ro = world["d"], world["boss"], world["ro"]
    events = d.events()
    mine = [e for e in events if e.initiated_by["id"] == boss.id]
    assert mine
    for form in (boss, boss.id, "boss@acme.com", "BOSS@acme.com", {"email": "boss@acme.com"}, {"id": boss.id}):
        assert d.events(initiated_by=form) == mine, form
    assert d.events(**{"initiated_by.email": "boss@acme.com"}) == mine
    assert d.events(**{"initiated_by.id": boss.id}) == mine
    system = [e for e in events if e.initiated_by["type"] == "system"]
    assert d.events(initiated_by="system") == system == d.events(initiated_by=0)
    refused = [e for e in events if not e.success]
    assert refused and d.events(success=False) == refused
    assert {e.initiated_by["id"] for e in refused} == {ro.id}
    assert d.events(event_type=["user_update", "admin_update"]) == \
        [e for e in events if e.event_type in ("user_update", "admin_update")]
    assert d.events(type="user_update") == d.events(event_type="user_update")  # the old name still works
    newest = d.events(sort="DESC", limit=5)
    assert newest == list(reversed(events))[:5]
    with pytest.raises(dirctl.InvalidArgument, match="naive datetime"):
        d.events(start_time=dt.datetime(2026, 1, 1))
    with pytest.raises(dirctl.InvalidArgument, match="no timezone"):
        d.events(start_time="2026-01-01T10:00:00")
    with pytest.raises(dirctl.InvalidArgument, match="unknown field 'nope'"):
        d.events(search_term={"nope": 1})
    with pytest.raises(dirctl.InvalidArgument, match="takes integers"):
        d.events(search_term={"resource.id": "x"})
    with pytest.raises(dirctl.InvalidArgument, match="sort"):
        d.events(sort="sideways")
    assert d.events(start_time=dt.timedelta(hours=1)) == events  # that long ago
    assert d.events(start_time=dt.timedelta(hours=-1)) == []


def test_search_term_changes_field_and_fields(world):
    d = world["d"]
    role_changes = d.events(search_term={"and": [{"resource.type": "admin"}, {"changes.field": "role"}]})
    kinds = Counter(e.event_type for e in role_changes)
    assert kinds["admin_update"] == 2 and kinds["admin_create"] >= 3
    assert all(any(c["field"] == "role" for c in e.changes) for e in role_changes)
    rows = d.events(fields=["event_type", "initiated_by.email"], limit=3)
    assert rows == [{"seq": e.seq, "event_type": e.event_type, "initiated_by_email": e.initiated_by["email"]}
                    for e in d.events(limit=3)]
    frame = d.events_frame(fields=["time", "event_type"])
    assert list(frame.columns) == ["time", "event_type"]
    with pytest.raises(dirctl.InvalidArgument, match="unknown event field"):
        d.events_frame(fields=["colour"])


def test_frame_columns_are_typed_without_objects(world):
    d = world["d"]
    frame = d.events_frame()
    events = d.events()
    assert list(frame.index) == [e.seq for e in events]
    assert isinstance(frame["event_type"].dtype, pd.CategoricalDtype)
    assert isinstance(frame["initiated_by_email"].dtype, pd.CategoricalDtype)
    assert str(frame["time"].dt.tz) == "UTC"
    assert frame["success"].dtype == bool
    assert all(frame[c].dtype != object for c in frame.columns), frame.dtypes
    for e, (seq, row) in zip(events, frame.iterrows()):
        assert row["time"] == pd.Timestamp(e.time)
        assert (row["event_type"], row["org"], row["resource_name"]) == (e.event_type, e.org, e.resource.get("name", ""))
    changes = d.events_frame(expand_changes=True, type="user_update")
    expected = [(e.seq, c["field"], c["to"]) for e in d.events(type="user_update") for c in e.changes]
    assert list(zip(changes["seq"], changes["field"], changes["to"].map(json.loads))) == expected


def test_distinct_and_interval(world, tmp_path):
    d = world["d"]
    events = d.events()
    by_type = d.events_distinct("event_type")
    assert dict(zip(by_type["event_type"], by_type["count"])) == Counter(e.event_type for e in events)
    assert list(by_type["count"]) == sorted(by_type["count"], reverse=True)
    emails = d.events_distinct("initiated_by.email", success=False)
    assert dict(zip(emails["initiated_by.email"], emails["count"])) == {"Rob@Acme.com": 10}
    per_second = d.events_interval("1s")
    assert per_second["count"].sum() == len(events)
    assert (per_second.index.to_series().diff().dropna() == pd.Timedelta(seconds=1)).all()
    per_type = d.events_interval("1d", by="event_type")
    assert per_type.sum().to_dict() == Counter(e.event_type for e in events)
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    ranged = d.events_interval("1M", start_time=start, end_time=dt.datetime(2026, 4, 1, tzinfo=UTC))
    assert list(ranged.index) == [pd.Timestamp(f"2026-0{m}-01", tz="UTC") for m in (1, 2, 3)]
    assert ranged["count"].sum() == 0
    with pytest.raises(dirctl.InvalidArgument, match="not <n><unit>"):
        d.events_interval("hourly")
    d.events_frame().to_parquet(tmp_path / "log.parquet")
    back = pd.read_parquet(tmp_path / "log.parquet")
    assert list(back.index) == [e.seq for e in events]


# ---- indexes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("criteria,index", [
    (dict(event_type="user_update"), "events_type"),
    (dict(start_time=dt.datetime(2026, 1, 1, tzinfo=UTC)), "events_time"),
    (dict(initiated_by=7), "events_initiator"),
    (dict(target=7), "events_target"),
    (dict(search_term={"initiated_by.id": 7}), "events_initiator"),
    (dict(search_term={"target.id": 7}), "events_target"),
    (dict(resource=7), "events_resource"),
    (dict(event_type="user_update", start_time=dt.datetime(2026, 1, 1, tzinfo=UTC),
          end_time=dt.datetime(2026, 2, 1, tzinfo=UTC)), "events_type"),
])
def test_each_filter_uses_an_index(d, store, criteria, index):
    from dirctl.events import build_filter

    f, _ = build_filter(criteria)
    plan = " | ".join(d._core.events_plan(f))
    if store == "sqlite":
        assert index in plan and "SCAN events" not in plan.replace("SCAN events USING", ""), plan
        if index != "events_resource":
            assert "TEMP B-TREE" not in plan, plan  # rows come in (time, seq) order from the index
    else:  # PostgreSQL's EXPLAIN (a bitmap scan, chosen when many rows match, reads in no order)
        assert index in plan and "Seq Scan" not in plan, plan
        if index != "events_resource" and "Bitmap" not in plan:
            assert "Sort" not in plan, plan  # the index ends (time, seq), as SQLite's (with the rowid) do


def test_paging_through_a_view_uses_the_index_too(world):
    from dirctl.events import build_filter

    f, _ = build_filter(dict(event_type="user_update", search_after=(0, 0), limit=10))
    plan = " | ".join(world["d"].as_admin(world["ro"])._core.events_plan(f))
    assert "events_type" in plan, plan


# ---- views -------------------------------------------------------------------------------------

def _matrix_insights() -> dict[str, str]:
    from pathlib import Path

    spec = Path(__file__).resolve().parents[2] / "docs" / "spec" / "admin_roles.csv"
    with open(spec, newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["scope"] == "insights")
    return {k: v for k, v in row.items() if k not in ("scope", "description")}


def test_views_see_their_roles_and_orgs_events(world):
    d, acme, globex = world["d"], world["acme"], world["globex"]
    everything = d.events()
    for role, access in _matrix_insights().items():
        a = d.admins.create(email=f"{role}@view.example", role=role, orgs=[acme])
        view = d.as_admin(a)
        if access == "none":
            with pytest.raises(dirctl.PermissionDenied):
                view.events()
            with pytest.raises(dirctl.PermissionDenied):
                view.events_frame()
            with pytest.raises(dirctl.PermissionDenied):
                view.events_count()
            continue
        sees_admins = bool(d.check(a, "administrators.read"))
        got = view.events()
        everything = d.events()
        expected = [e for e in everything if e.org == acme.id
                    or (e.org == 0 and e.resource.get("type") == "org" and e.resource.get("id") == acme.id)
                    or (e.org == 0 and e.resource.get("type") != "org" and sees_admins)]
        assert [e.seq for e in got] == [e.seq for e in expected], role
        assert globex.id not in {e.org for e in got}
        assert view.events_count() == len(expected)
        assert list(view.events_frame().index) == [e.seq for e in expected]
        assert view.events_count(org=globex) == 0  # cross-org: filtered, not an error
        page = view.events(limit=5, sort="DESC")
        assert page == list(reversed(expected))[:5], "limits apply after visibility"


# ---- paging across concurrent appends ---------------------------------------------------------

def test_search_after_neither_skips_nor_repeats_while_another_process_appends(shared):
    d = dirctl.open(shared)
    org = d.orgs.create("acme")
    for i in range(200):
        org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
    writer = subprocess.Popen([sys.executable, "-c", f"""
import dirctl
d = dirctl.open({str(shared)!r})
org = d.orgs.get("acme")
for i in range(300):
    org.users.create(username=f"w{{i}}", email=f"w{{i}}@acme.com")
"""], env=child_env())
    try:
        seen: list[int] = []
        cursor = None
        while True:
            page = d.events(limit=7, search_after=cursor)
            seen += [e.seq for e in page]
            if len(page) < 7:
                if writer.poll() is not None and not d.events(limit=1, search_after=cursor or (0, 0)):
                    break
                if not page:
                    continue
            cursor = page[-1]
    finally:
        assert writer.wait(timeout=120) == 0
    assert len(seen) == len(set(seen)), "no event twice"
    assert seen == [e.seq for e in d.events()], "none skipped, all in order"
    d.close()


# ---- purge -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_purge_exports_verifies_and_removes(shared, tmp_path, fmt):
    d = dirctl.open(shared)
    other = dirctl.open(shared)  # another handle on the file, caught up before the purge
    org = d.orgs.create("acme")
    gone = org.users.create(username="gone", email="gone@acme.com")
    assert len(other.orgs.get("acme").users) == 1
    for i in range(20):
        org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
    org.users.update(org.users.get("u1"), department="eng")  # after `other` last looked
    org.users.delete(gone)
    before = d.events()
    cutoff = dt.datetime.now(UTC) + dt.timedelta(seconds=1)
    out = tmp_path / f"old.{fmt}"
    report = d.events_purge(cutoff, out)
    assert report.rows == len(before) and report.first_seq == before[0].seq and report.last_seq == before[-1].seq
    assert "events" in repr(report)
    after = d.events()
    assert [e.event_type for e in after] == ["events_purge"]
    purge = after[0]
    assert purge.seq > before[-1].seq, "seq never goes down"
    assert {c["field"]: c["to"] for c in purge.changes}["sha256"] == report.sha256
    text = out.read_text()
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert [r["seq"] for r in rows] == [e.seq for e in before]
        assert [r["event_type"] for r in rows] == [e.event_type for e in before]
        assert [r["changes"] for r in rows] == [e.changes for e in before]
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [int(r["seq"]) for r in rows] == [e.seq for e in before]
        assert [json.loads(r["changes"]) for r in rows] == [e.changes for e in before]
    import hashlib

    assert hashlib.sha256(out.read_bytes()).hexdigest() == report.sha256
    # The other handle missed the update and the deletion, whose events are gone: it reloads.
    theirs = other.orgs.get("acme").users
    assert "gone" not in theirs and theirs.get("u1").department == "eng"
    # Ids of objects deleted before the purge stay unused, in this process and a fresh one.
    fresh = org.users.create(username="new", email="new@acme.com")
    assert fresh.id > gone.id
    d.close()
    reopened = dirctl.open(shared)
    assert reopened.orgs.get("acme").users.create(username="new2", email="new2@acme.com").id > fresh.id
    with pytest.raises(dirctl.Conflict):
        reopened.events_purge(cutoff, out)  # never over an existing file without overwrite
    reopened.close()
    other.close()


def test_purge_is_refused_to_narrow_views_and_changes_nothing(world, tmp_path):
    d, ro, mgr = world["d"], world["ro"], world["mgr"]
    n = len(d.events())
    with pytest.raises(dirctl.PermissionDenied):
        d.as_admin(ro).events_purge(dt.timedelta(0), tmp_path / "x.jsonl")  # insights: read only
    with pytest.raises(dirctl.PermissionDenied):
        d.as_admin(mgr).events_purge(dt.timedelta(0), tmp_path / "x.jsonl")  # edit, but one org of two
    assert not (tmp_path / "x.jsonl").exists()
    assert len(d.events()) == n + 2 and [e.success for e in d.events()[-2:]] == [False, False]
    with pytest.raises(dirctl.InvalidArgument, match="format"):
        d.events_purge(dt.timedelta(0), tmp_path / "x.txt")


def test_export_pages_equal_the_events(world):
    d = world["d"]
    out = io.BytesIO()
    assert d.events_export(out, page=17, type="user_update") == len(d.events(type="user_update"))
    rows = [json.loads(line) for line in out.getvalue().decode().splitlines()]
    assert [r["seq"] for r in rows] == [e.seq for e in d.events(type="user_update")]
    out = io.BytesIO()
    d.events_export(out, format="csv", page=5, limit=12)
    assert [int(r["seq"]) for r in csv.DictReader(io.StringIO(out.getvalue().decode()))] == \
        [e.seq for e in d.events(limit=12)]


def test_purge_needs_administrators_edit_even_with_every_org(d, org, tmp_path):
    d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[org])
    for role in ("read_only", "help_desk", "manager", "administrator"):  # insights: edit, one org = every org
        a = d.admins.create(email=f"{role}@acme.com", role=role, orgs=[org])
        with pytest.raises(dirctl.PermissionDenied):
            d.as_admin(a).events_purge(dt.timedelta(0), tmp_path / f"{role}.jsonl")
    assert not list(tmp_path.iterdir())
    assert d.events_count(event_type="events_purge", success=True) == 0


def test_empty_results_keep_their_shape(d, org):
    frame = d.events_frame(event_type="nothing")
    assert len(frame) == 0 and frame.index.name == "seq" and "event_type" in frame.columns
    assert list(d.events_frame(event_type="nothing", fields=["time"]).columns) == ["time"]
    assert d.events_count(event_type="nothing") == 0
    assert len(d.events_distinct("event_type", event_type="nothing")) == 0
    out = io.BytesIO()
    assert d.events_export(out, format="csv", limit=0) == 0
    assert out.getvalue().decode().startswith("seq,time,")
    with pytest.raises(dirctl.InvalidArgument, match="outside the calendar"):
        d.events(start_time=dt.timedelta(days=999_999_999))
