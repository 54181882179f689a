#include "util/clock.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <sstream>

#include <date/date.h>

namespace dirctl {

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t log_now_ms() {
  static std::atomic<std::int64_t> last{0};
  std::int64_t now = unix_now_ms();
  std::int64_t seen = last.load(std::memory_order_relaxed);
  while (true) {
    if (now <= seen) return seen;
    if (last.compare_exchange_weak(seen, now, std::memory_order_relaxed)) return now;
  }
}

std::string utc_now_iso() { return iso_of_ms(unix_now_ms()); }

std::string iso_of_ms(std::int64_t ms) {
  // Hot (every mutation stamps one): civil date arithmetic, no streams.
  const date::sys_time<std::chrono::milliseconds> now{std::chrono::milliseconds{ms}};
  const auto day = date::floor<date::days>(now);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::milliseconds> t{now - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(t.hours().count()),
                static_cast<int>(t.minutes().count()), static_cast<int>(t.seconds().count()),
                static_cast<int>(t.subseconds().count()));
  return buf;
}

// GCC 12 reports -Wmaybe-uninitialized inside <chrono> for date::parse
// (a known false positive of its inliner); nothing here reads uninitialised.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

bool is_iso_date(std::string_view text) {
  if (text.size() != 10) return false;
  std::istringstream in{std::string(text)};
  date::year_month_day ymd{};
  in >> date::parse("%F", ymd);
  return !in.fail() && ymd.ok();
}

namespace {

std::optional<date::sys_time<std::chrono::milliseconds>> parse_timestamp(std::string_view text) {
  const std::string s(text);
  for (const char* fmt : {"%FT%T%Ez", "%FT%TZ", "%FT%T", "%F %T%Ez", "%F %T", "%F"}) {
    std::istringstream in{s};
    date::sys_time<std::chrono::milliseconds> tp;
    in >> date::parse(fmt, tp);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return tp;
  }
  return std::nullopt;
}

}  // namespace

std::string canonical_timestamp(std::string_view text) {
  const auto tp = parse_timestamp(text);
  return tp ? date::format("%FT%TZ", *tp) : std::string();
}

std::optional<std::int64_t> ms_of_timestamp(std::string_view text) {
  const auto tp = parse_timestamp(text);
  if (!tp) return std::nullopt;
  return tp->time_since_epoch().count();
}

#pragma GCC diagnostic pop

}  // namespace dirctl
