#include "store/store.h"

#include "dirctl/error.h"
#include "store/sqlite_connection.h"
#include "store/pg_connection.h"

namespace dirctl {

bool is_server_url(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

namespace {

std::unique_ptr<Connection> connect(const std::string& location, int busy_timeout_ms, bool uri) {
  if (location.find('\0') != std::string::npos)
    throw InvalidArgument("the directory path contains a NUL character; give a plain file path");
  if (is_server_url(location)) return std::make_unique<PgConnection>(location, busy_timeout_ms);
  return std::make_unique<SqliteConnection>(location, busy_timeout_ms, uri);
}

}  // namespace

void throw_storage(const sql::Error& e, const std::string& doing) {
  const int code = e.code();
  std::string advice;
  switch (code & 0xff) {
    case sql::kBusy:
    case sql::kLocked:
      advice = "; another process holds the directory's write lock: retry, or open with a longer timeout";
      break;
    case sql::kNotADb:
      advice = "; the file is not a SQLite database";
      break;
    case sql::kCorrupt:
      advice = "; the file is damaged: restore it from a backup";
      break;
    case sql::kFull:
      advice = "; the disk is full: free space and retry";
      break;
    case sql::kReadOnly:
    case sql::kCantOpen:
    case sql::kPerm:
      advice = "; check the file's and its folder's permissions";
      break;
    default:
      break;
  }
  throw StorageError(doing + ": " + e.what() + advice, code);
}

Store::Store(const std::string& location, int busy_timeout_ms, bool uri)
    : c_(connect(location, busy_timeout_ms, uri)) {}

Store::~Store() = default;

std::int64_t Store::scalar(const std::string& sql) {
  auto& st = statement(sql);
  const std::int64_t v = st.executeStep() ? st.column_int64(0) : 0;
  st.tryReset();
  return v;
}

Store::ReadTransaction::ReadTransaction(Store& store) : store_(store) {
  if (store_.c_->in_transaction()) return;  // already inside one
  store_.c_->begin_read();
  own_ = true;
}

Store::ReadTransaction::~ReadTransaction() {
  if (own_) store_.c_->end_read();
}

}  // namespace dirctl
