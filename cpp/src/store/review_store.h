// ReviewStore: the SQL of run reviews (schema step 6): review policies per
// command, and per launch that waits for one its review, its reviewer
// groups' counts and its votes.
//
// Every change is guarded by the state it leaves (WHERE state = pending), so
// a vote or decision that lost a race to another process changes nothing and
// says so. The caller holds the write transaction; failures throw
// StorageError. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

class Store;

struct PolicyRow {
  Id command = kNoId;
  std::int64_t min_approvals = 1, max_wait = 0;
  std::vector<Id> reviewers, exempt;  // user groups, ascending
};

struct ReviewGroupRow {
  Id group = kNoId;
  int state = 0;  // 0 pending, 1 approved, 2 rejected
  std::int64_t approvals = 0, needed = 0;
};

struct VoteRow {
  ActorType voter_type = ActorType::kSystem;
  Id voter = kNoId;
  bool approve = false;
  std::int64_t at = 0;
  std::string comment;
};

struct ReviewRow {
  std::int64_t id = 0, launch = 0;
  Id org = kNoId, command = kNoId;
  int state = 0;  // 0 pending, 1 approved, 2 rejected, 3 revoked, 4 expired
  std::int64_t requested_at = 0, expires_at = 0, decided_at = 0;
  std::string decided_by;
  ActorType requester_type = ActorType::kSystem;
  Id requester = kNoId;
  std::string requester_name;
  std::int64_t ttl_seconds = 0;  // the launch's, for the runs once approved
  std::vector<ReviewGroupRow> groups;
  std::vector<VoteRow> votes;
};

class ReviewStore {
 public:
  explicit ReviewStore(Store& store) : store_(store) {}

  std::optional<PolicyRow> policy(Id command);
  void set_policy(const PolicyRow& policy);  // replaces
  bool drop_policy(Id command);

  // The review of a launch, its groups each needing `needed` approvals.
  std::int64_t open(std::int64_t launch, Id org, Id command, std::int64_t now, std::int64_t expires_at,
                    const std::vector<Id>& groups, std::int64_t needed);
  std::optional<ReviewRow> review(std::int64_t id);
  // Ids of an org's reviews (all, or in one state), ascending.
  std::vector<std::int64_t> reviews_of(Id org, std::optional<int> state);

  bool vote(std::int64_t review, const VoteRow& vote);  // false: already voted
  // One more approval for the group (approved once it reaches needed).
  void approve_group(std::int64_t review, Id group);
  void reject_group(std::int64_t review, Id group);
  // pending -> to; false if it was no longer pending.
  bool decide(std::int64_t review, int to, std::int64_t at, const std::string& by);
  // Pending reviews past their wait -> expired, with their runs; how many.
  std::size_t expire_due(std::int64_t now, const std::string& by);
  bool anything_due(std::int64_t now);

  // The launch's runs waiting for review -> queued (from now, for the ttl),
  // or -> cancelled / expired. Returns how many moved.
  std::size_t release_runs(std::int64_t launch, std::int64_t now, std::int64_t ttl_seconds);
  std::size_t end_runs(std::int64_t launch, int run_state, std::int64_t at, const std::string& by);

 private:
  Store& store_;
};

}  // namespace dirctl
