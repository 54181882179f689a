// Reviews (dirctl/reviews.h): policies, votes, decisions, over ReviewStore.
#include "dirctl/reviews.h"

#include <algorithm>

#include "authz/role_engine.h"
#include "commands/launching.h"
#include "commands/review_rules.h"
#include "commands/run_host.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "dirctl/runs.h"
#include "store/review_store.h"
#include "store/run_store.h"
#include "util/clock.h"

namespace dirctl {
namespace {

constexpr const char* kReviewStates[] = {"pending", "approved", "rejected", "revoked", "expired"};
constexpr const char* kGroupStates[] = {"pending", "approved", "rejected"};
enum : int { kPending = 0, kApproved = 1, kRejected = 2, kRevoked = 3, kExpired = 4 };

std::string name_of(const Model& model, Id id) {
  const Entity* e = model.find(id);
  return e != nullptr ? std::string(e->name) : std::string();
}

Review to_review(const Model& model, const ReviewRow& r) {
  Review out;
  out.id = r.id;
  out.launch = r.launch;
  out.org = r.org;
  out.command = r.command;
  out.command_name = name_of(model, r.command);
  out.state = kReviewStates[r.state];
  out.requested_by = actor_text(Actor{r.requester_type, r.requester});
  out.requester_name = r.requester_name;
  out.requested_at = r.requested_at;
  out.expires_at = r.expires_at;
  out.decided_at = r.decided_at;
  out.decided_by = r.decided_by;
  for (const ReviewGroupRow& g : r.groups)
    out.groups.push_back({g.group, name_of(model, g.group), kGroupStates[g.state], g.approvals, g.needed});
  for (const VoteRow& v : r.votes)
    out.votes.push_back({actor_text(Actor{v.voter_type, v.voter}), name_of(model, v.voter), v.approve, v.at,
                         v.comment});
  return out;
}

void check_groups(RunHost& host, Id org, const std::vector<Id>& groups, const char* what) {
  for (Id g : groups) {
    const Entity* e = host.model().find(g);
    if (e == nullptr || e->kind != Kind::kUserGroup || e->org != org)
      throw InvalidArgument(std::string(what) + ": " + host.describe(g) + " is not a user group of " +
                            host.describe(org));
  }
}

// The review, readable by the actor (commands.read on its command).
ReviewRow readable(RunHost& host, const Actor& actor, std::int64_t id, const char* event_type) {
  auto r = ReviewStore(host.store()).review(id);
  if (!r) throw NotFound("no review " + std::to_string(id));
  host.require_visible(actor, r->command, event_type);
  host.authorize(actor, action_for(Scope::kCommands, Verb::kRead), r->command, event_type);
  return *r;
}

[[noreturn]] void not_pending(const ReviewRow& r) {
  throw InvalidState("review " + std::to_string(r.id) + " is " + kReviewStates[r.state] + " (decided at " +
                     iso_of_ms(r.decided_at) + " by " + r.decided_by + "); only a pending review takes votes");
}

}  // namespace

void Reviews::set_policy(const Actor& actor, Id command, const std::optional<ReviewPolicy>& policy) {
  host_.enter([&] {
    host_.require_visible(actor, command, "command_review_policy");
    const Entity* cmd = host_.model().find(command);
    if (cmd == nullptr || cmd->kind != Kind::kCommand) throw NotFound("no command with id " + std::to_string(command));
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kEdit), command, "command_review_policy");
    PolicyRow row;
    row.command = command;
    if (policy) {
      if (policy->reviewers.empty())
        throw InvalidArgument("review policy: name at least one reviewer user group (or pass None to remove it)");
      if (policy->min_approvals < 1 || policy->min_approvals > 100)
        throw InvalidArgument("review policy: min_approvals " + std::to_string(policy->min_approvals) +
                              " is out of range 1-100");
      if (policy->max_wait_seconds < 1 || policy->max_wait_seconds > kMaxTtlSeconds)
        throw InvalidArgument("review policy: wait " + std::to_string(policy->max_wait_seconds) +
                              " s is out of range 1 s to 30 days");
      check_groups(host_, cmd->org, policy->reviewers, "review policy reviewers");
      check_groups(host_, cmd->org, policy->exempt, "review policy exempt groups");
      row.reviewers = policy->reviewers;
      row.exempt = policy->exempt;
      std::sort(row.reviewers.begin(), row.reviewers.end());
      row.reviewers.erase(std::unique(row.reviewers.begin(), row.reviewers.end()), row.reviewers.end());
      std::sort(row.exempt.begin(), row.exempt.end());
      row.exempt.erase(std::unique(row.exempt.begin(), row.exempt.end()), row.exempt.end());
      row.min_approvals = policy->min_approvals;
      row.max_wait = policy->max_wait_seconds;
    }
    host_.write([&] {
      ReviewStore store(host_.store());
      if (policy) store.set_policy(row); else store.drop_policy(command);
      Event e = host_.event(actor, "command_review_policy", cmd->org, command);
      e.changes = {{"reviewers", "null", std::to_string(row.reviewers.size())},
                   {"exempt", "null", std::to_string(row.exempt.size())},
                   {"min_approvals", "null", policy ? std::to_string(row.min_approvals) : "null"},
                   {"wait", "null", policy ? std::to_string(row.max_wait) : "null"}};
      host_.append(e);
    });
  });
}

