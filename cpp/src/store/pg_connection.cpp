#include "store/pg_connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <poll.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <tuple>

#include "dirctl/error.h"
#include "store/pg_schema.h"
#include "store/schema.h"
#include "store/store.h"

namespace dirctl {
namespace {

// The oldest schema a server directory can be migrated from: steps after it
// are plain DDL that translates (store/pg_schema.h); the ones before rebuilt
// tables with SQLite's own functions. Server directories began at 10.
constexpr std::int64_t kFirstServerVersion = 9;

// The writer lock: one advisory lock for the whole database ("dirctl").
constexpr const char* kBegin = "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(110442245060454)";
constexpr const char* kCommit =
    "WITH u AS (UPDATE dirctl_meta SET value = value + 1 WHERE key = 'changes' RETURNING value) "
    "SELECT value, pg_notify('dirctl_changes', value::text) FROM u; COMMIT";

// The result's failure as StorageError("<doing>: ..."), with what to do.
[[noreturn]] void fail(pg_conn* conn, pg_result* r, const std::string& doing) {
  try {
    throw_pg(conn, r);
  } catch (const sql::Error& e) {
    throw_storage(e, doing);
  }
}

std::string without_password(const std::string& url) {
  static const std::regex password(R"((://[^:/@]*):[^@/]*@)");
  static const std::regex parameter(R"(([?&]password=)[^&]*)");
  return std::regex_replace(std::regex_replace(url, password, "$1:***@"), parameter, "$1***");
}

}  // namespace

PgConnection::PgConnection(const std::string& url, int busy_timeout_ms) : location_(without_password(url)) {
  session_.conn = PQconnectdb(url.c_str());
  if (PQstatus(session_.conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(session_.conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQfinish(session_.conn);
    session_.conn = nullptr;
    throw StorageError("cannot connect to '" + location_ + "': " + msg +
                           "; check that the server runs, and the URL's host, port, user and database. Nothing was "
                           "stored",
                       sql::kCantOpen);
  }
  session_.setup_sql = "SET client_min_messages = warning; SET client_encoding = 'UTF8'; SET lock_timeout = " +
                       std::to_string(std::max(busy_timeout_ms, 1));
  exec(session_.setup_sql);
  open_schema();
}

PgConnection::~PgConnection() {
  statements_.clear();
  PQfinish(session_.conn);
}

void PgConnection::open_schema() {
  // What the database holds: (dirctl's meta table exists, tables in the schema).
  const auto look = [&] {
    auto& st = statement("SELECT to_regclass('dirctl_meta') IS NOT NULL, "
                         "(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema())");
    st.executeStep();
    const std::pair<bool, std::int64_t> seen{st.column_text(0) == "t", st.column_int64(1)};
    st.tryReset();
    return seen;
  };
  try {
    auto [ours, tables] = look();
    if (!ours && tables == 0) {
      // Created under the writer lock, by whoever takes it first.
      begin();
      try {
        std::tie(ours, tables) = look();
        if (!ours && tables == 0) {
          spdlog::info("dirctl: creating the directory on '{}' (schema {})", location_, latest_schema_version());
          exec(pg_schema().ddl);
          exec("INSERT INTO dirctl_meta VALUES ('application_id', " + std::to_string(kApplicationId) +
               "), ('schema_version', " + std::to_string(latest_schema_version()) + "), ('changes', 0)");
          ours = true;
        }
        PGresult* r = PQexec(session_.conn, "COMMIT");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) throw_pg(session_.conn, r);
        PQclear(r);
        session_.in_txn = false;
      } catch (...) {
        rollback();
        throw;
      }
    }
    if (!ours)
      throw StorageError("'" + location_ + "' holds other tables and no dirctl directory; it was left untouched: " +
                         "give dirctl an empty database (or schema) of its own");
    const auto identity = [&] {
      auto& meta = statement("SELECT key, value FROM dirctl_meta WHERE key IN ('application_id', 'schema_version')");
      std::pair<std::int64_t, std::int64_t> out{0, 0};
      while (meta.executeStep()) (meta.column_text(0) == "application_id" ? out.first : out.second) = meta.column_int64(1);
      meta.tryReset();
      return out;
    };
    auto [app, version] = identity();
    if (app == kApplicationId && version >= kFirstServerVersion && version < latest_schema_version()) {
      // Migrated under the writer lock, looking again under it (another
      // process may have done it meanwhile), by the same steps as a file's,
      // translated (store/pg_schema.h).
      begin();
      try {
        version = identity().second;
        for (auto v = version + 1; v <= latest_schema_version(); ++v) {
          spdlog::info("dirctl: migrating '{}' to schema {}", location_, v);
          exec(pg_schema_step(static_cast<int>(v)));
        }
        exec("UPDATE dirctl_meta SET value = " + std::to_string(latest_schema_version()) +
             " WHERE key = 'schema_version'");
        PGresult* r = PQexec(session_.conn, "COMMIT");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) throw_pg(session_.conn, r);
        PQclear(r);
        session_.in_txn = false;
        version = latest_schema_version();
      } catch (...) {
        rollback();
        throw;
      }
    }
    if (app != kApplicationId)
      throw StorageError("'" + location_ + "' is not a dirctl directory (application_id " + std::to_string(app) +
                         "); it was left untouched");
    if (version > latest_schema_version())
      throw StorageError("'" + location_ + "' was written by a newer dirctl (schema version " +
                         std::to_string(version) + "; this dirctl reads up to " +
                         std::to_string(latest_schema_version()) + "); upgrade dirctl to open it. It was left untouched");
    if (version < latest_schema_version())
      throw StorageError("'" + location_ + "' has schema version " + std::to_string(version) +
                         ", older than any dirctl created on PostgreSQL; it was left untouched");
    schema_version_ = static_cast<int>(version);
    // The directory's own id (idempotent: a directory created before it had
    // one gets it now, once, whoever comes first).
    exec("INSERT INTO dirctl_meta VALUES ('directory_id', floor(random() * 9.0e18)::bigint) ON CONFLICT DO NOTHING");
    directory_id_ = scalar_of("SELECT value FROM dirctl_meta WHERE key = 'directory_id'");
  } catch (const sql::Error& e) {
    throw_storage(e, "cannot prepare directory '" + location_ + "'");
  }
}

sql::Statement& PgConnection::statement(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) it = statements_.emplace(sql, std::make_unique<PgStatement>(session_, sql)).first;
  it->second->tryReset();
  it->second->clearBindings();
  return *it->second;
}

