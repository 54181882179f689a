// migrate_directory: copies a whole directory from one store to another, a
// SQLite file and a PostgreSQL database either way (`dirctl migrate`).
// Every object, relation, credential hash, run and the whole event log go
// across unchanged, so dirctl opens the target as the same directory.
//
// The source must exist; the target must hold no directory yet (a new file
// or an empty database), else StorageError and nothing is written. The copy
// is one transaction on the target: a failure leaves it as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dirctl {

// Rows copied per table, in the order copied. `progress(table, rows so
// far)` is called after each batch when given.
std::vector<std::pair<std::string, std::int64_t>> migrate_directory(
    const std::string& from, const std::string& to, int busy_timeout_ms = 10000,
    const std::function<void(const std::string&, std::int64_t)>& progress = {});

}  // namespace dirctl
