// The run state machine of dirctl/runs.h: names and legal transitions.
#include <array>
#include <string>

#include "dirctl/error.h"
#include "dirctl/runs.h"

namespace dirctl {
namespace {

constexpr std::array<std::string_view, kRunStateCount> kNames = {
    "queued", "running", "succeeded", "failed", "timed_out", "expired", "cancelled", "pending_review"};

}  // namespace

std::string_view run_state_name(RunState state) { return kNames[static_cast<std::size_t>(state)]; }

RunState run_state_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<RunState>(i);
  throw InvalidArgument("run state '" + std::string(name) +
                        "' is not one of queued, running, succeeded, failed, timed_out, expired, cancelled, "
                        "pending_review");
}

bool run_state_final(RunState state) {
  return state != RunState::kQueued && state != RunState::kRunning && state != RunState::kPendingReview;
}

bool run_transition_allowed(RunState from, RunState to) {
  switch (from) {
    case RunState::kPendingReview:
      return to == RunState::kQueued || to == RunState::kExpired || to == RunState::kCancelled;
    case RunState::kQueued:
      return to == RunState::kRunning || to == RunState::kExpired || to == RunState::kCancelled;
    case RunState::kRunning:
      return to == RunState::kSucceeded || to == RunState::kFailed || to == RunState::kTimedOut ||
             to == RunState::kCancelled;
    default:
      return false;
  }
}

}  // namespace dirctl
