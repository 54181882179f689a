// Insights: reading the audit log as JumpCloud's Directory Insights does.
// Reached through Directory::insights(); implemented in cpp/src/insights/,
// with its SQL in store/ (event_log, event_query).
//
// Every query takes one EventFilter (time range, types, initiator, resource,
// target, orgs, success, search term, sort, cursor, limit) and runs in SQL on
// an index that fits it. An acting view reads only what its role's insights
// scope allows (read or edit), in its orgs; directory-wide events (admin
// management) only if it also sees the administrators. A denial is audited.
// Columns come back as numbers, codes and Arrow-layout text (dirctl/columns.h),
// never an object per row.
// A purge removes old events only after writing them to a file it has read
// back and verified, in one write transaction with its own event; other
// processes catching up across it reload.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dirctl/columns.h"
#include "dirctl/event.h"
#include "dirctl/types.h"

namespace dirctl {

class ServiceHost;

// The log's columns (those asked for; the others stay empty).
struct EventColumns {
  std::size_t rows = 0;
  std::vector<std::string> fields;  // the columns read (SQL names: seq, time, org_id, ...), in this order
  std::vector<std::int64_t> seq, time_ms, org, initiated_by_id, resource_id, target_id;
  std::vector<std::uint8_t> success;
  CodedColumn event_type, initiated_by_type, initiated_by_email, resource_type, target_type, target_name, message;
  TextColumn resource_name, changes;  // changes: the stored JSON, [[field, from, to], ...]
};

// One row per field change of the selected events (expand_changes).
struct EventChangeRows {
  std::vector<std::int64_t> seq, time_ms;
  CodedColumn event_type, field;
  TextColumn from, to;  // JSON text of the values
};

// events_distinct: each value of a field and how many events have it, most first.
struct EventCounts {
  bool numeric = false;
  std::vector<std::int64_t> ints;  // numeric fields
  std::vector<std::string> texts;  // the others
  std::vector<std::int64_t> counts;
};

// events_interval: counts per time bucket (and per value of `by`, if given);
// empty buckets inside the range are present with 0.
struct EventBuckets {
  std::vector<std::int64_t> start_ms, counts;
  CodedColumn key;  // the `by` value of each row; empty when no `by`
};

enum class ExportFormat { kCsv, kJsonLines };

struct PurgeReport {
  std::int64_t seq = 0;  // the purge's own event
  std::int64_t rows = 0;
  std::int64_t first_seq = 0, last_seq = 0;  // of the purged events (0 when none)
  std::string file, sha256;
};

class Insights {
 public:
  explicit Insights(ServiceHost& host);
  ~Insights();

  std::vector<Event> events(const Actor& actor, const EventFilter& filter);
  // `fields`: column names (seq, time, org, event_type, initiated_by_type, ...,
  // or Insights' dotted names); empty: all.
  EventColumns columns(const Actor& actor, const EventFilter& filter, const std::vector<std::string>& fields);
  EventChangeRows changes(const Actor& actor, const EventFilter& filter);
  std::int64_t count(const Actor& actor, const EventFilter& filter);
  EventCounts distinct(const Actor& actor, const std::string& field, const EventFilter& filter);
  // interval: "<n><unit>", unit s, m, h, d, w (from Monday) or M (calendar months), in UTC.
  EventBuckets interval(const Actor& actor, const std::string& interval, const std::string& by,
                        const EventFilter& filter);
  // A page of the log as text (CSV with a header if `header`, or one JSON
  // object per line); `last` gets the cursor after its last event, and
  // `rows` how many it holds (fewer than filter.limit: the end).
  std::string export_page(const Actor& actor, const EventFilter& filter, ExportFormat format, bool header,
                          EventCursor& last, std::int64_t& rows);
  // Events before `before_ms`, written to a new file at `path` (replacing a
  // regular file only if `overwrite`), read back and verified, then removed.
  PurgeReport purge(const Actor& actor, std::int64_t before_ms, const std::string& path, ExportFormat format,
                    bool overwrite);
  // SQLite's EXPLAIN QUERY PLAN for the filter as `actor` would run it,
  // one line per step (tests); not authorised, reads no event.
  std::vector<std::string> plan(const Actor& actor, const EventFilter& filter);

 private:
  ServiceHost& host_;
};

}  // namespace dirctl
