#include "util/clock.h"

#include <chrono>
#include <sstream>

#include <date/date.h>

namespace dirctl {

std::string utc_now_iso() {
  auto now = date::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  return date::format("%FT%TZ", now);
}

bool is_iso_date(std::string_view text) {
  if (text.size() != 10) return false;
  std::istringstream in{std::string(text)};
  date::year_month_day ymd{};
  in >> date::parse("%F", ymd);
  return !in.fail() && ymd.ok();
}

std::string canonical_timestamp(std::string_view text) {
  const std::string s(text);
  for (const char* fmt : {"%FT%T%Ez", "%FT%TZ", "%FT%T", "%F %T%Ez", "%F %T", "%F"}) {
    std::istringstream in{s};
    date::sys_time<std::chrono::milliseconds> tp;
    in >> date::parse(fmt, tp);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return date::format("%FT%TZ", tp);
  }
  return {};
}

}  // namespace dirctl
