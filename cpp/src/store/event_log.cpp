#include "store/event_log.h"

#include <memory>


#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "store/change_text.h"
#include "store/row_sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

const std::string kEventColumns = "seq, " + event_column_list();

// The kind an event created, if it is a creation (<noun>_create on a <kind>).
const KindSpec* created_kind(const Event& e) {
  if (e.event_type.size() < 7 || e.event_type.compare(e.event_type.size() - 7, 7, "_create") != 0) return nullptr;
  for (const KindSpec* kind : all_specs())
    if (kind->name == e.resource.type && e.event_type == kind->event_noun + "_create") return kind;
  return nullptr;
}

Event event_of(sql::Statement& st) {
  Event e;
  e.seq = st.getColumn(0).getInt64();
  e.time = iso_of_ms(st.getColumn(1).getInt64());
  e.org = st.getColumn(2).getInt64();
  e.event_type = st.getColumn(3).getString();
  e.initiated_by_type = st.getColumn(4).getString();
  e.initiated_by_id = st.getColumn(5).getInt64();
  e.initiated_by_email = st.getColumn(6).getString();
  e.resource = {st.getColumn(7).getString(), st.getColumn(8).getInt64(), st.getColumn(9).getString()};
  e.target = {st.getColumn(10).getString(), st.getColumn(11).getInt64(), st.getColumn(12).getString()};
  e.success = st.getColumn(13).getInt() != 0;
  e.changes = changes_from_json(st.getColumn(14).getString());
  if (const KindSpec* kind = created_kind(e)) with_creation_defaults(*kind, e.changes);
  e.message = st.getColumn(15).getString();
  return e;
}

}  // namespace

// A statement for a query: the connection's cached one when the text comes
// from a bounded family (catching up runs one every few calls), else its own.
EventStatement::EventStatement(Store& store, const EventQuery& q, const std::string& sql) {
  if (q.cacheable()) {
    st_ = &store.statement(sql);
  } else {
    own_ = store.prepare(sql);
    st_ = own_.get();
  }
}

EventStatement::~EventStatement() {
  if (own_ == nullptr) st_->tryReset();
}

void EventLog::each(const EventFilter& f, const EventScope& scope, const std::function<void(const Event&)>& sink) {
  try {
    EventQuery q(f, scope, store_.dialect());
    EventStatement st(store_, q, q.select(kEventColumns));
    q.bind(*st);
    while (st->executeStep()) sink(event_of(*st));
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot read audit events");
  }
}

std::vector<Event> EventLog::query(const EventFilter& f, const EventScope& scope) {
  std::vector<Event> out;
  each(f, scope, [&](const Event& e) { out.push_back(e); });
  return out;
}

std::int64_t EventLog::count(const EventFilter& f, const EventScope& scope) {
  try {
    EventQuery q(f, scope, store_.dialect());
    EventStatement st(store_, q, q.aggregate("count(*)"));
    q.bind_filters(*st);
    st->executeStep();
    return st->getColumn(0).getInt64();
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot count audit events");
  }
}

std::vector<std::string> EventLog::plan(const EventFilter& f, const EventScope& scope) {
  try {
    EventQuery q(f, scope, store_.dialect());
    const bool sqlite = store_.dialect() == Dialect::kSqlite;
    // PostgreSQL plans a small log as one sequential read whatever the
    // indexes: set that aside, to show the index a large log would use.
    if (!sqlite) store_.exec("SET enable_seqscan = off");
    auto st_owner = store_.prepare((sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + q.select(kEventColumns));
    auto& st = *st_owner;
    q.bind(st);
    std::vector<std::string> out;
    try {
      while (st.executeStep()) out.push_back(st.getColumn(sqlite ? 3 : 0).getString());
    } catch (...) {
      if (!sqlite) store_.exec("RESET enable_seqscan");  // never left set for the session
      throw;
    }
    if (!sqlite) store_.exec("RESET enable_seqscan");
    return out;
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot plan the audit query");
  }
}

std::int64_t EventLog::last_seq() {
  try {
    return store_.scalar("SELECT coalesce(max(seq), 0) FROM events");
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot read audit events");
  }
}

std::int64_t EventLog::max_resource_id() {
  try {
    return store_.scalar("SELECT coalesce(max(m), 0) FROM (SELECT max(resource_id) AS m FROM events"
                         " UNION ALL SELECT max(max_resource_id) FROM purges) AS t");
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot read audit events");
  }
}

void EventLog::purge_delete(PurgeRow& row) {
  try {
    auto range_owner = store_.prepare("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0),"
                            " coalesce(max(CASE WHEN resource_id > target_id THEN resource_id ELSE target_id END), 0)"
                            " FROM events WHERE time < ? AND seq < ?");
    auto& range = *range_owner;
    range.bind(1, row.before_ms);
    range.bind(2, row.seq);
    range.executeStep();
    row.rows = range.getColumn(0).getInt64();
    row.first_seq = range.getColumn(1).getInt64();
    row.last_seq = range.getColumn(2).getInt64();
    row.max_resource_id = range.getColumn(3).getInt64();
    auto del_owner = store_.prepare("DELETE FROM events WHERE time < ? AND seq < ?");
    auto& del = *del_owner;
    del.bind(1, row.before_ms);
    del.bind(2, row.seq);
    const int removed = del.exec();
    if (removed != row.rows)
      throw StorageError("the purge removed " + std::to_string(removed) + " events, not the " +
                         std::to_string(row.rows) + " it exported; nothing was changed");
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot purge audit events");
  }
}

void EventLog::purge_record(const PurgeRow& row, const std::string& changes_json, const std::string& message) {
  try {
    auto ins_owner = store_.prepare("INSERT INTO purges (seq, before_ms, rows, first_seq, last_seq, max_resource_id, file, sha256)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    auto& ins = *ins_owner;
    ins.bind(1, row.seq);
    ins.bind(2, row.before_ms);
    ins.bind(3, row.rows);
    ins.bind(4, row.first_seq);
    ins.bind(5, row.last_seq);
    ins.bind(6, row.max_resource_id);
    ins.bind(7, row.file);
    ins.bind(8, row.sha256);
    ins.exec();
    auto upd_owner = store_.prepare("UPDATE events SET changes = ?, message = ? WHERE seq = ?");
    auto& upd = *upd_owner;
    upd.bind(1, changes_json);
    upd.bind(2, message);
    upd.bind(3, row.seq);
    upd.exec();
  } catch (const sql::Error& ex) {
    throw_storage(ex, "cannot record the purge");
  }
}

}  // namespace dirctl
