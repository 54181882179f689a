#include "store/row_sql.h"


#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {

std::vector<const FieldSpec*> insert_columns(const KindSpec& kind) {
  std::vector<const FieldSpec*> out;
  for (const auto& f : kind.fields)  // the stamps are bound apart; a link (admin.user) is a column like others
    if (!f.column.empty() && !(f.readonly && f.type == FieldType::kTime)) out.push_back(&f);
  return out;
}

std::string insert_sql(const KindSpec& kind) {
  std::string cols = kind.per_org ? "id, org_id" : "id", marks = kind.per_org ? "?, ?" : "?";
  for (const FieldSpec* f : insert_columns(kind)) {
    cols += ", " + f->column;
    marks += ", ?";
  }
  return "INSERT INTO " + kind.table + " (" + cols + ", created, updated) VALUES (" + marks + ", ?, ?)";
}

const RowSql* cached_row_sql(const KindSpec& kind) {
  static const std::vector<RowSql> cache = [] {
    std::vector<RowSql> out;
    for (const KindSpec* k : all_specs()) out.push_back({insert_columns(*k), insert_sql(*k)});
    return out;
  }();
  const auto& specs = all_specs();
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (specs[i] == &kind) return &cache[i];
  return nullptr;
}

int first_field_parameter(const KindSpec& kind) { return kind.per_org ? 3 : 2; }

int created_parameter(const KindSpec& kind) {
  return first_field_parameter(kind) + static_cast<int>(insert_columns(kind).size());
}

void bind_value(sql::Statement& st, int index, const Value& v, bool copy) {
  if (is_null(v))
    st.bind(index);
  else if (const auto* b = std::get_if<bool>(&v))
    st.bind(index, *b ? 1 : 0);
  else if (const auto* i = std::get_if<std::int64_t>(&v))
    st.bind(index, *i);
  else if (const auto* s = std::get_if<std::string>(&v))
    copy ? st.bind(index, *s) : st.bindNoCopy(index, *s);
  else if (const auto* a = std::get_if<Attributes>(&v); a != nullptr && !a->empty())
    st.bind(index, attributes_to_json(*a));
  else
    st.bind(index);  // empty attributes, and id lists (stored as edges, not columns)
}

const std::vector<std::string>& event_columns() {
  static const std::vector<std::string> names = {
      "time",        "org_id",    "event_type",  "initiated_by_type", "initiated_by_id", "initiated_by_email",
      "resource_type", "resource_id", "resource_name", "target_type", "target_id",      "target_name",
      "success",     "changes",   "message"};
  return names;
}

std::string event_column_list() {
  std::string out;
  for (const std::string& c : event_columns()) out += (out.empty() ? "" : ", ") + c;
  return out;
}

const std::string kInsertEventSql =
    "INSERT INTO events (" + event_column_list() + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

void bind_event(sql::Statement& st, const Event& e, const std::string& changes_json) {
  st.bind(1, log_now_ms());  // stamped as stored, under the write lock: times follow seq
  st.bind(2, static_cast<std::int64_t>(e.org));
  st.bind(3, e.event_type);
  st.bind(4, e.initiated_by_type);
  st.bind(5, static_cast<std::int64_t>(e.initiated_by_id));
  st.bind(6, e.initiated_by_email);
  st.bind(7, e.resource.type);
  st.bind(kEventResourceId, static_cast<std::int64_t>(e.resource.id));
  st.bind(kEventResourceName, e.resource.name);
  st.bind(10, e.target.type);
  st.bind(11, static_cast<std::int64_t>(e.target.id));
  st.bind(12, e.target.name);
  st.bind(13, e.success ? 1 : 0);
  st.bind(kEventChanges, changes_json);
  st.bind(15, e.message);
}

}  // namespace dirctl
