#include "directory/user_bulk_writer.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/record_store.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {
namespace {

bool absent(const Value& v) {
  return is_null(v) || (std::holds_alternative<Attributes>(v) && std::get<Attributes>(v).empty());
}

// One value as a column, as RecordStore binds it.
void bind_value(SQLite::Statement& st, int index, const Value& v) {
  if (absent(v))
    st.bind(index);
  else if (const auto* b = std::get_if<bool>(&v))
    st.bind(index, *b ? 1 : 0);
  else if (const auto* i = std::get_if<std::int64_t>(&v))
    st.bind(index, *i);
  else if (const auto* s = std::get_if<std::string>(&v))
    st.bindNoCopy(index, *s);  // lives until the step
  else
    st.bind(index, attributes_to_json(std::get<Attributes>(v)));
}

// The value as change text, as change_text() writes it: secrets redacted.
void append_change_value(std::string& out, const FieldSpec& f, const Value& v) {
  out += f.secret ? "\"[redacted]\"" : to_json_text(v);
}

}  // namespace

UserBulkWriter::UserBulkWriter(Store& store, Id org, const Event& event, const std::string& now)
    : kind_(spec(Kind::kUser)), store_(store) {
  std::string cols = "id, org_id, created, updated", marks = "?, ?, ?, ?";
  Fields defaults;
  column_of_.assign(kind_.fields.size(), -1);
  for (const auto& f : kind_.fields) {
    if (f.readonly || f.column.empty()) continue;
    column_of_[static_cast<std::size_t>(&f - kind_.fields.data())] = static_cast<int>(fields_.size());
    fields_.push_back(&f);
    cols += ", " + f.column;
    marks += ", ?";
    if (!is_null(f.default_value)) defaults.emplace_back(f.name, f.default_value);
  }
  base_ = entity_of(kind_, org, defaults);
  try {
    user_ = std::make_unique<SQLite::Statement>(store_.db(), "INSERT INTO users (" + cols + ") VALUES (" + marks + ")");
    user_->bind(2, static_cast<std::int64_t>(org));
    user_->bind(3, now);
    user_->bind(4, now);
    event_ = std::make_unique<SQLite::Statement>(
        store_.db(),
        "INSERT INTO events (time, org_id, event_type, initiated_by_type, initiated_by_id, initiated_by_email,"
        " resource_type, resource_id, resource_name, success, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)");
    event_->bind(1, event.time);
    event_->bind(2, static_cast<std::int64_t>(event.org));
    event_->bind(3, event.event_type);
    event_->bind(4, event.initiated_by_type);
    event_->bind(5, static_cast<std::int64_t>(event.initiated_by_id));
    event_->bind(6, event.initiated_by_email);
    event_->bind(7, kind_.name);
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot prepare the import's statements");
  }
}

UserBulkWriter::~UserBulkWriter() = default;

Entity UserBulkWriter::prepare(Id id, Fields&& given, const std::string& groups_added, Pending& out) const {
  out.id = id;
  out.fields = std::move(given);
  out.values.resize(fields_.size());
  for (std::size_t k = 0; k < fields_.size(); ++k) out.values[k] = &fields_[k]->default_value;
  for (const auto& [name, value] : out.fields) {
    const FieldSpec* f = kind_.field(name);
    if (f == nullptr) continue;
    const int k = column_of_[static_cast<std::size_t>(f - kind_.fields.data())];
    if (k >= 0) out.values[static_cast<std::size_t>(k)] = &value;
  }
  std::string& changes = out.changes;
  changes.assign("[");
  out.username = nullptr;
  for (std::size_t k = 0; k < fields_.size(); ++k) {
    const Value& v = *out.values[k];
    if (fields_[k]->hot == Hot::kName) out.username = std::get_if<std::string>(&v);
    if (absent(v)) continue;
    if (changes.size() > 1) changes += ',';
    changes += "[\"" + fields_[k]->name + "\",null,";  // as changes_to_json writes them
    append_change_value(changes, *fields_[k], v);
    changes += ']';
  }
  if (!groups_added.empty()) {
    if (changes.size() > 1) changes += ',';
    changes += "[\"groups\",null,";
    append_json_string(changes, groups_added);
    changes += ']';
  }
  changes += ']';
  Entity entity = base_;
  apply_fields(kind_, out.fields, entity);
  return entity;
}

std::int64_t UserBulkWriter::write(const Pending& p) {
  try {
    user_->bind(1, static_cast<std::int64_t>(p.id));
    for (std::size_t k = 0; k < fields_.size(); ++k) bind_value(*user_, static_cast<int>(k) + 5, *p.values[k]);
    user_->exec();
    user_->reset();
    event_->bind(8, static_cast<std::int64_t>(p.id));
    if (p.username != nullptr)
      event_->bindNoCopy(9, *p.username);
    else
      event_->bind(9, "");
    event_->bindNoCopy(10, p.changes);
    event_->exec();
    event_->reset();
    return store_.db().getLastInsertRowid();
  } catch (const SQLite::Exception& e) {
    user_->tryReset();
    event_->tryReset();
    throw_storage(e, "cannot store the imported user");
  }
}

}  // namespace dirctl