std::optional<ReviewPolicy> Reviews::policy(const Actor& actor, Id command) {
  std::optional<ReviewPolicy> out;
  host_.enter([&] {
    host_.require_visible(actor, command, "command_read");
    const Entity* cmd = host_.model().find(command);
    if (cmd == nullptr || cmd->kind != Kind::kCommand) throw NotFound("no command with id " + std::to_string(command));
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kRead), command, "command_read");
    if (auto row = ReviewStore(host_.store()).policy(command))
      out = ReviewPolicy{row->reviewers, row->exempt, row->min_approvals, row->max_wait};
  });
  return out;
}

std::vector<Review> Reviews::list(const Actor& actor, Id org, const std::optional<std::string>& state) {
  std::vector<Review> out;
  host_.enter([&] {
    host_.require_visible(actor, org, "command_review_read");
    std::optional<int> code;
    if (state) {
      const auto* it = std::find(std::begin(kReviewStates), std::end(kReviewStates), *state);
      if (it == std::end(kReviewStates))
        throw InvalidArgument("review state '" + *state +
                              "' is not one of pending, approved, rejected, revoked, expired");
      code = static_cast<int>(it - std::begin(kReviewStates));
    }
    RunStore runs(host_.store());
    const std::int64_t now = unix_now_ms();
    if (runs.anything_due(now)) host_.write([&] { runs.sweep(now, "system"); });
    ReviewStore store(host_.store());
    for (std::int64_t id : store.reviews_of(org, code)) {
      const auto r = store.review(id);
      if (!r || !host_.allowed(actor, action_for(Scope::kCommands, Verb::kRead), r->command)) continue;
      out.push_back(to_review(host_.model(), *r));
    }
  });
  return out;
}

Review Reviews::get(const Actor& actor, std::int64_t id) {
  Review out;
  host_.enter([&] { out = to_review(host_.model(), readable(host_, actor, id, "command_review_read")); });
  return out;
}

namespace {

// A vote: who may cast it, and the groups it counts for.
std::vector<Id> voting_groups(RunHost& host, const Actor& actor, const ReviewRow& r, const char* event_type) {
  if (same_person(host.model(), actor, r.requester_type, r.requester))
    host.refuse_rule(actor, r.command, event_type, Rule::kSelfApproval,
                     "nobody reviews their own request: review " + std::to_string(r.id) + " was requested by " +
                         r.requester_name);
  host.authorize(actor, action_for(Scope::kCommands, Verb::kApprove), r.command, event_type);
  std::vector<Id> pending;
  for (const ReviewGroupRow& g : r.groups)
    if (g.state == 0) pending.push_back(g.group);
  if (actor.type == ActorType::kSystem || actor.type == ActorType::kAdmin || actor.type == ActorType::kApiKey)
    return pending;  // an admin's role allows it: every group
  std::vector<Id> mine = groups_of_actor(host.model(), actor, pending);
  if (mine.empty())
    host.refuse_rule(actor, r.command, event_type, Rule::kGroupMatch,
                     host.actor_name(actor) + " is in none of the reviewer groups still pending on review " +
                         std::to_string(r.id));
  return mine;
}

}  // namespace

