// schedule/cron.cpp: parsing cron expressions and their next local time.
#include "schedule/cron.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "dirctl/error.h"

namespace dirctl {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

date::local_seconds local(const std::string& text) {  // "2026-03-29 02:30:00"
  int y = 0;
  unsigned mo = 0, d = 0, h = 0, mi = 0, s = 0;
  EXPECT_EQ(std::sscanf(text.c_str(), "%d-%u-%u %u:%u:%u", &y, &mo, &d, &h, &mi, &s), 6) << text;
  return date::local_days(date::year(y) / date::month(mo) / date::day(d)) + std::chrono::hours(h) + minutes(mi) +
         seconds(s);
}

std::string str(const std::optional<date::local_seconds>& t) { return t ? date::format("%F %T", *t) : "never"; }

// The next n local times after `after`, as text.
std::vector<std::string> nexts(const std::string& expr, const std::string& after, int n) {
  const CronExpr e = CronExpr::parse(expr);
  std::vector<std::string> out;
  std::optional<date::local_seconds> t = local(after);
  for (int i = 0; i < n && t; ++i) {
    t = e.next_local(*t);
    out.push_back(str(t));
  }
  return out;
}

std::string error_of(const std::string& expr) {
  try {
    CronExpr::parse(expr);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "no error";
}

using Strings = std::vector<std::string>;

TEST(CronTest, FiveFieldsMeanSecondZero) {
  EXPECT_EQ(CronExpr::parse("0 9 * * 1-5"), CronExpr::parse("0 0 9 * * 1-5"));
  EXPECT_NE(CronExpr::parse("0 9 * * 1-5"), CronExpr::parse("1 0 9 * * 1-5"));
  EXPECT_EQ(nexts("0 9 * * *", "2026-01-01 09:00:00", 2),
            (Strings{"2026-01-02 09:00:00", "2026-01-03 09:00:00"}));
  EXPECT_EQ(nexts("30 0 9 * * *", "2026-01-01 09:00:00", 2),
            (Strings{"2026-01-01 09:00:30", "2026-01-02 09:00:30"}));
}

TEST(CronTest, TextIsKeptAndCanonicalIsOneSpellingPerMeaning) {
  const CronExpr e = CronExpr::parse("  0 0/15 9-17 ? jan,FEB,mar mon-FRI \t");
  EXPECT_EQ(e.text(), "0 0/15 9-17 ? jan,FEB,mar mon-FRI");
  EXPECT_EQ(e.canonical(), "*/15 9-17 * 1-3 1-5");
  EXPECT_EQ(CronExpr::parse("*/20 * * * * *").canonical(), "*/20 * * * * *");
  // "0-7" holds every day but has no '*': restricted, so with the OR the pair
  // matches every day.
  EXPECT_EQ(CronExpr::parse("0 0 1,15 * 0-7").canonical(), "0 0 * * *");
  EXPECT_EQ(CronExpr::parse("0 0 1,15 * *").canonical(), "0 0 1,15 * *");
  EXPECT_EQ(CronExpr::parse("5 4 * * sun,SAT").canonical(), "5 4 * * 0,6");
  EXPECT_EQ(CronExpr::parse("5/20 * * * *").canonical(), "5-45/20 * * * *");
  EXPECT_EQ(CronExpr::parse("0 0 13 * FRI").canonical(), "0 0 13 * 5");
  for (const char* text : {"0 0 9 * * 1-5", "*/15 * * * *", "0 30 2 * * *", "0 0 29 2 *", "0 0 13 * 5",
                           "0 0 */2 * 1", "0 0 1-31 * 1", "0 0 1-31 * */2", "1,2,5-9,30 0 0 1 1 *",
                           "0 0 * * 1,3,5", "59 59 23 31 12 *", "0 0 1-7 * MON"}) {
    const CronExpr e = CronExpr::parse(text);
    EXPECT_EQ(CronExpr::parse(e.canonical()), e) << text << " -> " << e.canonical();
    EXPECT_EQ(CronExpr::parse(e.canonical()).canonical(), e.canonical()) << text;
  }
}

TEST(CronTest, NamesAreCaseInsensitiveAndSundayIsZeroOrSeven) {
  EXPECT_EQ(CronExpr::parse("0 0 1 jan,Jul *"), CronExpr::parse("0 0 1 1,7 *"));
  EXPECT_EQ(CronExpr::parse("0 0 * DEC sun"), CronExpr::parse("0 0 * 12 0"));
  EXPECT_EQ(CronExpr::parse("0 0 * * mon-fri"), CronExpr::parse("0 0 * * 1-5"));
  EXPECT_EQ(CronExpr::parse("0 0 * * 7"), CronExpr::parse("0 0 * * 0"));
  EXPECT_EQ(CronExpr::parse("0 0 * * SAT-SUN"), CronExpr::parse("0 0 * * 0,6"));
  EXPECT_EQ(CronExpr::parse("0 0 * * 5-7"), CronExpr::parse("0 0 * * 0,5,6"));
  EXPECT_EQ(CronExpr::parse("0 0 * * 0-7"), CronExpr::parse("0 0 * * *"));
  EXPECT_EQ(CronExpr::parse("0 0 ? * *"), CronExpr::parse("0 0 * * *"));
  EXPECT_EQ(CronExpr::parse("0 0 * * ?"), CronExpr::parse("0 0 * * *"));
  // 2026-01-04 is a Sunday.
  EXPECT_EQ(nexts("0 0 * * 7", "2026-01-01 00:00:00", 2), (Strings{"2026-01-04 00:00:00", "2026-01-11 00:00:00"}));
}

TEST(CronTest, StepsRangesAndLists) {
  EXPECT_EQ(CronExpr::parse("*/15 * * * *"), CronExpr::parse("0,15,30,45 * * * *"));
  EXPECT_EQ(CronExpr::parse("5/20 * * * *"), CronExpr::parse("5,25,45 * * * *"));
  EXPECT_EQ(CronExpr::parse("10-30/10 * * * *"), CronExpr::parse("10,20,30 * * * *"));
  EXPECT_EQ(CronExpr::parse("0 0 * * */2"), CronExpr::parse("0 0 * * 0,2,4,6"));
  EXPECT_EQ(CronExpr::parse("0 0 * * 1-7/2"), CronExpr::parse("0 0 * * 0,1,3,5"));
  EXPECT_EQ(CronExpr::parse("0 0 * * 5/1"), CronExpr::parse("0 0 * * 5,6"));
  EXPECT_EQ(CronExpr::parse("0 0 * * 7/3"), CronExpr::parse("0 0 * * 0"));
  EXPECT_EQ(CronExpr::parse("*/60 * * * *"), CronExpr::parse("0 * * * *"));
  EXPECT_EQ(CronExpr::parse("0 0 1 */3 *"), CronExpr::parse("0 0 1 1,4,7,10 *"));
  EXPECT_EQ(nexts("*/20 * * * * *", "2026-01-01 00:00:00", 3),
            (Strings{"2026-01-01 00:00:20", "2026-01-01 00:00:40", "2026-01-01 00:01:00"}));
  EXPECT_EQ(nexts("0 22-23,0-1 * * *", "2026-01-01 21:30:00", 5),
            (Strings{"2026-01-01 22:00:00", "2026-01-01 23:00:00", "2026-01-02 00:00:00", "2026-01-02 01:00:00",
                     "2026-01-02 22:00:00"}));
}

TEST(CronTest, NextIsStrictlyAfterAndCarriesIntoTheNextYear) {
  EXPECT_EQ(nexts("0 0 9 * * *", "2026-01-01 08:59:59", 1), (Strings{"2026-01-01 09:00:00"}));
  EXPECT_EQ(nexts("0 0 9 * * *", "2026-01-01 09:00:00", 1), (Strings{"2026-01-02 09:00:00"}));
  EXPECT_EQ(nexts("59 59 23 31 12 *", "2026-12-31 23:59:59", 1), (Strings{"2027-12-31 23:59:59"}));
  EXPECT_EQ(nexts("0 0 */6 * * *", "2026-01-01 23:00:00", 1), (Strings{"2026-01-02 00:00:00"}));
  EXPECT_EQ(nexts("30 59 * * * *", "2026-01-01 10:59:31", 1), (Strings{"2026-01-01 11:59:30"}));
  EXPECT_EQ(nexts("0 0 1 JAN *", "2026-06-15 12:00:00", 1), (Strings{"2027-01-01 00:00:00"}));
}

TEST(CronTest, TheTwentyNinthOfFebruaryFiresInLeapYearsOnly) {
  EXPECT_EQ(nexts("0 0 29 2 *", "2026-01-01 00:00:00", 3),
            (Strings{"2028-02-29 00:00:00", "2032-02-29 00:00:00", "2036-02-29 00:00:00"}));
  // 2100 is no leap year: eight years between two 29ths.
  EXPECT_EQ(nexts("0 0 29 2 *", "2096-02-29 00:00:00", 1), (Strings{"2104-02-29 00:00:00"}));
  EXPECT_EQ(nexts("0 0 29 2 *", "2000-01-01 00:00:00", 1), (Strings{"2000-02-29 00:00:00"}));
}

TEST(CronTest, TheThirtyFirstSkipsShortMonths) {
  EXPECT_EQ(nexts("0 0 31 * *", "2026-03-31 00:00:00", 6),
            (Strings{"2026-05-31 00:00:00", "2026-07-31 00:00:00", "2026-08-31 00:00:00", "2026-10-31 00:00:00",
                     "2026-12-31 00:00:00", "2027-01-31 00:00:00"}));
  EXPECT_EQ(nexts("0 0 30 * *", "2026-01-30 00:00:00", 2), (Strings{"2026-03-30 00:00:00", "2026-04-30 00:00:00"}));
}

TEST(CronTest, RestrictedDayOfMonthAndDayOfWeekMatchEither) {
  // 2026-01-02 is a Friday, 2026-01-05 a Monday.
  EXPECT_EQ(nexts("0 0 13 * 5", "2026-01-01 00:00:00", 4),
            (Strings{"2026-01-02 00:00:00", "2026-01-09 00:00:00", "2026-01-13 00:00:00", "2026-01-16 00:00:00"}));
  EXPECT_EQ(nexts("0 0 */2 * 1", "2026-01-01 00:00:00", 6),
            (Strings{"2026-01-03 00:00:00", "2026-01-05 00:00:00", "2026-01-07 00:00:00", "2026-01-09 00:00:00",
                     "2026-01-11 00:00:00", "2026-01-12 00:00:00"}));
  EXPECT_EQ(nexts("0 0 1-7 * MON", "2026-01-07 00:00:00", 2),
            (Strings{"2026-01-12 00:00:00", "2026-01-19 00:00:00"}));
  // One side unrestricted: only the other counts.
  EXPECT_EQ(nexts("0 0 * * 1", "2026-01-01 00:00:00", 2), (Strings{"2026-01-05 00:00:00", "2026-01-12 00:00:00"}));
  EXPECT_EQ(nexts("0 0 ? * MON", "2026-01-01 00:00:00", 1), (Strings{"2026-01-05 00:00:00"}));
  EXPECT_EQ(nexts("0 0 13 * ?", "2026-01-01 00:00:00", 2), (Strings{"2026-01-13 00:00:00", "2026-02-13 00:00:00"}));
  // "1-31" beside "1" is restricted (no '*' anywhere): every day, as croniter.
  EXPECT_EQ(nexts("0 0 1-31 * 1", "2026-01-01 00:00:00", 2), (Strings{"2026-01-02 00:00:00", "2026-01-03 00:00:00"}));
  // "1-31" beside "*/2" is unrestricted: Sundays, Tuesdays, Thursdays, Saturdays.
  EXPECT_EQ(nexts("0 0 1-31 * */2", "2026-01-01 00:00:00", 2), (Strings{"2026-01-03 00:00:00", "2026-01-04 00:00:00"}));

  const CronExpr e = CronExpr::parse("0 0 13 * 5");
  EXPECT_TRUE(e.matches_day(date::year{2026} / 1 / 13));   // Tuesday the 13th
  EXPECT_TRUE(e.matches_day(date::year{2026} / 1 / 16));   // Friday
  EXPECT_FALSE(e.matches_day(date::year{2026} / 1 / 14));  // Wednesday
  EXPECT_FALSE(e.matches_day(date::year{2026} / 2 / 30));  // no such day
}

TEST(CronTest, ExpressionsThatNeverMatchGiveNothing) {
  EXPECT_EQ(nexts("0 0 30 2 *", "2026-01-01 00:00:00", 1), (Strings{"never"}));
  EXPECT_EQ(nexts("0 0 31 2 *", "2026-01-01 00:00:00", 1), (Strings{"never"}));
  EXPECT_EQ(nexts("0 0 31 4,6,9,11 *", "2026-01-01 00:00:00", 1), (Strings{"never"}));
  EXPECT_EQ(nexts("0 0 0 31 APR ?", "2026-01-01 00:00:00", 1), (Strings{"never"}));
  // With a weekday beside it, the impossible day is just one side of an OR.
  EXPECT_EQ(nexts("0 0 31 2 MON", "2026-01-01 00:00:00", 1), (Strings{"2026-02-02 00:00:00"}));
}

TEST(CronTest, ErrorsNameTheFieldAndTheFix) {
  EXPECT_EQ(error_of("0 25 * * *"), "cron '0 25 * * *': field 'hour' (2nd of 5): 25 is out of range 0-23");
  EXPECT_EQ(error_of("0 0 25 * * *"), "cron '0 0 25 * * *': field 'hour' (3rd of 6): 25 is out of range 0-23");
  EXPECT_EQ(error_of("60 * * * * *"), "cron '60 * * * * *': field 'second' (1st of 6): 60 is out of range 0-59");
  EXPECT_EQ(error_of("0 0 0 * *"), "cron '0 0 0 * *': field 'day-of-month' (3rd of 5): 0 is out of range 1-31");
  EXPECT_EQ(error_of("0 0 * 13 *"), "cron '0 0 * 13 *': field 'month' (4th of 5): 13 is out of range 1-12");
  EXPECT_EQ(error_of("0 0 * * 8"), "cron '0 0 * * 8': field 'day-of-week' (5th of 5): 8 is out of range 0-7");
  EXPECT_EQ(error_of("0 0 * * * 1-99"),
            "cron '0 0 * * * 1-99': field 'day-of-week' (6th of 6): 99 is out of range 0-7");

  EXPECT_EQ(error_of(""), error_of(" \t "));
  EXPECT_NE(error_of("").find("cron expression is empty"), std::string::npos) << error_of("");
  EXPECT_NE(error_of("* * * *").find("cron '* * * *' has 4 fields: write 6 (second minute hour"), std::string::npos);
  EXPECT_NE(error_of("* * * * * * *").find("has 7 fields"), std::string::npos);
  EXPECT_NE(error_of("@daily").find("has 1 field:"), std::string::npos);

  EXPECT_EQ(error_of("*/0 * * * *"),
            "cron '*/0 * * * *': field 'minute' (1st of 5): step '0' in '*/0' must be a whole number from 1 to 60");
  EXPECT_NE(error_of("0 */x * * *").find("field 'hour' (2nd of 5): step 'x' in '*/x'"), std::string::npos);
  EXPECT_NE(error_of("0 */25 * * *").find("from 1 to 24"), std::string::npos);
  EXPECT_NE(error_of("0 0 1/ * *").find("step ''"), std::string::npos);

  EXPECT_EQ(error_of("0 0 * * 5-2"),
            "cron '0 0 * * 5-2': field 'day-of-week' (5th of 5): range 5-2 is reversed: write the low end first, "
            "or two ranges joined by a comma");
  EXPECT_NE(error_of("0 23-2 * * *").find("field 'hour' (2nd of 5): range 23-2 is reversed"), std::string::npos);

  EXPECT_EQ(error_of("0 0 1 FOO *"),
            "cron '0 0 1 FOO *': field 'month' (4th of 5): 'FOO' is not a month (1-12 or JAN-DEC)");
  EXPECT_NE(error_of("0 0 * MON *").find("field 'month' (4th of 5): 'MON' is not a month"), std::string::npos);
  EXPECT_NE(error_of("0 0 * * FUNDAY").find("field 'day-of-week' (5th of 5): 'FUNDAY' is not a day of the week"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 * * JAN").find("'JAN' is not a day of the week"), std::string::npos);
  EXPECT_NE(error_of("0 JAN * * *").find("field 'hour' (2nd of 5): 'JAN' is not a number (0-23)"), std::string::npos);
  EXPECT_NE(error_of("0 0 L * *").find("field 'day-of-month' (3rd of 5): 'L' is not a day of the month"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 15W * *").find("'15W' is not a day of the month"), std::string::npos);
  EXPECT_NE(error_of("0 0 * * 1#2").find("'1#2' is not a day of the week"), std::string::npos);

  EXPECT_NE(error_of("? * * * *").find("field 'minute' (1st of 5): '?' stands for '*' only in day-of-month"),
            std::string::npos);
  EXPECT_NE(error_of("0 0 ?,1 * *").find("'?,1': '?' stands alone"), std::string::npos);
  EXPECT_NE(error_of("0 0 1,,2 * *").find("'1,,2' has an empty list item"), std::string::npos);
  EXPECT_NE(error_of("0 0 1- * *").find("a range needs a value at each end"), std::string::npos);
  EXPECT_NE(error_of("0 0 -1 * *").find("'-1' is not a value, a range or a step"), std::string::npos);
  EXPECT_NE(error_of("0 99999999999 * * *").find("99999999999 is out of range 0-23"), std::string::npos);
}

// next_local against a minute-by-minute scan with matches(): it must find the
// first match, never skip one, and every result must match.
TEST(CronTest, NextLocalAgreesWithAMinuteByMinuteScan) {
  const char* const exprs[] = {"*/15 * * * *", "0 2 * * *", "30 9 * * 1-5",  "0 0 1 * *",     "0 0 13 * 5",
                               "5 4 * * sun",  "0 */6 * * *", "0 0 */2 * 1", "0 12 1-7 * MON", "59 23 28-31 * *",
                               "0 0 31 * *",   "17 3 29,30 * *", "0 8-18/2 * JAN-MAR,SEP *"};
  std::mt19937 rng(42);
  for (const char* text : exprs) {
    const CronExpr e = CronExpr::parse(text);
    for (int k = 0; k < 8; ++k) {
      const date::local_seconds start =
          local("2026-01-01 00:00:00") + minutes(rng() % (366 * 1440)) + seconds(rng() % 60);
      const auto got = e.next_local(start);
      ASSERT_TRUE(got) << text;
      EXPECT_TRUE(e.matches(*got)) << text << " " << str(got);
      date::local_seconds scan = date::ceil<minutes>(start + seconds(1));
      while (scan < *got && !e.matches(scan)) scan += minutes(1);
      EXPECT_EQ(str(scan), str(got)) << text << " after " << str(start);
    }
  }
}

}  // namespace
}  // namespace dirctl
