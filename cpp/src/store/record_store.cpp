#include "store/record_store.h"

#include <algorithm>
#include <memory>

#include "dirctl/error.h"
#include "dirctl/table_columns.h"
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

Value column_value(const FieldSpec& f, const sql::Column& c) {
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
Record row_record(const KindSpec& kind, sql::Statement& st) {
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

namespace {

// Enumerations, and text fields whose values repeat across an org's rows (a
// department is shared by many users): read as codes, for categoricals.
bool repeats(const KindSpec& kind, const FieldSpec& f) {
  if (f.type == FieldType::kEnum) return true;
  if (f.type != FieldType::kText) return false;
  static const std::vector<std::pair<Kind, std::string_view>> kRepeating = {
      {Kind::kUser, "job_title"},   {Kind::kUser, "department"},    {Kind::kUser, "cost_center"},
      {Kind::kUser, "company"},     {Kind::kUser, "employee_type"}, {Kind::kUser, "location"},
      {Kind::kUser, "manager"},     {Kind::kUser, "home_city"},     {Kind::kUser, "home_state"},
      {Kind::kUser, "home_country"}, {Kind::kUser, "work_city"},    {Kind::kUser, "work_state"},
      {Kind::kUser, "work_country"}, {Kind::kUser, "external_source_type"},
      {Kind::kDevice, "os"},          {Kind::kDevice, "arch"},
      {Kind::kDevice, "agent_version"}, {Kind::kCommand, "user"},   {Kind::kCommand, "timezone"}};
  for (const auto& [k, name] : kRepeating)
    if (k == kind.kind && name == f.name) return true;
  return false;
}

// Empty typed columns for the SELECT of column_list(kind), in its order.
TableColumns empty_columns(const KindSpec& kind) {
  TableColumns out;
  auto add = [&](const std::string& name, auto column, bool json = false) {
    out.columns.push_back(TableColumn{name, std::move(column), json});
  };
  add("id", IntColumn{});
  if (kind.per_org) add("org", IntColumn{});
  for (const auto& f : kind.fields) {
    if (!readable(f)) continue;
    switch (f.type) {
      case FieldType::kBool: add(f.name, BoolColumn{}); break;
      case FieldType::kInt:
      case FieldType::kRef: {
        IntColumn c;
        c.nullable = is_null(f.default_value);  // a default means NOT NULL in the schema
        add(f.name, std::move(c));
        break;
      }
      case FieldType::kAttributes: add(f.name, TextColumn{}, true); break;
      default:
        if (repeats(kind, f))
          add(f.name, CodedColumn{});
        else
          add(f.name, TextColumn{});
    }
  }
  return out;
}

// Where one value of a row goes: a column of `cols`, which must not move
// while the slots are in use.
struct Slot {
  enum Reader : std::uint8_t { kInt, kBool, kText, kCoded, kJson } reader;
  void* column;  // the IntColumn, BoolColumn, TextColumn or CodedColumn of `reader`
};

std::vector<Slot> slots_of(TableColumns& cols, std::size_t rows) {
  std::vector<Slot> slots;
  for (auto& c : cols.columns) {
    if (auto* i = std::get_if<IntColumn>(&c.data)) {
      i->values.reserve(rows);
      slots.push_back({Slot::kInt, i});
    } else if (auto* b = std::get_if<BoolColumn>(&c.data)) {
      b->values.reserve(rows);
      slots.push_back({Slot::kBool, b});
    } else if (auto* t = std::get_if<TextColumn>(&c.data)) {
      t->offsets.reserve(rows + 1);
      slots.push_back({c.json ? Slot::kJson : Slot::kText, t});
    } else {
      auto& k = std::get<CodedColumn>(c.data);
      k.codes.reserve(rows);
      slots.push_back({Slot::kCoded, &k});
    }
  }
  return slots;
}

// Appends the statement's current row, one look at each value.
void append_row(const sql::Statement& st, const std::vector<Slot>& slots, const KindSpec& kind) {
  const int n = static_cast<int>(slots.size());
  std::int64_t i = 0;
  std::string_view t;
  for (int col = 0; col < n; ++col) {
    const Slot& s = slots[static_cast<std::size_t>(col)];
    switch (s.reader) {
      case Slot::kInt: {
        auto* c = static_cast<IntColumn*>(s.column);
        if (st.read_int64(col, i))
          c->push(i);
        else
          c->push_null();
        break;
      }
      case Slot::kBool:
        if (!st.read_int64(col, i))
          throw StorageError("cannot list objects: " + kind.table + " holds a NULL boolean, which its schema "
                             "forbids; the file is damaged: restore it from a backup");
        static_cast<BoolColumn*>(s.column)->values.push_back(i != 0);
        break;
      case Slot::kText:
      case Slot::kCoded: {
        const bool has = st.read_text(col, t);
        if (s.reader == Slot::kText) {
          auto* c = static_cast<TextColumn*>(s.column);
          if (has) c->push(t); else c->push_null();
        } else {
          auto* c = static_cast<CodedColumn*>(s.column);
          if (has) c->push(t); else c->push_null();
        }
        break;
      }
      case Slot::kJson:  // no attributes: "{}", as a Record holds them
        static_cast<TextColumn*>(s.column)->push(st.read_text(col, t) ? t : std::string_view("{}"));
        break;
    }
  }
}

}  // namespace

TableColumns RecordStore::columns(const KindSpec& kind, Id org, const RowSpan& span) {
  TableColumns out = empty_columns(kind);
  const std::vector<Slot> slots = slots_of(out, span.rows);
  // An org's rows found through its index are then sorted by id, each whole
  // row copied through the sorter: several times what reading it costs. When
  // they fill at least a 16th of their id range, scanning that range in id
  // order reads less ("+org_id" keeps SQLite off the org's index).
  const bool dense = kind.per_org && span.rows > 0 && span.first <= span.last &&
                     span.rows * 16 >= static_cast<std::size_t>(span.last - span.first) + 1;
  const std::string sql = "SELECT " + column_list(kind) + " FROM " + kind.table +
                          (dense ? " WHERE id BETWEEN ? AND ? AND +org_id = ?" : kind.per_org ? " WHERE org_id = ?" : "") +
                          " ORDER BY id";
  guarded("cannot list objects", [&] {
    auto st = store_.prepare(sql);
    int param = 1;
    if (dense) {
      st->bind(param++, static_cast<std::int64_t>(span.first));
      st->bind(param++, static_cast<std::int64_t>(span.last));
    }
    if (kind.per_org) st->bind(param++, static_cast<std::int64_t>(org));
    while (st->executeStep()) append_row(*st, slots, kind);
  });
  return out;
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
    auto st_owner = store_.prepare("SELECT " + cols + " FROM " + kind.table);
    auto& st = *st_owner;
    HotRow row;
    while (st.executeStep()) {
      int i = 0;
      row.id = static_cast<Id>(st.getColumn(i++).getInt64());
      row.org = kind.per_org ? static_cast<Id>(st.getColumn(i++).getInt64()) : kNoId;
      row.name = {};
      row.values.clear();
      for (const FieldSpec* f : hot) {
        sql::Column c = st.getColumn(i++);
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
    return static_cast<Id>(store_.scalar("SELECT coalesce(max(id), 0) FROM " + kind.table));
  });
}

void RecordStore::scan_user_keys(Id org,
                                 const std::function<void(Id, std::string_view, std::string_view, std::string_view)>& sink) {
  guarded("cannot read the org's users", [&] {
    auto st_owner = store_.prepare("SELECT id, username, email, coalesce(employee_identifier, '') FROM users WHERE org_id = ?");
    auto& st = *st_owner;
    st.bind(1, static_cast<std::int64_t>(org));
    auto text = [&](int i) {
      sql::Column c = st.getColumn(i);
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

std::vector<RecordStore::EdgeFlags> RecordStore::edge_flags_of(Id id) {
  return guarded("cannot read relations", [&] {
    std::vector<EdgeFlags> out;
    auto& st = store_.statement(
        "SELECT b, sudo, passwordless_sudo FROM edges WHERE a = ?1 "
        "UNION ALL SELECT a, sudo, passwordless_sudo FROM edges WHERE b = ?1");
    st.bind(1, static_cast<std::int64_t>(id));
    while (st.executeStep())
      out.push_back({static_cast<Id>(st.getColumn(0).getInt64()), st.getColumn(1).getInt() != 0,
                     st.getColumn(2).getInt() != 0});
    st.reset();
    return out;
  });
}

std::optional<RecordStore::EdgeFlags> RecordStore::edge_flags(Id a, Id b) {
  return guarded("cannot read relations", [&] {
    auto& st = store_.statement("SELECT sudo, passwordless_sudo FROM edges WHERE a = ? AND b = ?");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    std::optional<EdgeFlags> out;
    if (st.executeStep()) out = EdgeFlags{b, st.getColumn(0).getInt() != 0, st.getColumn(1).getInt() != 0};
    st.reset();
    return out;
  });
}

void RecordStore::load_edges(const std::function<void(Id, Id)>& sink) {
  guarded("cannot load relations", [&] {
    auto st_owner = store_.prepare("SELECT a, b FROM edges");
    auto& st = *st_owner;
    while (st.executeStep())
      sink(static_cast<Id>(st.getColumn(0).getInt64()), static_cast<Id>(st.getColumn(1).getInt64()));
  });
}

}  // namespace dirctl
