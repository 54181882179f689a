// schedule/zoned.cpp: cron expressions in IANA zones, across daylight saving.
#include "schedule/zoned.h"

#include <gtest/gtest.h>

#include <date/tz.h>

#include <cstdio>
#include <string>
#include <vector>

#include "dirctl/error.h"
#include "schedule/cron.h"

namespace dirctl {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Strings = std::vector<std::string>;

date::sys_seconds utc(const std::string& text) {  // "2026-03-29 01:00:00"
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%u-%u %u:%u:%u", &y, &mo, &d, &h, &mi, &s), 6) << text;
  return date::sys_days(date::year(y) / date::month(mo) / date::day(d)) + std::chrono::hours(h) + minutes(mi) +
         seconds(s);
}

std::string str(date::sys_seconds t) { return date::format("%F %T", t); }

// The next n fire times (UTC) of `expr` in `zone` after the UTC time `after`.
Strings fires(const std::string& expr, const std::string& zone, const std::string& after, std::size_t n) {
  Strings out;
  for (const auto t : next_fires(CronExpr::parse(expr), find_zone(zone), utc(after), n)) out.push_back(str(t));
  return out;
}

std::string next(const std::string& expr, const std::string& zone, const std::string& after) {
  const auto t = next_fire(CronExpr::parse(expr), find_zone(zone), utc(after));
  return t ? str(*t) : "never";
}

TEST(ZonedTest, FindZoneTakesIanaNamesOnly) {
  EXPECT_EQ(find_zone("Europe/Berlin")->name(), "Europe/Berlin");
  EXPECT_EQ(find_zone("UTC"), find_zone(std::string("UTC")));
  for (const char* bad : {"Mars/Olympus", "", "Europe/Berlin ", "CEST+2", "right/UTC", "../../etc/passwd"}) {
    try {
      find_zone(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("time zone '") + bad + "' is not an IANA name such as Europe/Berlin or UTC");
    }
  }
}

TEST(ZonedTest, UtcAndFixedOffsets) {
  EXPECT_EQ(fires("0 9 * * *", "UTC", "2026-01-01 10:00:00", 2),
            (Strings{"2026-01-02 09:00:00", "2026-01-03 09:00:00"}));
  EXPECT_EQ(fires("0 9 * * *", "Asia/Kolkata", "2026-01-01 00:00:00", 2),
            (Strings{"2026-01-01 03:30:00", "2026-01-02 03:30:00"}));
  EXPECT_EQ(fires("*/20 * * * * *", "Etc/GMT-3", "2026-01-01 00:00:00", 2),
            (Strings{"2026-01-01 00:00:20", "2026-01-01 00:00:40"}));
  EXPECT_EQ(next("0 0 30 2 *", "UTC", "2026-01-01 00:00:00"), "never");
  EXPECT_EQ(next("0 0 31 4,6,9,11 *", "Europe/Berlin", "2026-01-01 00:00:00"), "never");
  EXPECT_EQ(next("0 0 29 2 *", "Europe/Berlin", "2026-01-01 00:00:00"), "2028-02-28 23:00:00");
}

// Europe/Berlin: CET (+1) to CEST (+2) at 01:00 UTC on the last Sunday of
// March (2026-03-29, 02:00 -> 03:00 local), back at 01:00 UTC on the last
// Sunday of October (2026-10-25, 03:00 -> 02:00 local).
TEST(ZonedTest, BerlinDailyAtHalfPastTwoAcrossSpringForward) {
  EXPECT_EQ(fires("30 2 * * *", "Europe/Berlin", "2026-03-27 12:00:00", 3),
            (Strings{"2026-03-28 01:30:00",     // 02:30 CET
                     "2026-03-29 01:00:00",     // 02:30 does not exist: 03:00 CEST
                     "2026-03-30 00:30:00"}));  // 02:30 CEST
  EXPECT_EQ(next("30 30 2 * * *", "Europe/Berlin", "2026-03-28 12:00:00"), "2026-03-29 01:00:00");
  // Several times in one gap run once.
  EXPECT_EQ(fires("0,20,40 2 * * *", "Europe/Berlin", "2026-03-28 12:00:00", 3),
            (Strings{"2026-03-29 01:00:00", "2026-03-30 00:00:00", "2026-03-30 00:20:00"}));
}

TEST(ZonedTest, BerlinDailyAtHalfPastTwoAcrossFallBack) {
  EXPECT_EQ(fires("30 2 * * *", "Europe/Berlin", "2026-10-23 12:00:00", 3),
            (Strings{"2026-10-24 00:30:00",     // 02:30 CEST
                     "2026-10-25 00:30:00",     // 02:30 CEST, the first of two
                     "2026-10-26 01:30:00"}));  // 02:30 CET
  // Asked from inside the repeated hour (02:10 CET), today's 02:30 has passed.
  EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2026-10-25 01:10:00"), "2026-10-26 01:30:00");
  EXPECT_EQ(next("30 2 * * *", "Europe/Berlin", "2026-10-25 00:30:00"), "2026-10-26 01:30:00");
}

TEST(ZonedTest, BerlinEveryFifteenMinutesAcrossBothTransitions) {
  EXPECT_EQ(fires("*/15 * * * *", "Europe/Berlin", "2026-03-29 00:30:00", 4),
            (Strings{"2026-03-29 00:45:00",     // 01:45 CET
                     "2026-03-29 01:00:00",     // 02:00-02:45 do not exist: once, at 03:00 CEST
                     "2026-03-29 01:15:00", "2026-03-29 01:30:00"}));
  EXPECT_EQ(next("*/15 * * * *", "Europe/Berlin", "2026-03-29 00:59:59"), "2026-03-29 01:00:00");
  EXPECT_EQ(next("*/15 * * * *", "Europe/Berlin", "2026-03-29 01:00:00"), "2026-03-29 01:15:00");

  EXPECT_EQ(fires("*/15 * * * *", "Europe/Berlin", "2026-10-24 23:30:00", 7),
            (Strings{"2026-10-24 23:45:00",  // 01:45 CEST
                     "2026-10-25 00:00:00", "2026-10-25 00:15:00", "2026-10-25 00:30:00",
                     "2026-10-25 00:45:00",     // 02:00-02:45 CEST; the CET pass is not run again
                     "2026-10-25 02:00:00",     // 03:00 CET
                     "2026-10-25 02:15:00"}));
  EXPECT_EQ(next("*/15 * * * *", "Europe/Berlin", "2026-10-25 01:20:00"), "2026-10-25 02:00:00");
  EXPECT_EQ(fires("0 * * * *", "Europe/Berlin", "2026-10-24 23:30:00", 3),
            (Strings{"2026-10-25 00:00:00", "2026-10-25 02:00:00", "2026-10-25 03:00:00"}));
}

// America/New_York: EST (-5) to EDT (-4) at 07:00 UTC on the 2nd Sunday of
// March (2026-03-08, 02:00 -> 03:00 local), back at 06:00 UTC on the 1st
// Sunday of November (2026-11-01, 02:00 -> 01:00 local).
TEST(ZonedTest, NewYorkDailyJobsAcrossBothTransitions) {
  EXPECT_EQ(fires("30 2 * * *", "America/New_York", "2026-03-06 12:00:00", 3),
            (Strings{"2026-03-07 07:30:00",     // 02:30 EST
                     "2026-03-08 07:00:00",     // 02:30 does not exist: 03:00 EDT
                     "2026-03-09 06:30:00"}));  // 02:30 EDT
  // 02:30 exists once on the day clocks fall back; 01:30 twice.
  EXPECT_EQ(fires("30 2 * * *", "America/New_York", "2026-10-30 12:00:00", 3),
            (Strings{"2026-10-31 06:30:00", "2026-11-01 07:30:00", "2026-11-02 07:30:00"}));
  EXPECT_EQ(fires("30 1 * * *", "America/New_York", "2026-10-30 12:00:00", 3),
            (Strings{"2026-10-31 05:30:00",     // 01:30 EDT
                     "2026-11-01 05:30:00",     // 01:30 EDT, the first of two
                     "2026-11-02 06:30:00"}));  // 01:30 EST
}

TEST(ZonedTest, NewYorkEveryFifteenMinutesAcrossBothTransitions) {
  EXPECT_EQ(fires("*/15 * * * *", "America/New_York", "2026-03-08 06:30:00", 3),
            (Strings{"2026-03-08 06:45:00",     // 01:45 EST
                     "2026-03-08 07:00:00",     // 03:00 EDT
                     "2026-03-08 07:15:00"}));
  EXPECT_EQ(fires("*/15 * * * *", "America/New_York", "2026-11-01 04:30:00", 7),
            (Strings{"2026-11-01 04:45:00",  // 00:45 EDT
                     "2026-11-01 05:00:00", "2026-11-01 05:15:00", "2026-11-01 05:30:00",
                     "2026-11-01 05:45:00",     // 01:00-01:45 EDT; the EST pass is not run again
                     "2026-11-01 07:00:00",     // 02:00 EST
                     "2026-11-01 07:15:00"}));
}

// Australia/Sydney: AEST (+10) to AEDT (+11) at 16:00 UTC on 2026-10-03
// (Sunday 2026-10-04 02:00 -> 03:00 local).
TEST(ZonedTest, SydneySpringsForwardInOctober) {
  EXPECT_EQ(fires("30 2 * * *", "Australia/Sydney", "2026-10-02 00:00:00", 3),
            (Strings{"2026-10-02 16:30:00", "2026-10-03 16:00:00", "2026-10-04 15:30:00"}));
}

TEST(ZonedTest, ToInstantFollowsTheSameRule) {
  const auto* berlin = find_zone("Europe/Berlin");
  const auto local = [](const std::string& text) {
    return date::local_seconds(utc(text).time_since_epoch());
  };
  EXPECT_EQ(str(to_instant(berlin, local("2026-07-01 12:00:00"))), "2026-07-01 10:00:00");
  EXPECT_EQ(str(to_instant(berlin, local("2026-03-29 02:30:00"))), "2026-03-29 01:00:00");  // gap: its end
  EXPECT_EQ(str(to_instant(berlin, local("2026-10-25 02:30:00"))), "2026-10-25 00:30:00");  // twice: the first
  EXPECT_EQ(str(to_instant(find_zone("UTC"), local("2026-10-25 02:30:00"))), "2026-10-25 02:30:00");
}

// The fire times of a minute-resolution expression found by stepping UTC
// minute by minute: t fires when some matching local minute lies in
// (latest local time seen before t, local time of t]. Independent of
// next_local and of the span logic in zoned.cpp.
std::vector<date::sys_seconds> reference(const CronExpr& e, const date::time_zone* tz, date::sys_seconds from,
                                         date::sys_seconds to) {
  std::vector<date::sys_seconds> out;
  date::local_seconds high = tz->to_local(from);
  for (date::sys_seconds t = from + minutes(1); t <= to; t += minutes(1)) {
    const date::local_seconds now = tz->to_local(t);
    bool fire = false;
    for (date::local_seconds m = high + minutes(1); m <= now && !fire; m += minutes(1)) fire = e.matches(m);
    if (now > high) high = now;
    if (fire) out.push_back(t);
  }
  return out;
}

TEST(ZonedTest, AgreesWithAMinuteByMinuteReferenceAroundTransitions) {
  const char* const zones[] = {"Europe/Berlin",  "America/New_York", "Australia/Sydney",
                               "Australia/Lord_Howe",  // a 30-minute shift
                               "Asia/Kolkata",   "UTC"};
  const char* const exprs[] = {"*/15 * * * *", "30 2 * * *", "0 * * * *",  "0,20,40 2 * * *",
                               "*/7 1-3 * * *", "45 1 * * *", "0 3 * * *", "10,40 2 * * 0"};
  // Three days around each 2026 transition of these zones, starting at noon UTC.
  const char* const windows[] = {"2026-03-06 12:00:00", "2026-03-27 12:00:00", "2026-04-03 12:00:00",
                                 "2026-10-02 12:00:00", "2026-10-23 12:00:00", "2026-10-30 12:00:00"};
  for (const char* zone : zones) {
    const auto* tz = find_zone(zone);
    for (const char* text : exprs) {
      const CronExpr e = CronExpr::parse(text);
      for (const char* w : windows) {
        const date::sys_seconds from = utc(w), to = from + date::days(3);
        const auto want = reference(e, tz, from, to);
        ASSERT_FALSE(want.empty());
        // From every minute (and a second later) of the window, the next fire
        // is the first reference time after it: this starts inside repeated
        // hours too, and shows the results strictly increase.
        std::size_t k = 0;
        for (date::sys_seconds t = from; t < want.back(); t += minutes(1)) {
          while (want[k] <= t) ++k;
          for (const auto at : {t, t + seconds(17)}) {
            const auto got = next_fire(e, tz, at);
            ASSERT_TRUE(got && *got == want[k])  // (the message is formatted only on failure)
                << text << " in " << zone << " after " << str(at) << ": got " << (got ? str(*got) : "never")
                << ", want " << str(want[k]);
          }
        }
      }
    }
  }
}

TEST(ZonedTest, NextFiresStrictlyIncreaseThroughAYear) {
  for (const char* zone : {"Europe/Berlin", "America/New_York", "Australia/Lord_Howe"}) {
    const auto all = next_fires(CronExpr::parse("0 */10 * * * *"), find_zone(zone), utc("2026-01-01 00:00:00"),
                                366 * 24 * 6);
    ASSERT_EQ(all.size(), 366u * 24 * 6);
    for (std::size_t i = 1; i < all.size(); ++i) ASSERT_LT(all[i - 1], all[i]) << zone << " " << str(all[i]);
  }
}

}  // namespace
}  // namespace dirctl
