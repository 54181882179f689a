// pg_event_log_bench: the audit log on PostgreSQL (store/pg_event_log: PgEventLog)
// beside the same log on a SQLite file (store/RecordWriter::append), and
// PostgreSQL's own COPY of the same rows as the floor, in one run.
//
//   pg_event_log_bench URL [events=100000] [sqlite_path=/tmp/dirctl_pg_bench.db]
//
// bench/pg_bench.py starts a throwaway local cluster and runs it. Prints:
// - one event per transaction (the latency of a single audited mutation's
//   log write, each commit durable): PostgreSQL against SQLite;
// - batches of 1,000 events per transaction: events/s on both, and COPY's;
// - 8 writer processes at once, one event per transaction: commits/s
//   (the writer lock serialises them) against one writer alone.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "store/pg_event_log.h"
#include "store/record_writer.h"
#include "store/store.h"
#include "util/json_text.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Event event(int i) {
  Event e;
  e.org = 1;
  e.event_type = "user_create";
  e.initiated_by_type = "system";
  const std::string name = "user" + std::to_string(i);
  e.resource = {"user", 1000 + i, name};
  e.changes = {{"username", "null", "\"" + name + "\""}, {"email", "null", "\"" + name + "@example.com\""}};
  return e;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// Seconds for `commits` transactions of `per` events each on SQLite.
double sqlite_run(const std::string& path, int commits, int per) {
  remove_db(path);
  Store store(path, 5000);
  RecordWriter writer(store);
  const auto t0 = Clock::now();
  for (int c = 0, i = 0; c < commits; ++c) {
    store.begin();
    for (int k = 0; k < per; ++k) writer.append(event(i++));
    store.commit();
  }
  const double s = since(t0);
  remove_db(path);
  return s;
}

double pg_run(const std::string& url, int commits, int per) {
  PgEventLog log(url);
  const auto t0 = Clock::now();
  for (int c = 0, i = 0; c < commits; ++c) {
    std::vector<Event> batch;
    for (int k = 0; k < per; ++k) batch.push_back(event(i++));
    log.append(batch);
  }
  return since(t0);
}

// COPY of the same rows into a table like the log's: PostgreSQL's floor.
double copy_floor(const std::string& url, int rows) {
  pqxx::connection db(url);
  {
    pqxx::work tx(db);
    tx.exec("DROP TABLE IF EXISTS events_copy");
    tx.exec("CREATE TABLE events_copy (LIKE events INCLUDING ALL)");
    tx.commit();
  }
  const auto t0 = Clock::now();
  pqxx::work tx(db);
  pqxx::stream_to out(tx, "events_copy",
                      std::vector<std::string>{"seq", "time", "org_id", "event_type", "initiated_by_type",
                                               "resource_type", "resource_id", "resource_name", "changes"});
  for (int i = 0; i < rows; ++i) {
    const Event e = event(i);
    out << std::make_tuple(static_cast<long long>(i + 1), std::string("2026-12-07 12:00:00+00"), e.org, e.event_type,
                           e.initiated_by_type, e.resource.type, e.resource.id, e.resource.name,
                           changes_to_json(e.changes));
  }
  out.complete();
  tx.commit();
  const double s = since(t0);
  pqxx::work drop(db);
  drop.exec("DROP TABLE events_copy");
  drop.commit();
  return s;
}

// `writers` processes, each `commits` single-event appends; returns seconds.
double pg_writers(const std::string& url, int writers, int commits) {
  { PgEventLog create(url); }
  const auto t0 = Clock::now();
  std::vector<pid_t> pids;
  for (int w = 0; w < writers; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      int code = 0;
      try {
        PgEventLog log(url);
        for (int c = 0; c < commits; ++c) log.append({event(w * commits + c)});
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      _exit(code);
    }
    pids.push_back(pid);
  }
  for (pid_t p : pids) {
    int status = 0;
    waitpid(p, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) std::fprintf(stderr, "a writer failed\n");
  }
  return since(t0);
}

void clear(const std::string& url) {
  pqxx::connection db(url);
  pqxx::work tx(db);
  tx.exec("DROP TABLE IF EXISTS events");
  tx.commit();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: pg_event_log_bench URL [events=100000] [sqlite_path]\n");
    return 2;
  }
  const std::string url = argv[1];
  const int events = argc > 2 ? std::atoi(argv[2]) : 100000;
  const std::string sqlite_path = argc > 3 ? argv[3] : "/tmp/dirctl_pg_bench.db";
  std::printf("pg_event_log_bench: the audit log on PostgreSQL beside SQLite, %d events\n", events);

  const int singles = 500;
  clear(url);
  const double pg_single = pg_run(url, singles, 1);
  const double sq_single = sqlite_run(sqlite_path, singles, 1);
  std::printf("one event a commit   PostgreSQL %7.0f us/commit   SQLite %7.0f us/commit (%d durable commits each)\n",
              1e6 * pg_single / singles, 1e6 * sq_single / singles, singles);

  clear(url);
  const double pg_batch = pg_run(url, events / 1000, 1000);
  const double sq_batch = sqlite_run(sqlite_path, events / 1000, 1000);
  const double copy = copy_floor(url, events);
  std::printf("1,000 a commit       PostgreSQL %9.0f events/s   SQLite %9.0f events/s\n", events / pg_batch,
              events / sq_batch);
  std::printf("  COPY floor         PostgreSQL %9.0f rows/s     (the same rows by COPY; the log at %.0f%% of it)\n",
              events / copy, 100.0 * copy / pg_batch);

  const int per_writer = 200;
  clear(url);
  const double one = pg_writers(url, 1, per_writer);
  clear(url);
  const double eight = pg_writers(url, 8, per_writer);
  std::printf("8 writer processes   %7.0f commits/s together   one writer alone %7.0f commits/s "
              "(one event a commit; the writer lock serialises them)\n",
              8 * per_writer / eight, per_writer / one);
  clear(url);
  return 0;
}
