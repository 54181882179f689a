// dirctl/cron.h over CronExpr and next_fire.
#include "dirctl/cron.h"

#include <chrono>
#include <unordered_map>

#include "dirctl/error.h"
#include "schedule/cron.h"
#include "schedule/zoned.h"

namespace dirctl {
namespace {

date::sys_seconds seconds_of(std::int64_t ms) {
  return date::sys_seconds{std::chrono::seconds(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)};
}
std::int64_t ms_of(date::sys_seconds t) { return static_cast<std::int64_t>(t.time_since_epoch().count()) * 1000; }

}  // namespace

std::vector<std::int64_t> cron_next_fires(const std::string& expr, const std::string& zone, std::int64_t after_ms,
                                          std::size_t n) {
  const CronExpr e = CronExpr::parse(expr);
  std::vector<std::int64_t> out;
  for (date::sys_seconds t : next_fires(e, find_zone(zone), seconds_of(after_ms), n)) out.push_back(ms_of(t));
  return out;
}

std::vector<std::int64_t> cron_next_many(const std::vector<std::string>& exprs, const std::vector<std::string>& zones,
                                         const std::vector<std::int64_t>& after_ms) {
  if (exprs.size() != zones.size() || exprs.size() != after_ms.size())
    throw InvalidArgument("cron_next_many: exprs, zones and after_ms must have one entry per schedule");
  std::unordered_map<std::string, CronExpr> parsed;
  std::unordered_map<std::string, const date::time_zone*> found;
  std::vector<std::int64_t> out(exprs.size(), -1);
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    auto e = parsed.find(exprs[i]);
    if (e == parsed.end()) e = parsed.emplace(exprs[i], CronExpr::parse(exprs[i])).first;
    auto z = found.find(zones[i]);
    if (z == found.end()) z = found.emplace(zones[i], find_zone(zones[i])).first;
    if (const auto t = next_fire(e->second, z->second, seconds_of(after_ms[i]))) out[i] = ms_of(*t);
  }
  return out;
}

}  // namespace dirctl
