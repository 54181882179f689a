// Schedules: commands that launch themselves (one-time and repeated
// schedules, in any IANA time zone) and triggers. Reached through
// Directory::schedules(); implemented in cpp/src/schedule/.
//
// The scheduler belongs to the directory's own handle: due() is pure (reads
// only) and takes any clock; tick() launches what is due, each fire time
// exactly once, even when several processes tick at the same moment (the
// fire time is claimed by a row whose primary key is (command, fire time)).
// Missed fire times (the scheduler was down): one catch-up launch for the
// newest missed fire time, with how many were skipped, never one per miss.
// Nothing before a command's last change is due (editing a schedule does not
// fire the past). A fire with no target device is recorded, with why, and
// not retried.
// Triggers (JumpCloud's POST /command/trigger/{name}) launch every trigger
// command of the org with that name, the payload as variables; checked as
// commands.run for the actor, and audited like any launch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/authz.h"
#include "dirctl/runs.h"
#include "dirctl/types.h"

namespace dirctl {

class ServiceHost;
using RunHost = ServiceHost;  // commands/run_host.h

struct DueFire {
  Id command = kNoId, org = kNoId;
  std::int64_t fire_at = 0;  // ms since the epoch: the newest due fire time
  std::int64_t missed = 0;   // earlier due fire times it stands for (0: none missed)
};

struct Fired {
  DueFire fire;
  std::int64_t launch = 0;  // 0 when nothing was launched
  std::string note;         // why not ("" when launched)
};

class Schedules {
 public:
  explicit Schedules(RunHost& host) : host_(host) {}

  std::vector<DueFire> due(const Actor& actor, std::int64_t now_ms);
  std::vector<Fired> tick(const Actor& actor, std::int64_t now_ms);
  // The earliest fire time of any schedule strictly after now (for a daemon's sleep).
  std::optional<std::int64_t> next_wakeup(const Actor& actor, std::int64_t now_ms);
  // The command's next n fire times after `after_ms` (default now), within
  // its start/until/count; empty for manual and trigger commands. commands.read.
  std::vector<std::int64_t> next_runs(const Actor& actor, Id command, std::size_t n,
                                      std::optional<std::int64_t> after_ms);
  std::vector<Launch> trigger(const Actor& actor, Id org, const std::string& name, const Variables& payload);

 private:
  RunHost& host_;
};

}  // namespace dirctl
