// soak_bench: memory stays flat while a long-running process creates and
// deletes users, and removing a huge group takes linear time (issue 15).
//
//   soak_bench [users_per_cycle=1000000] [cycles=4] [db=/tmp/dirctl_soak.db]
//
// Each cycle creates `users_per_cycle` users in batches of 10,000 through the
// Directory (one file on disk, as a daemon would), then deletes them in
// batches. It prints the process's resident memory and the model's own
// accounting after every cycle; the baseline is the first cycle's figure,
// measured in the same run. Then it removes groups of 25k, 50k and 100k
// members and prints the time per member.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "dirctl/directory.h"
#include "model/model.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Fields user_fields(std::size_t n) {
  const std::string name = "soak-user-" + std::to_string(n);
  return {{"username", name}, {"email", name + "@example.com"}, {"first_name", std::string("Soak")}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t per_cycle = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000000;
  const int cycles = argc > 2 ? std::atoi(argv[2]) : 4;
  const std::string path = argc > 3 ? argv[3] : "/tmp/dirctl_soak.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  const Actor sys = Actor::system();
  constexpr std::size_t kBatch = 10000;

  Directory d(path);
  const Id org = d.create(sys, Kind::kOrg, kNoId, {{"name", std::string("soak")}}).id;
  std::printf("soak: %zu users created and deleted per cycle, %d cycles, batches of %zu, file %s\n", per_cycle, cycles,
              kBatch, path.c_str());
  std::printf("%-6s %10s %10s %12s %12s\n", "cycle", "create s", "delete s", "RSS MB", "model MB");
  long first = 0, worst = 0;
  std::size_t serial = 0;
  for (int c = 1; c <= cycles; ++c) {
    std::vector<Id> ids;
    ids.reserve(per_cycle);
    auto t = Clock::now();
    for (std::size_t done = 0; done < per_cycle;) {
      d.begin_batch();
      for (std::size_t i = 0; i < kBatch && done < per_cycle; ++i, ++done)
        ids.push_back(d.create(sys, Kind::kUser, org, user_fields(++serial)).id);
      d.commit_batch();
    }
    const double created = seconds_since(t);
    t = Clock::now();
    for (std::size_t at = 0; at < ids.size();) {
      d.begin_batch();
      for (std::size_t i = 0; i < kBatch && at < ids.size(); ++i) d.remove(sys, ids[at++]);
      d.commit_batch();
    }
    const double deleted = seconds_since(t);
    d.refresh();  // an operation's entry: where the model compacts its names
    const long rss = resident_bytes();
    if (c == 1) first = rss;
    if (c > 1) worst = std::max(worst, rss);
    std::printf("%-6d %10.1f %10.1f %12.1f %12.1f\n", c, created, deleted, rss / 1e6, d.model().memory_bytes() / 1e6);
    std::fflush(stdout);
  }
  if (cycles > 1)
    std::printf("resident after cycle 1: %.1f MB (baseline); worst later cycle: %.1f MB (%+.1f%%; target within 10%%)\n",
                first / 1e6, worst / 1e6, 100.0 * (worst - first) / first);

  std::printf("\nremoving a group: time per member should stay flat as the group grows (linear)\n");
  std::printf("%-10s %10s %14s\n", "members", "remove ms", "ns per member");
  for (std::size_t members : {25000u, 50000u, 100000u}) {
    d.begin_batch();
    const Id group =
        d.create(sys, Kind::kUserGroup, org, {{"name", "group-" + std::to_string(members)}}).id;
    for (std::size_t i = 0; i < members; ++i) {
      const Id u = d.create(sys, Kind::kUser, org, user_fields(++serial)).id;
      d.add_member(sys, group, u);
    }
    d.commit_batch();
    const auto t = Clock::now();
    d.remove(sys, group);
    const double s = seconds_since(t);
    std::printf("%-10zu %10.1f %14.0f\n", members, s * 1e3, s * 1e9 / static_cast<double>(members));
    std::fflush(stdout);
  }
  d.close();
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  return 0;
}
