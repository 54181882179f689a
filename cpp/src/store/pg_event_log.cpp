#include "store/pg_event_log.h"

#include <algorithm>
#include <thread>

#include <pqxx/pqxx>

#include "dirctl/error.h"
#include "store/row_sql.h"
#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

// The writer lock's key ("dirctl" in ASCII): one per database.
constexpr long long kWriterLock = 0x646972637466LL;
constexpr const char* kChannel = "dirctl_events";

// jsonb for the changes; times as timestamptz, written and read as exact
// milliseconds since the epoch (no floating point on the way).
constexpr const char* kCreate = R"sql(
CREATE TABLE IF NOT EXISTS events(
  seq bigint PRIMARY KEY,
  time timestamptz NOT NULL,
  org_id bigint NOT NULL DEFAULT 0,
  event_type text NOT NULL,
  initiated_by_type text NOT NULL, initiated_by_id bigint NOT NULL DEFAULT 0,
  initiated_by_email text NOT NULL DEFAULT '',
  resource_type text NOT NULL DEFAULT '', resource_id bigint NOT NULL DEFAULT 0,
  resource_name text NOT NULL DEFAULT '',
  target_type text NOT NULL DEFAULT '', target_id bigint NOT NULL DEFAULT 0,
  target_name text NOT NULL DEFAULT '',
  success boolean NOT NULL DEFAULT true,
  changes jsonb NOT NULL DEFAULT '[]',
  message text NOT NULL DEFAULT '')
)sql";

// seq, then the columns in the order SQLite's writer binds them (row_sql.h),
// with their values given in that order too.
std::vector<std::string> all_columns() {
  std::vector<std::string> out{"seq"};
  out.insert(out.end(), event_columns().begin(), event_columns().end());
  return out;
}

// The time is given as ms since the epoch, the changes as JSON text.
std::string insert_sql(const std::vector<std::string>& columns) {
  std::string values;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string p = "$" + std::to_string(i + 1);
    values += (i > 0 ? ", " : "") + (columns[i] == "time"      ? "timestamptz 'epoch' + " + p + " * interval '1 millisecond'"
                                     : columns[i] == "changes" ? p + "::jsonb"
                                                               : p);
  }
  return "INSERT INTO events (seq, " + event_column_list() + ") VALUES (" + values + ")";
}

const std::vector<std::string> kColumns = all_columns();
const std::string kInsert = insert_sql(kColumns);

// From this many events an append COPYs them in (its floor; bench/pg_bench.py).
constexpr std::size_t kCopyFrom = 16;

constexpr const char* kSelectAfter =
    "SELECT seq, (extract(epoch FROM time) * 1000)::bigint, org_id, event_type, initiated_by_type, initiated_by_id, "
    "initiated_by_email, resource_type, resource_id, resource_name, target_type, target_id, target_name, success, "
    "changes::text, message FROM events WHERE seq > $1 ORDER BY seq LIMIT $2";

[[noreturn]] void fail(const std::string& doing, const std::exception& e) {
  throw StorageError("PostgreSQL: cannot " + doing + ": " + e.what() + " (nothing was stored)");
}

// Runs f(); every libpqxx failure (SQL, connection, COPY) becomes a
// StorageError naming what was being done. A commit whose outcome the client
// cannot know says so: it may have been stored.
template <typename F>
auto guarded(const std::string& doing, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const pqxx::in_doubt_error& e) {
    throw StorageError("PostgreSQL: " + doing + ": the connection was lost while committing, so it may or may not "
                       "have been stored; read the log after the last seq you know to see (" + e.what() + ")");
  } catch (const StorageError&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw StorageError("PostgreSQL: cannot " + doing + ": the server cannot be reached (" + e.what() +
                       "); check that it runs and that the URL's host, port, user and database are right, then "
                       "retry: nothing was stored");
  } catch (const std::exception& e) {
    fail(doing, e);
  }
}

// Write transactions run at READ COMMITTED whatever the server's default, so
// that each statement after the lock sees every commit made before it.
void begin_write(pqxx::work& tx) {
  tx.exec("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  tx.exec_params("SELECT pg_advisory_xact_lock($1)", kWriterLock);
}

// Counts notifications on the log's channel while it exists (LISTEN ...
// UNLISTEN); what they say is read from the table.
class Wakeups : public pqxx::notification_receiver {
 public:
  Wakeups(pqxx::connection_base& c, std::int64_t& count) : pqxx::notification_receiver(c, kChannel), count_(count) {}
  void operator()(const std::string&, int) override { ++count_; }

 private:
  std::int64_t& count_;
};

}  // namespace

struct PgEventLog::Conn {
  explicit Conn(const std::string& url) : db(url) {}
  pqxx::connection db;
};

PgEventLog::PgEventLog(const std::string& url) : url_(url) {
  guarded("open the event log at '" + url + "'", [&] {
    c_ = std::make_unique<Conn>(url);
    pqxx::work tx(c_->db);
    begin_write(tx);
    tx.exec(kCreate);
    tx.commit();
    c_->db.prepare("dirctl_insert_event", kInsert);  // once the table exists
  });
}

