// A command's schedule: its launch type and timing fields, checked together,
// and the fire times they give.
//
//   manual     launched by hand only (no schedule text);
//   one-time   at one instant: schedule is an ISO-8601 time, with an offset
//              or 'Z', or else local time in the command's timezone; it must
//              be in the future when set;
//   repeated   schedule is a cron expression (6 fields with seconds, as
//              JumpCloud's, or the classic 5), or empty with a repeat type
//              (minute, hour, day, week, month): every unit, at the second,
//              minute, hour, weekday or day of month of `start` (default
//              00:00:00 on Mondays and on the 1st);
//   trigger    launched by d.trigger(org, name, payload).
// Every schedule has an IANA timezone (default UTC); daylight saving follows
// schedule/zoned.h (a time that does not exist runs once at the next valid
// instant; a time that exists twice runs once). `enabled`, `start`, `until`
// (inclusive) and `count` (launches in all) bound it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/types.h"
#include "dirctl/value.h"

namespace dirctl {

struct CommandSchedule {
  Id command = kNoId, org = kNoId;
  std::string launch_type, schedule, timezone = "UTC", repeat;
  bool enabled = true;
  std::optional<std::int64_t> start_ms, until_ms, count;
  std::int64_t set_ms = 0;  // when the command was last changed: nothing before it is due
};

// The fields a Command Runner may change with commands.schedule: launch_type,
// schedule, timezone, schedule_repeat_type, enabled, start, until, count.
bool is_schedule_field(const std::string& name);

// From a command's record fields (name -> value, as the store reads them).
CommandSchedule schedule_of(Id command, Id org, const Fields& fields);

// Throws InvalidArgument naming the field and what to write, for a command
// whose merged fields do not make a valid schedule. `now_ms` is checked
// against a one-time instant only when `timing_changed`.
void check_schedule(const Fields& merged, bool timing_changed, std::int64_t now_ms);

// The schedule's fire times, in ms since the epoch.
class ScheduleTiming {
 public:
  explicit ScheduleTiming(const CommandSchedule& schedule);  // InvalidArgument if it is not valid
  // The first fire time strictly after `after_ms` within start/until, if any.
  std::optional<std::int64_t> next_after(std::int64_t after_ms) const;
  bool fires() const { return kind_ != Kind::kNever; }

 private:
  enum class Kind { kNever, kOnce, kCron };
  Kind kind_ = Kind::kNever;
  std::int64_t once_ms_ = 0;
  struct Cron;
  std::shared_ptr<const Cron> cron_;
  std::optional<std::int64_t> start_ms_, until_ms_;
};

}  // namespace dirctl
