// runs_bench: command runs' figures, each beside its bare-SQLite floor
// measured in the same run, on files under the system's temp folder.
//
//   runs_bench [devices=100000] [polls=2000]
//
// Setup: one org, `devices` devices, one device group holding them all and
// one command associated with the group, in one batch.
// a. Launch: Directory::runs().launch() on every device -> runs/s. Floor:
//    the same launches row and runs rows inserted into a fresh file with
//    dirctl's schema and pragmas (WAL, synchronous=FULL, ...), one
//    transaction, one prepared statement reused (median of 3 fresh files).
// b. next_run(): `polls` polls of different devices (each followed by an
//    untimed-in-the-poll, separately timed report) -> p50/p99. Floor, on the
//    same file (Directory closed), other devices: BEGIN IMMEDIATE; the queue
//    SELECT; UPDATE runs (start); UPDATE devices (last contact); COMMIT.
// c. columns(): 1,000,000 runs (nine more launches through the engine) read
//    as columns -> rows/s, best of 5. Floor: the sqlite3 C API stepping the
//    same 13 columns with the same JOIN into vectors, best of 5 (interleaved).
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench_support.h"
#include "dirctl/directory.h"
#include "util/clock.h"

using namespace dirctl;
using namespace dirctl::bench;

namespace {

// --- the bare sqlite3 C API ----------------------------------------------------------


sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  check(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), db, sql);
  return st;
}

void step_once(sqlite3* db, sqlite3_stmt* st, const char* doing) {
  check(sqlite3_step(st), db, doing);
  sqlite3_reset(st);
}

// a. Floor: one launch of `devices` into a fresh file made by dirctl.
double floor_launch(const std::string& path, Id org, Id command, const std::vector<Id>& devices) {
  remove_db(path);
  { Directory schema_only(path); }
  sqlite3* db = open_bare(path);
  sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare(db, "COMMIT");
  sqlite3_stmt* launch = prepare(db,
      "INSERT INTO launches(org_id, command_id, requested_at, requester_type, requester_id, requester_name, script,"
      " shell, run_as, timeout, ttl, variables) VALUES (?, ?, ?, 0, 0, 'system', 'uname -a', 'bash', 'root', 3600,"
      " 86400, '{}')");
  sqlite3_stmt* run = prepare(db,
      "INSERT INTO runs(launch_id, org_id, command_id, device_id, queued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)");
  std::vector<std::int64_t> ids;
  const auto t0 = Clock::now();
  const std::int64_t now = unix_now_ms();
  step_once(db, begin, "begin");
  sqlite3_bind_int64(launch, 1, org);
  sqlite3_bind_int64(launch, 2, command);
  sqlite3_bind_int64(launch, 3, now);
  step_once(db, launch, "insert launch");
  sqlite3_bind_int64(run, 1, sqlite3_last_insert_rowid(db));
  sqlite3_bind_int64(run, 2, org);
  sqlite3_bind_int64(run, 3, command);
  sqlite3_bind_int64(run, 5, now);
  sqlite3_bind_int64(run, 6, now + 86400 * 1000);
  ids.reserve(devices.size());
  for (Id d : devices) {
    sqlite3_bind_int64(run, 4, d);
    step_once(db, run, "insert run");
    ids.push_back(sqlite3_last_insert_rowid(db));
  }
  step_once(db, commit, "commit");
  const double s = since(t0);
  for (sqlite3_stmt* st : {begin, commit, launch, run}) sqlite3_finalize(st);
  sqlite3_close(db);
  remove_db(path);
  return s;
}

// b. Floor: one poll per device, each its own write transaction.
std::vector<double> floor_polls(const std::string& path, const std::vector<Id>& devices) {
  sqlite3* db = open_bare(path);
  sqlite3_stmt* begin = prepare(db, "BEGIN IMMEDIATE");
  sqlite3_stmt* commit = prepare(db, "COMMIT");
  sqlite3_stmt* queue = prepare(db, "SELECT id FROM runs WHERE device_id = ? AND state = 0 ORDER BY id LIMIT 1");
  sqlite3_stmt* start = prepare(db,
      "UPDATE runs SET state = 1, started_at = ?, started_by = 'agent:bench', deadline_at = ? WHERE id = ?"
      " AND state = 0");
  sqlite3_stmt* touch = prepare(db, "UPDATE devices SET last_contact = ? WHERE id = ?");
  std::vector<double> us;
  us.reserve(devices.size());
  for (Id d : devices) {
    const auto t0 = Clock::now();
    const std::int64_t now = unix_now_ms();
    const std::string iso = iso_of_ms(now);
    step_once(db, begin, "begin");
    sqlite3_bind_int64(queue, 1, d);
    if (sqlite3_step(queue) != SQLITE_ROW) throw std::runtime_error("floor poll: no queued run");
    const std::int64_t id = sqlite3_column_int64(queue, 0);
    sqlite3_reset(queue);
    sqlite3_bind_int64(start, 1, now);
    sqlite3_bind_int64(start, 2, now + 3605 * 1000);
    sqlite3_bind_int64(start, 3, id);
    step_once(db, start, "start");
    sqlite3_bind_text(touch, 1, iso.data(), static_cast<int>(iso.size()), SQLITE_STATIC);
    sqlite3_bind_int64(touch, 2, d);
    step_once(db, touch, "touch");
    step_once(db, commit, "commit");
    us.push_back(micros(t0, Clock::now()));
  }
  for (sqlite3_stmt* st : {begin, commit, queue, start, touch}) sqlite3_finalize(st);
  sqlite3_close(db);
  return us;
}

