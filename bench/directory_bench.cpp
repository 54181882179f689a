// directory_bench: the foundation's figures, each beside its floor.
//
//   directory_bench [users=1000000] [groups=10000] [path=/tmp/dirctl_bench.db]
//
// 1. Build: one org, `groups` user groups and `users` users (each in one
//    group) through one batch (Directory::begin_batch/commit_batch) -> objects/s.
//    Floor: the same user rows inserted by bare SQLiteCpp into a bare table,
//    one transaction, no validation, no audit events.
// 2. File size after close (WAL checkpointed).
// 3. Open + load, in a fresh process: wall time and resident memory per user.
//    Floor: a bare SQLiteCpp scan of the columns the model loads.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "dirctl/directory.h"
#include "model/model.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

long rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

long file_size(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : 0;
}

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

const char* const kDepartments[] = {"Engineering", "IT", "Finance", "Sales", "Support", "Legal"};

Fields user_fields(std::size_t i) {
  const std::string n = std::to_string(i);
  return {{"username", "user" + n},
          {"email", "user" + n + "@example.com"},
          {"first_name", "First" + n},
          {"last_name", "Last" + n},
          {"department", std::string(kDepartments[i % 6])}};
}

// Child mode: open the file, report load time and memory.
int open_and_report(const std::string& path, std::size_t users) {
  const long before = rss_bytes();
  auto t0 = Clock::now();
  Directory d(path);
  const double open_s = seconds_since(t0);
  const long after = rss_bytes();
  const double per_user = static_cast<double>(after - before) / static_cast<double>(users);
  const double model_per_user = static_cast<double>(d.model().memory_bytes()) / static_cast<double>(users);

  // Floor: the same columns read by bare SQLiteCpp, nothing kept.
  t0 = Clock::now();
  {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    SQLite::Statement st(db, "SELECT id, org_id, username, state, account_locked FROM users");
    std::size_t n = 0, bytes = 0;
    while (st.executeStep()) {
      ++n;
      bytes += static_cast<std::size_t>(st.getColumn(2).getBytes());
    }
    SQLite::Statement edges(db, "SELECT a, b FROM edges");
    while (edges.executeStep()) ++n;
    if (n == 0 || bytes == 0) std::printf("  (floor scan read nothing)\n");
  }
  const double floor_s = seconds_since(t0);
  std::printf("open+load           %8.3f s   (bare SQLite scan of the same rows: %.3f s, ratio %.2fx)\n", open_s,
              floor_s, open_s / floor_s);
  std::printf("resident per user   %8.0f bytes (process RSS growth; model's own accounting: %.0f bytes)\n", per_user,
              model_per_user);
  std::printf("targets             open < 2 s: %s; < 300 bytes/user: %s\n", open_s < 2.0 ? "met" : "MISSED",
              per_user < 300 ? "met" : "MISSED");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 4 && std::string(argv[1]) == "--open") return open_and_report(argv[2], std::stoul(argv[3]));
  const std::size_t users = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t groups = argc > 2 ? std::stoul(argv[2]) : 10000;
  const std::string path = argc > 3 ? argv[3] : "/tmp/dirctl_bench.db";
  std::printf("dirctl directory_bench: %zu users, %zu groups (each user in one group), file %s\n", users, groups,
              path.c_str());

  // 1. Build through one batch.
  remove_db(path);
  auto t0 = Clock::now();
  {
    Directory d(path);
    const Actor sys = Actor::system();
    d.begin_batch();
    Record org = d.create(sys, Kind::kOrg, kNoId, {{"name", std::string("bench")}});
    std::vector<Id> group_ids;
    group_ids.reserve(groups);
    for (std::size_t g = 0; g < groups; ++g)
      group_ids.push_back(d.create(sys, Kind::kUserGroup, org.id, {{"name", "group" + std::to_string(g)}}).id);
    for (std::size_t i = 0; i < users; ++i) {
      Record u = d.create(sys, Kind::kUser, org.id, user_fields(i));
      d.add_member(sys, group_ids[i % groups], u.id);
    }
    d.commit_batch();
  }
  const double build_s = seconds_since(t0);
  const double objects = static_cast<double>(users + groups);

  // Floor: bare inserts of the same user rows.
  const std::string floor_path = path + ".floor";
  remove_db(floor_path);
  t0 = Clock::now();
  {
    SQLite::Database db(floor_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE users(id INTEGER PRIMARY KEY, username TEXT, email TEXT, first_name TEXT, "
            "last_name TEXT, department TEXT)");
    SQLite::Transaction tx(db);
    SQLite::Statement ins(db, "INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)");
    for (std::size_t i = 0; i < users; ++i) {
      Fields f = user_fields(i);
      ins.bind(1, static_cast<std::int64_t>(i + 1));
      for (int c = 0; c < 5; ++c) ins.bind(c + 2, std::get<std::string>(f[static_cast<std::size_t>(c)].second));
      ins.exec();
      ins.reset();
    }
    tx.commit();
  }
  const double floor_build_s = seconds_since(t0);
  remove_db(floor_path);

  std::printf("build               %8.0f objects/s (%.1f s for %zu users + %zu groups + %zu memberships,\n"
              "                    each with its audit event; bare SQLite inserts: %.0f rows/s, ratio %.1fx)\n",
              objects / build_s, build_s, users, groups, users, static_cast<double>(users) / floor_build_s,
              build_s / floor_build_s);

  // 2. File size.
  const long size = file_size(path) + file_size(path + "-wal");
  std::printf("file size           %8.1f MB (%.0f bytes per user, events included)\n", static_cast<double>(size) / 1e6,
              static_cast<double>(size) / static_cast<double>(users));

  // 3. Open and load in a fresh process.
  std::fflush(stdout);
  const std::string cmd = "'" + std::string(argv[0]) + "' --open '" + path + "' " + std::to_string(users);
  int rc = std::system(cmd.c_str());
  remove_db(path);
  return rc == 0 ? 0 : 1;
}
