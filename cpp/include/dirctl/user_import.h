// Bulk user import from CSV (JumpCloud's template) and export back to it.
//
// Every row is parsed and checked before anything is written: required
// fields per mode, syntax, booleans, enums, lengths, duplicates within the
// file and against the directory, groups and devices. With on_error=abort a
// single bad row means nothing is written; with skip, valid rows are. All
// writes, one audit event per user and one summarising the import, commit
// in one transaction. Passwords are hashed with Argon2id on all cores and
// never reach a log, an event or the report.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

enum class ImportMode { kCreate, kUpdate, kUpsert };

struct ImportOptions {
  ImportMode mode = ImportMode::kCreate;
  bool skip_errors = false;    // on_error="skip": write the valid rows
  bool dry_run = false;        // check everything, write nothing
  bool create_groups = false;  // unknown GroupN names become new user groups
  bool strict = false;         // unknown columns are errors, not warnings
  // Called from the importing thread, at most a few times a second:
  // (rows done, rows total or 0 while still reading).
  std::function<void(std::size_t, std::size_t)> progress;
};

struct ImportIssue {
  std::size_t line = 0;  // 1-based line of the file (the header is line 1)
  std::string column;    // as written in the header, or "" for the whole row
  std::string value;     // cut to 80 characters
  std::string message;
};

struct ImportRowResult {
  std::size_t line = 0;
  std::string username;
  std::string status;  // created, updated, unchanged, skipped, error (dry run: what would happen)
  Id user = kNoId;
  std::string groups_added;  // names, ";"-separated
  std::string device_bound;  // hostname, or ""
};

struct ImportReport {
  std::size_t created = 0, updated = 0, unchanged = 0, skipped = 0, errors = 0;  // errors: rows with errors
  std::vector<ImportIssue> error_records, warnings;
  std::vector<ImportRowResult> rows;
  double duration = 0;  // seconds
  bool dry_run = false;
  bool written = false;  // something was committed
};

}  // namespace dirctl
