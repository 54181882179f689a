// Store: the directory's database, a SQLite file or a PostgreSQL server,
// behind one interface. It routes to its Connection (store/connection.h):
// SqliteConnection for a path, PgConnection for a "postgresql://" or
// "postgres://" URL. Every other store/ unit works through it and
// sql::Statement, whichever the database.
//
// Opening checks what it finds before changing anything: a file that is not
// SQLite, or a database that is not a dirctl directory, or a directory written
// by a newer dirctl, is refused untouched. An older schema is migrated under
// the writer lock. Several processes may share one directory.
// Every database failure surfaces as dirctl::StorageError with the database's
// code (SQLite's extended code, or the nearest one) and what to do.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "store/change_probe.h"
#include "store/connection.h"
#include "store/sql.h"

namespace dirctl {

// True for a PostgreSQL URL ("postgresql://..." or "postgres://...").
bool is_server_url(const std::string& location);

class Store {
 public:
  // `location` is a file path, ":memory:", or a PostgreSQL URL. For a file,
  // a name such as "file:x?mode=memory" is taken as a file name unless `uri`
  // asks for SQLite's URIs. A NUL is InvalidArgument. Opening is safe when
  // processes race to create the same new directory: the schema is created
  // under the writer lock by whoever takes it first.
  Store(const std::string& location, int busy_timeout_ms, bool uri = false);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Dialect dialect() const { return c_->dialect(); }
  // The SQLite file's handle (tests; SQLite-only reports). StorageError on
  // a server.
  SQLite::Database& db() { return c_->sqlite(); }
  // A prepared statement for `sql`, cached for the connection's life, reset
  // and with bindings cleared.
  sql::Statement& statement(const std::string& sql) { return c_->statement(sql); }
  // The same for SQL text that outlives the Store (a constant, or row_sql's
  // per-kind cache): found by the text's address, without hashing it.
  sql::Statement& stable_statement(const std::string& sql) { return c_->stable_statement(sql); }
  // An uncached statement, for text built for one use.
  std::unique_ptr<sql::Statement> prepare(const std::string& sql) { return c_->prepare(sql); }
  void exec(const std::string& sql) { c_->exec(sql); }
  // The first column of the first row of `sql` (a count, a max), 0 for none.
  std::int64_t scalar(const std::string& sql);
  // The id the last INSERT on this connection gave its row.
  std::int64_t last_insert_id() { return c_->last_insert_id(); }

  int schema_version() const { return c_->schema_version(); }
  bool is_memory() const { return c_->is_memory(); }

  // Write transactions. begin() takes the writer lock at once (SQLite's
  // BEGIN IMMEDIATE; an advisory lock on a server), waiting up to the busy
  // timeout for another process.
  void begin() { c_->begin(); }
  void commit() { c_->commit(); }
  void rollback() noexcept { c_->rollback(); }
  // Savepoints nest inside a transaction (one per operation in a batch).
  void savepoint(const char* name = "op") { c_->savepoint(name); }
  void release(const char* name = "op") { c_->release(name); }
  void rollback_to(const char* name = "op") noexcept { c_->rollback_to(name); }

  // One consistent snapshot for several reads: every read between
  // construction and destruction sees the same committed state. Inside a
  // write transaction it adds nothing. Never throws from its destructor.
  class ReadTransaction {
   public:
    explicit ReadTransaction(Store& store);
    ~ReadTransaction();
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

   private:
    Store& store_;
    bool own_ = false;
  };

  // A run of writes sent without waiting for each answer (store/connection.h):
  // finish() throws the first failure; destroyed unfinished, it ends quietly.
  class Pipeline {
   public:
    explicit Pipeline(Store& store) : store_(store) { store_.c_->begin_pipeline(); }
    ~Pipeline() {
      if (!done_) store_.c_->abandon_pipeline();
    }
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;
    void finish() {
      done_ = true;
      store_.c_->end_pipeline();
    }

   private:
    Store& store_;
    bool done_ = false;
  };

  // Waits up to timeout_ms for another connection's commit (connection.h).
  bool wait_for_commit(int timeout_ms) { return c_->wait_for_commit(timeout_ms); }

  // Resets every cached statement, ending any read it left open.
  void reset_all() noexcept { c_->reset_all(); }
  // Changes whenever another connection commits to the directory.
  std::int64_t data_version() { return c_->data_version(); }
  // The cheap look before data_version() (store/change_probe.h): take a
  // mark before an exact data_version(); unchanged_since(mark) is true only
  // if nothing can have committed since, and false whenever unsure (always
  // for :memory:, or with DIRCTL_EXACT_CATCH_UP=1 in the environment when
  // the store was opened). Like data_version(), it first resets the cached
  // statements, so no read is left open across calls.
  ChangeProbe::Mark change_mark() const { return c_->change_mark(); }
  bool unchanged_since(const ChangeProbe::Mark& mark) noexcept { return c_->unchanged_since(mark); }
  // Gives the page cache's memory back (SQLite's PRAGMA shrink_memory).
  void shrink_memory() { c_->shrink_memory(); }
  // "ok", or the problems found (a damaged file's error included).
  std::string integrity_check() { return c_->integrity_check(); }
  std::vector<std::pair<std::string, std::string>> indexes_of(const std::string& table) {
    return c_->indexes_of(table);
  }
  std::int64_t key_counter(const std::string& table) { return c_->key_counter(table); }
  void sync_key_counters(const std::unordered_map<std::string, std::int64_t>& at_least) {
    c_->sync_key_counters(at_least);
  }
  const std::string& location() const { return c_->location(); }
  std::string identity() const { return c_->identity(); }

 private:
  std::unique_ptr<Connection> c_;
};

// Converts a database failure into StorageError, adding what to do.
[[noreturn]] void throw_storage(const sql::Error& e, const std::string& doing);

// Runs f(), turning a database failure into StorageError("<doing>: ...").
template <typename F>
auto guarded(const char* doing, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const sql::Error& e) {
    throw_storage(e, doing);
  }
}

}  // namespace dirctl
