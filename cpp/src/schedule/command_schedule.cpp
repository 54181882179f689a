#include "schedule/command_schedule.h"

#include <chrono>
#include <variant>

#include <date/date.h>
#include <date/tz.h>

#include "dirctl/error.h"
#include "schedule/cron.h"
#include "schedule/zoned.h"
#include "util/clock.h"

namespace dirctl {
namespace {

const Value* find(const Fields& fields, const char* name) {
  for (const auto& [n, v] : fields)
    if (n == name) return &v;
  return nullptr;
}
std::string text(const Fields& f, const char* name) {
  const Value* v = find(f, name);
  const auto* s = v != nullptr ? std::get_if<std::string>(v) : nullptr;
  return s != nullptr ? *s : std::string();
}
std::optional<std::int64_t> integer(const Fields& f, const char* name) {
  const Value* v = find(f, name);
  const auto* i = v != nullptr ? std::get_if<std::int64_t>(v) : nullptr;
  return i != nullptr ? std::optional<std::int64_t>(*i) : std::nullopt;
}
std::optional<std::int64_t> time_ms(const Fields& f, const char* name) {
  const std::string t = text(f, name);
  return t.empty() ? std::nullopt : ms_of_timestamp(t);
}

[[noreturn]] void bad(const std::string& field, const std::string& why) {
  throw InvalidArgument("command field '" + field + "': " + why);
}

bool has_offset(const std::string& t) {
  const auto tpos = t.find_first_of("Tt ");
  if (tpos == std::string::npos) return false;
  if (t.back() == 'Z' || t.back() == 'z') return true;
  return t.find_first_of("+-", tpos) != std::string::npos;
}

// A one-time schedule's instant: absolute with an offset, else local in `tz`.
std::optional<std::int64_t> one_time_ms(const std::string& text, const date::time_zone* tz) {
  if (has_offset(text)) return ms_of_timestamp(text);
  const auto utc = ms_of_timestamp(text);  // the same wall clock read as UTC
  if (!utc) return std::nullopt;
  const date::local_seconds local{std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(*utc))};
  return std::chrono::duration_cast<std::chrono::milliseconds>(to_instant(tz, local).time_since_epoch()).count() +
         *utc % 1000;
}

// A repeat type as a cron expression, at the fields of `start` in `tz`.
std::string repeat_cron(const std::string& repeat, std::optional<std::int64_t> start_ms, const date::time_zone* tz) {
  int sec = 0, min = 0, hour = 0, dom = 1;
  unsigned dow = 1;
  if (start_ms) {
    const date::sys_seconds s{std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(*start_ms))};
    const auto local = date::make_zoned(tz, s).get_local_time();
    const auto day = date::floor<date::days>(local);
    const date::hh_mm_ss<std::chrono::seconds> t{local - day};
    sec = static_cast<int>(t.seconds().count());
    min = static_cast<int>(t.minutes().count());
    hour = static_cast<int>(t.hours().count());
    dom = static_cast<int>(static_cast<unsigned>(date::year_month_day{day}.day()));
    dow = date::weekday{day}.c_encoding();
  }
  const std::string s = std::to_string(sec) + " ", m = std::to_string(min) + " ", h = std::to_string(hour) + " ";
  if (repeat == "minute") return s + "* * * * *";
  if (repeat == "hour") return s + m + "* * * *";
  if (repeat == "day") return s + m + h + "* * *";
  if (repeat == "week") return s + m + h + "* * " + std::to_string(dow);
  return s + m + h + std::to_string(dom) + " * *";  // month
}

}  // namespace

bool is_schedule_field(const std::string& name) {
  static const char* const kNames[] = {"launch_type", "schedule", "timezone", "schedule_repeat_type",
                                       "enabled", "start", "until", "count"};
  for (const char* n : kNames)
    if (name == n) return true;
  return false;
}

