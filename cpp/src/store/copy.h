// copy_directory: a whole directory from one store to another (`dirctl
// migrate`): every table row for row, the event log whole (seq, time and
// text kept), so the target opens as the same directory.
//
// The target must hold no directory yet (a new file, or an empty database):
// otherwise StorageError, and nothing is written. The source is read in one
// snapshot and the target written in one transaction under its writer lock:
// a failure leaves the target as it was. Rows go in batches of one
// multi-row INSERT each (one round trip per batch on a server).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace dirctl {

class Store;

// Per table, in the order copied: (table, rows).
using CopyCounts = std::vector<std::pair<std::string, std::int64_t>>;

// `progress(table, rows so far)` after each batch, if given.
CopyCounts copy_directory(Store& from, Store& to,
                          const std::function<void(const std::string&, std::int64_t)>& progress = {});

}  // namespace dirctl