// c. Floor: the 13 columns of RunStore::columns(), every run, into vectors.
std::size_t floor_columns(sqlite3* db) {
  sqlite3_stmt* s = prepare(db,
      "SELECT r.id, r.launch_id, r.org_id, r.command_id, r.device_id, r.state, r.queued_at, r.started_at,"
      " r.finished_at, r.exit_code, r.signal, l.requester_type, l.requester_id"
      " FROM runs r JOIN launches l ON l.id = r.launch_id WHERE 1 ORDER BY r.id");
  std::vector<std::int64_t> id, launch, queued, started, finished;
  std::vector<std::uint32_t> org, command, device, requester;
  std::vector<std::uint8_t> state, requester_type;
  std::vector<std::int32_t> exit_code, signal;
  auto code = [&](int c) {
    return sqlite3_column_type(s, c) == SQLITE_NULL ? kNoCode : static_cast<std::int32_t>(sqlite3_column_int(s, c));
  };
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    id.push_back(sqlite3_column_int64(s, 0));
    launch.push_back(sqlite3_column_int64(s, 1));
    org.push_back(static_cast<std::uint32_t>(sqlite3_column_int64(s, 2)));
    command.push_back(static_cast<std::uint32_t>(sqlite3_column_int64(s, 3)));
    device.push_back(static_cast<std::uint32_t>(sqlite3_column_int64(s, 4)));
    state.push_back(static_cast<std::uint8_t>(sqlite3_column_int(s, 5)));
    queued.push_back(sqlite3_column_int64(s, 6));
    started.push_back(sqlite3_column_int64(s, 7));
    finished.push_back(sqlite3_column_int64(s, 8));
    exit_code.push_back(code(9));
    signal.push_back(code(10));
    requester_type.push_back(static_cast<std::uint8_t>(sqlite3_column_int(s, 11)));
    requester.push_back(static_cast<std::uint32_t>(sqlite3_column_int64(s, 12)));
  }
  check(rc, db, "floor columns");
  sqlite3_finalize(s);
  return id.size();
}

// --- setup ------------------------------------------------------------------------------

struct World {
  Id org = kNoId, group = kNoId, command = kNoId;
  std::vector<Id> devices;
};

World build(Directory& d, std::size_t devices) {
  const Actor sys = Actor::system();
  World w;
  d.begin_batch();
  w.org = d.create(sys, Kind::kOrg, kNoId, {{"name", std::string("bench")}}).id;
  w.devices.reserve(devices);
  for (std::size_t i = 0; i < devices; ++i)
    w.devices.push_back(d.create(sys, Kind::kDevice, w.org, {{"hostname", "host" + std::to_string(i)}}).id);
  w.group = d.create(sys, Kind::kDeviceGroup, w.org, {{"name", std::string("all")}}).id;
  for (Id dev : w.devices) d.add_member(sys, w.group, dev);
  // A long timeout: the floor's started runs must not time out while the bench runs.
  w.command = d.create(sys, Kind::kCommand, w.org,
                       {{"name", std::string("inventory")}, {"script", std::string("uname -a")},
                        {"timeout", std::int64_t{3600}}})
                  .id;
  d.associate(sys, w.command, w.group);
  d.commit_batch();
  return w;
}

const char* verdict(bool met) { return met ? "met" : "MISSED"; }

int run_bench(const std::string& path, const std::string& floor_path, std::size_t devices, std::size_t polls);

}  // namespace

int main(int argc, char** argv) {
  const std::size_t devices = argc > 1 ? std::stoul(argv[1]) : 100000;
  const std::size_t polls = argc > 2 ? std::stoul(argv[2]) : 2000;
  if (devices < 2 * polls) {
    std::fprintf(stderr, "runs_bench: need devices >= 2 * polls\n");
    return 2;
  }
  const std::string stem = (std::filesystem::temp_directory_path() /
                            ("dirctl_runs_bench_" + std::to_string(::getpid()))).string();
  const std::string path = stem + ".db", floor_path = stem + ".floor.db";
  try {
    return run_bench(path, floor_path, devices, polls);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "runs_bench: %s\n", e.what());
    remove_db(path);
    remove_db(floor_path);
    return 1;
  }
}

