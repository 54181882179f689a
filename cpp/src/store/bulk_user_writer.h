// BulkUserWriter: the import's mode of the store writer, at SQLite's pace.
//
// Writes exactly what RecordWriter writes for a new user (the row with every
// column, defaults filled in, and a user_create event whose changes list each
// field set, secrets redacted): the same SQL text, binding and change text
// (store/row_sql.h, store/change_text.h), but with the two statements
// prepared once, their constant parameters bound once, and the event's
// changes written straight from the values. The caller holds the write
// transaction and has checked the fields.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/kinds.h"
#include "dirctl/value.h"


#include "store/sql.h"

namespace dirctl {

class Store;

class BulkUserWriter {
 public:
  // `event` is the template of every user_create event (time, org, initiator).
  BulkUserWriter(Store& store, Id org, const Event& event, const std::string& now);
  ~BulkUserWriter();
  BulkUserWriter(const BulkUserWriter&) = delete;
  BulkUserWriter& operator=(const BulkUserWriter&) = delete;

  // A new user ready to be written: its values and its event's text.
  struct Pending {
    Id id = kNoId;
    Fields fields;                     // as given
    std::vector<const Value*> values;  // per column: into fields, or a default
    std::string changes;               // the event's changes, as changes_to_json writes them
    const std::string* username = nullptr;
  };

  // Builds user `id` from the given fields (others get their defaults) and
  // its event's changes; `groups_added` ("a;b") becomes a "groups" change
  // when not empty. Touches no SQLite.
  void prepare(Id id, Fields&& given, const std::string& groups_added, Pending& out) const;
  // Inserts the user row and its event; returns the event's seq. The only
  // use of the connection: it may run on another thread (the import's
  // background writer) while nothing else uses the store.
  std::int64_t write(const Pending& p);
  // The same for many users, sent without waiting for each answer on a
  // server (Store::Pipeline); returns the last event's seq. A failure is
  // thrown by the end of the call, and the caller's transaction rolls back.
  std::int64_t write_batch(const std::vector<Pending>& users);

 private:
  const KindSpec& kind_;
  Store& store_;
  std::vector<const FieldSpec*> fields_;  // insert_columns(): the columns written, in order
  std::vector<int> column_of_;            // descriptor field index -> position in fields_, or -1
  int first_field_;                       // the parameter index of fields_[0]
  std::unique_ptr<sql::Statement> user_, event_;
  // What each user column's parameter holds since the last row: a default
  // (a stable address) stays bound across rows, as reset() keeps bindings,
  // so most of a wide template's empty columns are not bound again.
  std::vector<const Value*> bound_;
};

}  // namespace dirctl
