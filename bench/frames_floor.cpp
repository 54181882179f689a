// The floor under users.to_frame(), in C++, on a file bench/frames_bench.py built:
//
//   frames_floor PATH [ORG_NAME=bench]
//
// Prints, best of 3 each, for the org's users:
//   floor    a bare sqlite3 statement: the SELECT RecordStore::columns runs
//            for a dense org (same columns, the org's id range in id order),
//            every value fetched as it fetches them, nothing kept; and the same
//            with WHERE org_id = ? ORDER BY id (SQLite's plan: index, then sort)
//   engine   Directory::columns(system, user, org): the same rows into typed
//            columns, with the model's administrator column (no Python)
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>
#include <utility>

#include "bench_support.h"
#include "dirctl/directory.h"
#include "dirctl/kinds.h"

using namespace dirctl;
using bench::Clock;
using bench::since;

namespace {

int users_columns() {
  int n = 2;
  for (const FieldSpec& f : spec(Kind::kUser).fields) n += !f.column.empty() && !f.secret;
  return n;
}

std::string users_select(const char* where) {
  std::string cols = "id, org_id";
  for (const FieldSpec& f : spec(Kind::kUser).fields)
    if (!f.column.empty() && !f.secret) cols += ", " + f.column;
  return "SELECT " + cols + " FROM users WHERE " + where + " ORDER BY id";
}

// Rows read and a checksum, so that no read is optimised away. Values are
// fetched as RecordStore::columns fetches them (sqlite3_column_value).
std::pair<std::size_t, std::uint64_t> bare_scan(sqlite3* db, const std::string& sql,
                                                const std::vector<std::int64_t>& params) {
  sqlite3_stmt* st = nullptr;
  bench::check(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), db, "prepare");
  for (std::size_t i = 0; i < params.size(); ++i) sqlite3_bind_int64(st, static_cast<int>(i + 1), params[i]);
  const int n = sqlite3_column_count(st);
  std::size_t rows = 0;
  std::uint64_t sum = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ++rows;
    for (int c = 0; c < n; ++c) {
      sqlite3_value* v = sqlite3_column_value(st, c);
      switch (sqlite3_value_type(v)) {
        case SQLITE_INTEGER: sum += static_cast<std::uint64_t>(sqlite3_value_int64(v)); break;
        case SQLITE_NULL: break;
        default: {
          const unsigned char* t = sqlite3_value_text(v);
          const int bytes = sqlite3_value_bytes(v);
          sum += static_cast<std::uint64_t>(bytes) + (bytes > 0 ? t[0] : 0u);
        }
      }
    }
  }
  bench::check(rc, db, "step");
  sqlite3_finalize(st);
  return {rows, sum};
}

double best_scan(sqlite3* db, const std::string& sql, const std::vector<std::int64_t>& params, std::size_t& rows,
                 std::uint64_t& sum) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    std::tie(rows, sum) = bare_scan(db, sql, params);
    best = std::min(best, since(t0));
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: frames_floor PATH [ORG_NAME]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::string org_name = argc > 2 ? argv[2] : "bench";
  sqlite3* db = bench::open_bare(path);
  sqlite3_stmt* st = nullptr;
  bench::check(sqlite3_prepare_v2(db, "SELECT id FROM orgs WHERE name = ?", -1, &st, nullptr), db, "prepare");
  sqlite3_bind_text(st, 1, org_name.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_ROW) {
    std::fprintf(stderr, "no org named '%s' in %s\n", org_name.c_str(), path.c_str());
    return 1;
  }
  const std::int64_t org = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);

  // The engine's read of a dense org: its id range in id order (RecordStore::columns).
  bench::check(sqlite3_prepare_v2(db, "SELECT min(id), max(id) FROM users WHERE org_id = ?", -1, &st, nullptr), db,
               "prepare");
  sqlite3_bind_int64(st, 1, org);
  sqlite3_step(st);
  const std::int64_t first = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
  std::size_t rows = 0, sorted_rows = 0;
  std::uint64_t sum = 0, sorted_sum = 0;
  const double floor = best_scan(db, users_select("id BETWEEN ? AND ? AND +org_id = ?"), {first, last, org}, rows, sum);
  const double sorted = best_scan(db, users_select("org_id = ?"), {org}, sorted_rows, sorted_sum);
  if (sorted_rows != rows || sorted_sum != sum) std::fprintf(stderr, "the two plans read different rows\n");
  sqlite3_close(db);

  const auto t_open = Clock::now();
  Directory d(path);
  const double opened = since(t_open);
  double engine = 1e9;
  std::size_t engine_rows = 0;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    TableColumns cols = d.columns(Actor::system(), Kind::kUser, static_cast<Id>(org));
    engine = std::min(engine, since(t0));
    engine_rows = cols.rows();
  }
  std::printf("C++ sqlite3 floor        %6.2fM rows/s (%zu rows, %d columns, %.3f s; the engine's SELECT: the org's "
              "id range in id order, each value fetched, nothing kept)\n",
              static_cast<double>(rows) / floor / 1e6, rows, users_columns(), floor);
  std::printf("C++ floor, index + sort  %6.2fM rows/s (%.3f s; WHERE org_id = ? ORDER BY id as SQLite plans it: "
              "the org index, then a sort)\n",
              static_cast<double>(rows) / sorted / 1e6, sorted);
  std::printf("C++ Directory::columns   %6.2fM rows/s (%zu rows, %.3f s; typed columns, no Python; "
              "opening the file took %.1f s)\n",
              static_cast<double>(engine_rows) / engine / 1e6, engine_rows, engine, opened);
  return 0;
}
