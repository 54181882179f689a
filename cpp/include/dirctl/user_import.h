// Bulk user import from CSV (JumpCloud's template) and export back to it.
//
// Every row is checked (required fields per mode, syntax, booleans, enums,
// lengths, duplicates within the file and against the directory, groups and
// devices) and every problem reported. Rows are written in one transaction
// as they pass, with one audit event per user and one summarising the
// import; with on_error=abort a single bad row means nothing is committed,
// with skip the valid rows are. Passwords are hashed with Argon2id on all
// cores, before the write lock is taken, and never reach a log, an event or
// the report.
#pragma once

#include <cstddef>
#include <cstdint>
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

// What became of a row (a dry run: what would). not_imported: the row was
// fine but another one failed, so nothing was written (on_error=abort).
enum class RowStatus : std::uint8_t { kCreated, kUpdated, kUnchanged, kSkipped, kError, kNotImported };
const std::vector<std::string>& row_status_names();  // indexed by RowStatus

struct ImportRowResult {
  std::size_t line = 0;
  std::string username;  // cut to 80 characters
  RowStatus status = RowStatus::kError;
  Id user = kNoId;
  std::string groups_added;  // names, ";"-separated
  std::string device_bound;  // hostname, or ""
};

// The per-row results as columns, one entry per data row in file order, so
// a million rows cost a few vectors, not a million objects.
struct ImportRows {
  std::vector<std::uint64_t> line;
  std::vector<std::uint8_t> status;  // RowStatus
  std::vector<Id> user;
  std::vector<std::string> username, groups_added, device_bound;

  std::size_t size() const { return line.size(); }
  void add(ImportRowResult&& r);
  void reserve(std::size_t n);
  ImportRowResult at(std::size_t i) const;
};

struct ImportReport {
  std::size_t created = 0, updated = 0, unchanged = 0, skipped = 0, errors = 0;  // errors: rows with errors
  // Users the import created or changed that still have no password: they
  // wait for activation (JumpCloud's "pending") and cannot log in yet.
  std::size_t pending_activation = 0;
  std::vector<ImportIssue> error_records, warnings;
  ImportRows rows;
  double duration = 0;  // seconds
  bool dry_run = false;
  bool written = false;  // something was committed
};

}  // namespace dirctl
