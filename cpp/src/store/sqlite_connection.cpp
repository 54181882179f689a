#include "store/sqlite_connection.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <chrono>
#include <thread>

#include "dirctl/error.h"
#include "store/schema.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace dirctl {

namespace {

[[noreturn]] void throw_storage(const SQLite::Exception& e, const std::string& doing) {
  ::dirctl::throw_storage(sql::Error(e.what(), e.getExtendedErrorCode()), doing);
}

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

// Debian's SQLite is built with SQLITE_USE_URI: a name starting "file:" would
// be a URI even without OPEN_URI. "./" makes it the plain file it looks like.
std::string plain_file_name(const std::string& path) {
  return path.rfind("file:", 0) == 0 ? "./" + path : path;
}

std::string folder_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// SQLite needs to create <file>-wal and <file>-shm beside a WAL file; a
// folder it cannot write to makes every read fail with CANTOPEN/READONLY.
bool folder_refuses_wal(const std::string& path, int code) {
  const int primary = code & 0xff;
  if (primary != SQLITE_CANTOPEN && primary != SQLITE_READONLY && primary != SQLITE_IOERR) return false;
  // A folder that exists but refuses writes (a missing one is another story).
  return ::access(folder_of(path).c_str(), W_OK) != 0 && (errno == EACCES || errno == EROFS || errno == EPERM);
}

[[noreturn]] void throw_wal_folder(const std::string& path, const SQLite::Exception& e) {
  throw StorageError("cannot open '" + path + "': its folder '" + folder_of(path) +
                         "' is not writable, and SQLite must create '" + path + "-wal' and '" + path +
                         "-shm' beside the file; make the folder writable or copy the file to one that is",
                     e.getExtendedErrorCode());
}

struct FileIdentity {
  int app_id = 0, version = 0, objects = 0;
  std::string journal_mode;
};

// One read of the three facts, so a concurrent first open cannot commit
// between them (it would look like SQLite that is not dirctl's).
FileIdentity identify(SQLite::Database& db) {
  SQLite::Statement st(db,
                       "SELECT (SELECT application_id FROM pragma_application_id()), "
                       "(SELECT user_version FROM pragma_user_version()), "
                       "(SELECT count(*) FROM sqlite_master), (SELECT journal_mode FROM pragma_journal_mode())");
  st.executeStep();
  return {st.getColumn(0).getInt(), st.getColumn(1).getInt(), st.getColumn(2).getInt(), st.getColumn(3).getString()};
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, int busy_timeout_ms, bool uri) : path_(path) {
  configure_sqlite_once();
  memory_ = path.empty() || path == ":memory:" ||
            (uri && (path.rfind("file::memory:", 0) == 0 || path.find("mode=memory") != std::string::npos));
  try {
    db_ = std::make_unique<SQLite::Database>(uri ? path : plain_file_name(path),
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX |
                                                 (uri ? SQLite::OPEN_URI : 0));
    db_->setBusyTimeout(busy_timeout_ms);
  } catch (const SQLite::Exception& e) {
    if (!memory_ && folder_refuses_wal(path, e.getExtendedErrorCode())) throw_wal_folder(path, e);
    throw_storage(e, "cannot open directory '" + path + "'");
  }
  FileIdentity id;
  try {
    id = identify(*db_);
  } catch (const SQLite::Exception& e) {
    if (!memory_ && folder_refuses_wal(path, e.getExtendedErrorCode())) throw_wal_folder(path, e);
    if ((e.getErrorCode() & 0xff) == SQLITE_BUSY || (e.getErrorCode() & 0xff) == SQLITE_LOCKED) throw_storage(e, "cannot open '" + path + "'");
    throw StorageError("'" + path + "' is not a dirctl directory (" + e.what() +
                           "); it was left untouched: open a dirctl .db file or a new path",
                       e.getExtendedErrorCode());
  }
  const int latest = latest_schema_version();
  check_identity(id.app_id, id.version, id.objects);
  try {
    // The journal mode lives in the file: set once, by whoever comes first.
    // Switching to WAL needs the file to itself for a moment, and SQLite
    // answers BUSY at once (no busy handler) while a racing first open holds
    // it: retry until the busy timeout.
    if (!memory_ && id.journal_mode != "wal") {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms);
      for (;;) {
        try {
          db_->exec("PRAGMA journal_mode = WAL");
          break;
        } catch (const SQLite::Exception& e) {
          if ((e.getErrorCode() & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() > deadline) throw;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    }
    db_->exec("PRAGMA synchronous = FULL");
    db_->exec("PRAGMA temp_store = MEMORY");
    db_->exec("PRAGMA cache_size = -131072");  // up to 128 MiB, used only as pages are touched
    if (id.version < latest) {
      begin();
      try {
        // Another process may have created or migrated the file while we
        // waited for the lock: look again, under it.
        const FileIdentity now = identify(*db_);
        check_identity(now.app_id, now.version, now.objects);
        if (now.version < latest) {
          spdlog::info("dirctl: migrating '{}' from schema {} to {}", path, now.version, latest);
          migrate(*db_, now.version, latest);
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
    // The connection has read the file in WAL mode: SQLite's wal-index is mapped.
    const char* exact = std::getenv("DIRCTL_EXACT_CATCH_UP");
    if (!memory_ && (exact == nullptr || std::strcmp(exact, "1") != 0)) probe_ = ChangeProbe(db_->getHandle());
  } catch (const SQLite::Exception& e) {
    if (!memory_ && folder_refuses_wal(path, e.getExtendedErrorCode())) throw_wal_folder(path, e);
    throw_storage(e, "cannot prepare directory '" + path + "'");
  }
}

void SqliteConnection::check_identity(int app_id, int version, int objects) const {
  const bool fresh = objects == 0 && app_id == 0 && version == 0;
  if (!fresh && app_id != kApplicationId)
    throw StorageError("'" + path_ + "' is a SQLite database but not a dirctl directory (application_id " +
                       std::to_string(app_id) + "); it was left untouched: open a dirctl .db file or a new path");
  const int latest = latest_schema_version();
  if (version > latest)
    throw StorageError("'" + path_ + "' was written by a newer dirctl (schema version " + std::to_string(version) +
                       "; this dirctl reads up to " + std::to_string(latest) +
                       "); upgrade dirctl to open it. The file was left untouched");
}

SqliteConnection::~SqliteConnection() {
  statements_.clear();  // finalize before the connection closes
}

sqlite3* SqliteConnection::handle() const { return db_->getHandle(); }

sql::Statement& SqliteConnection::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  try {
    if (it == statements_.end())
      it = statements_.emplace(sql, CachedStatement{std::make_unique<SqliteStatement>(handle(), sql), false}).first;
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot prepare a statement");
  }
  return hand_out(it->second);
}

sql::Statement& SqliteConnection::stable_statement(const std::string& sql) {
  auto it = by_address_.find(&sql);
  // The text is compared too (a memcmp, no hashing): a caller that broke the
  // contract with a string that died gets the right statement all the same.
  if (it == by_address_.end() || it->second->statement->getQuery() != sql) {
    statement(sql);  // prepares and caches it by text
    it = by_address_.insert_or_assign(&sql, &statements_.find(sql)->second).first;
  }
  return hand_out(*it->second);
}

sql::Statement& SqliteConnection::hand_out(CachedStatement& c) {
  c.statement->tryReset();  // reset() would rethrow a previous step's failure
  c.statement->clearBindings();
  if (!c.handed_out) {  // it may be left mid-step from now on
    c.handed_out = true;
    handed_out_.push_back(&c);
  }
  return *c.statement;
}

std::unique_ptr<sql::Statement> SqliteConnection::prepare(const std::string& sql) {
  return std::make_unique<SqliteStatement>(handle(), sql);
}

std::int64_t SqliteConnection::last_insert_id() { return sqlite3_last_insert_rowid(handle()); }

void SqliteConnection::exec(const std::string& sql) {
  try {
    db_->exec(sql);
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "directory '" + path_ + "'");
  }
}

void SqliteConnection::reset_all() noexcept {
  // Only statements handed out since the last call can be mid-step: the
  // others were reset then, and nothing has stepped them since.
  for (CachedStatement* c : handed_out_) {
    c->statement->tryReset();
    c->handed_out = false;
  }
  handed_out_.clear();
}

void SqliteConnection::begin() {
  reset_all();  // a statement left mid-step would pin an old read snapshot
  try {
    db_->exec("BEGIN IMMEDIATE");
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot start a write on '" + path_ + "'");
  }
}

void SqliteConnection::commit() {
  try {
    db_->exec("COMMIT");
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot commit to '" + path_ + "'");
  }
}

void SqliteConnection::rollback() noexcept {
  // Statements mid-step would keep the transaction open; reset them first.
  reset_all();
  if (in_transaction()) sqlite3_exec(handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

const std::pair<std::string, std::string>& SqliteConnection::savepoint_sql(const char* name) {
  auto it = savepoint_sql_.find(name);
  if (it == savepoint_sql_.end())
    it = savepoint_sql_.emplace(name, std::make_pair(std::string("SAVEPOINT ") + name, std::string("RELEASE ") + name)).first;
  return it->second;
}

void SqliteConnection::savepoint(const char* name) {
  try {
    stable_statement(savepoint_sql(name).first).exec();
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot start an operation on '" + path_ + "'");
  }
}

void SqliteConnection::release(const char* name) {
  try {
    stable_statement(savepoint_sql(name).second).exec();
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot finish an operation on '" + path_ + "'");
  }
}
void SqliteConnection::rollback_to(const char* name) noexcept {
  reset_all();
  const std::string sql = std::string("ROLLBACK TO ") + name + "; RELEASE " + name;
  sqlite3_exec(handle(), sql.c_str(), nullptr, nullptr, nullptr);
}

bool SqliteConnection::in_transaction() const noexcept { return sqlite3_get_autocommit(handle()) == 0; }

void SqliteConnection::begin_read() {
  reset_all();
  exec("BEGIN");
  // A deferred BEGIN takes its snapshot at the first read: take it now.
  exec("SELECT 1 FROM sqlite_master LIMIT 1");
}

void SqliteConnection::end_read() noexcept {
  reset_all();
  if (in_transaction()) sqlite3_exec(handle(), "COMMIT", nullptr, nullptr, nullptr);
}

std::int64_t SqliteConnection::data_version() {
  try {
    reset_all();  // no stale snapshot may hide another connection's commit
    auto& st = statement("PRAGMA data_version");
    st.executeStep();
    const std::int64_t v = st.getColumn(0).getInt64();
    st.tryReset();
    return v;
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot read the data version of '" + path_ + "'");
  }
}

bool SqliteConnection::unchanged_since(const ChangeProbe::Mark& mark) noexcept {
  reset_all();
  return probe_.unchanged_since(mark);
}

bool SqliteConnection::wait_for_commit(int timeout_ms) {
  if (in_transaction()) return false;
  if (memory_) {  // private to this handle: no one else can commit; just wait
    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  ChangeProbe::Mark mark = change_mark();
  const std::int64_t start = data_version();
  for (;;) {
    if (!unchanged_since(mark)) {
      mark = change_mark();
      if (data_version() != start) return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::int64_t SqliteConnection::key_counter(const std::string& table) {
  auto& st = statement("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0)");
  st.bind(1, table);
  const std::int64_t v = st.executeStep() ? st.column_int64(0) : 0;
  st.tryReset();
  return v;
}

void SqliteConnection::sync_key_counters(const std::unordered_map<std::string, std::int64_t>& at_least) {
  // AUTOINCREMENT follows given keys itself; a higher counter is written.
  for (const auto& [table, n] : at_least) {
    auto& up = statement("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?");
    up.bind(1, n);
    up.bind(2, table);
    if (up.exec() == 0 && n > 0) {
      auto& in = statement("INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)");
      in.bind(1, table);
      in.bind(2, n);
      in.exec();
    }
  }
}

void SqliteConnection::shrink_memory() { exec("PRAGMA shrink_memory"); }

std::vector<std::pair<std::string, std::string>> SqliteConnection::indexes_of(const std::string& table) {
  // Named indexes only: those behind PRIMARY KEY / UNIQUE clauses have no sql.
  auto& st = statement("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                       "AND sql IS NOT NULL ORDER BY name");
  std::vector<std::pair<std::string, std::string>> out;
  try {
    st.bind(1, table);
    while (st.executeStep()) out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
    st.reset();
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot list the indexes of " + table);
  }
  return out;
}

std::string SqliteConnection::integrity_check() {
  try {
    SQLite::Statement st(*db_, "PRAGMA integrity_check");
    std::string out;
    while (st.executeStep()) out += (out.empty() ? "" : "\n") + st.getColumn(0).getString();
    return out;
  } catch (const SQLite::Exception& e) {
    // A damaged file is what the check is for: its problem is the answer.
    const int primary = e.getErrorCode() & 0xff;
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || primary == SQLITE_IOERR)
      return std::string("not ok: ") + e.what();
    throw_storage(e, "integrity check of '" + path_ + "'");
  }
}

}  // namespace dirctl
