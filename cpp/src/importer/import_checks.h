// ImportChecker: the import's rules that need the whole file and the
// directory, row after row in file order: duplicates within the file (the
// first occurrence wins), which user an update or upsert row is about,
// required fields of new users, values another user of the org already
// holds, admin-linked users' emails, groups (known, or new with
// create_groups) and devices, and, through a view, the role engine's word
// on group edits and on changing users who hold an admin role.
// Built and used under the write lock, after UserRows checked each cell;
// reads the directory once (keys, groups, devices), writes nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "importer/import_host.h"
#include "dirctl/user_import.h"
#include "io/user_rows.h"

namespace dirctl {

// What a good row will do.
struct ImportPlan {
  std::optional<Id> existing;  // the user an update/upsert row changes
  std::vector<Id> groups;      // per row.groups; kNoId: a group to create
  Id device = kNoId;
};

// User groups of the org by lower-cased name; kNoId for the ones the import
// will create (planned by the checker, made by the writer).
using GroupsByName = std::unordered_map<std::string, Id>;

class ImportChecker {
 public:
  // `quiesce` runs before check() reads the store (another thread may be
  // writing through the same connection).
  ImportChecker(ImportHost& host, Id org, const ImportOptions& opt, const UserRows& layout,
                std::vector<ImportIssue>& errors, GroupsByName& groups_by_name, std::function<void()> quiesce);
  // Appends an error record per problem (and marks the row bad); returns the plan.
  ImportPlan check(ImportRow& row);

 private:
  struct GroupCell {  // what a group cell resolves to: a group, one to create, or an error
    Id id = kNoId;
    std::string error;
  };
  const GroupCell& resolve_group(const std::string& name);
  void fail(ImportRow& row, const std::string& column, const std::string& value, std::string message);

  ImportHost& host_;
  Id org_;
  const ImportOptions& opt_;
  const UserRows& layout_;
  std::vector<ImportIssue>& errors_;
  GroupsByName& groups_by_name_;
  // The directory as it was when the import began (lower-cased keys).
  std::unordered_map<std::string, Id> by_username_, by_email_, by_employee_;
  std::unordered_map<std::string, Id> devices_by_host_;  // kNoId: ambiguous
  std::unordered_map<std::string, GroupCell> group_cells_;  // by spelling
  // Keys seen in the file so far -> their line.
  std::unordered_map<std::string, std::size_t> seen_username_, seen_email_, seen_employee_;
  std::string col_username_, col_email_, col_employee_;
  std::optional<Decision> group_edit_;  // through a view: may the actor edit groups?
  std::function<void()> quiesce_;
};

}  // namespace dirctl
