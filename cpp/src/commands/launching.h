// Launching, in two steps, for every caller that launches (CommandRuns, the
// scheduler, triggers): plan_launch() authorises and checks (commands.run,
// targets, variables, ttl) and reads what to run; write_launch() writes the
// launch, its runs and its command_run event, inside the caller's write
// (RunHost::write), so a scheduler can launch in the same transaction as
// the fire time it claims. A command with a review policy opens a review
// (dirctl/reviews.h) unless the actor is exempt.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "dirctl/authz.h"
#include "dirctl/event.h"
#include "dirctl/runs.h"
#include "store/run_store.h"

namespace dirctl {

class ServiceHost;
using RunHost = ServiceHost;  // commands/run_host.h

struct LaunchPlan {
  LaunchRow row;
  std::vector<Id> devices;
  // Set when the command's review policy applies to this actor: the review
  // to open (its runs start pending_review).
  struct Review {
    std::vector<Id> groups;
    std::int64_t needed = 1, expires_at = 0;
  };
  std::optional<Review> review;
  std::vector<FieldChange> extra;  // added to the event (a schedule's fire time, a trigger's name)
};

// Throws NotFound, InvalidArgument, or a denial through the host.
LaunchPlan plan_launch(RunHost& host, const Actor& actor, const LaunchRequest& request, std::int64_t now_ms);
// REQUIRES: inside host.write().
Launch write_launch(RunHost& host, const Actor& actor, const LaunchPlan& plan);

// "admin:12", "user:40", "api_key:12", "system".
std::string actor_text(const Actor& actor);
// The clock of a call: `now` if given (the system actor only: tests and
// replays), else the real clock; InvalidArgument for an acting context's `now`.
std::int64_t clock_for(const Actor& actor, std::optional<std::int64_t> now);

}  // namespace dirctl
