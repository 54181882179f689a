#include "store/store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "dirctl/error.h"
#include "store/schema.h"

namespace dirctl {

void throw_storage(const SQLite::Exception& e, const std::string& doing) {
  int code = e.getExtendedErrorCode();
  std::string advice;
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      advice = "; another process holds the directory's write lock: retry, or open with a longer timeout";
      break;
    case SQLITE_NOTADB:
      advice = "; the file is not a SQLite database";
      break;
    case SQLITE_CORRUPT:
      advice = "; the file is damaged: restore it from a backup";
      break;
    case SQLITE_FULL:
      advice = "; the disk is full: free space and retry";
      break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      advice = "; check the file's and its folder's permissions";
      break;
    default:
      break;
  }
  throw StorageError(doing + ": " + e.what() + advice, code);
}

namespace {

// Once per process, before SQLite initialises: no global memory statistics.
// They take a process-wide mutex on every allocation (3% of a bulk import).
// If another user of the library (Python's sqlite3) initialised it first,
// sqlite3_config refuses and the defaults stay; nothing else changes.
void configure_sqlite_once() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

Store::Store(const std::string& path, int busy_timeout_ms) : path_(path) {
  configure_sqlite_once();
  memory_ = path.empty() || path == ":memory:" || path.rfind("file::memory:", 0) == 0;
  try {
    db_ = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE |
                                                       SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX);
    db_->setBusyTimeout(busy_timeout_ms);
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot open directory '" + path + "'");
  }
  int app_id = 0, version = 0, objects = 0;
  try {
    app_id = db_->execAndGet("PRAGMA application_id").getInt();
    version = db_->execAndGet("PRAGMA user_version").getInt();
    objects = db_->execAndGet("SELECT count(*) FROM sqlite_master").getInt();
  } catch (const SQLite::Exception& e) {
    throw StorageError("'" + path + "' is not a dirctl directory (" + e.what() +
                           "); it was left untouched: open a dirctl .db file or a new path",
                       e.getExtendedErrorCode());
  }
  const bool fresh = objects == 0 && app_id == 0 && version == 0;
  if (!fresh && app_id != kApplicationId)
    throw StorageError("'" + path + "' is a SQLite database but not a dirctl directory (application_id " +
                       std::to_string(app_id) + "); it was left untouched: open a dirctl .db file or a new path");
  const int latest = latest_schema_version();
  if (version > latest)
    throw StorageError("'" + path + "' was written by a newer dirctl (schema version " + std::to_string(version) +
                       "; this dirctl reads up to " + std::to_string(latest) +
                       "); upgrade dirctl to open it. The file was left untouched");
  try {
    if (!memory_) db_->exec("PRAGMA journal_mode = WAL");
    db_->exec("PRAGMA synchronous = FULL");
    db_->exec("PRAGMA temp_store = MEMORY");
    db_->exec("PRAGMA cache_size = -131072");  // up to 128 MiB, used only as pages are touched
    if (version < latest) {
      begin();
      try {
        // Another process may have migrated while we waited for the lock.
        int now = db_->execAndGet("PRAGMA user_version").getInt();
        if (now < latest) {
          spdlog::info("dirctl: migrating '{}' from schema {} to {}", path, now, latest);
          migrate(*db_, now, latest);
        }
        commit();
      } catch (...) {
        rollback();
        throw;
      }
    }
    // After migrating: a step may rebuild a table that others refer to.
    db_->exec("PRAGMA foreign_keys = ON");
    schema_version_ = latest;
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot prepare directory '" + path + "'");
  }
}

Store::~Store() {
  statements_.clear();  // finalize before the connection closes
}

SQLite::Statement& Store::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  try {
    if (it == statements_.end())
      it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
    it->second->tryReset();  // reset() would rethrow a previous step's failure
    it->second->clearBindings();
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot prepare a statement");
  }
  return *it->second;
}

void Store::exec(const std::string& sql) {
  try {
    db_->exec(sql);
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "directory '" + path_ + "'");
  }
}

void Store::reset_all() noexcept {
  for (auto& [sql, stmt] : statements_) stmt->tryReset();
}

void Store::begin() {
  reset_all();  // a statement left mid-step would pin an old read snapshot
  try {
    db_->exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot start a write on '" + path_ + "'");
  }
}

void Store::commit() {
  try {
    db_->exec("COMMIT");
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot commit to '" + path_ + "'");
  }
}

void Store::rollback() noexcept {
  // Statements mid-step would keep the transaction open; reset them first.
  reset_all();
  if (sqlite3_get_autocommit(db_->getHandle()) == 0) sqlite3_exec(db_->getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Store::savepoint(const char* name) {
  try {
    statement(std::string("SAVEPOINT ") + name).exec();
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot start an operation on '" + path_ + "'");
  }
}

void Store::release(const char* name) {
  try {
    statement(std::string("RELEASE ") + name).exec();
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot finish an operation on '" + path_ + "'");
  }
}
void Store::rollback_to(const char* name) noexcept {
  reset_all();
  const std::string sql = std::string("ROLLBACK TO ") + name + "; RELEASE " + name;
  sqlite3_exec(db_->getHandle(), sql.c_str(), nullptr, nullptr, nullptr);
}

std::int64_t Store::data_version() {
  try {
    reset_all();  // no stale snapshot may hide another connection's commit
    auto& st = statement("PRAGMA data_version");
    st.executeStep();
    const std::int64_t v = st.getColumn(0).getInt64();
    st.tryReset();
    return v;
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot read the data version of '" + path_ + "'");
  }
}

std::string Store::integrity_check() {
  try {
    SQLite::Statement st(*db_, "PRAGMA integrity_check");
    std::string out;
    while (st.executeStep()) out += (out.empty() ? "" : "\n") + st.getColumn(0).getString();
    return out;
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "integrity check of '" + path_ + "'");
  }
}

}  // namespace dirctl
