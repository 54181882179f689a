// SqliteConnection: the directory in one SQLite file (or in memory), through
// SQLiteCpp for the connection and sqlite3's own statements for the rows.
//
// Opening checks what the file is before changing anything (store.h). The
// connection runs in WAL mode with foreign keys on and a busy timeout, so
// several processes may share the file; begin() is BEGIN IMMEDIATE, the
// file's one writer lock. data_version() is SQLite's PRAGMA data_version, and
// the ChangeProbe reads the wal-index header to skip it when nothing can have
// committed. Every SQLite failure is sql::Error with SQLite's extended code.
// Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/connection.h"

struct sqlite3;

namespace dirctl {

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::string& path, int busy_timeout_ms, bool uri);
  ~SqliteConnection() override;

  Dialect dialect() const override { return Dialect::kSqlite; }
  int schema_version() const override { return schema_version_; }
  bool is_memory() const override { return memory_; }
  const std::string& location() const override { return path_; }
  std::string identity() const override { return path_; }

  sql::Statement& statement(const std::string& sql) override;
  sql::Statement& stable_statement(const std::string& sql) override;
  std::unique_ptr<sql::Statement> prepare(const std::string& sql) override;
  void exec(const std::string& sql) override;
  std::int64_t last_insert_id() override;

  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  void savepoint(const char* name) override;
  void release(const char* name) override;
  void rollback_to(const char* name) noexcept override;
  bool in_transaction() const noexcept override;
  void begin_read() override;
  void end_read() noexcept override;

  void begin_pipeline() override {}
  void end_pipeline() override {}
  void abandon_pipeline() noexcept override {}
  // SQLite has no notification: the wal-index header every 5 ms (shared
  // memory), PRAGMA data_version when it moved.
  bool wait_for_commit(int timeout_ms) override;
  void reset_all() noexcept override;
  std::int64_t data_version() override;
  ChangeProbe::Mark change_mark() const override { return probe_.mark(); }
  bool unchanged_since(const ChangeProbe::Mark& mark) noexcept override;
  void shrink_memory() override;
  std::string integrity_check() override;
  std::vector<std::pair<std::string, std::string>> indexes_of(const std::string& table) override;
  std::int64_t key_counter(const std::string& table) override;
  void sync_key_counters(const std::unordered_map<std::string, std::int64_t>& at_least) override;
  SQLite::Database& sqlite() override { return *db_; }

 private:
  void check_identity(int app_id, int version, int objects) const;
  sqlite3* handle() const;

  std::unique_ptr<SQLite::Database> db_;
  struct CachedStatement {
    std::unique_ptr<sql::Statement> statement;
    bool handed_out;  // by statement() since the last reset_all()
  };
  std::unordered_map<std::string, CachedStatement> statements_;  // node-based: pointers stay valid
  std::vector<CachedStatement*> handed_out_;
  std::unordered_map<const std::string*, CachedStatement*> by_address_;  // stable_statement()'s
  sql::Statement& hand_out(CachedStatement& c);  // reset, bindings cleared, noted for reset_all()
  // SAVEPOINT and RELEASE texts per savepoint name (a literal), kept for stable_statement().
  const std::pair<std::string, std::string>& savepoint_sql(const char* name);
  std::unordered_map<const char*, std::pair<std::string, std::string>> savepoint_sql_;
  std::string path_;
  int schema_version_ = 0;
  bool memory_ = false;
  ChangeProbe probe_;  // points into the connection's wal-index mapping: never outlives db_
};

}  // namespace dirctl
