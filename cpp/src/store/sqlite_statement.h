// SqliteStatement: sql::Statement on one sqlite3 prepared statement.
// Columns are read straight from sqlite3 (no per-value object, unlike
// SQLiteCpp's Column, which copies a shared pointer per read: a million-row
// load reads tens of millions of values). A step after the last row throws
// rather than run the statement again. Failures are sql::Error with the
// connection's extended result code.
#pragma once

#include <string>

#include "store/sql.h"

struct sqlite3;
struct sqlite3_stmt;

namespace dirctl {

class SqliteStatement final : public sql::Statement {
 public:
  SqliteStatement(sqlite3* db, std::string sql);  // sql::Error if it does not prepare
  ~SqliteStatement() override;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void bind_int64(int i, std::int64_t v) override;
  void bind_double(int i, double v) override;
  void bind_text(int i, std::string_view v, bool copy) override;
  void bind_blob(int i, std::string_view bytes) override;
  void bind_null(int i) override;

  bool executeStep() override;
  int exec() override;
  void reset() override;
  void tryReset() noexcept override;
  void clearBindings() noexcept override;
  const std::string& getQuery() const override { return sql_; }

  bool isColumnNull(int i) const override;
  std::int64_t column_int64(int i) const override;
  double column_double(int i) const override;
  std::string_view column_text(int i) const override;
  // Through sqlite3_column_value(): one call per value instead of two or
  // three. Such a value is "unprotected", which is safe while no other
  // thread uses the connection (none does: the store is single-threaded).
  bool read_int64(int i, std::int64_t& out) const override;
  bool read_text(int i, std::string_view& out) const override;

 private:
  [[noreturn]] void fail(int rc) const;
  void check_bind(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  std::string sql_;
  bool done_ = false;  // stepped past the last row: a further step would run it again
};

// The connection's last error as sql::Error (message and extended code).
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, const std::string& what = "");

}  // namespace dirctl
