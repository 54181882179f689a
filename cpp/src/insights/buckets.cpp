#include "insights/buckets.h"

#include <chrono>

#include <date/date.h>

#include "dirctl/error.h"

namespace dirctl {

namespace {

constexpr std::int64_t kDayMs = 86400000;
constexpr std::int64_t kMondayMs = 4 * kDayMs;  // 1970-01-05, the first Monday

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::int64_t width_ms(const BucketWidth& w) {
  switch (w.unit) {
    case 's': return w.n * 1000;
    case 'm': return w.n * 60000;
    case 'h': return w.n * 3600000;
    case 'd': return w.n * kDayMs;
    default: return w.n * 7 * kDayMs;  // 'w'
  }
}

}  // namespace

BucketWidth parse_interval(const std::string& text) {
  BucketWidth w;
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string units = "smhdwM";
  if (digits == text.size() || digits + 1 != text.size() || units.find(text.back()) == std::string::npos || digits > 6)
    throw InvalidArgument("interval '" + text +
                          "' is not <n><unit>; use e.g. 30s, 15m, 1h, 1d, 1w (from Monday) or 1M (calendar month)");
  w.n = digits == 0 ? 1 : std::stoll(text.substr(0, digits));
  w.unit = text.back();
  if (w.n < 1) throw InvalidArgument("interval '" + text + "': the count must be at least 1");
  return w;
}

std::int64_t bucket_of(std::int64_t ms, const BucketWidth& w) {
  if (w.unit == 'M') {
    const date::year_month_day ymd{date::sys_days{date::days{floor_div(ms, kDayMs)}}};
    const std::int64_t month = static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 +
                               static_cast<std::int64_t>(static_cast<unsigned>(ymd.month())) - 1;
    return floor_div(month, w.n);
  }
  const std::int64_t origin = w.unit == 'w' ? kMondayMs : 0;
  return floor_div(ms - origin, width_ms(w));
}

std::int64_t bucket_start_ms(std::int64_t bucket, const BucketWidth& w) {
  if (w.unit == 'M') {
    const std::int64_t month = bucket * w.n;
    const date::year_month_day first{date::year{static_cast<int>(floor_div(month, 12))},
                                     date::month{static_cast<unsigned>(month - floor_div(month, 12) * 12 + 1)},
                                     date::day{1}};
    return static_cast<std::int64_t>(date::sys_days{first}.time_since_epoch().count()) * kDayMs;
  }
  return (w.unit == 'w' ? kMondayMs : 0) + bucket * width_ms(w);
}

}  // namespace dirctl
