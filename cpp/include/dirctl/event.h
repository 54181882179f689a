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

// Where a page ended: the (time, seq) of its last event. Queries return
// events in (time, seq) order, which is also commit order (the log stamps
// times under the write lock), so paging from a cursor neither skips nor
// repeats while other processes append.
struct EventCursor {
  std::int64_t time_ms = 0;
  std::int64_t seq = 0;
};

// Directory Insights' filters; unset members match all. Each narrows the
// read in SQL, through an index ending in time (type, initiator, resource,
// target), or the time index itself.
struct EventFilter {
  std::optional<std::int64_t> start_ms;  // inclusive, ms since the epoch (UTC)
  std::optional<std::int64_t> end_ms;    // exclusive
  std::vector<std::string> event_types;  // any of them
  std::optional<std::int64_t> initiated_by_id;  // 0: the system
  std::optional<std::string> initiated_by_type;  // system | admin | user | api_key
  std::optional<std::string> initiated_by_email;  // case-insensitive
  std::optional<std::int64_t> resource_id;  // the event's resource or its target
  std::optional<std::string> resource_type;
  std::optional<std::int64_t> target_id;
  std::optional<std::string> target_type;
  std::vector<std::int64_t> orgs;  // any of them (0: directory-wide events)
  std::optional<bool> success;
  // Insights' search_term as JSON: {"and": [t, ...]}, {"or": [t, ...]},
  // {"not": t}, or {"<field>": value | [values], ...} (all of them). Fields:
  // event_type, organization, success, message, seq, initiated_by.{id,type,
  // email}, resource.{id,type,name}, target.{id,type,name}, changes.field.
  std::string search_term;
  std::int64_t after_seq = 0;   // seq > after_seq
  std::int64_t before_seq = 0;  // seq < before_seq, when > 0
  std::optional<EventCursor> search_after;
  bool descending = false;
  bool by_seq = false;  // order by seq alone (catching up)
  std::int64_t limit = -1;  // -1: all
};

}  // namespace dirctl
