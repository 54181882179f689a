// graph_bench: the assignment graph at scale.
//
//   graph_bench [users=1000000] [path=:memory:]
//
// Generates one synthetic org through a Directory batch (so the model, the
// SQLite rows and the audit events are all real): `users` users in users/100
// user groups (each user in 3), users/10 devices in users/1000 device groups,
// users/100 commands, users/1000 admins across the 8 roles. 10% of user
// groups are bound to a device group; a quarter of commands target a device
// group, the rest one device; Command Runners are assigned 20 commands.
// Prints graph build time, users_of(device) and devices_of(user) p50/p99,
// full who_can_access and who_can_run time and rows/s, and peak memory.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "dirctl/directory.h"
#include "dirctl/kinds.h"
#include "graph/assignment_graph.h"
#include "model/model.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

long status_kb(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
  return 0;
}

struct Org {
  Id org = 0;
  std::vector<Id> users, user_groups, devices, device_groups, commands, admins;
};

Org generate(Directory& d, std::size_t n_users) {
  const Actor sys = Actor::system();
  std::mt19937 rng(2026);
  Org o;
  d.begin_batch();
  o.org = d.create(sys, Kind::kOrg, kNoId, {{"name", std::string("synthetic")}}).id;
  auto name = [](const char* p, std::size_t i) { return std::string(p) + std::to_string(i); };
  for (std::size_t i = 0; i < n_users / 100; ++i)
    o.user_groups.push_back(d.create(sys, Kind::kUserGroup, o.org, {{"name", name("ug", i)}}).id);
  for (std::size_t i = 0; i < n_users / 1000; ++i)
    o.device_groups.push_back(d.create(sys, Kind::kDeviceGroup, o.org, {{"name", name("dg", i)}}).id);
  for (std::size_t i = 0; i < n_users / 10; ++i) {
    o.devices.push_back(d.create(sys, Kind::kDevice, o.org, {{"hostname", name("host-", i)}}).id);
    d.add_member(sys, o.device_groups[i % o.device_groups.size()], o.devices.back());
  }
  for (std::size_t i = 0; i < n_users; ++i) {
    const std::string u = name("user", i);
    o.users.push_back(d.create(sys, Kind::kUser, o.org,
                               {{"username", u}, {"email", u + "@synthetic.example"},
                                {"state", std::string(i % 97 == 0 ? "suspended" : "active")}})
                          .id);
    for (int k = 0; k < 3; ++k) d.add_member(sys, o.user_groups[rng() % o.user_groups.size()], o.users.back());
  }
  for (std::size_t g = 0; g < o.user_groups.size(); g += 10)
    d.associate(sys, o.user_groups[g], o.device_groups[rng() % o.device_groups.size()]);
  for (std::size_t i = 0; i < n_users / 100; ++i) {
    o.commands.push_back(d.create(sys, Kind::kCommand, o.org, {{"name", name("cmd", i)}, {"script", std::string("true")}}).id);
    if (i % 4 == 0)
      d.associate(sys, o.commands.back(), o.device_groups[rng() % o.device_groups.size()]);
    else
      d.associate(sys, o.commands.back(), o.devices[rng() % o.devices.size()]);
  }
  const auto& roles = role_names();
  for (std::size_t i = 0; i < n_users / 1000; ++i) {
    o.admins.push_back(d.create(sys, Kind::kAdmin, kNoId,
                                {{"email", name("admin", i) + "@synthetic.example"}, {"role", roles[i % roles.size()]},
                                 {"orgs", IdList{o.org}}})
                           .id);
    if (roles[i % roles.size()].rfind("command_runner", 0) == 0)
      for (int k = 0; k < 20; ++k) d.associate(sys, o.admins.back(), o.commands[rng() % o.commands.size()]);
  }
  d.commit_batch();
  return o;
}

template <typename F>
std::pair<double, double> percentiles(const std::vector<Id>& from, F&& query) {
  std::vector<double> us;
  for (Id id : from) {
    auto t0 = Clock::now();
    query(id);
    us.push_back(seconds_since(t0) * 1e6);
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::string path = argc > 2 ? argv[2] : ":memory:";
  Directory d(path);
  auto t0 = Clock::now();
  Org o = generate(d, n);
  std::printf("dirctl graph_bench: %zu users, %zu user groups, %zu devices, %zu device groups, %zu commands, %zu admins\n",
              o.users.size(), o.user_groups.size(), o.devices.size(), o.device_groups.size(), o.commands.size(),
              o.admins.size());
  std::printf("generate (batch)    %8.1f s\n", seconds_since(t0));
  const Actor sys = Actor::system();

  t0 = Clock::now();
  d.reach(sys, o.users[0], Kind::kDevice);  // first query builds the CSR graph
  std::printf("graph build         %8.3f s (CSR from the model)\n", seconds_since(t0));

  std::mt19937 rng(7);
  std::vector<Id> sample_devices, sample_users;
  for (int i = 0; i < 2000; ++i) {
    sample_devices.push_back(o.devices[rng() % o.devices.size()]);
    sample_users.push_back(o.users[rng() % o.users.size()]);
  }
  std::size_t seen = 0;
  auto [up50, up99] = percentiles(sample_devices, [&](Id id) { seen += d.reach(sys, id, Kind::kUser).size(); });
  std::printf("users_of(device)    p50 %7.1f us   p99 %7.1f us (avg %zu users)\n", up50, up99, seen / sample_devices.size());
  seen = 0;
  auto [dp50, dp99] = percentiles(sample_users, [&](Id id) { seen += d.reach(sys, id, Kind::kDevice).size(); });
  std::printf("devices_of(user)    p50 %7.1f us   p99 %7.1f us (avg %zu devices)\n", dp50, dp99, seen / sample_users.size());

  t0 = Clock::now();
  AccessRows access = d.who_can_access(sys, o.org, {});
  double s = seconds_since(t0);
  std::printf("who_can_access      %8.2f s, %zu rows, %.1f M rows/s\n", s, access.user.size(), static_cast<double>(access.user.size()) / s / 1e6);
  access = AccessRows{};

  t0 = Clock::now();
  RunRows run = d.who_can_run(sys, o.org, {});
  s = seconds_since(t0);
  const double run_rate = static_cast<double>(run.admin.size()) / s;
  std::printf("who_can_run         %8.2f s, %zu rows, %.1f M rows/s (target >= 20 M rows/s: %s)\n", s, run.admin.size(),
              run_rate / 1e6, run_rate >= 20e6 ? "met" : "MISSED");
  run = RunRows{};

  t0 = Clock::now();
  AuditFilter one;
  one.device = o.devices[3];
  RunRows narrow = d.who_can_run(sys, o.org, one);
  std::printf("who_can_run(device) %8.3f ms, %zu rows (filter form)\n", seconds_since(t0) * 1e3, narrow.admin.size());

  std::printf("peak memory         %8.0f MB (VmHWM)\n", static_cast<double>(status_kb("VmHWM:")) / 1024.0);
  return 0;
}
