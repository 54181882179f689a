// ImportChecker: the import's rules that need the whole file and the
// directory, row after row in file order: duplicates within the file (the
// first occurrence wins), which user an update or upsert row is about,
// required fields of new users, values another user of the org already
// holds, admin-linked users' emails, groups (known, or new with
// create_groups) and devices (SystemID: dirctl's id or the device's
// external_id; Hostname), binding rows (ImportPlan::binding_for), and,
// through a view, the role engine's word
// on group edits and on changing users who hold an admin role.
// Built and used under the write lock, after UserRows checked each cell;
// reads the directory once (keys, groups, devices), writes nothing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
  // A binding row: it repeats the Username of this earlier line and gives
  // only SystemID (or Hostname) and Administrator, to bind one more device
  // to that row's user (export writes a user's second and later bindings
  // so, as JumpCloud's template has one SystemID a row). 0: a user row.
  std::size_t binding_for = 0;
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
  ImportPlan check_row(ImportRow& row);
  void resolve_device(ImportRow& row, ImportPlan& plan);
  static bool binds_only(const ImportRow& row);
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
  std::unordered_map<std::string, Id> devices_by_external_;  // unique per org
  std::unordered_set<std::string> unwritten_users_;  // lower-cased usernames whose first row is bad
  std::unordered_map<std::string, GroupCell> group_cells_;  // by spelling
  // Keys seen in the file so far -> their line.
  std::unordered_map<std::string, std::size_t> seen_username_, seen_email_, seen_employee_;
  std::string col_username_, col_email_, col_employee_;
  std::optional<Decision> group_edit_;  // through a view: may the actor edit groups?
  std::function<void()> quiesce_;
};

}  // namespace dirctl
