// EventLog: the append-only Directory Insights table, read.
//
// RecordWriter::append() writes it, inside the caller's transaction, so an
// event commits with its mutation or not at all. The log doubles as the
// change feed other processes replay to catch up (see directory/sync.cpp).
// Reads here take an EventFilter and an EventScope (what the view may see)
// and run the SQL EventQuery builds. purge_*() run inside the caller's write
// transaction. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/insights.h"
#include "store/event_query.h"

namespace dirctl {

class Store;

struct PurgeRow {
  std::int64_t seq = 0, before_ms = 0, rows = 0, first_seq = 0, last_seq = 0, max_resource_id = 0;
  std::string file, sha256;
};

class EventLog {
 public:
  explicit EventLog(Store& store) : store_(store) {}

  std::vector<Event> query(const EventFilter& filter, const EventScope& scope = {});
  void each(const EventFilter& filter, const EventScope& scope, const std::function<void(const Event&)>& sink);
  // `columns`: SQL column names (event_column()); empty: all.
  EventColumns columns(const EventFilter& filter, const EventScope& scope, const std::vector<std::string>& columns);
  EventChangeRows changes(const EventFilter& filter, const EventScope& scope);
  std::int64_t count(const EventFilter& filter, const EventScope& scope);
  EventCounts distinct(const std::string& column, bool numeric, const EventFilter& filter, const EventScope& scope);
  // Every selected event's time, in time order, with its `column` value as
  // text (or "" when column is empty).
  void times(const EventFilter& filter, const EventScope& scope, const std::string& column,
             const std::function<void(std::int64_t, std::string_view)>& sink);
  std::vector<std::string> plan(const EventFilter& filter, const EventScope& scope);

  std::int64_t last_seq();
  // The highest object id any event named, purged ones included.
  std::int64_t max_resource_id();

  // Removes the events before `before_ms` with seq below `below_seq`; fills
  // row's rows, first_seq, last_seq and max_resource_id.
  void purge_delete(PurgeRow& row);
  // Records the purge (purges table) and writes its summary into the purge's
  // own event (row.seq, appended before anything was removed).
  void purge_record(const PurgeRow& row, const std::string& changes_json, const std::string& message);

 private:
  Store& store_;
};

}  // namespace dirctl
