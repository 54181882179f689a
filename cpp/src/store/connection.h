// Connection: what a database must do to hold a directory. Store (store.h)
// owns one and routes to it; SqliteConnection (a file) and PgConnection (a
// PostgreSQL server) implement it. Every other store/ unit reaches the
// database through Store and sql::Statement, never through a connection's
// own library.
//
// Invariants each implementation keeps (the directory relies on them):
// - begin() takes the one writer lock of the directory, waiting up to the
//   busy timeout: writers are serialised across processes and machines;
// - a failed or rolled-back transaction leaves nothing;
// - data_version() moves when, and only when, another connection committed
//   since it was last read;
// - a read snapshot (begin_read) sees one committed state throughout.
// Internal to store/. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/change_probe.h"
#include "store/sql.h"

namespace SQLite {
class Database;
}

namespace dirctl {

class Connection {
 public:
  virtual ~Connection() = default;

  virtual Dialect dialect() const = 0;
  virtual int schema_version() const = 0;
  virtual bool is_memory() const = 0;
  // Where the directory lives, as given (the server's password left out).
  virtual const std::string& location() const = 0;
  // What names the directory whatever the spelling of its location: the
  // file's path, or "postgresql://directory/<id>" for the random id a server
  // directory got when created (its secret key file is named after it).
  virtual std::string identity() const = 0;

  // Cached for the connection's life, reset and with bindings cleared.
  virtual sql::Statement& statement(const std::string& sql) = 0;
  // The same for text that outlives the connection, found by its address.
  virtual sql::Statement& stable_statement(const std::string& sql) = 0;
  // One not cached, for text built once (a report's query).
  virtual std::unique_ptr<sql::Statement> prepare(const std::string& sql) = 0;
  virtual void exec(const std::string& sql) = 0;
  // The id the connection's last INSERT gave its row.
  virtual std::int64_t last_insert_id() = 0;

  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  virtual void savepoint(const char* name) = 0;
  virtual void release(const char* name) = 0;
  virtual void rollback_to(const char* name) noexcept = 0;
  virtual bool in_transaction() const noexcept = 0;
  // A read-only snapshot; end_read() never throws.
  virtual void begin_read() = 0;
  virtual void end_read() noexcept = 0;

  // Statements exec()'d between begin_pipeline() and end_pipeline() may be
  // sent without waiting for each one's answer (a round trip to a server);
  // the first failure is thrown by end_pipeline() at the latest, and no rows
  // may be read in between. A file runs each at once: there, all three do
  // nothing. abandon_pipeline() ends one after a failure, never throwing.
  virtual void begin_pipeline() = 0;
  virtual void end_pipeline() = 0;
  virtual void abandon_pipeline() noexcept = 0;

  // Waits up to timeout_ms for another connection's commit, from now; true
  // when one came. Not inside a transaction (false at once).
  virtual bool wait_for_commit(int timeout_ms) = 0;

  virtual void reset_all() noexcept = 0;
  virtual std::int64_t data_version() = 0;
  virtual ChangeProbe::Mark change_mark() const = 0;
  virtual bool unchanged_since(const ChangeProbe::Mark& mark) noexcept = 0;
  virtual void shrink_memory() = 0;
  virtual std::string integrity_check() = 0;
  // The named indexes of `table` as (name, CREATE statement), by name.
  virtual std::vector<std::pair<std::string, std::string>> indexes_of(const std::string& table) = 0;
  // The counter of a table whose key the database assigns (identity,
  // AUTOINCREMENT): the last key it gave, which purged rows may exceed.
  virtual std::int64_t key_counter(const std::string& table) = 0;
  // After rows were written with their keys given (a copy), each counter
  // moves past them and to at least `at_least[table]` (the source's), so no
  // key is ever given twice.
  virtual void sync_key_counters(const std::unordered_map<std::string, std::int64_t>& at_least) = 0;
  // The SQLite file's handle (tests, and SQLite-only reports); a
  // StorageError on any other database.
  virtual SQLite::Database& sqlite() = 0;
};

}  // namespace dirctl
