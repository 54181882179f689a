// schedule_bench: cron parsing and next fire times in mixed time zones.
//
//   schedule_bench [schedules=100000] [seed=7]
//
// Draws `schedules` realistic cron expressions (every n minutes, hourly,
// daily at a time, weekdays, weekly, monthly, business hours, some with
// seconds) spread over ten IANA zones (UTC, Europe/Berlin, America/New_York,
// Asia/Kolkata, Australia/Sydney, ...), then times:
//   parse          CronExpr::parse of every text
//   next_fire      one call per schedule, each from its own random instant
//                  in 2026 (so some land beside a DST transition): the
//                  scheduler's "when is this due?" after a change
//   next_fire UTC  the same schedules all in UTC (no zone offsets)
//   chained        next_fires(.., 10) per schedule: a scheduler's steady
//                  state, each call starting at the previous fire
// and prints schedules (or fires) per second. Goal: >= 1M next_fire/s.
// bench/schedule_bench.py times croniter on the same kind of input.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "schedule/cron.h"
#include "schedule/zoned.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string random_cron(std::mt19937& rng) {
  const auto pick = [&](unsigned n) { return std::to_string(rng() % n); };
  switch (rng() % 12) {
    case 0: return "*/" + std::to_string(std::vector<int>{1, 2, 5, 10, 15, 30}[rng() % 6]) + " * * * *";
    case 1: return pick(60) + " * * * *";                                   // hourly
    case 2: return pick(60) + " " + pick(24) + " * * *";                    // daily
    case 3: return pick(60) + " " + pick(24) + " * * 1-5";                  // weekdays
    case 4: return pick(60) + " " + pick(24) + " * * " + pick(7);           // weekly
    case 5: return pick(60) + " " + pick(24) + " " + std::to_string(1 + rng() % 28) + " * *";  // monthly
    case 6: return "0 */15 9-17 * * MON-FRI";                                 // business hours
    case 7: return pick(60) + " " + pick(60) + " " + pick(24) + " * * *";   // daily, with seconds
    case 8: return "0 " + pick(60) + " */" + std::to_string(2 + rng() % 5) + " * * *";
    case 9: return "30 2 * * *";                                              // in the DST gap in Europe
    case 10: return pick(60) + " " + pick(24) + " 1 */3 *";                 // quarterly
    default: return pick(60) + " " + pick(24) + " 1,15 * *";                // twice a month
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 100000;
  const unsigned seed = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 7;
  const char* const zone_names[] = {"UTC",          "Europe/Berlin",    "America/New_York", "Asia/Kolkata",
                                    "Australia/Sydney", "Europe/London", "America/Los_Angeles", "Asia/Tokyo",
                                    "America/Sao_Paulo", "Australia/Lord_Howe"};
  std::vector<const date::time_zone*> zones;
  for (const char* z : zone_names) zones.push_back(find_zone(z));

  std::mt19937 rng(seed);
  std::vector<std::string> texts;
  std::vector<const date::time_zone*> tz;
  std::vector<date::sys_seconds> after;
  const date::sys_seconds year_start = date::sys_days(date::year{2026} / 1 / 1);
  for (std::size_t i = 0; i < n; ++i) {
    texts.push_back(random_cron(rng));
    tz.push_back(zones[rng() % zones.size()]);
    after.push_back(year_start + std::chrono::seconds(rng() % (365u * 86400u)));
  }
  std::printf("dirctl schedule_bench: %zu schedules in %zu zones\n", n, zones.size());

  auto t0 = Clock::now();
  std::vector<CronExpr> exprs;
  exprs.reserve(n);
  for (const auto& t : texts) exprs.push_back(CronExpr::parse(t));
  double s = seconds_since(t0);
  std::printf("parse               %8.3f s  %6.2f M expressions/s\n", s, static_cast<double>(n) / s / 1e6);

  // Warm up: load every zone's tzdata once (the first get_info reads the file).
  for (std::size_t i = 0; i < zones.size(); ++i) next_fire(exprs[0], zones[i], year_start);

  long long check = 0;  // keeps the optimiser honest
  const int rounds = 5;
  t0 = Clock::now();
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < n; ++i) {
      const auto at = next_fire(exprs[i], tz[i], after[i] + std::chrono::seconds(r * 3607));
      check += at ? at->time_since_epoch().count() & 1 : 0;
    }
  s = seconds_since(t0);
  const double mixed = static_cast<double>(n) * rounds / s;
  std::printf("next_fire           %8.3f s  %6.2f M schedules/s (mixed zones; goal >= 1 M/s: %s)\n", s, mixed / 1e6,
              mixed >= 1e6 ? "met" : "missed");

  const auto* utc = find_zone("UTC");
  t0 = Clock::now();
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = 0; i < n; ++i) {
      const auto at = next_fire(exprs[i], utc, after[i] + std::chrono::seconds(r * 3607));
      check += at ? at->time_since_epoch().count() & 1 : 0;
    }
  s = seconds_since(t0);
  std::printf("next_fire UTC       %8.3f s  %6.2f M schedules/s\n", s, static_cast<double>(n) * rounds / s / 1e6);

  const std::size_t chain = 10;
  std::size_t total = 0;
  t0 = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto all = next_fires(exprs[i], tz[i], after[i], chain);
    total += all.size();
    check += all.empty() ? 0 : all.back().time_since_epoch().count() & 1;
  }
  s = seconds_since(t0);
  std::printf("chained (x%zu)       %8.3f s  %6.2f M fires/s (next_fires, mixed zones)\n", chain, s,
              static_cast<double>(total) / s / 1e6);
  std::printf("(checksum %lld)\n", check);
  return 0;
}
