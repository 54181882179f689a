// What the C++ benchmarks share: timing, summary statistics, removing a
// directory file with its companions, and a bare sqlite3 connection with the
// engine's pragmas (the floor a figure is compared with). Header-only.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace dirctl::bench {

using Clock = std::chrono::steady_clock;

inline double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
inline double micros(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::micro>(b - a).count();
}

// The file, its WAL and shared memory, a rollback journal, and the TOTP key file.
inline void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal", ".key"}) std::filesystem::remove(path + suffix);
}

struct Stats {
  double mean = 0, p50 = 0, p99 = 0;
};
inline Stats stats(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
  };
  return {std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size()), at(0.50), at(0.99)};
}

inline void check(int rc, sqlite3* db, const char* doing) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string(doing) + ": " + sqlite3_errmsg(db));
}

// A connection with the pragmas of cpp/src/store/store.cpp.
inline sqlite3* open_bare(const std::string& path) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), db, "open");
  sqlite3_busy_timeout(db, 10000);
  for (const char* p : {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA temp_store = MEMORY",
                        "PRAGMA cache_size = -131072", "PRAGMA foreign_keys = ON"})
    check(sqlite3_exec(db, p, nullptr, nullptr, nullptr), db, p);
  return db;
}

}  // namespace dirctl::bench
