"""Next fire times of 100,000 schedules in mixed zones: dirctl's engine (through
dirctl._core.cron_next_many, parse and next fire in C++, the GIL released) beside
croniter on the same schedules, in the same run (bench/schedule_bench.cpp times the
engine alone, without Python).

    python bench/schedule_bench.py [schedules=100000] [seed=7]

Draws the same mix of realistic cron expressions as schedule_bench.cpp (every n
minutes, hourly, daily, weekdays, weekly, monthly, business hours, some with
seconds first, as JumpCloud writes them) over ten IANA zones (zoneinfo), each
from its own random instant in 2026. Times, best of 2:
- parse: croniter(expr, start) for every schedule;
- next: one get_next() per schedule on those iterators;
and prints schedules/s of each, then dirctl's rate (parse and next fire together, best
of 3) and the goal (>= 1M schedules/s). croniter is in the bench extra; without it,
this prints only dirctl's rate.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Europe/London",
         "America/Los_Angeles", "Asia/Tokyo", "America/Sao_Paulo", "Australia/Lord_Howe"]


def random_cron(rng: random.Random) -> str:
    m, h = rng.randrange(60), rng.randrange(24)
    kind = rng.randrange(12)
    if kind == 0:
        return f"*/{rng.choice([1, 2, 5, 10, 15, 30])} * * * *"
    if kind == 1:
        return f"{m} * * * *"
    if kind == 2:
        return f"{m} {h} * * *"
    if kind == 3:
        return f"{m} {h} * * 1-5"
    if kind == 4:
        return f"{m} {h} * * {rng.randrange(7)}"
    if kind == 5:
        return f"{m} {h} {1 + rng.randrange(28)} * *"
    if kind == 6:
        return "0 */15 9-17 * * MON-FRI"
    if kind == 7:
        return f"{rng.randrange(60)} {m} {h} * * *"
    if kind == 8:
        return f"0 {m} */{2 + rng.randrange(5)} * * *"
    if kind == 9:
        return "30 2 * * *"
    if kind == 10:
        return f"{m} {h} 1 */3 *"
    return f"{m} {h} 1,15 * *"


def dirctl_rate(cases: list) -> None:
    from dirctl import _core

    exprs = [e for e, _ in cases]
    zones = [s.tzinfo.key for _, s in cases]
    after = [int(s.timestamp() * 1000) for _, s in cases]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        out = _core.cron_next_many(exprs, zones, after)
        best = min(best, time.perf_counter() - t0)
    assert (out > 0).all()
    rate = len(cases) / best
    print(f"dirctl parse+next   {best:8.3f} s  {rate / 1e6:8.4f} M schedules/s (mixed zones; goal >= 1M/s: "
          f"{'met' if rate >= 1e6 else 'MISSED'})")


def main() -> int:
    try:
        from croniter import croniter
    except ImportError:
        croniter = None
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 7)
    zones = [ZoneInfo(z) for z in ZONES]
    year = datetime(2026, 1, 1, tzinfo=timezone.utc)
    cases = []
    for _ in range(n):
        expr = random_cron(rng)
        tz = rng.choice(zones)
        start = (year + timedelta(seconds=rng.randrange(365 * 86400))).astimezone(tz)
        cases.append((expr, start))
    print(f"schedule_bench.py: {n} schedules in {len(zones)} zones")
    dirctl_rate(cases)
    if croniter is None:
        print("croniter is not installed (pip install croniter): no baseline")
        return 0

    def make() -> list:
        # JumpCloud's 6 fields put the second first; croniter's default puts it last.
        return [croniter(e, s, second_at_beginning=len(e.split()) == 6) for e, s in cases]

    best_parse = best_next = float("inf")
    for _ in range(2):
        t0 = time.perf_counter()
        iters = make()
        best_parse = min(best_parse, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for it in iters:
            it.get_next(datetime)
        best_next = min(best_next, time.perf_counter() - t0)
    print(f"croniter parse      {best_parse:8.3f} s  {n / best_parse / 1e6:8.4f} M expressions/s")
    print(f"croniter get_next   {best_next:8.3f} s  {n / best_next / 1e6:8.4f} M schedules/s (mixed zones)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
