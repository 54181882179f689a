// ScheduleStore: the SQL of schedules (schema step 6): the commands that
// launch themselves, the fire times already launched, and trigger names.
//
// A fire time is claimed by inserting its (command, fire_at) row: the
// primary key lets exactly one of several processes ticking at once claim
// it (claim() returns false for the others). The caller holds the write
// transaction; failures throw StorageError. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

class Store;

// A command's schedule columns, as stored ("" for NULL text).
struct ScheduleRow {
  Id command = kNoId, org = kNoId;
  std::string launch_type, schedule, timezone, repeat, start, until, updated;
  bool enabled = true;
  std::optional<std::int64_t> count;
};

struct FireHistory {
  std::optional<std::int64_t> last_fire;  // the newest fire time claimed
  std::int64_t fires = 0;                 // fire times claimed in all
};

class ScheduleStore {
 public:
  explicit ScheduleStore(Store& store) : store_(store) {}

  // Enabled one-time and repeated commands, by id.
  std::vector<ScheduleRow> scheduled();
  FireHistory history(Id command);
  bool claim(Id command, std::int64_t fire_at, std::int64_t fired_at, std::int64_t missed);
  void settle(Id command, std::int64_t fire_at, std::optional<std::int64_t> launch, const std::string& note);
  // Trigger commands of an org with this trigger name (case-insensitive).
  std::vector<Id> triggered(Id org, const std::string& name);

 private:
  Store& store_;
};

}  // namespace dirctl
