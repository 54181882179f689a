#include "store/record_writer.h"

#include <algorithm>


#include "store/row_sql.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {
void RecordWriter::insert(const KindSpec& kind, Id id, Id org, const Fields& fields, const std::string& now) {
  guarded("cannot store the new object", [&] {
    const RowSql* cached = cached_row_sql(kind);
    const RowSql sql = cached != nullptr ? RowSql{} : RowSql{insert_columns(kind), insert_sql(kind)};
    const RowSql& row = cached != nullptr ? *cached : sql;
    auto& st = cached != nullptr ? store_.stable_statement(row.insert) : store_.statement(row.insert);
    st.bind(1, static_cast<std::int64_t>(id));
    if (kind.per_org) st.bind(2, static_cast<std::int64_t>(org));
    int i = first_field_parameter(kind);
    std::size_t hint = 0;  // `fields` are in descriptor order when they come from validation
    for (const FieldSpec* f : row.columns) {
      const Value* v = find_field(fields, f->name, hint);
      bind_value(st, i++, v != nullptr ? *v : f->default_value);
    }
    st.bind(i++, now);
    st.bind(i++, now);
    st.exec();
  });
}

void RecordWriter::update(const KindSpec& kind, Id id, const Fields& fields, const std::string& now) {
  std::string sets;
  std::vector<const Value*> bound;
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = kind.field(name);
    if (f == nullptr || f->column.empty()) continue;
    sets += f->column + " = ?, ";
    bound.push_back(&value);
  }
  sets += "updated = ?";
  guarded("cannot store the change", [&] {
    auto& st = store_.statement("UPDATE " + kind.table + " SET " + sets + " WHERE id = ?");
    int i = 1;
    for (const Value* v : bound) bind_value(st, i++, *v);
    st.bind(i++, now);
    st.bind(i++, static_cast<std::int64_t>(id));
    st.exec();
  });
}

void RecordWriter::erase(const KindSpec& kind, Id id) {
  remove_edges_of(id);
  guarded("cannot delete the object", [&] {
    auto& st = store_.statement("DELETE FROM " + kind.table + " WHERE id = ?");
    st.bind(1, static_cast<std::int64_t>(id));
    st.exec();
  });
}

void RecordWriter::erase_org_objects(const KindSpec& kind, Id org) {
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

void RecordWriter::add_edge(Id a, Id b) {
  guarded("cannot store the relation", [&] {
    auto& st = store_.statement("INSERT INTO edges (a, b) VALUES (?, ?) ON CONFLICT DO NOTHING");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    st.exec();
  });
}

void RecordWriter::set_binding(Id a, Id b, bool sudo, std::optional<bool> passwordless_sudo) {
  guarded("cannot store the binding", [&] {
    auto& st = store_.statement(
        "INSERT INTO edges (a, b, sudo, passwordless_sudo) VALUES (?1, ?2, ?3, coalesce(?4, 0)) ON CONFLICT (a, b) "
        "DO UPDATE SET sudo = excluded.sudo, passwordless_sudo = coalesce(?4, CASE WHEN edges.passwordless_sudo <> 0 "
        "AND excluded.sudo <> 0 THEN 1 ELSE 0 END)");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    st.bind(3, sudo ? 1 : 0);
    if (passwordless_sudo)
      st.bind(4, *passwordless_sudo ? 1 : 0);
    else
      st.bind(4);
    st.exec();
  });
}

void RecordWriter::remove_edge(Id a, Id b) {
  guarded("cannot remove the relation", [&] {
    auto& st = store_.statement("DELETE FROM edges WHERE a = ? AND b = ?");
    st.bind(1, static_cast<std::int64_t>(std::min(a, b)));
    st.bind(2, static_cast<std::int64_t>(std::max(a, b)));
    st.exec();
  });
}

void RecordWriter::remove_edges_of(Id id) {
  guarded("cannot remove relations", [&] {
    auto& st = store_.statement("DELETE FROM edges WHERE a = ? OR b = ?");
    st.bind(1, static_cast<std::int64_t>(id));
    st.bind(2, static_cast<std::int64_t>(id));
    st.exec();
  });
}

std::int64_t RecordWriter::append(const Event& e) {
  return guarded("cannot record the audit event", [&] {
    auto& st = store_.stable_statement(kInsertEventSql);
    bind_event(st, e, changes_to_json(e.changes));
    st.exec();
    return static_cast<std::int64_t>(store_.last_insert_id());
  });
}

}  // namespace dirctl