CommandSchedule schedule_of(Id command, Id org, const Fields& f) {
  CommandSchedule s;
  s.command = command;
  s.org = org;
  s.launch_type = text(f, "launch_type");
  s.schedule = text(f, "schedule");
  s.timezone = text(f, "timezone");
  if (s.timezone.empty()) s.timezone = "UTC";
  s.repeat = text(f, "schedule_repeat_type");
  const Value* enabled = find(f, "enabled");
  s.enabled = enabled == nullptr || !std::holds_alternative<bool>(*enabled) || std::get<bool>(*enabled);
  s.start_ms = time_ms(f, "start");
  s.until_ms = time_ms(f, "until");
  s.count = integer(f, "count");
  s.set_ms = time_ms(f, "updated").value_or(0);
  return s;
}

void check_schedule(const Fields& merged, bool timing_changed, std::int64_t now_ms) {
  const CommandSchedule s = schedule_of(kNoId, kNoId, merged);
  const date::time_zone* tz = find_zone(s.timezone);  // InvalidArgument naming the zone
  if (s.start_ms && s.until_ms && *s.until_ms < *s.start_ms)
    bad("until", "it is before start; a schedule ends after it starts");
  if (s.launch_type == "one-time") {
    const auto at = one_time_ms(s.schedule, tz);
    if (!at)
      bad("schedule", "'" + s.schedule + "' is not a time; a one-time command needs an ISO-8601 time such as "
                      "2030-01-31T09:00:00Z (or without an offset, in the command's timezone)");
    if (timing_changed && *at <= now_ms)
      bad("schedule", "'" + s.schedule + "' is in the past (now is " + iso_of_ms(now_ms) +
                      "); a one-time command runs at a future time");
    return;
  }
  if (s.launch_type == "repeated") {
    if (s.schedule.empty() && s.repeat.empty())
      bad("schedule", "a repeated command needs a cron expression (such as '0 0 9 * * 1-5') or a "
                      "schedule_repeat_type (minute, hour, day, week, month)");
    if (!s.schedule.empty() && !s.repeat.empty())
      bad("schedule_repeat_type", "give either a cron schedule or a repeat type, not both");
    if (!s.schedule.empty()) {
      try {
        CronExpr::parse(s.schedule);
      } catch (const InvalidArgument& e) {
        bad("schedule", e.what());
      }
    }
    return;
  }
  if (!s.repeat.empty()) bad("schedule_repeat_type", "only a repeated command has a repeat type");
}

struct ScheduleTiming::Cron {
  CronExpr expr;
  const date::time_zone* zone;
};

ScheduleTiming::ScheduleTiming(const CommandSchedule& s) : start_ms_(s.start_ms), until_ms_(s.until_ms) {
  if (!s.enabled) return;
  const date::time_zone* tz = find_zone(s.timezone);
  if (s.launch_type == "one-time") {
    const auto at = one_time_ms(s.schedule, tz);
    if (!at) return;
    kind_ = Kind::kOnce;
    once_ms_ = *at;
  } else if (s.launch_type == "repeated") {
    const std::string text = s.schedule.empty() ? repeat_cron(s.repeat, s.start_ms, tz) : s.schedule;
    cron_ = std::make_shared<const Cron>(Cron{CronExpr::parse(text), tz});
    kind_ = Kind::kCron;
  }
}

std::optional<std::int64_t> ScheduleTiming::next_after(std::int64_t after_ms) const {
  if (start_ms_ && after_ms < *start_ms_ - 1) after_ms = *start_ms_ - 1;
  std::optional<std::int64_t> next;
  if (kind_ == Kind::kOnce) {
    if (once_ms_ > after_ms) next = once_ms_;
  } else if (kind_ == Kind::kCron) {
    // Whole seconds: the next fire strictly after the second that holds after_ms.
    const date::sys_seconds after{std::chrono::seconds(after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000)};
    if (const auto at = next_fire(cron_->expr, cron_->zone, after))
      next = std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
  }
  if (next && until_ms_ && *next > *until_ms_) return std::nullopt;
  return next;
}

}  // namespace dirctl
