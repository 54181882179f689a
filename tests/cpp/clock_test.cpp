// util/clock.cpp: UTC timestamps and ISO-8601 parsing.
#include "util/clock.h"

#include <gtest/gtest.h>

namespace dirctl {
namespace {

TEST(ClockTest, NowIsUtcIsoWithMilliseconds) {
  const std::string now = utc_now_iso();
  ASSERT_EQ(now.size(), 24u) << now;  // 2026-11-23T14:34:00.123Z
  EXPECT_EQ(now[4], '-');
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_EQ(canonical_timestamp(now), now);
}

TEST(ClockTest, IsoDateAcceptsRealCalendarDaysOnly) {
  EXPECT_TRUE(is_iso_date("2026-02-28"));
  EXPECT_TRUE(is_iso_date("2024-02-29"));
  EXPECT_FALSE(is_iso_date("2026-02-29"));
  EXPECT_FALSE(is_iso_date("2026-13-01"));
  EXPECT_FALSE(is_iso_date("2026-1-01"));
  EXPECT_FALSE(is_iso_date("26-01-01"));
  EXPECT_FALSE(is_iso_date("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(is_iso_date(""));
  EXPECT_FALSE(is_iso_date("tomorrow!!"));
}

TEST(ClockTest, CanonicalTimestampNormalisesToUtcMilliseconds) {
  EXPECT_EQ(canonical_timestamp("2026-11-23T14:00:00Z"), "2026-11-23T14:00:00.000Z");
  EXPECT_EQ(canonical_timestamp("2026-11-23T14:00:00.5Z"), "2026-11-23T14:00:00.500Z");
  EXPECT_EQ(canonical_timestamp("2026-11-23T15:00:00+01:00"), "2026-11-23T14:00:00.000Z");
  EXPECT_EQ(canonical_timestamp("2026-11-23T14:00:00"), "2026-11-23T14:00:00.000Z");
  EXPECT_EQ(canonical_timestamp("2026-11-23 14:00:00"), "2026-11-23T14:00:00.000Z");
  EXPECT_EQ(canonical_timestamp("2026-11-23"), "2026-11-23T00:00:00.000Z");
}

TEST(ClockTest, CanonicalTimestampRejectsNonTimestamps) {
  EXPECT_EQ(canonical_timestamp(""), "");
  EXPECT_EQ(canonical_timestamp("yesterday"), "");
  EXPECT_EQ(canonical_timestamp("2026-11-23T14:00:00Zjunk"), "");
  EXPECT_EQ(canonical_timestamp("2026-13-40T14:00:00Z"), "");
}

}  // namespace
}  // namespace dirctl
