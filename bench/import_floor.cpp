// import_floor: what SQLite alone needs to store the rows a user import
// writes, with no CSV, no checks and no model: the floor under
// bench/import_bench.py's dirctl figure, on the same machine.
//
//   import_floor [rows=1000000] [path=/tmp/dirctl_import_floor.db]
//
// Into a fresh dirctl file (schema and pragmas from dirctl's Store): one
// transaction with, per row, the user row (the columns the import binds),
// its user_create event (the same changes text) and three memberships out
// of 1,000 groups (sorted, as the import writes them); the users' keys and
// the memberships' reverse index set aside and built again (IndexDeferral),
// as the import does for a load this size; then the commit. It also times
// the user rows alone, the part no data layout can avoid.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/index_deferral.h"
#include "store/store.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

struct Times {
  double users = 0, events = 0, edges = 0, indexes = 0, commit = 0;
  double file_bytes = 0;  // the file after a checkpoint (WAL copied in)
  double total() const { return users + events + edges + indexes + commit; }
};

Times run(const std::string& path, int rows, bool users_only) {
  remove_db(path);
  Store store(path, 5000);
  const std::string now = "2026-11-23T12:00:00.000000Z";
  store.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'bench', '" + now + "', '" + now + "')");
  Times t;
  store.begin();
  IndexDeferral users_keys(store, "users");
  std::optional<IndexDeferral> reverse_edges;
  if (!users_only) reverse_edges.emplace(store, "edges");
  SQLite::Statement user(store.db(),
                         "INSERT INTO users (id, org_id, username, email, first_name, last_name, department, state, "
                         "sudo, created, updated) VALUES (?, 1, ?, ?, ?, ?, ?, 'active', 0, ?, ?)");
  SQLite::Statement event(store.db(),
                          "INSERT INTO events (time, org_id, event_type, initiated_by_type, resource_type, "
                          "resource_id, resource_name, changes) VALUES (?, 1, 'user_create', 'system', 'user', ?, ?, ?)");
  SQLite::Statement edge(store.db(), "INSERT INTO edges (a, b) VALUES (?, ?)");
  user.bind(7, now);
  user.bind(8, now);
  event.bind(1, now);
  const char* departments[] = {"Eng", "IT", "Sales"};
  std::vector<std::pair<int, int>> memberships;
  char username[32], email[48], first[32], last[32], changes[512];
  for (int i = 0; i < rows; ++i) {
    const int id = 2000 + i;
    std::snprintf(username, sizeof username, "user%d", i);
    std::snprintf(email, sizeof email, "user%d@example.com", i);
    std::snprintf(first, sizeof first, "First%d", i);
    std::snprintf(last, sizeof last, "Last%d", i);
    const int g[3] = {i % 1000, (i * 7 + 1) % 1000, (i * 13 + 2) % 1000};
    auto t0 = Clock::now();
    user.bind(1, id);
    user.bind(2, username);
    user.bind(3, email);
    user.bind(4, first);
    user.bind(5, last);
    user.bind(6, departments[i % 3]);
    user.exec();
    user.reset();
    t.users += since(t0);
    if (users_only) continue;
    t0 = Clock::now();
    const int n = std::snprintf(
        changes, sizeof changes,
        "[[\"username\",null,\"%s\"],[\"email\",null,\"%s\"],[\"first_name\",null,\"%s\"],[\"last_name\",null,\"%s\"],"
        "[\"department\",null,\"%s\"],[\"groups\",null,\"g%d;g%d;g%d\"]]",  // the fields given, as dirctl stores them
        username, email, first, last, departments[i % 3], g[0], g[1], g[2]);
    event.bind(2, id);
    event.bind(3, username);
    event.bind(4, changes, n);
    event.exec();
    event.reset();
    t.events += since(t0);
    for (int k : g) memberships.emplace_back(2 + k, id);
  }
  auto t0 = Clock::now();
  std::sort(memberships.begin(), memberships.end());
  memberships.erase(std::unique(memberships.begin(), memberships.end()), memberships.end());
  for (auto [a, b] : memberships) {
    edge.bind(1, a);
    edge.bind(2, b);
    edge.exec();
    edge.reset();
  }
  t.edges = since(t0);
  t0 = Clock::now();
  users_keys.rebuild();
  if (reverse_edges) reverse_edges->rebuild();
  t.indexes = since(t0);
  t0 = Clock::now();
  store.commit();
  t.commit = since(t0);
  store.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    std::fseek(f, 0, SEEK_END);
    t.file_bytes = static_cast<double>(std::ftell(f));
    std::fclose(f);
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int rows = argc > 1 ? std::atoi(argv[1]) : 1000000;
  const std::string path = argc > 2 ? argv[2] : "/tmp/dirctl_import_floor.db";
  std::printf("import_floor: SQLite alone storing what an import of %d users writes (no CSV, no checks)\n", rows);
  const Times all = run(path, rows, false);
  std::printf("  users %.2f s, events %.2f s, memberships %.2f s, indexes %.2f s, commit %.2f s\n", all.users,
              all.events, all.edges, all.indexes, all.commit);
  std::printf("  floor for dirctl's rows: %.2f s, %.0f rows/s\n", all.total(), rows / all.total());
  std::printf("  file: %.0f bytes per user (events and memberships included)\n", all.file_bytes / rows);
  const Times users = run(path, rows, true);
  std::printf("  the user rows alone (with their keys): %.2f s, %.0f rows/s\n", users.total(), rows / users.total());
  remove_db(path);
  return 0;
}
