// Cron fire times as a plain function, for callers outside the engine's
// rooms (the Python bindings, cross-checks, benchmarks). The engine itself
// uses cpp/src/schedule/ (CronExpr, next_fire) directly. Times are ms since
// the epoch (UTC); the daylight-saving rule is schedule/zoned.h's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dirctl {

// The next n fire times of `expr` in IANA zone `zone` strictly after
// `after_ms` (fewer if it stops matching). InvalidArgument for a bad
// expression or zone, naming it.
std::vector<std::int64_t> cron_next_fires(const std::string& expr, const std::string& zone, std::int64_t after_ms,
                                          std::size_t n);
// One next fire time per (expr, zone, after) row, -1 where none. Parses
// each distinct expression once.
std::vector<std::int64_t> cron_next_many(const std::vector<std::string>& exprs, const std::vector<std::string>& zones,
                                         const std::vector<std::int64_t>& after_ms);

}  // namespace dirctl
