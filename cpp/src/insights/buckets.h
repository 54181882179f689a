// Time buckets for events_interval: "<n><unit>" with unit s, m, h, d, w
// (weeks from Monday) or M (calendar months), all in UTC. A bucket is named
// by its index; consecutive indexes are consecutive buckets.
#pragma once

#include <cstdint>
#include <string>

namespace dirctl {

struct BucketWidth {
  std::int64_t n = 1;
  char unit = 'd';
};

BucketWidth parse_interval(const std::string& text);  // InvalidArgument, naming the forms, if not one
std::int64_t bucket_of(std::int64_t ms, const BucketWidth& w);
std::int64_t bucket_start_ms(std::int64_t bucket, const BucketWidth& w);

}  // namespace dirctl
