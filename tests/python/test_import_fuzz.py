"""Fuzzing the CSV import (hypothesis): random bytes and random structured CSV
(quotes, commas, newlines, BOM, CRLF, blank lines, broken quoting).

Every input must end cleanly: a report (dry_run) whose error records and rows
are well formed, or a dirctl error (an empty file) -- never another exception
type, a crash or a hang. Well-formed CSV must read record for record, each on
the line it starts on. A dry run must predict what the real import does.
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

import dirctl
from dirctl.importing import ImportIssue, ImportReport

# When a property fails, hypothesis imports libcst to print a patch; libcst's import
# raises a DeprecationWarning, which this project's filterwarnings=error would turn
# into a pytest INTERNALERROR that ends the whole run. Import it here, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import libcst  # noqa: F401  (imported for its side effect: cached, quietly)
    except ImportError:  # pragma: no cover - hypothesis then skips the patch
        pass

FUZZ = settings(max_examples=200, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture])

COLUMNS = ["FirstName", "LastName", "Username", "Email", "Password", "MiddleName", "DisplayName", "preferredName",
           "JobTitle", "EmployeeIdentifier", "Department", "CostCenter", "Company", "EmployeeType", "Description",
           "Location", "AlternateEmail", "Manager", "account_locked", "sudo", "passwordless_sudo",
           "password_never_expires", "state", "Attribute1_name", "Attribute1_value", "Attribute10_name",
           "Attribute10_value", "Group1", "Group2", "Group12", "SystemID", "Hostname", "Administrator",
           "Shoe Size", "group", "Attribute_value", ""]

STATUSES_DRY = {"created", "updated", "unchanged", "error"}


class World:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.d = dirctl.open(":memory:")
        self.org = self.d.orgs.create("acme")
        self.org.user_groups.create("eng")
        self.org.devices.create(hostname="web-01", os="linux")
        self.org.users.create(username="taken", email="taken@acme.com", employee_identifier="E-1")
        self.counter = itertools.count()

    def path_with(self, data: bytes) -> Path:
        path = self.folder / f"fuzz{next(self.counter) % 4}.csv"
        path.write_bytes(data)
        return path


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(tmp_path_factory.mktemp("fuzz"))
    yield w
    w.d.close()


def check_clean(world: World, data: bytes, **options) -> ImportReport | None:
    """Imports `data` as a dry run; asserts the outcome is clean and well formed."""
    path = world.path_with(data)
    seq = world.d._core.last_event_seq()
    try:
        rep = world.org.import_users_csv(path, dry_run=True, **options)
    except dirctl.Error as exc:
        assert str(exc)  # a clean error says what is wrong
        assert isinstance(exc, dirctl.InvalidArgument), repr(exc)
        assert "is empty" in str(exc)
        return None
    finally:
        assert world.d._core.last_event_seq() == seq  # a dry run writes no events
    assert isinstance(rep, ImportReport) and rep.dry_run and not rep.written
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    for rec in rep.error_records + rep.warnings:
        assert isinstance(rec, ImportIssue)
        assert isinstance(rec.line, int) and 1 <= rec.line <= n_lines, rec
        assert isinstance(rec.column, str) and isinstance(rec.value, str) and isinstance(rec.message, str)
        assert len(rec.value) <= 90, rec
        assert rec.message
    statuses = [r["status"] for r in rep.rows]
    assert set(statuses) <= STATUSES_DRY, statuses
    assert rep.created + rep.updated + rep.unchanged + statuses.count("error") == len(rep.rows)
    assert rep.errors >= statuses.count("error")
    assert (rep.errors == 0) == (rep.error_records == [])
    lines = [r["line"] for r in rep.rows]
    assert lines == sorted(lines) and all(line >= 1 for line in lines)
    if rep.rows == [] and rep.errors:
        assert rep.error_records  # a broken file is reported, not dropped
    return rep


# ---- random bytes ----------------------------------------------------------------

HEADER = b"FirstName,LastName,Username,Email,Description,sudo,Group1\r\n"
noise = st.binary(max_size=2000)
csvish = st.lists(st.sampled_from([b",", b'"', b"\n", b"\r\n", b"\r", b"a", b"@", b".", b" ", b"\xef\xbb\xbf",
                                   b"\xff", b"\xc3\xa9", b"\x00", b"yes", b"ada", b"x@y.com", b'""']),
                  max_size=300).map(b"".join)


@FUZZ
@given(data=st.one_of(noise, csvish, st.tuples(st.just(HEADER), st.one_of(noise, csvish)).map(b"".join)))
def test_random_bytes_end_cleanly(world, data):
    check_clean(world, data)


@FUZZ
@given(data=st.tuples(st.just(HEADER), csvish).map(b"".join),
       mode=st.sampled_from(["create", "update", "upsert"]), strict=st.booleans(), create_groups=st.booleans())
def test_random_bytes_with_every_option(world, data, mode, strict, create_groups):
    check_clean(world, data, mode=mode, strict=strict, create_groups=create_groups)


# ---- structured CSV --------------------------------------------------------------

cell_text = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab Z9,"\n\r\t;é日@.-_$\'')), max_size=12),
    st.sampled_from(["true", "FALSE", "$True", "no", "1", "maybe", "staged", "Active", "retired", "ada",
                     "taken", "ada@acme.com", "taken@acme.com", "E-1", "eng", "new group", "web-01", "42",
                     "correct horse battery", "x" * 100, " padded ", ""]),
)


def quote(field: str, force: bool) -> str:
    if force or any(c in field for c in ',"\r\n') or field != field.strip(" "):
        return '"' + field.replace('"', '""') + '"'
    return field


@st.composite
def structured_csv(draw):
    width = draw(st.integers(1, 8))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=width, max_size=width))
    header = [draw(st.sampled_from([h, h.lower(), h.upper()])) for h in header]
    records = [header] + draw(st.lists(st.lists(cell_text, min_size=width, max_size=width), max_size=8))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    text = "\ufeff" if draw(st.booleans()) else ""
    starts = []
    for k, rec in enumerate(records):
        for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 4)) == 0 else 0):
            text += ending  # blank lines
        starts.append(text.count("\n") + 1)
        force = [draw(st.integers(0, 3)) == 0 for _ in rec]
        if len(rec) == 1 and rec[0] == "":
            force = [True]  # a lone empty field written bare would be a blank line
        text += ",".join(quote(f, q) for f, q in zip(rec, force))
        if k < len(records) - 1 or draw(st.booleans()):
            text += ending
    return text, starts


@FUZZ
@given(sample=structured_csv())
def test_well_formed_csv_reads_record_for_record(world, sample):
    text, starts = sample
    rep = check_clean(world, text.encode("utf-8"))
    assert rep is not None
    syntax = [i for i in rep.error_records if i.column == "" and i.value == ""
              and ("quoted field" in i.message or "malformed quoting" in i.message)]
    assert syntax == []
    assert [r["line"] for r in rep.rows] == starts[1:]


@st.composite
def broken_csv(draw):
    text, _ = draw(structured_csv())
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(data)))
        what = draw(st.sampled_from(["quote", "delete", "byte", "newline"]))
        if what == "quote":
            data[pos:pos] = b'"'
        elif what == "delete" and data:
            del data[min(pos, len(data) - 1)]
        elif what == "byte":
            data[pos:pos] = bytes([draw(st.integers(0x80, 0xFF))])
        else:
            data[pos:pos] = b"\r\n"
    return bytes(data)


@FUZZ
@given(data=broken_csv())
def test_broken_csv_ends_cleanly(world, data):
    check_clean(world, data)


# ---- a dry run predicts the real import -------------------------------------------

name = st.sampled_from(["ada", "ADA", "bob", "taken", "cy", "bad name", ""])
mail = st.sampled_from(["ada@acme.com", "bob@acme.com", "TAKEN@acme.com", "cy@acme.com", "nope", ""])
row = st.tuples(st.sampled_from(["Ada", ""]), st.sampled_from(["L", ""]), name, mail,
                st.sampled_from(["", "E-1", "E-2"]), st.sampled_from(["", "eng", "ops"]),
                st.sampled_from(["", "yes", "maybe"]), st.sampled_from(["", "web-01", "web-02"]))


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, max_size=6), mode=st.sampled_from(["create", "update", "upsert"]),
       create_groups=st.booleans())
def test_dry_run_predicts_the_import(tmp_path, rows, mode, create_groups):
    header = "FirstName,LastName,Username,Email,EmployeeIdentifier,Group1,sudo,Hostname\n"
    path = tmp_path / "rows.csv"
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    with dirctl.open(":memory:") as d:
        org = d.orgs.create("acme")
        org.user_groups.create("eng")
        org.devices.create(hostname="web-01", os="linux")
        org.users.create(username="taken", email="taken@acme.com", employee_identifier="E-1")
        dry = org.import_users_csv(path, mode=mode, create_groups=create_groups, dry_run=True, on_error="skip")
        real = org.import_users_csv(path, mode=mode, create_groups=create_groups, on_error="skip")
    assert real.error_records == dry.error_records
    assert (real.created, real.updated, real.unchanged) == (dry.created, dry.updated, dry.unchanged)
    expected = [("skipped" if r["status"] == "error" else r["status"]) for r in dry.rows]
    assert [r["status"] for r in real.rows] == expected
    assert [r["groups_added"] for r in real.rows] == [r["groups_added"] for r in dry.rows]