PgEventLog::~PgEventLog() = default;

void PgEventLog::reconnect() {
  c_.reset();
  c_ = std::make_unique<Conn>(url_);
  c_->db.prepare("dirctl_insert_event", kInsert);
}

template <typename F>
auto PgEventLog::connected(const std::string& doing, F&& f) -> decltype(f()) {
  return guarded(doing, [&] {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!c_) reconnect();
        return f();
      } catch (const pqxx::in_doubt_error&) {
        throw;  // lost while committing: it may have been stored, so it is not done again
      } catch (const std::exception&) {
        // A connection the server ended (a restart, a failover, an administrator):
        // whatever transaction it held was rolled back, so the call runs once more
        // on a new one. Any other failure, or a second one, is the caller's.
        if (attempt > 0 || (c_ && c_->db.is_open())) throw;
        reconnect();
      }
    }
  });
}

std::int64_t PgEventLog::append(const std::vector<Event>& events, std::chrono::milliseconds hold) {
  return connected("append " + std::to_string(events.size()) + " event(s)", [&] {
    pqxx::work tx(c_->db);
    begin_write(tx);
    const pqxx::result last =
        tx.exec("SELECT seq, (extract(epoch FROM time) * 1000)::bigint FROM events ORDER BY seq DESC LIMIT 1");
    std::int64_t seq = last.empty() ? 0 : last[0][0].as<std::int64_t>();
    const std::int64_t newest_ms = last.empty() ? 0 : last[0][1].as<std::int64_t>();
    const std::int64_t ms = std::max(unix_now_ms(), newest_ms);
    if (events.size() < kCopyFrom) {
      for (const Event& e : events)
        tx.exec_prepared("dirctl_insert_event", ++seq, ms, e.org, e.event_type, e.initiated_by_type,
                         e.initiated_by_id, e.initiated_by_email, e.resource.type, e.resource.id, e.resource.name,
                         e.target.type, e.target.id, e.target.name, e.success, changes_to_json(e.changes), e.message);
    } else {  // one COPY, not a round trip per row
      const std::string time = iso_of_ms(ms);
      pqxx::stream_to out(tx, "events", kColumns);
      for (const Event& e : events)
        out << std::make_tuple(++seq, time, e.org, e.event_type, e.initiated_by_type, e.initiated_by_id,
                               e.initiated_by_email, e.resource.type, e.resource.id, e.resource.name, e.target.type,
                               e.target.id, e.target.name, e.success, changes_to_json(e.changes), e.message);
      out.complete();
    }
    if (!events.empty()) tx.exec_params("SELECT pg_notify($1, $2)", std::string(kChannel), std::to_string(seq));
    if (hold.count() > 0) std::this_thread::sleep_for(hold);
    tx.commit();
    return seq;
  });
}

std::vector<Event> PgEventLog::after(std::int64_t after, int limit) {
  return connected("read events after #" + std::to_string(after), [&] {
    pqxx::nontransaction tx(c_->db);
    const pqxx::result rows = tx.exec_params(kSelectAfter, after, limit);
    std::vector<Event> out;
    out.reserve(rows.size());
    for (const auto& r : rows) {
      Event e;
      e.seq = r[0].as<std::int64_t>();
      e.time = iso_of_ms(r[1].as<std::int64_t>());
      e.org = r[2].as<std::int64_t>();
      e.event_type = r[3].as<std::string>();
      e.initiated_by_type = r[4].as<std::string>();
      e.initiated_by_id = r[5].as<std::int64_t>();
      e.initiated_by_email = r[6].as<std::string>();
      e.resource = {r[7].as<std::string>(), r[8].as<std::int64_t>(), r[9].as<std::string>()};
      e.target = {r[10].as<std::string>(), r[11].as<std::int64_t>(), r[12].as<std::string>()};
      e.success = r[13].as<bool>();
      e.changes = changes_from_json(r[14].as<std::string>());
      e.message = r[15].as<std::string>();
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::int64_t PgEventLog::last_seq() {
  return connected("read the newest event's seq", [&] {
    pqxx::nontransaction tx(c_->db);
    return tx.exec("SELECT coalesce(max(seq), 0) FROM events")[0][0].as<std::int64_t>();
  });
}

bool PgEventLog::wait_past(std::int64_t seen, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  return connected("wait for events after #" + std::to_string(seen), [&] {
    // LISTEN only while waiting (a log that never waits queues nothing), and
    // before the first look, so that no commit falls between a look and a wait.
    Wakeups listening(c_->db, notifications_);
    while (true) {
      if (last_seq() > seen) return true;
      const auto left =
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      c_->db.await_notification(static_cast<long>(left.count() / 1000000), static_cast<long>(left.count() % 1000000));
    }
  });
}

std::int64_t PgEventLog::notifications() const { return notifications_; }

}  // namespace dirctl
