"""The cron engine (cpp/src/schedule/cron, through dirctl._core.cron_next_fires) against
an independent implementation, croniter: the next 50 fire times of 1,000 random
expressions in UTC must be the same. (Daylight-saving days differ on purpose: see
schedule/zoned.h; they are tested against written-out instants in tests/cpp/zoned_test.cpp
and tests/python/test_scheduler.py.)"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from dirctl import _core

croniter = pytest.importorskip("croniter").croniter

UTC = dt.timezone.utc
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def field(rng: random.Random, lo: int, hi: int, names: list[str] | None = None) -> str:
    """One random cron field over lo..hi: *, a value, a range, a step, or a list of those."""
    def value(v: int) -> str:
        return names[v - lo] if names and rng.random() < 0.3 else str(v)

    def part() -> str:
        kind = rng.randrange(6)
        if kind == 0:
            return "*"
        if kind == 1:
            return value(rng.randint(lo, hi))
        a, b = sorted(rng.sample(range(lo, hi + 1), 2))  # a < b: croniter reads a-a as the whole cycle
        if kind == 2:
            return f"{value(a)}-{value(b)}"
        step = rng.randint(2, max(2, (hi - lo) // 2))
        if kind == 3:
            return f"*/{step}"
        if kind == 4:
            return f"{a}-{b}/{step}"
        return f"{a}/{step}"

    n = 1 if rng.random() < 0.7 else rng.randint(2, 3)
    if n == 1:
        return part()
    # No "*" inside a list: croniter reads "TUE,*" as unrestricted, Vixie cron (and we) as a
    # restricted field that happens to hold every day (it decides by the first character).
    parts: list[str] = []
    while len(parts) < n:
        p = part()
        if p != "*":
            parts.append(p)
    return ",".join(parts)


def expression(rng: random.Random) -> tuple[str, bool]:
    """A random expression; True when it has 6 fields (seconds first, as JumpCloud writes)."""
    fields = [field(rng, 0, 59), field(rng, 0, 23), field(rng, 1, 31), field(rng, 1, 12, MONTHS),
              field(rng, 0, 6, DAYS)]
    if rng.random() < 0.3:
        return " ".join([field(rng, 0, 59)] + fields), True
    return " ".join(fields), False


def croniter_next(expr: str, six: bool, start: dt.datetime, n: int) -> list[int]:
    it = croniter(expr, start, second_at_beginning=six) if six else croniter(expr, start)
    out = []
    for _ in range(n):
        try:
            t = it.get_next(dt.datetime)
        except Exception:  # croniter gives up on expressions that match too rarely
            break
        out.append(int(t.timestamp() * 1000))
    return out


def test_1000_random_expressions_agree_with_croniter_on_50_fire_times():
    rng = random.Random(20261130)
    compared = 0
    for _ in range(1000):
        expr, six = expression(rng)
        start = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(seconds=rng.randrange(4 * 365 * 86400))
        ours = _core.cron_next_fires(expr, "UTC", int(start.timestamp() * 1000), 50)
        theirs = croniter_next(expr, six, start, 50)
        n = min(len(ours), len(theirs))  # croniter stops earlier on very rare matches (Feb 30...)
        assert ours[:n] == theirs[:n], f"{expr!r} from {start}: first difference at fire {next(i for i in range(n) if ours[i] != theirs[i])}"
        if len(ours) == 50:
            assert len(theirs) in (0, 50), expr
        compared += n
    assert compared > 40_000  # nearly every expression was compared in full


def test_bad_expressions_and_zones_are_refused():
    with pytest.raises(ValueError, match="field 'minute'"):
        _core.cron_next_fires("61 * * * *", "UTC", 0, 1)
    with pytest.raises(ValueError, match="Mars/Olympus"):
        _core.cron_next_fires("* * * * *", "Mars/Olympus", 0, 1)
