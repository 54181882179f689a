// RunStore: the SQL of command runs (tables launches and runs, schema step 5).
//
// Every state change is one UPDATE guarded by the state it leaves (WHERE
// state = from), so a change that lost a race to another process changes
// nothing and says so (returns false); the caller's write transaction (BEGIN
// IMMEDIATE) makes "find the oldest queued run, then take it" atomic across
// processes. Launching many devices binds one prepared statement per run.
// The caller holds the transaction; failures throw StorageError. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/runs.h"
#include "dirctl/types.h"

namespace dirctl {

class Store;

struct LaunchRow {
  Id org = kNoId, command = kNoId;
  std::int64_t requested_at = 0;
  ActorType requester_type = ActorType::kSystem;
  Id requester_id = kNoId;
  std::string requester_name;
  std::string script, shell, run_as;
  std::int64_t timeout_seconds = 0, ttl_seconds = 0;
  Variables variables;
  RunState initial = RunState::kQueued;  // kPendingReview when a review must approve first
};

// A transition's stamp: when, and who ("admin:12", "agent:host-1", "system").
struct Stamp {
  std::int64_t at = 0;
  std::string by;
};

class RunStore {
 public:
  explicit RunStore(Store& store) : store_(store) {}

  // The launch row and one queued run per device (ids ascending, appended to
  // `runs`); returns the launch id.
  std::int64_t insert_launch(const LaunchRow& launch, const std::vector<Id>& devices, std::vector<std::int64_t>& runs);
  std::optional<Launch> launch(std::int64_t id);

  // The device's oldest queued run requested by `now` (a fake clock never
  // hands out a run from its future).
  std::optional<std::int64_t> oldest_queued(Id device, std::int64_t now);
  // queued -> running, with the deadline the engine times it out at.
  bool start(std::int64_t run, const Stamp& stamp, std::int64_t deadline_at);
  // from -> to (an ended state), with the report's fields if given.
  bool finish(std::int64_t run, RunState from, RunState to, const Stamp& stamp, const RunReport* report);
  // Reviews past their wait -> expired (their runs too); queued runs past
  // their ttl -> expired; running runs past their deadline
  // -> timed_out, each finished at the instant it expired or timed out (its
  // expiry, its deadline). Returns how many changed.
  std::size_t sweep(std::int64_t now, const std::string& by);
  bool anything_due(std::int64_t now);
  void touch_device(Id device, const std::string& iso_time);  // its last_contact

  std::optional<Run> run(std::int64_t id, bool output);
  std::vector<Run> runs(const RunFilter& filter);
  RunColumns columns(const RunFilter& filter);
  // Ended runs finished before `before` (of one org, if given), and the
  // launches left without runs. Returns the runs deleted.
  std::size_t purge(std::optional<Id> org, std::int64_t before);
  // The number of runs of a filter (no output read).
  std::size_t count(const RunFilter& filter);

 private:
  Store& store_;
};

}  // namespace dirctl
