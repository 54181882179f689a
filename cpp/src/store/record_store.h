// RecordStore: rows of every kind's table and the edges table, as Records.
//
// SQL text is built from descriptor column names (constants of this program);
// every value is a bound parameter. Callers hold the transaction; these
// functions only read and write rows. Not thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/directory.h"
#include "dirctl/record.h"
#include "dirctl/kinds.h"
#include "model/model.h"

namespace dirctl {

class Store;

class RecordStore {
 public:
  explicit RecordStore(Store& store) : store_(store) {}

  void insert(const KindSpec& kind, Id id, Id org, const Fields& fields, const std::string& now);
  void update(const KindSpec& kind, Id id, const Fields& fields, const std::string& now);
  void erase(const KindSpec& kind, Id id);
  void erase_org_objects(const KindSpec& kind, Id org);  // rows of one org, edges included
  // The kOrgSet field comes back as an empty IdList; the directory fills it.
  std::optional<Record> read(const KindSpec& kind, Id id);
  std::vector<Record> read_all(const KindSpec& kind, Id org);  // by id
  Columns columns(const KindSpec& kind, Id org);
  // The object (other than `except`) already holding `value` in a unique field.
  Id holder(const KindSpec& kind, const FieldSpec& field, Id org, const Value& value, Id except);
  // Ids whose `field` equals `key` (case-insensitively where the column is NOCASE).
  std::vector<Id> lookup(const KindSpec& kind, const FieldSpec& field, Id org, const std::string& key);
  // Streams the in-memory attributes of every row (for loading the model).
  void load_entities(const KindSpec& kind, const std::function<void(Id, const Entity&)>& sink);
  Id max_id(const KindSpec& kind);

  void add_edge(Id a, Id b);
  void add_edge(Id a, Id b, bool sudo);  // sets sudo on an existing edge too
  // Every user of an org: id, username, email, employee identifier ("" if none).
  void scan_user_keys(Id org, const std::function<void(Id, std::string_view, std::string_view, std::string_view)>& sink);
  void remove_edge(Id a, Id b);
  void remove_edges_of(Id id);
  std::vector<Id> edges_of(Id id);
  void load_edges(const std::function<void(Id, Id)>& sink);

 private:
  Store& store_;
};

// The in-memory attributes of a record (for the model).
Entity entity_of(const KindSpec& kind, const Record& record);
Entity entity_of(const KindSpec& kind, Id org, const Fields& fields);
// Sets the entity's hot attributes (name, state, role, flags, link) the fields give.
void apply_fields(const KindSpec& kind, const Fields& fields, Entity& e);

}  // namespace dirctl
