// ImportRun: one import under the write lock, row after row in file order.
//
// add() checks a row against the file so far and the directory
// (ImportChecker) and, while the import still writes, writes it: new users
// through a background thread (BackgroundWriter), updates in place, new
// groups when a written row first needs them. Rows may arrive while the
// file is still being read, so nothing waits for the whole file; with
// on_error=abort the first bad row stops the writing (later rows are still
// checked, so the report lists every error) and finish() leaves the
// transaction to roll back. finish() writes the memberships in key order,
// builds any deferred index, adds the summary event and commits.
// A dry run writes nothing and reports what each row would do.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "importer/background_writer.h"
#include "importer/import_checks.h"
#include "importer/import_host.h"
#include "store/bulk_user_writer.h"
#include "store/index_deferral.h"

namespace dirctl {

class ImportRun {
 public:
  // `expected_rows` (an estimate while streaming) decides whether indexes
  // are set aside; `header_broken`: nothing is written, rows still checked.
  // REQUIRES: host.begin_write() was called.
  ImportRun(ImportHost& host, Id org, const ImportOptions& opt, const UserRows& layout, ImportReport& rep,
            bool header_broken, std::size_t expected_rows);
  ~ImportRun();
  ImportRun(const ImportRun&) = delete;
  ImportRun& operator=(const ImportRun&) = delete;

  void add(ImportRow&& row);
  // Commits what was written, or, if a row stopped the import, leaves the
  // transaction for the host to roll back.
  void finish(const std::string& path);
  std::size_t rows_seen() const { return rows_; }

 private:
  struct Binding {
    Id user, device;
    bool sudo;
  };
  Id new_group(const std::string& name);
  void add_binding_row(const ImportRow& row, const ImportPlan& plan, ImportRowResult&& res);
  bool binding_changes(Id user, Id device, bool sudo);
  void store_is_mine();  // waits for the background writer

  ImportHost& host_;
  Id org_;
  const ImportOptions& opt_;
  ImportReport& rep_;
  const bool header_broken_;
  bool writing_;  // still writing: no error yet (or on_error=skip), not a dry run
  const std::string now_;
  GroupsByName groups_by_name_;
  ImportChecker checker_;
  std::size_t rows_ = 0, bad_rows_ = 0;
  std::vector<std::pair<Id, Id>> memberships_;  // (min, max): written sorted at the end
  std::vector<Binding> bindings_;
  std::vector<std::unique_ptr<IndexDeferral>> deferred_;
  Entity new_user_;  // a new user's entity before its fields: the defaults'
  std::optional<BulkUserWriter> creator_;
  std::optional<BackgroundWriter> background_;
};

}  // namespace dirctl
