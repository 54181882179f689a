// Reviews (Runops, hoop.dev): runs of a command that wait for approval.
// Reached through Directory::reviews(); implemented in cpp/src/commands/.
//
// A command may carry a review policy: reviewer user groups, the approvals
// each group needs (min_approvals), exempt user groups, and how long a
// request may wait. A launch of such a command by an actor who is not exempt
// (a user in an exempt group, or an admin made from such a user; the
// directory's own handle is always exempt) opens a review, and its runs
// start pending_review:
//   review  pending -> approved | rejected | revoked | expired
//   group   pending -> approved (its approvals reached) | rejected
// Every reviewer group must approve before the runs are queued (their ttl
// counts from then). One rejection rejects the review and cancels the runs;
// the requester may revoke it (cancelled too); past its wait it expires
// (the runs expire). Who may vote: a user, by the role engine's group-match
// rule (commands.approve), in every reviewer group they belong to (one
// vote counts for each of them); an admin whose role allows
// commands.approve, for every group. Nobody votes on their own request (rule
// self_approval; an admin made from the requesting user is the same person),
// and everyone votes once. Every step is an event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/authz.h"
#include "dirctl/types.h"

namespace dirctl {

class ServiceHost;
using RunHost = ServiceHost;  // commands/run_host.h

struct ReviewPolicy {
  std::vector<Id> reviewers;  // user groups of the command's org; at least one
  std::vector<Id> exempt;     // user groups whose members run without review
  std::int64_t min_approvals = 1;            // per reviewer group, 1-100
  std::int64_t max_wait_seconds = 86400;     // 1 s to 30 days
};

struct ReviewGroup {
  Id group = kNoId;
  std::string name, state;  // pending | approved | rejected
  std::int64_t approvals = 0, needed = 0;
};

struct ReviewVote {
  std::string voter, voter_name;  // "user:40", its username
  bool approve = false;
  std::int64_t at = 0;
  std::string comment;
};

struct Review {
  std::int64_t id = 0, launch = 0;
  Id org = kNoId, command = kNoId;
  std::string command_name;
  std::string state;  // pending | approved | rejected | revoked | expired
  std::string requested_by, requester_name;
  std::int64_t requested_at = 0, expires_at = 0, decided_at = 0;
  std::string decided_by;
  std::vector<ReviewGroup> groups;
  std::vector<ReviewVote> votes;
};

class Reviews {
 public:
  explicit Reviews(RunHost& host) : host_(host) {}

  // commands.edit on the command; nullopt removes the policy. Audited.
  void set_policy(const Actor& actor, Id command, const std::optional<ReviewPolicy>& policy);
  std::optional<ReviewPolicy> policy(const Actor& actor, Id command);  // commands.read
  // An org's reviews the actor may read (commands.read), oldest first.
  std::vector<Review> list(const Actor& actor, Id org, const std::optional<std::string>& state);
  Review get(const Actor& actor, std::int64_t review);
  Review approve(const Actor& actor, std::int64_t review, const std::string& comment,
                 std::optional<std::int64_t> now_ms = std::nullopt);
  Review reject(const Actor& actor, std::int64_t review, const std::string& comment,
                std::optional<std::int64_t> now_ms = std::nullopt);
  Review revoke(const Actor& actor, std::int64_t review);  // the requester only

 private:
  RunHost& host_;
};

}  // namespace dirctl
