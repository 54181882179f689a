// insights/buckets.cpp: interval parsing and UTC bucket arithmetic.
#include "insights/buckets.h"

#include <gtest/gtest.h>

#include "dirctl/error.h"
#include "util/clock.h"

namespace dirctl {
namespace {

std::int64_t at(const char* iso) { return *ms_of_timestamp(iso); }

TEST(BucketsTest, ParsesTheForms) {
  EXPECT_EQ(parse_interval("1h").unit, 'h');
  EXPECT_EQ(parse_interval("15m").n, 15);
  EXPECT_EQ(parse_interval("d").n, 1);
  EXPECT_EQ(parse_interval("3M").unit, 'M');
  for (const char* bad : {"", "h1", "1x", "1hh", "0d", "-1d", "1 h", "9999999d"})
    EXPECT_THROW(parse_interval(bad), InvalidArgument) << bad;
}

TEST(BucketsTest, FixedWidthsStartAtTheirBoundaries) {
  const BucketWidth hour = parse_interval("1h"), day = parse_interval("1d"), six = parse_interval("6h");
  const std::int64_t t = at("2026-11-23T14:34:56.789Z");
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(t, hour), hour)), "2026-11-23T14:00:00.000Z");
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(t, day), day)), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(t, six), six)), "2026-11-23T12:00:00.000Z");
  EXPECT_EQ(bucket_of(at("1969-12-31T23:59:59.999Z"), day), -1) << "floor, not truncation, before 1970";
  EXPECT_EQ(bucket_of(t, hour) + 1, bucket_of(t + 3600000, hour));
}

TEST(BucketsTest, WeeksStartOnMondayAndMonthsOnTheFirst) {
  const BucketWidth week = parse_interval("1w"), month = parse_interval("1M"), quarter = parse_interval("3M");
  const std::int64_t sunday = at("2026-11-29T23:00:00Z");
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(sunday, week), week)), "2026-11-23T00:00:00.000Z");
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(at("2026-02-28T12:00:00Z"), month), month)), "2026-02-01T00:00:00.000Z");
  EXPECT_EQ(bucket_of(at("2026-02-28T12:00:00Z"), month) + 1, bucket_of(at("2026-03-01T00:00:00Z"), month));
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(at("2026-05-20T00:00:00Z"), quarter), quarter)),
            "2026-04-01T00:00:00.000Z");
  EXPECT_EQ(iso_of_ms(bucket_start_ms(bucket_of(at("1969-12-15T00:00:00Z"), month), month)), "1969-12-01T00:00:00.000Z");
}

}  // namespace
}  // namespace dirctl
