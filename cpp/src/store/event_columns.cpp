// EventLog's columnar reads: frames, change rows, distinct values, times.
// Rows are read with sqlite3's column accessors straight into the columns
// (no Event, no Value, no std::string per cell).
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "dirctl/error.h"
#include "store/event_log.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

std::string_view text_of(sqlite3_stmt* st, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
  return p == nullptr ? std::string_view() : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
}

enum class Col : std::uint8_t {
  kSeq, kTime, kOrg, kEventType, kInitiatorType, kInitiatorId, kInitiatorEmail, kResourceType, kResourceId,
  kResourceName, kTargetType, kTargetId, kTargetName, kSuccess, kChanges, kMessage
};

struct ColumnName {
  const char* name;
  Col col;
};

const ColumnName kColumns[] = {
    {"seq", Col::kSeq},
    {"time", Col::kTime},
    {"org_id", Col::kOrg},
    {"event_type", Col::kEventType},
    {"initiated_by_type", Col::kInitiatorType},
    {"initiated_by_id", Col::kInitiatorId},
    {"initiated_by_email", Col::kInitiatorEmail},
    {"resource_type", Col::kResourceType},
    {"resource_id", Col::kResourceId},
    {"resource_name", Col::kResourceName},
    {"target_type", Col::kTargetType},
    {"target_id", Col::kTargetId},
    {"target_name", Col::kTargetName},
    {"success", Col::kSuccess},
    {"changes", Col::kChanges},
    {"message", Col::kMessage},
};

void read_cell(sqlite3_stmt* st, int i, Col c, EventColumns& out) {
  switch (c) {
    case Col::kSeq: out.seq.push_back(sqlite3_column_int64(st, i)); break;
    case Col::kTime: out.time_ms.push_back(sqlite3_column_int64(st, i)); break;
    case Col::kOrg: out.org.push_back(sqlite3_column_int64(st, i)); break;
    case Col::kEventType: out.event_type.push(text_of(st, i)); break;
    case Col::kInitiatorType: out.initiated_by_type.push(text_of(st, i)); break;
    case Col::kInitiatorId: out.initiated_by_id.push_back(sqlite3_column_int64(st, i)); break;
    case Col::kInitiatorEmail: out.initiated_by_email.push(text_of(st, i)); break;
    case Col::kResourceType: out.resource_type.push(text_of(st, i)); break;
    case Col::kResourceId: out.resource_id.push_back(sqlite3_column_int64(st, i)); break;
    case Col::kResourceName: out.resource_name.push(text_of(st, i)); break;
    case Col::kTargetType: out.target_type.push(text_of(st, i)); break;
    case Col::kTargetId: out.target_id.push_back(sqlite3_column_int64(st, i)); break;
    case Col::kTargetName: out.target_name.push(text_of(st, i)); break;
    case Col::kSuccess: out.success.push_back(sqlite3_column_int(st, i) != 0 ? 1 : 0); break;
    case Col::kChanges: out.changes.push(text_of(st, i)); break;
    case Col::kMessage: out.message.push(text_of(st, i)); break;
  }
}

// A bare prepared statement, finalised when it goes (the columnar reads use
// sqlite3's accessors: SQLiteCpp's Column copies a shared_ptr per cell).
class RawStatement {
 public:
  RawStatement(SQLite::Database& db, const std::string& sql) : db_(db.getHandle()) {
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr) != SQLITE_OK)
      throw StorageError(std::string("cannot read audit events: ") + sqlite3_errmsg(db_));
  }
  ~RawStatement() { sqlite3_finalize(st_); }
  RawStatement(const RawStatement&) = delete;
  RawStatement& operator=(const RawStatement&) = delete;
  sqlite3_stmt* get() const { return st_; }
  // Steps through every row, calling row() on each.
  template <typename F>
  void rows(F&& row) {
    int rc;
    while ((rc = sqlite3_step(st_)) == SQLITE_ROW) row(st_);
    if (rc != SQLITE_DONE) throw StorageError(std::string("cannot read audit events: ") + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace

EventColumns EventLog::columns(const EventFilter& f, const EventScope& scope, const std::vector<std::string>& wanted) {
  std::vector<Col> cols;
  std::string select;
  for (const ColumnName& c : kColumns) {
    bool take = wanted.empty();
    for (const auto& w : wanted) take = take || w == c.name;
    if (!take) continue;
    cols.push_back(c.col);
    select += (select.empty() ? "" : ", ") + std::string(c.name);
  }
  if (cols.empty()) throw InvalidArgument("no event column selected");
  EventColumns out;
  for (const ColumnName& c : kColumns)
    for (Col k : cols)
      if (k == c.col) out.fields.emplace_back(c.name);
  const EventQuery q(f, scope);
  RawStatement st(store_.db(), q.select(select));
  q.bind(st.get());
  const int n = static_cast<int>(cols.size());
  st.rows([&](sqlite3_stmt* row) {
    for (int i = 0; i < n; ++i) read_cell(row, i, cols[static_cast<std::size_t>(i)], out);
    ++out.rows;
  });
  return out;
}

EventChangeRows EventLog::changes(const EventFilter& f, const EventScope& scope) {
  EventChangeRows out;
  try {
    EventQuery q(f, scope);
    EventStatement st(store_, q, q.select("seq, time, event_type, changes"));
    q.bind(*st);
    while (st->executeStep()) {
      const std::int64_t seq = st->getColumn(0).getInt64(), time = st->getColumn(1).getInt64();
      const std::string type = st->getColumn(2).getString();
      for (const FieldChange& c : changes_from_json(st->getColumn(3).getString())) {
        out.seq.push_back(seq);
        out.time_ms.push_back(time);
        out.event_type.push(type);
        out.field.push(c.field);
        out.from.push(c.from);
        out.to.push(c.to);
      }
    }
  } catch (const SQLite::Exception& ex) {
    throw_storage(ex, "cannot read audit events");
  }
  return out;
}

EventCounts EventLog::distinct(const std::string& column, bool numeric, const EventFilter& f, const EventScope& scope) {
  EventCounts out;
  out.numeric = numeric;
  try {
    EventQuery q(f, scope);
    SQLite::Statement st(store_.db(), q.aggregate(column + ", count(*) AS n", " GROUP BY 1 ORDER BY n DESC, 1"));
    q.bind_filters(st);
    while (st.executeStep()) {
      if (numeric)
        out.ints.push_back(st.getColumn(0).getInt64());
      else
        out.texts.push_back(st.getColumn(0).getString());
      out.counts.push_back(st.getColumn(1).getInt64());
    }
  } catch (const SQLite::Exception& ex) {
    throw_storage(ex, "cannot read audit events");
  }
  return out;
}

void EventLog::times(const EventFilter& f, const EventScope& scope, const std::string& column,
                     const std::function<void(std::int64_t, std::string_view)>& sink) {
  const EventQuery q(f, scope);
  RawStatement st(store_.db(), q.select(column.empty() ? "time" : "time, " + column));
  q.bind(st.get());
  st.rows([&](sqlite3_stmt* row) {
    sink(sqlite3_column_int64(row, 0), column.empty() ? std::string_view() : text_of(row, 1));
  });
}

}  // namespace dirctl
