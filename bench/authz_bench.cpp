// authz_bench: role-engine latency and throughput in C++.
//
//   authz_bench [admins=10000] [commands=100000] [path=/tmp/dirctl_authz.db]
//
// Builds (or reuses) a directory of 10 orgs, `admins` admins cycling through
// the 8 roles with access to 1-3 orgs, `commands` commands, each Command
// Runner assigned 20 commands, then times RoleEngine::check on random
// (admin, action, command) triples: one call at a time (ns/check) and
// through Directory::check_many (checks/s). The file is kept for
// bench/authz_bench.py, which measures the Python side and the baseline.
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "authz/role_engine.h"
#include "dirctl/directory.h"
#include "dirctl/kinds.h"
#include "model/model.h"

using namespace dirctl;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void build(Directory& d, std::size_t admins, std::size_t commands) {
  const Actor sys = Actor::system();
  d.begin_batch();
  std::vector<Id> orgs, cmds;
  for (int o = 0; o < 10; ++o) orgs.push_back(d.create(sys, Kind::kOrg, kNoId, {{"name", "org" + std::to_string(o)}}).id);
  for (std::size_t c = 0; c < commands; ++c)
    cmds.push_back(d.create(sys, Kind::kCommand, orgs[c % 10],
                            {{"name", "cmd" + std::to_string(c)}, {"script", std::string("echo ") + std::to_string(c)}})
                       .id);
  std::mt19937 rng(7);
  for (std::size_t a = 0; a < admins; ++a) {
    const std::string& role = role_names()[a % role_names().size()];
    IdList access;
    for (std::size_t k = 0; k <= a % 3; ++k) access.push_back(orgs[(a + k * 3) % 10]);
    Id id = d.create(sys, Kind::kAdmin, kNoId,
                     {{"email", "admin" + std::to_string(a) + "@example.com"}, {"role", role}, {"orgs", access},
                      {"state", std::string(a % 50 == 49 ? "suspended" : "active")}})
                .id;
    if (role.rfind("command_runner", 0) == 0)
      for (int k = 0; k < 20; ++k) {
        Id c = cmds[(rng() % (commands / 10)) * 10 + static_cast<std::size_t>(access[0] - orgs[0])];
        d.associate(sys, id, c);
      }
  }
  d.commit_batch();
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t admins = argc > 1 ? std::stoul(argv[1]) : 10000;
  const std::size_t commands = argc > 2 ? std::stoul(argv[2]) : 100000;
  const std::string path = argc > 3 ? argv[3] : "/tmp/dirctl_authz.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  auto t0 = Clock::now();
  Directory d(path);
  build(d, admins, commands);
  std::printf("dirctl authz_bench: %zu admins, %zu commands in 10 orgs (built in %.1f s), file %s\n", admins, commands,
              seconds_since(t0), path.c_str());

  const Model& model = d.model();
  std::vector<Id> admin_ids = model.ids_of(Kind::kAdmin, kNoId), command_ids;
  for (Id o : model.ids_of(Kind::kOrg, kNoId))
    for (Id c : model.ids_of(Kind::kCommand, o)) command_ids.push_back(c);
  const std::vector<ActionId> actions = {action_id("commands.run"), action_id("commands.read"),
                                         action_id("commands.edit"), action_id("users.edit"),
                                         action_id("remote_assist.launch"), action_id("administrators.read")};
  constexpr std::size_t kN = 2000000;
  std::mt19937 rng(42);
  std::vector<Actor> actors(kN);
  std::vector<ActionId> acts(kN);
  std::vector<Id> resources(kN);
  for (std::size_t i = 0; i < kN; ++i) {
    actors[i] = Actor{ActorType::kAdmin, admin_ids[rng() % admin_ids.size()]};
    acts[i] = actions[rng() % actions.size()];
    resources[i] = command_ids[rng() % command_ids.size()];
  }

  RoleEngine engine(model);
  std::size_t allowed = 0;
  t0 = Clock::now();
  for (std::size_t i = 0; i < kN; ++i) allowed += engine.check(actors[i], acts[i], resources[i], false).allowed;
  const double single = seconds_since(t0);
  std::printf("single check        %8.1f ns/check (%.2f M checks/s on one core; %.0f%% allowed)\n", single / kN * 1e9,
              kN / single / 1e6, 100.0 * static_cast<double>(allowed) / kN);

  std::vector<std::uint8_t> out(kN), rules(kN);
  t0 = Clock::now();
  d.check_many(actors, acts, resources, out.data(), rules.data());
  const double many = seconds_since(t0);
  std::printf("check_many          %8.2f M checks/s (with rule ids)\n", kN / many / 1e6);

  t0 = Clock::now();
  constexpr std::size_t kExplained = 200000;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < kExplained; ++i) chars += engine.check(actors[i], acts[i], resources[i], true).reason.size();
  const double explained = seconds_since(t0);
  std::printf("explained check     %8.1f ns/check (with the reason sentence, avg %zu chars)\n",
              explained / kExplained * 1e9, chars / kExplained);
  std::printf("targets             < 200 ns/check: %s\n", single / kN * 1e9 < 200 ? "met" : "MISSED");
  return 0;
}
