#include "store/sqlite_statement.h"

#include <sqlite3.h>

namespace dirctl {

void throw_sqlite(sqlite3* db, int rc, const std::string& what) {
  const int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  // The connection's code is its last failure; a code from another call
  // (after a reset) would not match the one reported here.
  const int code = (ext & 0xff) == (rc & 0xff) ? ext : rc;
  throw sql::Error(what.empty() ? std::string(msg) : what + ": " + msg, code);
}

SqliteStatement::SqliteStatement(sqlite3* db, std::string sql) : db_(db), sql_(std::move(sql)) {
  const int rc = sqlite3_prepare_v2(db_, sql_.c_str(), static_cast<int>(sql_.size()), &st_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st_);
    st_ = nullptr;
    throw_sqlite(db_, rc);
  }
  if (st_ == nullptr) throw sql::Error("empty SQL statement", SQLITE_MISUSE);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(st_); }

void SqliteStatement::fail(int rc) const { throw_sqlite(db_, rc); }

void SqliteStatement::check_bind(int rc) const {
  if (rc != SQLITE_OK) fail(rc);
}

void SqliteStatement::bind_int64(int i, std::int64_t v) { check_bind(sqlite3_bind_int64(st_, i, v)); }
void SqliteStatement::bind_double(int i, double v) { check_bind(sqlite3_bind_double(st_, i, v)); }
void SqliteStatement::bind_text(int i, std::string_view v, bool copy) {
  check_bind(sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), copy ? SQLITE_TRANSIENT : SQLITE_STATIC));
}
void SqliteStatement::bind_blob(int i, std::string_view bytes) {
  check_bind(sqlite3_bind_blob(st_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT));
}
void SqliteStatement::bind_null(int i) { check_bind(sqlite3_bind_null(st_, i)); }

bool SqliteStatement::executeStep() {
  if (done_) throw sql::Error("statement already stepped past its last row; reset it first", SQLITE_MISUSE);
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    done_ = true;
    return false;
  }
  fail(rc);
}

int SqliteStatement::exec() {
  if (done_) throw sql::Error("statement already run; reset it first", SQLITE_MISUSE);
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) throw sql::Error("exec() got a row; step the statement instead", SQLITE_MISUSE);
  if (rc != SQLITE_DONE) fail(rc);
  done_ = true;
  return sqlite3_changes(db_);
}

void SqliteStatement::reset() {
  done_ = false;
  const int rc = sqlite3_reset(st_);
  if (rc != SQLITE_OK) fail(rc);
}

void SqliteStatement::tryReset() noexcept {
  done_ = false;
  sqlite3_reset(st_);
}

void SqliteStatement::clearBindings() noexcept { sqlite3_clear_bindings(st_); }

bool SqliteStatement::isColumnNull(int i) const { return sqlite3_column_type(st_, i) == SQLITE_NULL; }
std::int64_t SqliteStatement::column_int64(int i) const { return sqlite3_column_int64(st_, i); }
double SqliteStatement::column_double(int i) const { return sqlite3_column_double(st_, i); }
std::string_view SqliteStatement::column_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
  if (p == nullptr) return std::string_view("", 0);
  return std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, i)));
}

bool SqliteStatement::read_int64(int i, std::int64_t& out) const {
  sqlite3_value* v = sqlite3_column_value(st_, i);
  if (sqlite3_value_type(v) == SQLITE_NULL) return false;
  out = sqlite3_value_int64(v);
  return true;
}

bool SqliteStatement::read_text(int i, std::string_view& out) const {
  sqlite3_value* v = sqlite3_column_value(st_, i);
  if (sqlite3_value_type(v) == SQLITE_NULL) return false;
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  out = std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(v)));
  return true;
}

}  // namespace dirctl