std::unique_ptr<sql::Statement> PgConnection::prepare(const std::string& sql) {
  return std::make_unique<PgStatement>(session_, sql);
}

void PgConnection::reconnect_if_lost() {
  if (session_.in_txn || session_.pipelined) return;
  try {
    if (pg_reconnect_if_lost(session_)) spdlog::info("dirctl: connected to '{}' again", location_);
  } catch (const sql::Error& e) {
    throw_storage(e, "directory '" + location_ + "'");
  }
}

void PgConnection::exec(const std::string& sql) {
  reconnect_if_lost();
  PGresult* r = PQexec(session_.conn, sql.c_str());
  const auto st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) fail(session_.conn, r, "directory '" + location_ + "'");
  PQclear(r);
}

void PgConnection::begin() {
  reset_all();
  reconnect_if_lost();
  PGresult* r = PQexec(session_.conn, kBegin);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    PQclear(PQexec(session_.conn, "ROLLBACK"));
    fail(session_.conn, r, "cannot start a write on '" + location_ + "'");
  }
  PQclear(r);
  session_.in_txn = true;
}

void PgConnection::commit() {
  reset_all();
  if (!session_.in_txn) throw StorageError("cannot commit to '" + location_ + "': no transaction is open");
  if (PQstatus(session_.conn) != CONNECTION_OK || PQtransactionStatus(session_.conn) != PQTRANS_INTRANS) {
    const bool lost = PQstatus(session_.conn) != CONNECTION_OK;
    rollback();
    throw StorageError("cannot commit to '" + location_ + "': " +
                       (lost ? std::string("the connection was lost during the transaction")
                             : std::string("the server ended the transaction (a statement in it failed)")) +
                       "; nothing was stored");
  }
  // The counter, the notification and the commit in one round trip.
  std::int64_t counter = -1;
  if (PQsendQuery(session_.conn, kCommit) == 0) fail(session_.conn, nullptr, "cannot commit to '" + location_ + "'");
  PGresult* failed = nullptr;
  bool committed = false;
  while (PGresult* r = PQgetResult(session_.conn)) {
    const auto st = PQresultStatus(r);
    if (st == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      counter = std::strtoll(PQgetvalue(r, 0, 0), nullptr, 10);
    } else if (st == PGRES_COMMAND_OK) {
      committed = std::strcmp(PQcmdStatus(r), "COMMIT") == 0;
    } else if (failed == nullptr) {
      failed = r;
      continue;
    }
    PQclear(r);
  }
  if (failed != nullptr || !committed || counter < 0) {
    const bool lost = PQstatus(session_.conn) != CONNECTION_OK;
    rollback();
    if (failed == nullptr && !lost)
      throw StorageError("cannot commit to '" + location_ + "': the server ended the transaction (an earlier "
                         "statement in it failed); nothing was stored");
    fail(session_.conn, failed,
         lost ? "the connection to '" + location_ + "' was lost while committing; the write may or may not have been "
                "stored: look before retrying"
              : "cannot commit to '" + location_ + "'");
  }
  session_.in_txn = false;
  pg_deallocate_stale(session_);
  // Our own commit moves the counter by one; more means others committed
  // since we last looked, which data_version() must still show.
  if (counter - 1 == seen_counter_) seen_counter_ = counter;
}

