// RecordWriter: the one way rows reach the file. It writes a record's row,
// the edges (memberships, bindings, org access), and audit event rows with
// their change text, one at a time through the Store's cached statements.
// The import's bulk mode (BulkUserWriter) builds its statements from the
// same SQL and binding (store/row_sql.h), so a user created either way is
// stored byte for byte alike.
//
// The caller holds the transaction (store/transaction.h); a failure throws
// StorageError and leaves the rollback to it. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dirctl/event.h"
#include "dirctl/kinds.h"
#include "dirctl/types.h"
#include "dirctl/value.h"

namespace dirctl {

class Store;

class RecordWriter {
 public:
  explicit RecordWriter(Store& store) : store_(store) {}

  // A new row: every column of insert_columns(kind), from `fields` or the
  // field's default; created = updated = now.
  void insert(const KindSpec& kind, Id id, Id org, const Fields& fields, const std::string& now);
  // The stored fields among `fields` (others ignored), and updated = now.
  void update(const KindSpec& kind, Id id, const Fields& fields, const std::string& now);
  void erase(const KindSpec& kind, Id id);              // with its edges
  void erase_org_objects(const KindSpec& kind, Id org);  // rows of one org, edges included

  void add_edge(Id a, Id b);
  // A binding made or changed. Without passwordless_sudo (the import's
  // Administrator column, which has none) an existing edge keeps its own
  // while sudo stays on, and loses it with sudo.
  // REQUIRES: passwordless_sudo != true || sudo.
  void set_binding(Id a, Id b, bool sudo, std::optional<bool> passwordless_sudo);
  void remove_edge(Id a, Id b);
  void remove_edges_of(Id id);

  // The event row (changes encoded as one JSON text); returns its seq.
  std::int64_t append(const Event& event);

 private:
  Store& store_;
};

}  // namespace dirctl