namespace {

// One vote, approving or rejecting: the review as it stood, checked, and the
// vote recorded in the caller's write; `decide` then counts it.
template <typename Decide>
Review vote(RunHost& host, const Actor& actor, std::int64_t id, bool approve, const std::string& comment,
            std::optional<std::int64_t> now_ms, Decide decide) {
  const char* event_type = approve ? "command_review_approve" : "command_review_reject";
  Review out;
  host.enter([&] {
    const std::int64_t now = clock_for(actor, now_ms);
    RunStore runs(host.store());
    if (runs.anything_due(now)) host.write([&] { runs.sweep(now, "system"); });
    const ReviewRow r = readable(host, actor, id, event_type);
    if (r.state != kPending) not_pending(r);
    const std::vector<Id> groups = voting_groups(host, actor, r, event_type);
    host.write([&] {
      ReviewStore store(host.store());
      if (!store.vote(id, {actor.type, actor.id, approve, now, comment}))
        throw InvalidState(host.actor_name(actor) + " has already voted on review " + std::to_string(id));
      Event e = host.event(actor, event_type, r.org, r.command);
      e.changes = {{"review", "null", std::to_string(id)}, {"groups", "null", std::to_string(groups.size())}};
      decide(store, r, groups, now, e);
      host.append(e);
      out = to_review(host.model(), *store.review(id));
    });
  });
  return out;
}

}  // namespace

Review Reviews::approve(const Actor& actor, std::int64_t id, const std::string& comment,
                        std::optional<std::int64_t> now_ms) {
  return vote(host_, actor, id, true, comment, now_ms,
              [&](ReviewStore& store, const ReviewRow& r, const std::vector<Id>& groups, std::int64_t now, Event& e) {
                for (Id g : groups) store.approve_group(id, g);
                const ReviewRow after = *store.review(id);
                if (!std::all_of(after.groups.begin(), after.groups.end(), [](const auto& g) { return g.state == 1; }))
                  return;
                store.decide(id, kApproved, now, actor_text(actor));
                store.release_runs(r.launch, now, r.ttl_seconds);
                e.changes.push_back({"state", "\"pending\"", "\"approved\""});
              });
}

Review Reviews::reject(const Actor& actor, std::int64_t id, const std::string& comment,
                       std::optional<std::int64_t> now_ms) {
  return vote(host_, actor, id, false, comment, now_ms,
              [&](ReviewStore& store, const ReviewRow& r, const std::vector<Id>& groups, std::int64_t now, Event& e) {
                for (Id g : groups) store.reject_group(id, g);
                store.decide(id, kRejected, now, actor_text(actor));
                store.end_runs(r.launch, static_cast<int>(RunState::kCancelled), now, actor_text(actor));
                e.changes.push_back({"state", "\"pending\"", "\"rejected\""});
              });
}

Review Reviews::revoke(const Actor& actor, std::int64_t id) {
  Review out;
  host_.enter([&] {
    const std::int64_t now = unix_now_ms();
    const ReviewRow r = readable(host_, actor, id, "command_review_revoke");
    if (actor.type != ActorType::kSystem && !(actor.type == r.requester_type && actor.id == r.requester) &&
        !same_person(host_.model(), actor, r.requester_type, r.requester))
      host_.refuse_rule(actor, r.command, "command_review_revoke", Rule::kUserScope,
                        "only the requester (" + r.requester_name + ") revokes review " + std::to_string(id));
    if (r.state != kPending) not_pending(r);
    host_.write([&] {
      ReviewStore store(host_.store());
      if (!store.decide(id, kRevoked, now, actor_text(actor))) not_pending(*store.review(id));
      store.end_runs(r.launch, static_cast<int>(RunState::kCancelled), now, actor_text(actor));
      Event e = host_.event(actor, "command_review_revoke", r.org, r.command);
      e.changes = {{"review", "null", std::to_string(id)}, {"state", "\"pending\"", "\"revoked\""}};
      host_.append(e);
      out = to_review(host_.model(), *store.review(id));
    });
  });
  return out;
}

}  // namespace dirctl