void PgConnection::rollback() noexcept {
  reset_all();
  if (session_.in_txn && PQstatus(session_.conn) == CONNECTION_OK) PQclear(PQexec(session_.conn, "ROLLBACK"));
  session_.in_txn = false;
  pg_deallocate_stale(session_);
}

void PgConnection::savepoint(const char* name) { exec(std::string("SAVEPOINT ") + name); }

void PgConnection::release(const char* name) { exec(std::string("RELEASE SAVEPOINT ") + name); }

void PgConnection::rollback_to(const char* name) noexcept {
  reset_all();
  const std::string sql = std::string("ROLLBACK TO SAVEPOINT ") + name + "; RELEASE SAVEPOINT " + name;
  PQclear(PQexec(session_.conn, sql.c_str()));
}

bool PgConnection::in_transaction() const noexcept { return session_.in_txn; }

void PgConnection::begin_read() {
  reset_all();
  exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1");  // the snapshot is taken at the first query
  session_.in_txn = true;
}

void PgConnection::end_read() noexcept {
  reset_all();
  if (session_.in_txn && PQstatus(session_.conn) == CONNECTION_OK) PQclear(PQexec(session_.conn, "COMMIT"));
  session_.in_txn = false;
  pg_deallocate_stale(session_);
}

void PgConnection::begin_pipeline() {
  reset_all();
  if (PQenterPipelineMode(session_.conn) != 1) fail(session_.conn, nullptr, "cannot start a pipeline");
  session_.pipelined = true;
}

void PgConnection::end_pipeline() {
  try {
    pg_pipeline_sync(session_);
  } catch (const sql::Error&) {
    abandon_pipeline();
    throw;
  }
  session_.pipelined = false;
  if (PQexitPipelineMode(session_.conn) != 1) fail(session_.conn, nullptr, "cannot end a pipeline");
}

void PgConnection::abandon_pipeline() noexcept {
  if (!session_.pipelined) return;
  try {
    pg_pipeline_sync(session_);
  } catch (...) {  // the failure was (or is being) reported by the caller
  }
  session_.awaited.clear();
  session_.pipelined = false;
  PQexitPipelineMode(session_.conn);
}

void PgConnection::reset_all() noexcept {
  for (auto& [sql, st] : statements_) st->tryReset();
}

bool PgConnection::wait_for_commit(int timeout_ms) {
  if (in_transaction()) return false;
  if (!listening_) {
    exec("LISTEN dirctl_changes");
    session_.setup_sql += "; LISTEN dirctl_changes";  // again on a new connection
    listening_ = true;
  }
  const std::int64_t start = read_counter();  // after LISTEN: a commit from here on also notifies
  if (start != seen_counter_ && seen_counter_ >= 0) return true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  const int me = PQbackendPID(session_.conn);
  for (;;) {
    if (PQconsumeInput(session_.conn) != 1) fail(session_.conn, nullptr, "lost the connection while waiting");
    bool other = false;
    while (PGnotify* n = PQnotifies(session_.conn)) {
      other = other || n->be_pid != me;
      PQfreemem(n);
    }
    if (other) return true;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd fd{PQsocket(session_.conn), POLLIN, 0};
    ::poll(&fd, 1, static_cast<int>(left.count()));
  }
}

