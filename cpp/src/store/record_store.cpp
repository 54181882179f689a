#include "store/record_store.h"

#include <algorithm>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "dirctl/error.h"
#include "store/row_sql.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {
namespace {

bool stored(const FieldSpec& f) { return !f.column.empty(); }
// Read back: stored and not secret (password hashes never leave the store).
bool readable(const FieldSpec& f) { return stored(f) && !f.secret; }

std::string column_list(const KindSpec& kind) {
  std::string cols = kind.per_org ? "id, org_id" : "id";
  for (const auto& f : kind.fields)
    if (readable(f)) cols += ", " + f.column;
  return cols;
}

Value column_value(const FieldSpec& f, const SQLite::Column& c) {
  if (f.type == FieldType::kOrgSet) return IdList{};
  if (c.isNull()) return f.type == FieldType::kAttributes ? Value{Attributes{}} : Value{};
  switch (f.type) {
    case FieldType::kBool: return c.getInt() != 0;
    case FieldType::kInt:
    case FieldType::kRef: return static_cast<std::int64_t>(c.getInt64());
    case FieldType::kAttributes: return attributes_from_json(c.getString());
    default: return c.getString();
  }
}

}  // namespace

namespace {
Record row_record(const KindSpec& kind, SQLite::Statement& st) {
  Record r;
  r.kind = kind.kind;
  int i = 0;
  r.id = static_cast<Id>(st.getColumn(i++).getInt64());
  if (kind.per_org) r.org = static_cast<Id>(st.getColumn(i++).getInt64());
  r.fields.reserve(kind.fields.size());
  for (const auto& f : kind.fields) {
    if (f.secret) continue;
    if (!stored(f)) {
      r.fields.emplace_back(f.name, column_value(f, st.getColumn(0)));
      continue;
    }
    r.fields.emplace_back(f.name, column_value(f, st.getColumn(i++)));
  }
  return r;
}
}  // namespace

std::optional<Record> RecordStore::read(const KindSpec& kind, Id id) {
  return guarded("cannot read the object", [&]() -> std::optional<Record> {
    auto& st = store_.statement("SELECT " + column_list(kind) + " FROM " + kind.table + " WHERE id = ?");
    st.bind(1, static_cast<std::int64_t>(id));
    if (!st.executeStep()) return std::nullopt;
    Record r = row_record(kind, st);
    st.tryReset();  // release the read snapshot
    return r;
  });
}

std::vector<Record> RecordStore::read_all(const KindSpec& kind, Id org) {
  return guarded("cannot list objects", [&] {
    std::vector<Record> out;
    auto& st = store_.statement("SELECT " + column_list(kind) + " FROM " + kind.table +
                                (kind.per_org ? " WHERE org_id = ?" : "") + " ORDER BY id");
    if (kind.per_org) st.bind(1, static_cast<std::int64_t>(org));
    while (st.executeStep()) out.push_back(row_record(kind, st));
    return out;
  });
}

Columns RecordStore::columns(const KindSpec& kind, Id org) {
  return guarded("cannot list objects", [&] {
    Columns cols;
    cols.emplace_back("id", std::vector<Value>{});
    if (kind.per_org) cols.emplace_back("org", std::vector<Value>{});
    for (const auto& f : kind.fields)
      if (readable(f)) cols.emplace_back(f.name, std::vector<Value>{});
    auto& st = store_.statement("SELECT " + column_list(kind) + " FROM " + kind.table +
                                (kind.per_org ? " WHERE org_id = ?" : "") + " ORDER BY id");
    if (kind.per_org) st.bind(1, static_cast<std::int64_t>(org));
    while (st.executeStep()) {
      std::size_t c = 0;
      cols[c++].second.emplace_back(static_cast<std::int64_t>(st.getColumn(0).getInt64()));
      int i = 1;
      if (kind.per_org) cols[c++].second.emplace_back(static_cast<std::int64_t>(st.getColumn(i++).getInt64()));
      for (const auto& f : kind.fields)
        if (readable(f)) cols[c++].second.push_back(column_value(f, st.getColumn(i++)));
    }
    return cols;
  });
}

