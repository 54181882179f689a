// EventLog's columnar reads: frames, change rows, distinct values, times.
// Rows are read with the statement's column accessors straight into the
// columns (no Event, no Value, no std::string per cell).

#include "dirctl/error.h"
#include "store/event_log.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

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

void read_cell(const sql::Statement& st, int i, Col c, EventColumns& out) {
  switch (c) {
    case Col::kSeq: out.seq.push_back(st.column_int64(i)); break;
    case Col::kTime: out.time_ms.push_back(st.column_int64(i)); break;
    case Col::kOrg: out.org.push_back(st.column_int64(i)); break;
    case Col::kEventType: out.event_type.push(st.column_text(i)); break;
    case Col::kInitiatorType: out.initiated_by_type.push(st.column_text(i)); break;
    case Col::kInitiatorId: out.initiated_by_id.push_back(st.column_int64(i)); break;
    case Col::kInitiatorEmail: out.initiated_by_email.push(st.column_text(i)); break;
    case Col::kResourceType: out.resource_type.push(st.column_text(i)); break;
    case Col::kResourceId: out.resource_id.push_back(st.column_int64(i)); break;
    case Col::kResourceName: out.resource_name.push(st.column_text(i)); break;
    case Col::kTargetType: out.target_type.push(st.column_text(i)); break;
    case Col::kTargetId: out.target_id.push_back(st.column_int64(i)); break;
    case Col::kTargetName: out.target_name.push(st.column_text(i)); break;
    case Col::kSuccess: out.success.push_back(st.column_int64(i) != 0 ? 1 : 0); break;
    case Col::kChanges: out.changes.push(st.column_text(i)); break;
    case Col::kMessage: out.message.push(st.column_text(i)); break;
  }
}

// Steps through every row of `st`, calling row() on each.
template <typename F>
void each_row(sql::Statement& st, F&& row) {
  guarded("cannot read audit events", [&] {
    while (st.executeStep()) row(st);
  });
}

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
  const EventQuery q(f, scope, store_.dialect());
  auto st = guarded("cannot read audit events", [&] { return store_.prepare(q.select(select)); });
  q.bind(*st);
  const int n = static_cast<int>(cols.size());
  each_row(*st, [&](const sql::Statement& row) {
    for (int i = 0; i < n; ++i) read_cell(row, i, cols[static_cast<std::size_t>(i)], out);
    ++out.rows;
  });
  return out;
}

EventChangeRows EventLog::changes(const EventFilter& f, const EventScope& scope) {
  EventChangeRows out;
  try {
    EventQuery q(f, scope, store_.dialect());
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
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot read audit events");
  }
  return out;
}

EventCounts EventLog::distinct(const std::string& column, bool numeric, const EventFilter& f, const EventScope& scope) {
  EventCounts out;
  out.numeric = numeric;
  try {
    EventQuery q(f, scope, store_.dialect());
    auto st_owner = store_.prepare(q.aggregate(column + ", count(*) AS n", " GROUP BY 1 ORDER BY n DESC, 1"));
    auto& st = *st_owner;
    q.bind_filters(st);
    while (st.executeStep()) {
      if (numeric)
        out.ints.push_back(st.getColumn(0).getInt64());
      else
        out.texts.push_back(st.getColumn(0).getString());
      out.counts.push_back(st.getColumn(1).getInt64());
    }
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot read audit events");
  }
  return out;
}

void EventLog::times(const EventFilter& f, const EventScope& scope, const std::string& column,
                     const std::function<void(std::int64_t, std::string_view)>& sink) {
  const EventQuery q(f, scope, store_.dialect());
  auto st = guarded("cannot read audit events", [&] { return store_.prepare(q.select(column.empty() ? "time" : "time, " + column)); });
  q.bind(*st);
  each_row(*st, [&](const sql::Statement& row) {
    sink(row.column_int64(0), column.empty() ? std::string_view() : row.column_text(1));
  });
}

}  // namespace dirctl