std::int64_t PgConnection::scalar_of(const std::string& sql) {
  auto& st = statement(sql);
  const std::int64_t v = st.executeStep() ? st.column_int64(0) : 0;
  st.tryReset();
  return v;
}

std::int64_t PgConnection::read_counter() {
  return guarded("cannot read the change counter",
                 [&] { return scalar_of("SELECT value FROM dirctl_meta WHERE key = 'changes'"); });
}

std::int64_t PgConnection::data_version() {
  const std::int64_t c = read_counter();
  if (c != seen_counter_) {
    ++version_;
    seen_counter_ = c;
  }
  return version_;
}

// Exact on a server: a commit anywhere that finished before the question
// must be seen, and only the server knows (a notification may still be on
// its way). The notifications serve waiters (agents, schedulers).
ChangeProbe::Mark PgConnection::change_mark() const { return ChangeProbe::Mark{}; }

bool PgConnection::unchanged_since(const ChangeProbe::Mark&) noexcept { return false; }

std::string PgConnection::integrity_check() {
  return guarded("integrity check", [&]() -> std::string {
    std::string problems;
    // The event log is gap-free from its oldest kept event to its newest.
    auto& st = statement("SELECT count(*), coalesce(min(seq), 0), coalesce(max(seq), 0) FROM events");
    st.executeStep();
    const std::int64_t n = st.column_int64(0), lo = st.column_int64(1), hi = st.column_int64(2);
    st.tryReset();
    if (n > 0 && n != hi - lo + 1)
      problems += "the event log has " + std::to_string(n) + " events between seq " + std::to_string(lo) + " and " +
                  std::to_string(hi) + ": some are missing\n";
    // Every index's B-tree, when the server has amcheck installed.
    auto& am = statement(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_namespace s ON s.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam "
        "WHERE s.nspname = current_schema() AND a.amname = 'btree' "
        "AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck') ORDER BY 1");
    std::vector<std::string> indexes;
    while (am.executeStep()) indexes.push_back(am.getColumn(0).getString());
    am.tryReset();
    for (const auto& index : indexes) {
      auto check = prepare("SELECT bt_index_check(?::regclass)");
      check->bind(1, index);
      try {
        check->executeStep();
      } catch (const sql::Error& e) {
        problems += "index " + index + ": " + e.what() + "\n";
      }
    }
    if (problems.empty()) return "ok";
    problems.pop_back();
    return problems;
  });
}

std::vector<std::pair<std::string, std::string>> PgConnection::indexes_of(const std::string& table) {
  return guarded("cannot list the indexes", [&] {
    // Named indexes only: those behind PRIMARY KEY / UNIQUE constraints stay.
    auto& st = statement(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = ? "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
        "(quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) ORDER BY i.indexname");
    st.bind(1, table);
    std::vector<std::pair<std::string, std::string>> out;
    while (st.executeStep()) out.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getString());
    st.tryReset();
    return out;
  });
}

std::int64_t PgConnection::key_counter(const std::string& table) {
  const auto key = pg_schema().keys.find(table);
  if (key == pg_schema().keys.end() || pg_schema().identity.count(table) == 0) return 0;
  auto& st = statement("SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence(?, ?)), 0)");
  st.bind(1, table);
  st.bind(2, key->second);
  const std::int64_t v = st.executeStep() ? st.column_int64(0) : 0;
  st.tryReset();
  return v;
}

void PgConnection::sync_key_counters(const std::unordered_map<std::string, std::int64_t>& at_least) {
  for (const std::string& table : pg_schema().identity) {
    const std::string& key = pg_schema().keys.at(table);
    const auto floor = at_least.find(table);
    auto& st = statement("SELECT setval(pg_get_serial_sequence(?, ?), greatest((SELECT coalesce(max(" + key +
                         "), 0) FROM " + table + "), CAST(? AS bigint)) + 1, false)");
    st.bind(1, table);
    st.bind(2, key);
    st.bind(3, floor == at_least.end() ? std::int64_t{0} : floor->second);
    st.executeStep();
    st.tryReset();
  }
}

SQLite::Database& PgConnection::sqlite() {
  throw StorageError("'" + location_ + "' is a PostgreSQL directory: it has no SQLite file");
}

}  // namespace dirctl
