// The import's rules that need the whole file and the directory: duplicates
// within the file (the first occurrence wins), which user an update or upsert
// row is about, required fields of new users, values another user of the org
// already holds, admin-linked users' emails, groups (known, or new with
// create_groups) and devices, and, through a view, the role engine's word on
// group edits and on changing users who hold an admin role.
// Runs under the write lock, after UserRows checked each cell; writes nothing.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "directory/impl.h"
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
// will create (planned by check_import_rows, made by the writer).
using GroupsByName = std::unordered_map<std::string, Id>;

// Appends an error record per problem (rows marked bad); returns a plan per row.
std::vector<ImportPlan> check_import_rows(Directory::Impl& d, const Actor& actor, Id org, const ImportOptions& opt,
                                          const UserRows& layout, std::vector<ImportRow>& rows,
                                          std::vector<ImportIssue>& errors, GroupsByName& groups_by_name,
                                          const std::function<void(std::size_t)>& tick);

}  // namespace dirctl