Id RecordStore::holder(const KindSpec& kind, const FieldSpec& field, Id org, const Value& value, Id except) {
  if (is_null(value)) return kNoId;
  return guarded("cannot check uniqueness", [&] {
    auto& st = store_.statement("SELECT id FROM " + kind.table + " WHERE " + field.column + " = ?" +
                                (kind.per_org ? " AND org_id = ?" : "") + " AND id != ? LIMIT 1");
    int i = 1;
    bind_value(st, i++, value);
    if (kind.per_org) st.bind(i++, static_cast<std::int64_t>(org));
    st.bind(i++, static_cast<std::int64_t>(except));
    const Id id = st.executeStep() ? static_cast<Id>(st.getColumn(0).getInt64()) : kNoId;
    st.tryReset();  // release the read snapshot
    return id;
  });
}

std::vector<Id> RecordStore::lookup(const KindSpec& kind, const FieldSpec& field, Id org, const std::string& key) {
  return guarded("cannot look up the object", [&] {
    std::vector<Id> out;
    auto& st = store_.statement("SELECT id FROM " + kind.table + " WHERE " + field.column + " = ?" +
                                (kind.per_org ? " AND org_id = ?" : "") + " ORDER BY id LIMIT 2");
    st.bind(1, key);
    if (kind.per_org) st.bind(2, static_cast<std::int64_t>(org));
    while (st.executeStep()) out.push_back(static_cast<Id>(st.getColumn(0).getInt64()));
    return out;
  });
}

void RecordStore::load_hot(const KindSpec& kind, const std::function<void(const HotRow&)>& sink) {
  std::string cols = kind.per_org ? "id, org_id" : "id";
  std::vector<const FieldSpec*> hot;
  for (const auto& f : kind.fields)
    if (f.hot != Hot::kNone && stored(f)) {
      cols += ", " + f.column;
      hot.push_back(&f);
    }
  guarded("cannot load the directory", [&] {
    SQLite::Statement st(store_.db(), "SELECT " + cols + " FROM " + kind.table);
    HotRow row;
    while (st.executeStep()) {
      int i = 0;
      row.id = static_cast<Id>(st.getColumn(i++).getInt64());
      row.org = kind.per_org ? static_cast<Id>(st.getColumn(i++).getInt64()) : kNoId;
      row.name = {};
      row.values.clear();
      for (const FieldSpec* f : hot) {
        SQLite::Column c = st.getColumn(i++);
        if (f->hot == Hot::kName)
          row.name = std::string_view(c.getText(), static_cast<std::size_t>(c.getBytes()));
        else
          row.values.emplace_back(f, column_value(*f, c));
      }
      sink(row);
    }
  });
}

Id RecordStore::max_id(const KindSpec& kind) {
  return guarded("cannot load the directory", [&] {
    return static_cast<Id>(store_.db().execAndGet("SELECT coalesce(max(id), 0) FROM " + kind.table).getInt64());
  });
}

void RecordStore::scan_user_keys(Id org,
                                 const std::function<void(Id, std::string_view, std::string_view, std::string_view)>& sink) {
  guarded("cannot read the org's users", [&] {
    SQLite::Statement st(store_.db(), "SELECT id, username, email, coalesce(employee_identifier, '') FROM users WHERE org_id = ?");
    st.bind(1, static_cast<std::int64_t>(org));
    auto text = [&](int i) {
      SQLite::Column c = st.getColumn(i);
      return std::string_view(c.getText(), static_cast<std::size_t>(c.getBytes()));
    };
    while (st.executeStep()) sink(static_cast<Id>(st.getColumn(0).getInt64()), text(1), text(2), text(3));
  });
}

std::vector<Id> RecordStore::edges_of(Id id) {
  return guarded("cannot read relations", [&] {
    std::vector<Id> out;
    auto& st = store_.statement("SELECT b FROM edges WHERE a = ?1 UNION ALL SELECT a FROM edges WHERE b = ?1");
    st.bind(1, static_cast<std::int64_t>(id));
    while (st.executeStep()) out.push_back(static_cast<Id>(st.getColumn(0).getInt64()));
    return out;
  });
}

void RecordStore::load_edges(const std::function<void(Id, Id)>& sink) {
  guarded("cannot load relations", [&] {
    SQLite::Statement st(store_.db(), "SELECT a, b FROM edges");
    while (st.executeStep())
      sink(static_cast<Id>(st.getColumn(0).getInt64()), static_cast<Id>(st.getColumn(1).getInt64()));
  });
}

}  // namespace dirctl
