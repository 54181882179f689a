// directory_bench: the foundation's figures, each beside its floor.
//
//   directory_bench [users=1000000] [groups=10000] [path=/tmp/dirctl_bench.db]
//
// 1. Build: one org, `groups` user groups and `users` users (each in one
//    group) through one batch (Directory::begin_batch/commit_batch) -> objects/s.
//    Floors, in the same run:
//    - rows: SQLite alone writing exactly the rows dirctl writes (each
//      object's row with every column, its creation event with the same
//      change text, each membership's edge and its event), through
//      statements prepared once, in one transaction, into a dirctl file
//      (schema and pragmas from dirctl's Store); no checks, no model;
//    - bare: the user rows alone into a bare table without keys.
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
#include "store/row_sql.h"
#include "store/store.h"
#include "util/clock.h"

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

// The rows floor: what SQLite alone needs to store what the build stores.
// Every column of each new row is bound (given value or the field's
// default), as dirctl's writer binds it; each event carries the change
// text of the fields given. With `savepoints`, each operation (a creation
// and its event; a membership and its event) is also wrapped in a savepoint,
// as an operation inside a dirctl batch is, so that it can fail alone.
// Returns seconds.
double rows_floor(const std::string& path, std::size_t users, std::size_t groups, bool savepoints) {
  remove_db(path);
  const auto t0 = Clock::now();
  {
    Store store(path, 5000);
    const std::string now = "2026-11-23T12:00:00.000000Z";
    const KindSpec& user_kind = spec(Kind::kUser);
    const KindSpec& group_kind = spec(Kind::kUserGroup);
    store.begin();
    store.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'bench', '" + now + "', '" + now + "')");
    SQLite::Statement user(store.db(), insert_sql(user_kind));
    SQLite::Statement group(store.db(), insert_sql(group_kind));
    SQLite::Statement event(store.db(), kInsertEventSql);
    SQLite::Statement edge(store.db(), "INSERT OR IGNORE INTO edges (a, b) VALUES (?, ?)");
    SQLite::Statement savepoint(store.db(), "SAVEPOINT op");
    SQLite::Statement release(store.db(), "RELEASE op");
    auto run = [](SQLite::Statement& st) {
      st.exec();
      st.reset();
    };
    auto write_row = [&](SQLite::Statement& st, const KindSpec& kind, std::int64_t id, const Fields& given) {
      st.bind(1, id);
      st.bind(2, 1);
      int i = first_field_parameter(kind);
      for (const FieldSpec* f : insert_columns(kind)) {
        const Value* v = &f->default_value;
        for (const auto& [name, value] : given)
          if (name == f->name) v = &value;
        bind_value(st, i++, *v);
      }
      st.bind(i++, now);
      st.bind(i, now);
      st.exec();
      st.reset();
    };
    std::string changes;
    auto write_event = [&](const char* type, const char* resource_type, std::int64_t id, const std::string& name,
                           std::int64_t target, const Fields& given) {
      changes = "[";
      for (const auto& [field, value] : given)
        changes += (changes.size() > 1 ? ",[\"" : "[\"") + field + "\",null,\"" + std::get<std::string>(value) + "\"]";
      changes += "]";
      event.bind(1, static_cast<std::int64_t>(log_now_ms()));
      event.bind(2, 1);
      event.bind(3, type);
      event.bind(4, "system");
      event.bind(5, 0);
      event.bind(6, "");
      event.bind(7, resource_type);
      event.bind(8, id);
      event.bind(9, name);
      event.bind(10, target != 0 ? "user" : "");
      event.bind(11, target);
      event.bind(12, "");
      event.bind(13, 1);
      event.bind(14, given.empty() ? std::string("[]") : changes);
      event.bind(15, "");
      event.exec();
      event.reset();
    };
    const std::int64_t first_group = 2;
    for (std::size_t g = 0; g < groups; ++g) {
      const Fields given{{"name", "group" + std::to_string(g)}};
      if (savepoints) run(savepoint);
      write_row(group, group_kind, first_group + static_cast<std::int64_t>(g), given);
      write_event("user_group_create", "user_group", first_group + static_cast<std::int64_t>(g),
                  std::get<std::string>(given[0].second), 0, given);
      if (savepoints) run(release);
    }
    const std::int64_t first_user = first_group + static_cast<std::int64_t>(groups);
    for (std::size_t i = 0; i < users; ++i) {
      const Fields given = user_fields(i);
      const std::int64_t id = first_user + static_cast<std::int64_t>(i);
      const std::int64_t g = first_group + static_cast<std::int64_t>(i % groups);
      if (savepoints) run(savepoint);
      write_row(user, user_kind, id, given);
      write_event("user_create", "user", id, std::get<std::string>(given[0].second), 0, given);
      if (savepoints) run(release), run(savepoint);
      edge.bind(1, std::min(g, id));
      edge.bind(2, std::max(g, id));
      run(edge);
      write_event("group_member_add", "user_group", g, "group", id, {});
      if (savepoints) run(release);
    }
    store.commit();
  }
  const double s = seconds_since(t0);
  remove_db(path);
  return s;
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

  const double rows_floor_s = rows_floor(floor_path, users, groups, false);
  const double savepoints_floor_s = rows_floor(floor_path, users, groups, true);
  std::printf("build               %8.0f objects/s (%.1f s for %zu users + %zu groups + %zu memberships,\n"
              "                    each with its audit event, through one batch; target >= 200,000: %s)\n",
              objects / build_s, build_s, users, groups, users, objects / build_s >= 200000 ? "met" : "MISSED");
  std::printf("  floor: same rows %8.0f objects/s (%.1f s: SQLite alone writing the rows and events dirctl writes;\n"
              "                    dirctl at %.0f%% of it)\n",
              objects / rows_floor_s, rows_floor_s, 100.0 * rows_floor_s / build_s);
  std::printf("  with savepoints  %8.0f objects/s (%.1f s: the same, each operation in a savepoint as in a batch;\n"
              "                    savepoints add %.0f%% to the floor; dirctl at %.0f%% of this one)\n",
              objects / savepoints_floor_s, savepoints_floor_s, 100.0 * (savepoints_floor_s / rows_floor_s - 1.0),
              100.0 * savepoints_floor_s / build_s);
  std::printf("  floor: bare rows %8.0f rows/s (the user rows alone into a table without keys; ratio %.1fx)\n",
              static_cast<double>(users) / floor_build_s, build_s / floor_build_s);

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
