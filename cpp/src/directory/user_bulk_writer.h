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

  // Inserts user `id` with the given fields (others get their defaults) and
  // its event; `groups_added` ("a;b") becomes a "groups" change when not
  // empty. Returns the user's entity for the model and the event's seq.
  Entity create(Id id, const Fields& given, const std::string& groups_added, std::int64_t& seq);

 private:
  const KindSpec& kind_;
  Store& store_;
  std::vector<const FieldSpec*> fields_;  // the columns written, in the descriptor's order
  std::vector<const Value*> values_;      // per create: the value of each of fields_
  Entity base_;                           // the defaults' entity
  std::unique_ptr<SQLite::Statement> user_, event_;
  std::string changes_;  // reused buffer
};

}  // namespace dirctl
