// RecordStore: reads rows of every kind's table and the edges table, as
// Records (RecordWriter writes them).
//
// SQL text is built from descriptor column names (constants of this program);
// every value is a bound parameter. Callers hold the transaction; these
// functions only read and write rows. Not thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dirctl/record.h"
#include "dirctl/table_columns.h"
#include "dirctl/kinds.h"
#include "dirctl/types.h"
#include "dirctl/value.h"

namespace dirctl {

class Store;

// One row's hot columns (the fields the in-memory model keeps), as loaded.
// `name` points into SQLite's row and is valid only during the callback.
struct HotRow {
  Id id = kNoId;
  Id org = kNoId;
  std::string_view name;
  std::vector<std::pair<const FieldSpec*, Value>> values;  // the other hot fields
};

// How many rows a listing expects, and the lowest and highest of their ids.
struct RowSpan {
  std::size_t rows = 0;
  Id first = kNoId, last = kNoId;
};

class RecordStore {
 public:
  explicit RecordStore(Store& store) : store_(store) {}

  // The kOrgSet field comes back as an empty IdList; the directory fills it.
  std::optional<Record> read(const KindSpec& kind, Id id);
  std::vector<Record> read_all(const KindSpec& kind, Id org);  // by id
  // Every row of an org (or of a directory-wide kind) as typed columns, by
  // id; see dirctl/table_columns.h for which field becomes which column.
  // The kOrgSet field is not among them. `span` is what the caller knows of
  // the rows (the model): when they are dense in their id range, the table is
  // read in id order over that range alone (no index, no sort), so rows
  // outside it are not read; otherwise all of the org's rows, through its index.
  TableColumns columns(const KindSpec& kind, Id org, const RowSpan& span = {});
  // The object (other than `except`) already holding `value` in a unique field.
  Id holder(const KindSpec& kind, const FieldSpec& field, Id org, const Value& value, Id except);
  // Ids whose `field` equals `key` (case-insensitively where the column is NOCASE).
  std::vector<Id> lookup(const KindSpec& kind, const FieldSpec& field, Id org, const std::string& key);
  // Streams every row's hot columns (what the in-memory model keeps).
  void load_hot(const KindSpec& kind, const std::function<void(const HotRow&)>& sink);
  Id max_id(const KindSpec& kind);

  // Every user of an org: id, username, email, employee identifier ("" if none).
  void scan_user_keys(Id org, const std::function<void(Id, std::string_view, std::string_view, std::string_view)>& sink);
  std::vector<Id> edges_of(Id id);
  // Every edge of `id` with its binding flags (false on edges that are not
  // bindings); the one edge (a, b), or nullopt.
  struct EdgeFlags {
    Id other = kNoId;
    bool sudo = false, passwordless_sudo = false;
  };
  std::vector<EdgeFlags> edge_flags_of(Id id);
  std::optional<EdgeFlags> edge_flags(Id a, Id b);
  void load_edges(const std::function<void(Id, Id)>& sink);

 private:
  Store& store_;
};


}  // namespace dirctl
