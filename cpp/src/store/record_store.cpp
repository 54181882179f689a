#include "store/record_store.h"

#include <algorithm>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "dirctl/error.h"
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

void bind(SQLite::Statement& st, int index, const FieldSpec& f, const Value& v) {
  if (is_null(v)) {
    st.bind(index);
  } else if (const auto* b = std::get_if<bool>(&v)) {
    st.bind(index, *b ? 1 : 0);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    st.bind(index, static_cast<std::int64_t>(*i));
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    st.bind(index, *s);
  } else if (const auto* a = std::get_if<Attributes>(&v)) {
    if (a->empty())
      st.bind(index);
    else
      st.bind(index, attributes_to_json(*a));
  } else {
    throw InvalidArgument("field '" + f.name + "' cannot be stored as a column");
  }
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

std::uint8_t index_of(const std::vector<std::string>& choices, const std::string& s) {
  auto it = std::find(choices.begin(), choices.end(), s);
  return static_cast<std::uint8_t>(it == choices.end() ? 0 : it - choices.begin());
}

void apply_hot(const KindSpec& kind, const FieldSpec& f, const Value& v, Entity& e) {
  switch (f.hot) {
    case Hot::kName:
      if (const auto* s = std::get_if<std::string>(&v)) e.name = *s;
      break;
    case Hot::kState:
      if (const auto* s = std::get_if<std::string>(&v))
        e.state = index_of(kind.kind == Kind::kAdmin ? admin_states() : user_states(), *s);
      break;
    case Hot::kRole:
      if (const auto* s = std::get_if<std::string>(&v)) e.role = index_of(role_names(), *s);
      break;
    case Hot::kLocked:
    case Hot::kApiAccess:
    case Hot::kRemoteAssist: {
      auto flag = f.hot == Hot::kLocked ? kFlagLocked : f.hot == Hot::kApiAccess ? kFlagApiAccess : kFlagRemoteAssist;
      const auto* b = std::get_if<bool>(&v);
      if (b != nullptr && *b)
        e.flags = static_cast<std::uint8_t>(e.flags | flag);
      else
        e.flags = static_cast<std::uint8_t>(e.flags & ~flag);
      break;
    }
    case Hot::kLink:
      if (const auto* i = std::get_if<std::int64_t>(&v)) e.link = static_cast<Id>(*i);
      break;
    case Hot::kNone: break;
  }
}

template <typename F>
auto guarded(const char* doing, F&& f) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    throw_storage(e, doing);
  }
}

}  // namespace

void apply_fields(const KindSpec& kind, const Fields& fields, Entity& e) {
  for (const auto& [name, value] : fields)
    if (const FieldSpec* f = kind.field(name); f != nullptr && f->hot != Hot::kNone) apply_hot(kind, *f, value, e);
}

Entity entity_of(const KindSpec& kind, Id org, const Fields& fields) {
  Entity e;
  e.kind = kind.kind;
  e.org = org;
  apply_fields(kind, fields, e);
  return e;
}

Entity entity_of(const KindSpec& kind, const Record& record) { return entity_of(kind, record.org, record.fields); }

void RecordStore::insert(const KindSpec& kind, Id id, Id org, const Fields& fields, const std::string& now) {
  std::string cols = kind.per_org ? "id, org_id" : "id", marks = kind.per_org ? "?, ?" : "?";
  std::vector<std::pair<const FieldSpec*, const Value*>> bound;
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = kind.field(name);
    if (f == nullptr || !stored(*f)) continue;
    cols += ", " + f->column;
    marks += ", ?";
    bound.emplace_back(f, &value);
  }
  cols += ", created, updated";
  marks += ", ?, ?";
  guarded("cannot store the new object", [&] {
    auto& st = store_.statement("INSERT INTO " + kind.table + " (" + cols + ") VALUES (" + marks + ")");
    int i = 1;
    st.bind(i++, static_cast<std::int64_t>(id));
    if (kind.per_org) st.bind(i++, static_cast<std::int64_t>(org));
    for (const auto& [f, v] : bound) bind(st, i++, *f, *v);
    st.bind(i++, now);
    st.bind(i++, now);
    st.exec();
  });
}

