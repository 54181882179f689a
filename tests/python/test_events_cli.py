"""``dirctl events`` and ``dirctl events-purge`` (dirctl.events_cli), run as a SIEM pipeline
would run them: a child process whose stdout is read line by line."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import dirctl
from conftest import child_env, STORES, module_location
from dirctl.cli import main as cli_main


def cli(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "dirctl", *map(str, args)], env=env or child_env(),
                          capture_output=True, timeout=60)


def json_lines(proc: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b""
    return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]


def as_exported(e: dirctl.Event) -> dict[str, Any]:
    """An Event as Insights' JSON export spells it: timestamp, organization, and null for no
    resource or target."""
    return {"seq": e.seq, "timestamp": e.time, "event_type": e.event_type, "organization": e.org,
            "initiated_by": e.initiated_by, "resource": e.resource or None, "target": e.target or None,
            "success": e.success, "changes": e.changes, "message": e.message}


@pytest.fixture(scope="module", params=STORES)
def acme(request, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A small directory, on each store: two orgs, three admins, 150 users, updates, a role
    change and refused actions. Returns where it is and the ids the tests filter on."""
    db = str(tmp_path_factory.mktemp("events_cli") / "acme.db") if request.param == "sqlite" else module_location(request)
    with dirctl.open(db) as d:
        acme, globex = d.orgs.create("acme"), d.orgs.create("globex")
        boss = d.admins.create(email="boss@acme.com", role="administrator_with_billing", orgs=[acme, globex])
        ro = d.admins.create(email="ro@acme.com", role="read_only", orgs=[acme])
        desk = d.admins.create(email="desk@acme.com", role="help_desk", orgs=[acme])
        with d.batch():
            users = [acme.users.create(username=f"user{i:03d}", email=f"user{i:03d}@acme.com",
                                       department="Sales" if i % 3 else "IT") for i in range(120)]
            for i in range(30):
                globex.users.create(username=f"g{i:02d}", email=f"g{i:02d}@globex.com")
        as_boss = d.as_admin(boss)
        for u in users[:10]:
            as_boss.orgs.get("acme").users.update(u, department="Support", job_title="agent")
        as_boss.admins.update(desk, role="manager")
        for u in users[:3]:
            with pytest.raises(dirctl.PermissionDenied):
                d.as_admin(ro).orgs.get("acme").users.update(u, department="Finance")
        with pytest.raises(dirctl.PermissionDenied):
            d.as_admin(ro).admins.update(ro, role="administrator_with_billing")
        middle = d.events()[len(d.events()) // 2].time
    return {"db": db, "acme": acme.id, "user": users[0].id, "ro": "ro@acme.com", "middle": middle}


ROLE_CHANGES = {"and": [{"event_type": "admin_update"}, {"changes.field": "role"}]}
CASES = {  # id: (CLI arguments, the same filters for d.events); "{x}" is filled from the fixture
    "everything": ([], {}),
    "types, newest first, limited, in pages": (["--type", "user_update", "--type", "admin_update", "--sort", "desc",
                                                "--limit", "7", "--page", "3"],
                                               {"type": ["user_update", "admin_update"], "sort": "DESC", "limit": 7}),
    "one user's events since 7d, up to a time": (["--resource", "{user}", "--since", "7d", "--until", "{middle}"],
                                                 {"resource": "{user}", "since": dt.timedelta(days=7),
                                                  "until": "{middle}"}),
    "refused, by an email, in an org": (["--failed", "--initiated-by", "{ro}", "--org", "acme"],
                                        {"success": False, "initiated_by": "{ro}", "org": "{acme}"}),
    "a search term, by admins, succeeded": (["--search-term", json.dumps(ROLE_CHANGES), "--initiated-by", "admin",
                                             "--succeeded"],
                                            {"search_term": ROLE_CHANGES, "initiated_by": "admin", "success": True}),
}


def _fill(value: Any, acme: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in acme:
        return acme[value[1:-1]]
    return value


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_json_lines_are_the_apis_events_field_by_field(acme, case):
    argv, criteria = CASES[case]
    lines = json_lines(cli("events", "--db", acme["db"], *[_fill(a, acme) for a in argv]))
    with dirctl.open(acme["db"]) as d:
        expected = [as_exported(e) for e in d.events(**{k: _fill(v, acme) for k, v in criteria.items()})]
    assert lines, "the case selects no event; it tests nothing"
    assert [x["seq"] for x in lines] == [x["seq"] for x in expected]
    for line, event in zip(lines, expected):
        assert line == event


def test_csv_has_the_same_rows_as_the_api(acme):
    proc = cli("events", "--db", acme["db"], "--format", "csv", "--type", "user_update", "--page", "4")
    assert proc.returncode == 0, proc.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode("utf-8"), newline="")))
    with dirctl.open(acme["db"]) as d:
        events = d.events(type="user_update")
    assert len(rows) == len(events) == 10 + 3
    for row, e in zip(rows, events):
        assert (int(row["seq"]), row["time"], int(row["org"]), row["event_type"]) == (e.seq, e.time, e.org,
                                                                                      e.event_type)
        assert (row["initiated_by_type"], int(row["initiated_by_id"]), row["initiated_by_email"]) == (
            e.initiated_by["type"], e.initiated_by["id"], e.initiated_by["email"])
        assert (row["resource_type"], int(row["resource_id"]), row["resource_name"]) == (
            e.resource["type"], e.resource["id"], e.resource["name"])
        assert row["success"] == str(e.success).lower()
        assert json.loads(row["changes"]) == e.changes
        assert row["message"] == e.message


