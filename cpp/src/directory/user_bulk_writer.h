// UserBulkWriter: the rows of new users an import writes, at SQLite's pace.
//
// Writes exactly what Directory::create writes for a user (the row with every
// field, defaults filled in, and a user_create event whose changes list each
// field set, secrets redacted), but with two statements prepared once whose
// constant columns stay bound, and the event's JSON written straight from
// the values. The caller holds the write transaction and has checked the
// fields (UserRows, the import's file and directory checks).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/kinds.h"
#include "dirctl/value.h"
#include "model/model.h"

namespace SQLite {
class Statement;
}

namespace dirctl {

class Store;

class UserBulkWriter {
 public:
  // `event` is the template of every user_create event (time, org, initiator).
  UserBulkWriter(Store& store, Id org, const Event& event, const std::string& now);
  ~UserBulkWriter();
  UserBulkWriter(const UserBulkWriter&) = delete;
  UserBulkWriter& operator=(const UserBulkWriter&) = delete;

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
  // when not empty. Touches no SQLite. Returns the user's entity for the model.
  Entity prepare(Id id, Fields&& given, const std::string& groups_added, Pending& out) const;
  // Inserts the user row and its event; returns the event's seq. The only
  // use of the connection: it may run on another thread (BackgroundWriter)
  // while nothing else uses the store.
  std::int64_t write(const Pending& p);

 private:
  const KindSpec& kind_;
  Store& store_;
  std::vector<const FieldSpec*> fields_;  // the columns written, in the descriptor's order
  std::vector<int> column_of_;            // descriptor field index -> position in fields_, or -1
  Entity base_;                           // the defaults' entity
  std::unique_ptr<SQLite::Statement> user_, event_;
};

}  // namespace dirctl