void RecordStore::update(const KindSpec& kind, Id id, const Fields& fields, const std::string& now) {
  std::string sets;
  std::vector<std::pair<const FieldSpec*, const Value*>> bound;
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = kind.field(name);
    if (f == nullptr || !stored(*f)) continue;
    sets += f->column + " = ?, ";
    bound.emplace_back(f, &value);
  }
  sets += "updated = ?";
  guarded("cannot store the change", [&] {
    auto& st = store_.statement("UPDATE " + kind.table + " SET " + sets + " WHERE id = ?");
    int i = 1;
    for (const auto& [f, v] : bound) bind(st, i++, *f, *v);
    st.bind(i++, now);
    st.bind(i++, static_cast<std::int64_t>(id));
    st.exec();
  });
}

void RecordStore::erase(const KindSpec& kind, Id id) {
  remove_edges_of(id);
  guarded("cannot delete the object", [&] {
    auto& st = store_.statement("DELETE FROM " + kind.table + " WHERE id = ?");
    st.bind(1, static_cast<std::int64_t>(id));
    st.exec();
  });
}

void RecordStore::erase_org_objects(const KindSpec& kind, Id org) {
  guarded("cannot delete the org's objects", [&] {
    const std::string in = "(SELECT id FROM " + kind.table + " WHERE org_id = ?)";
    auto& edges = store_.statement("DELETE FROM edges WHERE a IN " + in + " OR b IN " + in);
    edges.bind(1, static_cast<std::int64_t>(org));
    edges.bind(2, static_cast<std::int64_t>(org));
    edges.exec();
    auto& rows = store_.statement("DELETE FROM " + kind.table + " WHERE org_id = ?");
    rows.bind(1, static_cast<std::int64_t>(org));
    rows.exec();
  });
}

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
    bind(st, i++, field, value);
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

void RecordStore::load_entities(const KindSpec& kind, const std::function<void(Id, const Entity&)>& sink) {
  std::string cols = kind.per_org ? "id, org_id" : "id";
  std::vector<const FieldSpec*> hot;
  for (const auto& f : kind.fields)
    if (f.hot != Hot::kNone && stored(f)) {
      cols += ", " + f.column;
      hot.push_back(&f);
    }
  guarded("cannot load the directory", [&] {
    SQLite::Statement st(store_.db(), "SELECT " + cols + " FROM " + kind.table);
    while (st.executeStep()) {
      Entity e;
      e.kind = kind.kind;
      int i = 0;
      Id id = static_cast<Id>(st.getColumn(i++).getInt64());
      if (kind.per_org) e.org = static_cast<Id>(st.getColumn(i++).getInt64());
      for (const FieldSpec* f : hot) {
        SQLite::Column c = st.getColumn(i++);
        if (f->hot == Hot::kName) {
          e.name = std::string_view(c.getText(), static_cast<std::size_t>(c.getBytes()));
        } else {
          apply_hot(kind, *f, column_value(*f, c), e);
        }
      }
      sink(id, e);
    }
  });
}

Id RecordStore::max_id(const KindSpec& kind) {
  return guarded("cannot load the directory", [&] {
    return static_cast<Id>(store_.db().execAndGet("SELECT coalesce(max(id), 0) FROM " + kind.table).getInt64());
  });
}

void RecordStore::add_edge(Id a, Id b) {
  guarded("cannot store the relation", [&] {
    auto& st = store_.statement("INSERT OR IGNORE INTO edges (a, b) VALUES (?, ?)");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    st.exec();
  });
}

void RecordStore::add_edge(Id a, Id b, bool sudo) {
  guarded("cannot store the relation", [&] {
    auto& st = store_.statement(
        "INSERT INTO edges (a, b, sudo) VALUES (?, ?, ?) ON CONFLICT (a, b) DO UPDATE SET sudo = excluded.sudo");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    st.bind(3, sudo ? 1 : 0);
    st.exec();
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

void RecordStore::remove_edge(Id a, Id b) {
  guarded("cannot remove the relation", [&] {
    auto& st = store_.statement("DELETE FROM edges WHERE a = ? AND b = ?");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    st.exec();
  });
}

void RecordStore::remove_edges_of(Id id) {
  guarded("cannot remove relations", [&] {
    auto& st = store_.statement("DELETE FROM edges WHERE a = ? OR b = ?");
    st.bind(1, static_cast<std::int64_t>(id));
    st.bind(2, static_cast<std::int64_t>(id));
    st.exec();
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
