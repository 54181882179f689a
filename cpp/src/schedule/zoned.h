// Cron expressions in IANA time zones: the UTC instants a schedule fires at.
//
// Daylight saving, as implemented (one rule covers both cases): a matching
// local time L fires at the FIRST instant whose local time is L or later.
//   - A local time that does not exist (spring forward) fires at the first
//     valid instant after the gap: "30 2 * * *" in Europe/Berlin on the last
//     Sunday of March fires at 03:00 CEST = 01:00 UTC. Several matches inside
//     one gap (*/15 between 02:00 and 03:00) fire once, at that instant.
//   - A local time that exists twice (fall back) fires once, at its first
//     occurrence (the earlier UTC instant, still in summer time); the
//     repeated hour is not run again. So "*/15 * * * *" in Europe/Berlin on
//     the last Sunday of October fires at 00:00 ... 00:45 UTC (02:xx CEST),
//     then at 02:00 UTC (03:00 CET): the hour 01:00-01:59 UTC (02:xx CET) is
//     skipped. (croniter 7 differs here: it fires in both passes.)
// Successive calls next_fire(e, tz, previous) are strictly increasing and
// never repeat an instant, even from inside the repeated hour.
//
// Zones come from the system tzdata (/usr/share/zoneinfo, through date-tz's
// USE_OS_TZDB). Past the last transition a zone file lists (2037 in Debian's
// "fat" files), its last offset holds.
//
// Thread-safety: all functions are safe to call concurrently. next_fire keeps
// a small per-thread cache of each zone's current offset interval, so a run
// of calls in a few zones costs no tzdata look-up while the offset holds.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <date/date.h>

namespace date {
class time_zone;
}

namespace dirctl {

class CronExpr;

// The zone named by an IANA name ("Europe/Berlin", "UTC"); never null.
// Throws InvalidArgument("time zone 'X' is not an IANA name such as
// Europe/Berlin or UTC") for anything else, the empty name included.
const date::time_zone* find_zone(std::string_view iana);

// The instant a local civil time names in `tz`, by the rule above: the first
// instant whose local time is `local` or later (the gap's end for a time
// that does not exist, the first occurrence for one that exists twice).
// REQUIRES: tz != nullptr.
date::sys_seconds to_instant(const date::time_zone* tz, date::local_seconds local);

// The first fire time strictly after `after`, or nullopt if the expression
// matches nothing within CronExpr::kSearchYears. REQUIRES: tz != nullptr.
std::optional<date::sys_seconds> next_fire(const CronExpr& expr, const date::time_zone* tz,
                                           date::sys_seconds after);

// Up to n successive fire times after `after` (fewer if the expression stops
// matching), strictly increasing.
std::vector<date::sys_seconds> next_fires(const CronExpr& expr, const date::time_zone* tz, date::sys_seconds after,
                                          std::size_t n);

}  // namespace dirctl