def test_an_admin_reads_only_what_its_view_may_see(acme):
    lines = json_lines(cli("events", "--db", acme["db"], "--as-admin", acme["ro"]))
    with dirctl.open(acme["db"]) as d:
        seen = d.as_admin(acme["ro"]).events()
        total = d.events_count()
    assert [x["seq"] for x in lines] == [e.seq for e in seen]
    assert 0 < len(lines) < total  # globex's users are not the read_only admin's


def test_a_bad_time_is_a_usage_error_that_says_what_to_give(acme):
    proc = cli("events", "--db", acme["db"], "--since", "7x")
    err = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert "Traceback" not in err
    assert "argument --since: '7x' is not a timestamp" in err and "30m, 12h, 7d, 2w" in err


# The other argument checks happen before anything is read or written: in this process, through cli.main.
@pytest.mark.parametrize("argv, says", [
    (["--until", "2026-11-01T10:00"], ["--until", "no timezone"]),
    (["--since", "999999999w"], ["--since", "further back"]),
    (["--search-term", "{bad"], ["--search-term", "not JSON"]),
    (["--sort", "sideways"], ["--sort"]),
    (["--limit", "-1"], ["--limit", "whole number"]),
    (["--failed", "--succeeded"], ["not allowed with"]),
], ids=["no timezone", "too far back", "bad JSON", "bad sort", "negative limit", "failed and succeeded"])
def test_bad_arguments_are_usage_errors(acme, capsys, argv, says):
    with pytest.raises(SystemExit) as stop:
        cli_main(["events", "--db", str(acme["db"]), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    for text in says:
        assert text in err


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path, capsys):
    assert cli_main(["events", "--db", str(tmp_path / "nope.db")]) == 1
    assert "no directory file" in capsys.readouterr().err
    assert not (tmp_path / "nope.db").exists()


def test_a_reader_that_stops_early_ends_the_export_quietly(acme):
    # like `dirctl events ... | head -1`: one line read, then the pipe closed; one event a page, so the
    # writer meets the closed pipe while it still has pages to write
    proc = subprocess.Popen([sys.executable, "-m", "dirctl", "events", "--db", str(acme["db"]), "--page", "1"],
                            env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = json.loads(proc.stdout.readline())
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141
    assert err == b""
    assert first["seq"] == 1


def test_purge_exports_verifies_and_reports(tmp_path, capsys):
    db, out = tmp_path / "old.db", tmp_path / "old.jsonl"
    with dirctl.open(db) as d:
        org = d.orgs.create("acme")
        for i in range(5):
            org.users.create(username=f"u{i}", email=f"u{i}@acme.com")
        old = [as_exported(e) for e in d.events()]
    proc = cli("events-purge", "--db", db, "--before", "2999-01-01", "--export-to", out)
    assert proc.returncode == 0, proc.stderr.decode()
    report = proc.stdout.decode()
    assert report.startswith(f"purged {len(old)} events (#1..#{len(old)}) into {out}")
    assert [json.loads(line) for line in out.read_text().splitlines()] == old
    with dirctl.open(db) as d:
        assert [e.event_type for e in d.events()] == ["events_purge"]
        assert f"recorded as event #{d.events()[0].seq}" in report
    assert cli_main(["events-purge", "--db", str(db), "--before", "1d", "--export-to", str(out)]) == 1
    assert "already exists" in capsys.readouterr().err
    forced = cli("events-purge", "--db", db, "--before", "2999-01-01", "--export-to", out, "--force")
    assert forced.returncode == 0 and forced.stdout.startswith(b"purged 1 events"), forced.stderr.decode()
