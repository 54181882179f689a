// EventLog: the append-only Directory Insights table.
//
// Reads the log; RecordWriter::append() writes it, inside the caller's
// transaction, so an event commits with its mutation or not at all. The log doubles as the change feed other
// processes replay to catch up (see directory/sync.cpp). Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "dirctl/event.h"

namespace dirctl {

class Store;

class EventLog {
 public:
  explicit EventLog(Store& store) : store_(store) {}
  std::vector<Event> query(const EventFilter& filter);
  std::int64_t last_seq();
  std::int64_t max_resource_id();

 private:
  Store& store_;
};

}  // namespace dirctl
