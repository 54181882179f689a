// Event: one Directory Insights audit record, and the filter to query them.
//
// Events are append-only, ordered by `seq`, written in the same transaction
// as the mutation they describe (or alone, for a denied attempt). Secrets
// never appear in them. Times are UTC ISO-8601 with milliseconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

struct FieldChange {
  std::string field;
  std::string from;  // JSON text of the old value ("null" when unset)
  std::string to;    // JSON text of the new value
};

struct ObjectRef {
  std::string type;  // kind name, or "" when none
  std::int64_t id = 0;
  std::string name;
};

struct Event {
  std::int64_t seq = 0;
  std::string time;  // "2026-11-23T14:34:00.123Z"
  std::int64_t org = 0;  // 0 when directory-wide
  std::string event_type;
  std::string initiated_by_type;  // system | admin | user | api_key
  std::int64_t initiated_by_id = 0;
  std::string initiated_by_email;
  ObjectRef resource;
  ObjectRef target;  // the other end of a membership or association
  bool success = true;
  std::vector<FieldChange> changes;
  std::string message;  // why it failed, for success == false
};

struct EventFilter {
  std::optional<std::string> type;
  std::optional<std::string> since;  // inclusive, ISO-8601
  std::optional<std::string> until;  // exclusive
  std::optional<std::int64_t> initiated_by_id;
  std::optional<std::string> initiated_by_type;
  std::optional<std::int64_t> resource_id;
  std::optional<std::string> resource_type;
  std::optional<std::int64_t> org;
  std::optional<bool> success;
  std::int64_t after_seq = 0;
  std::int64_t limit = -1;  // -1: all
};

}  // namespace dirctl
