#include "commands/launching.h"

#include <variant>

#include "authz/role_engine.h"
#include "commands/launch_plan.h"
#include "commands/review_rules.h"
#include "commands/run_host.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "store/review_store.h"
#include "util/clock.h"

namespace dirctl {

std::int64_t clock_for(const Actor& actor, std::optional<std::int64_t> now) {
  if (!now) return unix_now_ms();
  if (actor.type != ActorType::kSystem)
    throw InvalidArgument("now= is for the directory's own handle (tests, replays); an acting context always uses "
                          "the real clock");
  return *now;
}

std::string actor_text(const Actor& a) {
  if (a.type == ActorType::kSystem) return "system";
  return std::string(actor_type_name(a.type)) + ":" + std::to_string(a.id);
}

LaunchPlan plan_launch(RunHost& host, const Actor& actor, const LaunchRequest& req, std::int64_t now) {
  host.require_visible(actor, req.command, "command_run");
  const Entity* cmd = host.model().find(req.command);
  if (cmd == nullptr || cmd->kind != Kind::kCommand)
    throw NotFound("no command with id " + std::to_string(req.command));
  host.authorize(actor, action_for(Scope::kCommands, Verb::kRun), req.command, "command_run");
  for (Id d : req.devices) host.require_visible(actor, d, "command_run");
  LaunchPlan plan;
  plan.devices = launch_devices(command_targets(host.model(), req.command), req.devices, host.describe(req.command),
                                [&](Id id) { return host.describe(id); });
  check_variables(req.variables);
  const Record rec = host.record(req.command);
  LaunchRow& row = plan.row;
  row.org = cmd->org;
  row.command = req.command;
  row.requested_at = now;
  row.requester_type = actor.type;
  row.requester_id = actor.id;
  row.requester_name = host.actor_name(actor);
  row.script = rec.text("script");
  row.shell = rec.text("shell");
  row.run_as = rec.text("user");
  row.timeout_seconds = std::get<std::int64_t>(*rec.find("timeout"));  // required, with a default
  row.ttl_seconds = check_ttl(req.ttl_seconds);
  row.variables = req.variables;
  if (actor.type != ActorType::kSystem)
    if (const auto policy = ReviewStore(host.store()).policy(req.command);
        policy && groups_of_actor(host.model(), actor, policy->exempt).empty()) {
      plan.review = LaunchPlan::Review{policy->reviewers, policy->min_approvals, now + policy->max_wait * 1000};
      row.initial = RunState::kPendingReview;
    }
  return plan;
}

Launch write_launch(RunHost& host, const Actor& actor, const LaunchPlan& plan) {
  Launch out;
  RunStore runs(host.store());
  out.id = runs.insert_launch(plan.row, plan.devices, out.runs);
  Event e = host.event(actor, "command_run", plan.row.org, plan.row.command);
  e.changes = {{"launch", "null", std::to_string(out.id)},
               {"devices", "null", std::to_string(plan.devices.size())},
               {"ttl", "null", std::to_string(plan.row.ttl_seconds)}};
  e.changes.insert(e.changes.end(), plan.extra.begin(), plan.extra.end());
  host.append(e);
  if (plan.review) {
    const std::int64_t review = ReviewStore(host.store()).open(out.id, plan.row.org, plan.row.command,
                                                               plan.row.requested_at, plan.review->expires_at,
                                                               plan.review->groups, plan.review->needed);
    Event r = host.event(actor, "command_review_request", plan.row.org, plan.row.command);
    r.changes = {{"review", "null", std::to_string(review)}, {"launch", "null", std::to_string(out.id)},
                 {"groups", "null", std::to_string(plan.review->groups.size())}};
    host.append(r);
    out.review = review;
  }
  out.org = plan.row.org;
  out.command = plan.row.command;
  out.requested_at = plan.row.requested_at;
  out.requested_by = actor_text(actor);
  out.requester_name = plan.row.requester_name;
  out.ttl_seconds = plan.row.ttl_seconds;
  return out;
}

}  // namespace dirctl
