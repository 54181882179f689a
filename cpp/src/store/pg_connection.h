// PgConnection: the directory on a PostgreSQL server, through libpq.
//
// Concurrency: every write transaction (begin) runs at READ COMMITTED and
// first takes one transaction-level advisory lock, the directory's writer
// lock, waiting up to the busy timeout (lock_timeout); so writers on any
// number of machines are serialised as on one SQLite file, rules that span
// rows hold, and the event log's seq (max + 1, store/pg_schema.h) is
// gap-free and in commit order. Readers never wait; a read snapshot
// (begin_read) is REPEATABLE READ, READ ONLY. Why a lock and not SERIALIZABLE
// with retries: ARCHITECTURE.md.
//
// Catching up: commit() adds one to dirctl_meta's change counter and sends
// NOTIFY dirctl_changes with it, in the commit's round trip. data_version()
// reads the counter and moves only for other connections' commits. It is
// always asked of the server (unchanged_since() is never sure): a commit
// that finished anywhere before a check must be seen by it, and a
// notification may still be on its way. The notifications are for waiters.
//
// A connection the server ends (a restart, a failover) is made again by the
// next call outside a transaction, which runs once more if the loss cut it
// short (only reads run outside one); a transaction it cut short is lost and
// its caller fails with a StorageError (a commit: "may have been stored").
//
// Opening a database with no dirctl_meta creates the schema under the writer
// lock; an older schema (from 9: the steps after it translate) is migrated by
// the translated steps under it; a database holding other tables, or a
// newer schema, is refused untouched. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/connection.h"
#include "store/pg_statement.h"

namespace dirctl {

class PgConnection final : public Connection {
 public:
  PgConnection(const std::string& url, int busy_timeout_ms);
  ~PgConnection() override;

  Dialect dialect() const override { return Dialect::kPostgres; }
  int schema_version() const override { return schema_version_; }
  bool is_memory() const override { return false; }
  const std::string& location() const override { return location_; }
  std::string identity() const override { return "postgresql://directory/" + std::to_string(directory_id_); }

  sql::Statement& statement(const std::string& sql) override;
  sql::Statement& stable_statement(const std::string& sql) override { return statement(sql); }
  std::unique_ptr<sql::Statement> prepare(const std::string& sql) override;
  void exec(const std::string& sql) override;
  std::int64_t last_insert_id() override { return session_.last_insert_id; }

  void begin() override;
  void commit() override;
  void rollback() noexcept override;
  void savepoint(const char* name) override;
  void release(const char* name) override;
  void rollback_to(const char* name) noexcept override;
  bool in_transaction() const noexcept override;
  void begin_read() override;
  void end_read() noexcept override;

  void begin_pipeline() override;
  void end_pipeline() override;
  void abandon_pipeline() noexcept override;
  // LISTENs (from the first wait on), then sleeps on the socket until
  // another connection's NOTIFY dirctl_changes arrives.
  bool wait_for_commit(int timeout_ms) override;
  void reset_all() noexcept override;
  std::int64_t data_version() override;
  ChangeProbe::Mark change_mark() const override;
  bool unchanged_since(const ChangeProbe::Mark& mark) noexcept override;
  void shrink_memory() override {}  // the server keeps its own cache
  std::string integrity_check() override;
  std::vector<std::pair<std::string, std::string>> indexes_of(const std::string& table) override;
  std::int64_t key_counter(const std::string& table) override;
  void sync_key_counters(const std::unordered_map<std::string, std::int64_t>& at_least) override;
  SQLite::Database& sqlite() override;

 private:
  void open_schema();
  // Outside a transaction: connects again if the server ended the connection.
  void reconnect_if_lost();
  std::int64_t read_counter();
  std::int64_t scalar_of(const std::string& sql);

  PgSession session_;
  std::string location_;
  int schema_version_ = 0;
  std::int64_t directory_id_ = 0;
  std::unordered_map<std::string, std::unique_ptr<PgStatement>> statements_;
  // data_version(): the counter value accounted for, and the version shown.
  std::int64_t seen_counter_ = -1, version_ = 0;
  bool listening_ = false;
};

}  // namespace dirctl