namespace {

int run_bench(const std::string& path, const std::string& floor_path, std::size_t devices, std::size_t polls) {
  const Actor sys = Actor::system();
  std::printf("dirctl runs_bench: %zu devices in one device group, one command; %s\n", devices, path.c_str());
  remove_db(path);
  auto d = std::make_unique<Directory>(path);

  auto t0 = Clock::now();
  const World w = build(*d, devices);
  std::printf("setup               %.1f s (org, devices, group, memberships, command: one batch)\n", since(t0));

  // a. One launch on every device.
  LaunchRequest req;
  req.command = w.command;
  t0 = Clock::now();
  const Launch first = d->runs().launch(sys, req);
  const double launch_s = since(t0);
  std::vector<double> floor_s;
  for (int i = 0; i < 3; ++i) floor_s.push_back(floor_launch(floor_path, w.org, w.command, w.devices));
  std::sort(floor_s.begin(), floor_s.end());
  const double rate = static_cast<double>(first.runs.size()) / launch_s;
  const double floor_rate = static_cast<double>(devices) / floor_s[1];
  std::printf("a. launch           %9.0f runs/s (%zu runs + 1 event in %.3f s)\n"
              "   bare SQLite      %9.0f runs/s (1 launches row + %zu runs rows, fresh file; median of 3: %.3f s,"
              " range %.3f-%.3f s)\n"
              "   ratio            %8.1f %% of bare (goal >= 50 %%: %s)\n",
              rate, first.runs.size(), launch_s, floor_rate, devices, floor_s[1], floor_s[0], floor_s[2],
              100.0 * rate / floor_rate, verdict(rate >= 0.5 * floor_rate));

  // b. Polls of different devices, each followed by a report (timed apart).
  std::vector<double> poll_us, report_us;
  for (std::size_t i = 0; i < polls; ++i) {
    const auto a = Clock::now();
    const auto run = d->runs().next_run(sys, w.devices[i], "bench");
    const auto b = Clock::now();
    if (!run) throw std::runtime_error("no queued run for a device");
    RunReport rep;
    rep.run = run->id;
    rep.exit_code = 0;
    rep.stdout_text = "ok\n";
    d->runs().report(sys, w.devices[i], "bench", rep);
    poll_us.push_back(micros(a, b));
    report_us.push_back(micros(b, Clock::now()));
  }
  d.reset();  // the floor writes to the same file: no Directory to catch up meanwhile
  const std::vector<Id> other(w.devices.begin() + static_cast<std::ptrdiff_t>(polls),
                              w.devices.begin() + static_cast<std::ptrdiff_t>(2 * polls));
  const Stats p = stats(poll_us), r = stats(report_us), f = stats(floor_polls(path, other));
  std::printf("b. next_run         p50 %7.1f us  p99 %7.1f us (%zu polls, one device each, all %zu with queued work)\n"
              "   report (apart)   p50 %7.1f us  p99 %7.1f us\n"
              "   bare SQLite poll p50 %7.1f us  p99 %7.1f us (BEGIN IMMEDIATE; SELECT; UPDATE runs; UPDATE devices;"
              " COMMIT)\n"
              "   goal p99 <= 50 us in-process: %s\n",
              p.p50, p.p99, polls, devices, r.p50, r.p99, f.p50, f.p99, verdict(p.p99 <= 50.0));

  // c. 1,000,000 runs read as columns: nine more launches through the engine.
  d = std::make_unique<Directory>(path);
  t0 = Clock::now();
  std::size_t total = first.runs.size();
  for (int i = 0; i < 9; ++i) total += d->runs().launch(sys, req).runs.size();
  std::printf("   (nine more launches: %.0f runs/s with the runs table growing to %zu)\n",
              static_cast<double>(total - first.runs.size()) / since(t0), total);
  double best = 1e9, floor_best = 1e9;
  std::size_t rows = 0, floor_rows = 0;
  sqlite3* db = open_bare(path);
  for (int i = 0; i < 5; ++i) {  // interleaved, so that both see the same machine
    t0 = Clock::now();
    rows = d->runs().columns(sys, RunFilter{}).id.size();
    best = std::min(best, since(t0));
    t0 = Clock::now();
    floor_rows = floor_columns(db);
    floor_best = std::min(floor_best, since(t0));
  }
  sqlite3_close(db);
  const double rows_s = static_cast<double>(rows) / best, floor_rows_s = static_cast<double>(floor_rows) / floor_best;
  std::printf("c. columns          %6.2fM rows/s (%zu rows in %.3f s, best of 5, names included)\n"
              "   bare sqlite3     %6.2fM rows/s (%zu rows in %.3f s, same 13 columns and JOIN into vectors,"
              " best of 5)\n"
              "   ratio            %8.1f %% of bare; goal >= 10M rows/s: %s\n",
              rows_s / 1e6, rows, best, floor_rows_s / 1e6, floor_rows, floor_best, 100.0 * rows_s / floor_rows_s,
              verdict(rows_s >= 10e6));
  d.reset();
  remove_db(path);
  remove_db(floor_path);
  return 0;
}

}  // namespace
