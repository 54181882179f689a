// PgStatement: sql::Statement on a PostgreSQL prepared statement, through
// libpq. The SQL is the store's own (SQLite's `?` and `?N` marks become
// `$N`); it is prepared on the server at its first run, each parameter typed
// by its first binding (an integer as bigint, a blob as bytea sent in binary;
// text and NULL left for the server to infer), and the whole result is read
// at once. An INSERT into a table whose key the database assigns gets
// "RETURNING <key>", so last_insert_id() needs no second round trip.
// Failures are sql::Error with the nearest SQLite code (throw_pg).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/sql.h"

struct pg_conn;
struct pg_result;

namespace dirctl {

// What a statement needs of its connection.
struct PgSession {
  pg_conn* conn = nullptr;
  std::int64_t last_insert_id = 0;
  std::uint64_t next_name = 0;  // prepared statements are named s1, s2, ...
  // Pipeline mode (Connection::begin_pipeline): the answers still to read, in
  // order; true for one that returns an assigned key.
  bool pipelined = false;
  std::vector<bool> awaited;
  // Reconnecting: what a new connection runs first, and how many times the
  // connection was made again (statements prepared before must be again).
  std::string setup_sql;
  std::uint64_t generation = 0;
  // A transaction (write or read snapshot) is open: set by the connection, not
  // read from libpq, which says "unknown" once the connection is lost. While
  // set, a lost connection is never made again: the transaction is gone and
  // every call fails until it is rolled back.
  bool in_txn = false;
  // Prepared statements dropped inside a transaction, deallocated at its end.
  std::vector<std::string> stale;
};

// When the server has ended the connection (a restart, a failover,
// pg_terminate_backend), connects again and runs setup_sql; true if it did.
// Never inside a transaction: that one is lost, and its caller says so.
bool pg_reconnect_if_lost(PgSession& s);

// Frees the prepared statements dropped during the last transaction.
void pg_deallocate_stale(PgSession& s) noexcept;

// Reads every answer sent so far in pipeline mode (a sync point); throws the
// first failure among them after reading them all.
void pg_pipeline_sync(PgSession& s);

// The store's SQL as PostgreSQL reads it: `?` and `?N` become `$N` (outside
// quotes); an INSERT into a table with an assigned key returns it.
std::string pg_sql(const std::string& sql, bool* returns_key);

// The server's error as sql::Error: its message and SQLSTATE, with the
// nearest SQLite code (a lock or serialization wait: BUSY; a violated rule:
// CONSTRAINT; a lost connection: IOERR). Takes ownership of `result`.
[[noreturn]] void throw_pg(pg_conn* conn, pg_result* result, const std::string& what = "");

class PgStatement final : public sql::Statement {
 public:
  PgStatement(PgSession& session, std::string sql);
  ~PgStatement() override;
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  void bind_int64(int i, std::int64_t v) override;
  void bind_double(int i, double v) override;
  void bind_text(int i, std::string_view v, bool copy) override;
  void bind_blob(int i, std::string_view bytes) override;
  void bind_null(int i) override;

  bool executeStep() override;
  int exec() override;
  void reset() override { tryReset(); }
  void tryReset() noexcept override;
  void clearBindings() noexcept override;
  const std::string& getQuery() const override { return sql_; }

  bool isColumnNull(int i) const override;
  std::int64_t column_int64(int i) const override;
  double column_double(int i) const override;
  std::string_view column_text(int i) const override;
  bool read_int64(int i, std::int64_t& out) const override;
  bool read_text(int i, std::string_view& out) const override;

 private:
  struct Param {
    std::string value;
    bool null = true;
    unsigned type = 0;  // 0: inferred by the server
    int format = 0;     // 1: binary (a blob)
  };
  Param& param(int i);
  void run();
  void prepare();

  PgSession& s_;
  std::string sql_, pg_sql_, name_;
  bool returns_key_ = false;
  bool reads_only_ = false;  // a plain SELECT: safe to run again after a lost connection
  bool prepared_ = false;
  std::uint64_t prepared_in_ = 0;  // the session's generation when prepared
  std::vector<Param> params_;
  pg_result* result_ = nullptr;
  int row_ = -1, rows_ = 0;
  bool done_ = false;
  mutable std::vector<std::string> decoded_;  // bytea columns of the current row
};

}  // namespace dirctl
