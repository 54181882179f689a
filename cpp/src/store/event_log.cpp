#include "store/event_log.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "dirctl/kinds.h"
#include "store/change_text.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

// The kind an event created, if it is a creation (<noun>_create on a <kind>).
const KindSpec* created_kind(const Event& e) {
  if (e.event_type.size() < 7 || e.event_type.compare(e.event_type.size() - 7, 7, "_create") != 0) return nullptr;
  for (const KindSpec* kind : all_specs())
    if (kind->name == e.resource.type && e.event_type == kind->event_noun + "_create") return kind;
  return nullptr;
}

}  // namespace

std::vector<Event> EventLog::query(const EventFilter& f) {
  std::string sql =
      "SELECT seq, time, org_id, event_type, initiated_by_type, initiated_by_id, initiated_by_email,"
      " resource_type, resource_id, resource_name, target_type, target_id, target_name, success, changes,"
      " message FROM events WHERE seq > ?";
  if (f.type) sql += " AND event_type = ?";
  if (f.since) sql += " AND time >= ?";
  if (f.until) sql += " AND time < ?";
  if (f.initiated_by_id) sql += " AND initiated_by_id = ?";
  if (f.initiated_by_type) sql += " AND initiated_by_type = ?";
  if (f.resource_id) sql += " AND (resource_id = ? OR target_id = ?)";
  if (f.resource_type) sql += " AND resource_type = ?";
  if (f.org) sql += " AND org_id = ?";
  if (f.success) sql += " AND success = ?";
  sql += " ORDER BY seq LIMIT ?";
  try {
    auto& st = store_.statement(sql);
    int i = 1;
    st.bind(i++, static_cast<std::int64_t>(f.after_seq));
    if (f.type) st.bind(i++, *f.type);
    if (f.since) st.bind(i++, *f.since);
    if (f.until) st.bind(i++, *f.until);
    if (f.initiated_by_id) st.bind(i++, static_cast<std::int64_t>(*f.initiated_by_id));
    if (f.initiated_by_type) st.bind(i++, *f.initiated_by_type);
    if (f.resource_id) {
      st.bind(i++, static_cast<std::int64_t>(*f.resource_id));
      st.bind(i++, static_cast<std::int64_t>(*f.resource_id));
    }
    if (f.resource_type) st.bind(i++, *f.resource_type);
    if (f.org) st.bind(i++, static_cast<std::int64_t>(*f.org));
    if (f.success) st.bind(i++, *f.success ? 1 : 0);
    st.bind(i++, static_cast<std::int64_t>(f.limit));
    std::vector<Event> out;
    while (st.executeStep()) {
      Event e;
      e.seq = st.getColumn(0).getInt64();
      e.time = st.getColumn(1).getString();
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
      out.push_back(std::move(e));
    }
    return out;
  } catch (const SQLite::Exception& ex) {
    throw_storage(ex, "cannot read audit events");
  }
}

std::int64_t EventLog::last_seq() {
  try {
    return store_.db().execAndGet("SELECT coalesce(max(seq), 0) FROM events").getInt64();
  } catch (const SQLite::Exception& ex) {
    throw_storage(ex, "cannot read audit events");
  }
}

std::int64_t EventLog::max_resource_id() {
  try {
    return store_.db().execAndGet("SELECT coalesce(max(resource_id), 0) FROM events").getInt64();
  } catch (const SQLite::Exception& ex) {
    throw_storage(ex, "cannot read audit events");
  }
}

}  // namespace dirctl
