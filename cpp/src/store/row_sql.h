// The SQL text and value binding that every row writer of store/ shares:
// RecordWriter (one row at a time) and BulkUserWriter (prepared once) build
// their statements here, so both store byte-identical rows and events.
// Internal to store/. Pure functions over sql::Statement.
#pragma once

#include <string>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/kinds.h"
#include "dirctl/value.h"


#include "store/sql.h"

namespace dirctl {

// The columns a new row of `kind` gets besides id, org_id, created and
// updated: every stored field but the stamps, in descriptor order.
std::vector<const FieldSpec*> insert_columns(const KindSpec& kind);
// INSERT INTO <table> (id[, org_id], <insert_columns>, created, updated).
std::string insert_sql(const KindSpec& kind);
// Both, built once for each kind of all_specs() (they live as long as the
// program), or nullptr for a kind built elsewhere (a test's).
struct RowSql {
  std::vector<const FieldSpec*> columns;
  std::string insert;
};
const RowSql* cached_row_sql(const KindSpec& kind);
// 1-based parameter index of insert_columns()[0], and of `created` (then `updated`).
int first_field_parameter(const KindSpec& kind);
int created_parameter(const KindSpec& kind);

// One value as a column: NULL for null and for empty attributes; bools as
// 0/1; attributes as JSON text. Text is copied unless `copy` is false, for a
// caller that keeps `value` alive until the statement has run (the bulk mode).
void bind_value(sql::Statement& st, int index, const Value& value, bool copy = true);

// The events table's columns after seq, in the order every event writer
// (bind_event here, PgEventLog on PostgreSQL) gives their values; and the
// same joined with ", " for SQL.
const std::vector<std::string>& event_columns();
std::string event_column_list();
// INSERT INTO events with every column; bind_event() binds all fifteen. The
// time is the log's clock as the row is bound (not e.time): bound under the
// write lock, so the log's times never go back as seq goes up.
extern const std::string kInsertEventSql;
enum EventParameter : int { kEventTime = 1, kEventResourceId = 8, kEventResourceName = 9, kEventChanges = 14 };
void bind_event(sql::Statement& st, const Event& e, const std::string& changes_json);

}  // namespace dirctl
