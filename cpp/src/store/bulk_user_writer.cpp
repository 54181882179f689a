#include "store/bulk_user_writer.h"

#include "store/change_text.h"
#include "store/row_sql.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {

BulkUserWriter::BulkUserWriter(Store& store, Id org, const Event& event, const std::string& now)
    : kind_(spec(Kind::kUser)), store_(store), fields_(insert_columns(kind_)), first_field_(first_field_parameter(kind_)) {
  column_of_.assign(kind_.fields.size(), -1);
  for (std::size_t k = 0; k < fields_.size(); ++k)
    column_of_[static_cast<std::size_t>(fields_[k] - kind_.fields.data())] = static_cast<int>(k);
  try {
    user_ = store_.prepare(insert_sql(kind_));
    user_->bind(2, static_cast<std::int64_t>(org));
    user_->bind(created_parameter(kind_), now);
    user_->bind(created_parameter(kind_) + 1, now);
    event_ = store_.prepare(kInsertEventSql);
    Event constant = event;
    constant.resource.type = kind_.name;
    bind_event(*event_, constant, "[]");
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot prepare the import's statements");
  }
}

BulkUserWriter::~BulkUserWriter() = default;

void BulkUserWriter::prepare(Id id, Fields&& given, const std::string& groups_added, Pending& out) const {
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
  // The creation's changes in descriptor order, as creation_changes() lists
  // them (the fields given, not the defaults), encoded as changes_to_json()
  // does, without the intermediate objects.
  std::string& changes = out.changes;
  changes.assign("[");
  out.username = nullptr;
  for (std::size_t k = 0; k < fields_.size(); ++k) {
    const Value& v = *out.values[k];
    if (fields_[k]->hot == Hot::kName) out.username = std::get_if<std::string>(&v);
    if (!listed_at_creation(v) || out.values[k] == &fields_[k]->default_value) continue;  // given fields only
    if (changes.size() > 1) changes += ',';
    changes += '[';
    append_json_string(changes, fields_[k]->name);
    changes += ",null,";
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
}

std::int64_t BulkUserWriter::write(const Pending& p) {
  try {
    user_->bind(1, static_cast<std::int64_t>(p.id));
    bound_.resize(fields_.size(), nullptr);
    for (std::size_t k = 0; k < fields_.size(); ++k) {
      const Value* v = p.values[k];
      if (v == bound_[k] && v == &fields_[k]->default_value) continue;  // still bound from the last row
      bind_value(*user_, first_field_ + static_cast<int>(k), *v, /*copy=*/false);
      bound_[k] = v;
    }
    user_->exec();
    user_->reset();
    event_->bind(kEventTime, log_now_ms());
    event_->bind(kEventResourceId, static_cast<std::int64_t>(p.id));
    if (p.username != nullptr)
      event_->bindNoCopy(kEventResourceName, *p.username);
    else
      event_->bind(kEventResourceName, "");
    event_->bindNoCopy(kEventChanges, p.changes);
    event_->exec();
    event_->reset();
    return store_.last_insert_id();
  } catch (const sql::Error& e) {
    user_->tryReset();
    event_->tryReset();
    bound_.assign(bound_.size(), nullptr);  // bind everything again next time
    throw_storage(e, "cannot store the imported user");
  }
}

std::int64_t BulkUserWriter::write_batch(const std::vector<Pending>& users) {
  if (users.empty()) return 0;
  Store::Pipeline pipeline(store_);
  for (const Pending& p : users) write(p);  // in a pipeline, its answer (the seq) is not known yet
  try {
    pipeline.finish();
    // The newest seq, read under the writer lock the caller holds: ours.
    return store_.scalar("SELECT coalesce(max(seq), 0) FROM events");
  } catch (const sql::Error& e) {
    user_->tryReset();
    event_->tryReset();
    bound_.assign(bound_.size(), nullptr);
    throw_storage(e, "cannot store the imported users");
  }
}

}  // namespace dirctl
