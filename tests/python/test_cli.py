"""The command line: ``python -m dirctl import users.csv --db acme.db --org acme ...``
(and ``export``), run as a child process that imports the same dirctl as these tests
(the installed package under CTest, not the source tree, which has no compiled engine).

Exit status: 0 when every row went in (or would, with --dry-run), 1 when any row
failed or nothing was written, 2 for usage errors.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import dirctl
from dirctl import cli

from conftest import child_env

BASE = ["FirstName", "LastName", "Username", "Email"]
SECRET = "CLI-secret-passw0rd"


def env():
    return child_env()


def dirctl_cmd(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dirctl", *map(str, args)], env=env(), cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def csv_file(tmp_path: Path, rows, name="users.csv") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def person(n, *extra):
    return [f"First{n}", f"Last{n}", f"user{n}", f"user{n}@acme.com", *extra]


def usernames(db: Path, org="acme"):
    with dirctl.open(db) as d:
        return sorted(u.username for u in d.orgs.get(org).users)


def test_runs_the_dirctl_under_test():
    proc = subprocess.run([sys.executable, "-c", "import dirctl, sys; print(dirctl.__file__)"], env=env(),
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert Path(proc.stdout.strip()).resolve() == Path(dirctl.__file__).resolve()


def test_import_creates_the_db_and_the_org(tmp_path, shared):
    path = csv_file(tmp_path, [BASE + ["Group1"], person(1, "eng"), person(2, "")])
    db = shared
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--create-groups")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith("2 created, 0 updated, 0 unchanged, 0 skipped, 0 rows with errors")
    assert "written" in proc.stdout
    assert proc.stderr == ""
    assert usernames(db) == ["user1", "user2"]
    with dirctl.open(db) as d:
        org = d.orgs.get("acme")
        assert [u.username for u in org.user_groups.members("eng")] == ["user1"]
        assert [e.event_type for e in d.events()][-1] == "user_import"
        assert d.integrity_check() == "ok"


def test_import_into_an_existing_org_and_upsert(tmp_path, shared):
    db = shared
    with dirctl.open(db) as d:
        d.orgs.create("acme").users.create(username="user1", email="user1@acme.com", department="Old")
    path = csv_file(tmp_path, [BASE + ["Department"], person(1, "New"), person(2, "Ops")])
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme")
    assert proc.returncode == 1
    assert "error: line 2, column Username: user 'user1' already exists" in proc.stdout
    assert "nothing written" in proc.stdout
    assert usernames(db) == ["user1"]
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--mode", "upsert")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("1 created, 1 updated")
    with dirctl.open(db) as d:
        assert d.orgs.get("acme").users.get("user1").department == "New"
        assert len(d.orgs) == 1


def test_errors_abort_by_default_and_exit_1(tmp_path, shared):
    path = csv_file(tmp_path, [BASE + ["sudo"], person(1, "yes"), person(2, "maybe"), person(3, "no")])
    db = shared
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("0 created") and "1 rows with errors" in lines[0] and "nothing written" in lines[0]
    assert ("error: line 3, column sudo: is not a boolean; use true/false, yes/no, 1/0 or $True/$False "
            "(value 'maybe')") in lines
    assert usernames(db) == []


def test_on_error_skip_writes_the_valid_rows_but_exits_1(tmp_path, shared):
    path = csv_file(tmp_path, [BASE + ["sudo"], person(1, "yes"), person(2, "maybe"), person(3, "no")])
    db = shared
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--on-error", "skip")
    assert proc.returncode == 1  # a row failed
    assert proc.stdout.startswith("2 created, 0 updated, 0 unchanged, 1 skipped, 1 rows with errors")
    assert "error: line 3, column sudo" in proc.stdout
    assert usernames(db) == ["user1", "user3"]


def test_dry_run_writes_nothing(tmp_path, shared):
    db = shared
    with dirctl.open(db) as d:
        d.orgs.create("acme")
        seq = d._core.last_event_seq()
    good = csv_file(tmp_path, [BASE, person(1), person(2)])
    proc = dirctl_cmd("import", good, "--db", db, "--org", "acme", "--dry-run")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("2 created") and "dry run, nothing written" in proc.stdout
    bad = csv_file(tmp_path, [BASE, person(1), ["x", "y", "bad name", "z@acme.com"]], "bad.csv")
    proc = dirctl_cmd("import", bad, "--db", db, "--org", "acme", "--dry-run")
    assert proc.returncode == 1
    assert "error: line 3, column Username" in proc.stdout
    assert usernames(db) == []
    with dirctl.open(db) as d:
        assert d.events(after_seq=seq) == []


def test_unknown_group_needs_create_groups(tmp_path, shared):
    path = csv_file(tmp_path, [BASE + ["Group1"], person(1, "eng")])
    db = shared
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme")
    assert proc.returncode == 1 and "no user group 'eng' in this org" in proc.stdout
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--create-groups")
    assert proc.returncode == 0, proc.stdout
    assert usernames(db) == ["user1"]


def test_unknown_column_warns_or_fails_when_strict(tmp_path, shared):
    path = csv_file(tmp_path, [BASE + ["ShoeSize"], person(1, "44")])
    db = shared
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--strict")
    assert proc.returncode == 1
    assert "error: line 1, column ShoeSize: unknown column 'ShoeSize' is refused (strict)" in proc.stdout
    assert usernames(db) == []
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme")
    assert proc.returncode == 0
    assert "warning: line 1, column ShoeSize: unknown column 'ShoeSize' is ignored" in proc.stdout
    assert "1 warnings" in proc.stdout
    assert usernames(db) == ["user1"]


def test_broken_file_reports_its_line(tmp_path, shared):
    path = tmp_path / "broken.csv"
    path.write_text('FirstName,LastName,Username,Email\nA,B,a,a@acme.com\nC,"D,c,c@acme.com\n')
    db = shared
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--on-error", "skip")
    assert proc.returncode == 1
    assert "error: line 3: a quoted field is never closed" in proc.stdout
    assert usernames(db) == []


def test_passwords_never_reach_the_terminal(tmp_path):
    path = csv_file(tmp_path, [BASE + ["Password"], person(1, SECRET), person(2, "short")])
    db = tmp_path / "acme.db"
    proc = dirctl_cmd("import", path, "--db", db, "--org", "acme", "--on-error", "skip")
    assert proc.returncode == 1
    assert "column Password: a password needs at least 8 characters (value '[redacted]')" in proc.stdout
    assert SECRET not in proc.stdout + proc.stderr and "short'" not in proc.stdout
    con = sqlite3.connect(db)
    try:
        (phc,) = con.execute("select password_hash from users where username='user1'").fetchone()
    finally:
        con.close()
    assert phc.startswith("$argon2id$")


def test_missing_or_empty_csv_is_a_clean_error(tmp_path, shared):
    db = shared
    proc = dirctl_cmd("import", tmp_path / "nope.csv", "--db", db, "--org", "acme")
    assert proc.returncode == 1
    assert proc.stderr.startswith("dirctl: cannot open CSV file") and "Traceback" not in proc.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    proc = dirctl_cmd("import", empty, "--db", db, "--org", "acme")
    assert proc.returncode == 1
    assert "is empty" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [
    [],
    ["import"],
    ["import", "users.csv"],
    ["import", "users.csv", "--db", "x.db"],
    ["import", "users.csv", "--db", "x.db", "--org", "acme", "--mode", "merge"],
    ["import", "users.csv", "--db", "x.db", "--org", "acme", "--on-error", "ignore"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(tmp_path, args):
    proc = dirctl_cmd(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert "usage: dirctl" in proc.stderr
    assert not (tmp_path / "x.db").exists()


def test_help_lists_the_options(tmp_path):
    proc = dirctl_cmd("import", "--help")
    assert proc.returncode == 0
    for option in ("--db", "--org", "--mode", "--on-error", "--dry-run", "--create-groups", "--strict"):
        assert option in proc.stdout


def test_export_then_import_elsewhere(tmp_path, shared):
    db = shared
    with dirctl.open(db) as d:
        org = d.orgs.create("acme")
        g = org.user_groups.create("eng")
        u = org.users.create(username="ada", email="ada@acme.com", first_name="Ada", last_name="L",
                             description="multi\nline, \"quoted\"", attributes={"tier": "gold"}, sudo=True)
        org.user_groups.add_member(g, u)
        org.users.create(username="bob", email="bob@acme.com", first_name="Bob", last_name="N")
        expected = {x.username: {k: v for k, v in x.to_dict().items() if k not in ("id", "org", "created", "updated")}
                    for x in org.users}
    out = tmp_path / "export.csv"
    proc = dirctl_cmd("export", out, "--db", db, "--org", "acme")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"exported 2 users to {out}"
    copy_db = tmp_path / "copy.db"
    proc = dirctl_cmd("import", out, "--db", copy_db, "--org", "copy", "--create-groups")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with dirctl.open(copy_db) as d:
        org = d.orgs.get("copy")
        got = {x.username: {k: v for k, v in x.to_dict().items() if k not in ("id", "org", "created", "updated")}
               for x in org.users}
        assert got == expected
        assert [m.username for m in org.user_groups.members("eng")] == ["ada"]


def test_export_of_an_unknown_org_exits_1(tmp_path):
    db = tmp_path / "acme.db"
    with dirctl.open(db) as d:
        d.orgs.create("acme")
    proc = dirctl_cmd("export", tmp_path / "x.csv", "--db", db, "--org", "globex")
    assert proc.returncode == 1
    assert proc.stderr.startswith("dirctl: ") and "globex" in proc.stderr
    assert not (tmp_path / "x.csv").exists()


def test_main_in_process(tmp_path, capsys, shared):
    # The console script `dirctl` is dirctl.cli:main.
    path = csv_file(tmp_path, [BASE, person(1)])
    db = shared
    assert cli.main(["import", str(path), "--db", str(db), "--org", "acme", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("1 created")
    assert cli.main(["import", str(path), "--db", str(db), "--org", "acme", "--quiet"]) == 1
    assert "already exists" in capsys.readouterr().out
    assert cli.main(["import", str(path), "--db", str(db), "--org", "acme", "--mode", "update", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("0 created, 0 updated, 1 unchanged")
    with pytest.raises(SystemExit) as info:
        cli.main(["import"])
    assert info.value.code == 2
