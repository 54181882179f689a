// Command runs: launches, the per-device run queue, agents' protocol, results.
//
// A launch (JumpCloud's POST /runCommand: a command and device ids) makes
// one run per target device. A run moves through states, each transition
// stamped with its time and actor:
//   pending_review -> queued | expired | cancelled   (a command with a review policy)
//   queued -> running | expired | cancelled
//   running -> succeeded | failed | timed_out | cancelled
// Ended states never move again; anything else is InvalidState. The engine
// enforces a launch's ttl (a queued run no agent took in time expires) and
// the command's timeout (a running run not reported within it times out)
// whenever it is asked about runs: sweep() does both, and every poll, report
// and read sweeps first.
//
// Times are milliseconds since the Unix epoch (UTC). A `now` may be given
// only by the system actor (tests and replays run with any clock); acting
// contexts always use the real clock.
//
// Runs live only in the store (they are not objects of the model): run ids
// are their own sequence, not object ids.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

enum class RunState : std::uint8_t {
  kQueued, kRunning, kSucceeded, kFailed, kTimedOut, kExpired, kCancelled,
  kPendingReview,  // waiting for its review (dirctl/reviews.h) before it is queued
};
constexpr int kRunStateCount = 8;

std::string_view run_state_name(RunState state);
RunState run_state_from_name(std::string_view name);  // InvalidArgument naming the states
bool run_state_final(RunState state);
bool run_transition_allowed(RunState from, RunState to);

using Variables = std::map<std::string, std::string>;  // name -> value, in name order

struct LaunchRequest {
  Id command = kNoId;
  std::vector<Id> devices;  // empty: every target of the command
  Variables variables;      // the run's environment: NAME=value
  std::optional<std::int64_t> ttl_seconds;  // default kDefaultTtlSeconds
  std::optional<std::int64_t> now_ms;       // system actor only
};
constexpr std::int64_t kDefaultTtlSeconds = 86400;
constexpr std::int64_t kMaxTtlSeconds = 30 * 86400;
// A running run is timed out by the engine this long after its timeout, so
// that an agent that killed it at the timeout can still deliver its output.
constexpr std::int64_t kReportGraceMs = 5000;

struct Launch {
  std::int64_t id = 0;
  Id org = kNoId;
  Id command = kNoId;
  std::int64_t requested_at = 0;
  std::string requested_by;  // "admin:12", "api_key:12", "user:40", "system"
  std::string requester_name;
  std::int64_t ttl_seconds = 0;
  std::vector<std::int64_t> runs;  // one per device, ascending
  std::int64_t review = 0;         // the review its runs wait for (dirctl/reviews.h); 0: none
};

// One run and, once it ended, its result.
struct Run {
  std::int64_t id = 0;
  std::int64_t launch = 0;
  Id org = kNoId, command = kNoId, device = kNoId;
  std::string command_name, device_name;  // as the directory names them now ("" once deleted)
  RunState state = RunState::kQueued;
  std::string requested_by, requester_name;
  std::int64_t queued_at = 0, expires_at = 0;
  std::int64_t started_at = 0, finished_at = 0;  // 0: not (yet)
  std::string started_by, finished_by;           // the actor of each transition
  std::optional<int> exit_code, signal;
  std::string stdout_text, stderr_text;
  bool stdout_truncated = false, stderr_truncated = false;
  // What the agent executes, as launched (a later edit of the command does
  // not change a launched run).
  std::string script, shell, run_as;
  std::int64_t timeout_seconds = 0;
  Variables variables;
};

struct RunFilter {
  std::optional<Id> org, command, device;
  std::optional<std::int64_t> launch;
  std::optional<RunState> state;
  std::optional<std::int64_t> since_ms;  // requested at or after
  bool output = true;                    // read stdout/stderr too
};

// Results as columns (for DataFrames); times 0 when not (yet) set, exit
// code and signal kNoCode when none.
constexpr std::int32_t kNoCode = INT32_MIN;
struct RunColumns {
  std::vector<std::int64_t> id, launch;
  std::vector<std::uint32_t> org, command, device;
  std::vector<std::uint8_t> state;
  std::vector<std::int64_t> queued_at, started_at, finished_at;
  std::vector<std::int32_t> exit_code, signal;
  std::vector<std::uint8_t> requester_type;  // ActorType
  std::vector<std::uint32_t> requester_id;
  // Display names of the commands, devices and requesters above (ascending
  // ids; "" for objects since deleted).
  std::vector<std::uint32_t> named;
  std::vector<std::string> names;
};

struct RunReport {
  std::int64_t run = 0;
  std::optional<int> exit_code;  // exactly one of exit_code and signal
  std::optional<int> signal;
  std::string stdout_text, stderr_text;
  bool stdout_truncated = false, stderr_truncated = false;
  bool timed_out = false;  // the agent killed it at the timeout
  std::optional<std::int64_t> now_ms;
};

}  // namespace dirctl
