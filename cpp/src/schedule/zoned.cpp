#include "schedule/zoned.h"

#include <cstdint>
#include <stdexcept>
#include <string>

#include <date/tz.h>

#include "dirctl/error.h"
#include "schedule/cron.h"

namespace dirctl {
namespace {

using std::chrono::seconds;

// An interval of a zone's history with one UTC offset: local = sys + offset.
struct Span {
  date::sys_seconds begin, end;
  seconds offset;
};

// The span holding `t`, from a small per-thread cache keyed by zone: a run of
// calls in the same few zones does no tzdata look-up while the offset holds
// (always, for UTC and fixed offsets, whose single span is unbounded).
Span span_at(const date::time_zone* tz, date::sys_seconds t) {
  struct Slot {
    const date::time_zone* tz = nullptr;
    Span span{};
  };
  thread_local Slot cache[16];
  Slot& slot = cache[(reinterpret_cast<std::uintptr_t>(tz) * 0x9E3779B97F4A7C15ull) >> 60];
  if (slot.tz == tz && slot.span.begin <= t && t < slot.span.end) return slot.span;
  const date::sys_info info = tz->get_info(t);
  slot.tz = tz;
  slot.span = Span{info.begin, info.end, info.offset};
  return slot.span;
}

}  // namespace

const date::time_zone* find_zone(std::string_view iana) {
  // "right/..." zones count leap seconds, which civil schedules do not.
  if (!iana.empty() && iana.substr(0, 6) != "right/") {
    try {
      return date::locate_zone(std::string(iana));
    } catch (const std::runtime_error&) {
      // not a zone: fall through
    }
  }
  throw InvalidArgument("time zone '" + std::string(iana) + "' is not an IANA name such as Europe/Berlin or UTC");
}

date::sys_seconds to_instant(const date::time_zone* tz, date::local_seconds local) {
  const date::local_info info = tz->get_info(local);
  if (info.result == date::local_info::nonexistent) return info.first.end;  // the gap's end
  // unique, or ambiguous: `first` is the earlier interval, so its occurrence
  return date::sys_seconds(local.time_since_epoch() - info.first.offset);
}

std::optional<date::sys_seconds> next_fire(const CronExpr& expr, const date::time_zone* tz, date::sys_seconds after) {
  const Span now = span_at(tz, after);
  // The fire times after `after` are those of the local times later than any
  // local time seen so far. That is after's own, except inside a repeated
  // hour, where the end of the previous (later-clocked) span was later.
  date::local_seconds seen(after.time_since_epoch() + now.offset);
  if (after - now.begin < date::days(2)) {
    const date::sys_seconds last = now.begin - seconds(1);
    const date::local_seconds before(last.time_since_epoch() + tz->get_info(last).offset);
    if (before > seen) seen = before;
  }
  const auto local = expr.next_local(seen);
  if (!local) return std::nullopt;
  // Within the same span the offset holds and the local time is unique.
  const date::sys_seconds at(local->time_since_epoch() - now.offset);
  if (at < now.end) return at;
  return to_instant(tz, *local);
}

std::vector<date::sys_seconds> next_fires(const CronExpr& expr, const date::time_zone* tz, date::sys_seconds after,
                                          std::size_t n) {
  std::vector<date::sys_seconds> out;
  out.reserve(n);
  while (out.size() < n) {
    const auto at = next_fire(expr, tz, after);
    if (!at) break;
    out.push_back(*at);
    after = *at;
  }
  return out;
}

}  // namespace dirctl
