// Store: one SQLite connection to a directory file, through SQLiteCpp.
//
// Opening checks what the file is before changing anything: a file that is not
// SQLite, or SQLite that is not a dirctl directory, or a directory written by
// a newer dirctl, is refused untouched. An older schema is migrated in one
// IMMEDIATE transaction. The connection runs in WAL mode with foreign keys on
// and a busy timeout, so several processes may share the file.
// Every SQLite failure surfaces as dirctl::StorageError with SQLite's
// extended code. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/change_probe.h"

namespace SQLite {
class Database;
class Statement;
class Exception;
}  // namespace SQLite

namespace dirctl {

class Store {
 public:
  // `path` is a plain file path or ":memory:"; a name such as "file:x?mode=
  // memory" is taken as a file name unless `uri` asks for SQLite's URIs.
  // A NUL in the path is InvalidArgument. Opening is safe when processes
  // race to create the same new file: the schema is created under the
  // write lock by whoever takes it first.
  Store(const std::string& path, int busy_timeout_ms, bool uri = false);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  SQLite::Database& db() { return *db_; }
  // A prepared statement for `sql`, cached for the connection's life, reset
  // and with bindings cleared.
  SQLite::Statement& statement(const std::string& sql);
  // The same for SQL text that outlives the Store (a constant, or row_sql's
  // per-kind cache): found by the text's address, without hashing it.
  SQLite::Statement& stable_statement(const std::string& sql);
  void exec(const std::string& sql);

  int schema_version() const { return schema_version_; }
  bool is_memory() const { return memory_; }

  // Write transactions. begin() takes the write lock at once (BEGIN
  // IMMEDIATE), waiting up to the busy timeout for another process.
  void begin();
  void commit();
  void rollback() noexcept;
  // Savepoints nest inside a transaction (one per operation in a batch).
  void savepoint(const char* name = "op");
  void release(const char* name = "op");
  void rollback_to(const char* name = "op") noexcept;

  // One consistent snapshot for several reads (WAL): every read between
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

  // Resets every cached statement, ending any read it left open.
  void reset_all() noexcept;
  // Changes whenever another connection commits to the file.
  std::int64_t data_version();
  // The cheap look before data_version() (store/change_probe.h): take a
  // mark before an exact data_version(); unchanged_since(mark) is true only
  // if nothing can have committed since, and false whenever unsure (always
  // for :memory:, or with DIRCTL_EXACT_CATCH_UP=1 in the environment when
  // the store was opened). Like data_version(), it first resets the cached
  // statements, so no read is left open across calls.
  ChangeProbe::Mark change_mark() const { return probe_.mark(); }
  bool unchanged_since(const ChangeProbe::Mark& mark) noexcept;
  // Gives the page cache's memory back (PRAGMA shrink_memory).
  void shrink_memory();
  // "ok", or the problems found (a damaged file's error included).
  std::string integrity_check();

 private:
  void check_identity(int app_id, int version, int objects) const;

  std::unique_ptr<SQLite::Database> db_;
  struct CachedStatement {
    std::unique_ptr<SQLite::Statement> statement;
    bool handed_out;  // by statement() since the last reset_all()
  };
  std::unordered_map<std::string, CachedStatement> statements_;  // node-based: pointers stay valid
  std::vector<CachedStatement*> handed_out_;
  std::unordered_map<const std::string*, CachedStatement*> by_address_;  // stable_statement()'s
  SQLite::Statement& hand_out(CachedStatement& c);  // reset, bindings cleared, noted for reset_all()
  // SAVEPOINT and RELEASE texts per savepoint name (a literal), kept for stable_statement().
  const std::pair<std::string, std::string>& savepoint_sql(const char* name);
  std::unordered_map<const char*, std::pair<std::string, std::string>> savepoint_sql_;
  std::string path_;
  int schema_version_ = 0;
  bool memory_ = false;
  ChangeProbe probe_;  // points into the connection's wal-index mapping: never outlives db_
};

// Converts a SQLiteCpp exception into StorageError, adding what to do.
[[noreturn]] void throw_storage(const SQLite::Exception& e, const std::string& doing);

// Runs f(), turning a SQLiteCpp failure into StorageError("<doing>: ...").
// For store/ units, which include SQLiteCpp's headers.
template <typename F>
auto guarded(const char* doing, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    throw_storage(e, doing);
  }
}

}  // namespace dirctl
