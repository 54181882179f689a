#include "audit/audits.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "dirctl/kinds.h"

namespace dirctl {
namespace {

std::string quoted(const Entity& e) { return "'" + std::string(e.name) + "'"; }

}  // namespace


std::string Audits::path_text(const std::vector<Id>& between) const {
  if (between.empty()) return "direct";
  std::string out;
  for (Id id : between) out += (out.empty() ? "" : " > ") + std::string(model_.find(id)->name);
  return out;
}

AccessRows Audits::who_can_access(Id org, const AuditFilter& filter) {
  AccessRows rows;
  // The groups on an access path (at most a user group and a device group)
  // packed in one key -> index into rows.hows.
  std::unordered_map<std::uint64_t, std::int32_t> codes;
  auto code_of = [&](const std::vector<Id>& between) {
    std::uint64_t key = 0;
    for (Id id : between) key = (key << 32) | id;
    auto [it, added] = codes.emplace(key, static_cast<std::int32_t>(rows.hows.size()));
    if (added) rows.hows.push_back(path_text(between));
    return it->second;
  };
  auto emit = [&](Id user, Id device, const std::vector<Id>& between) {
    rows.user.push_back(user);
    rows.device.push_back(device);
    rows.how.push_back(code_of(between));
    rows.suspended.push_back(model_.find(user)->state == kUserSuspended ? 1 : 0);
  };
  // One device: its users come from one uphill walk; each user's path then
  // comes from the same downhill walk as the full audit, so ties between
  // equally short paths break the same way.
  const std::vector<Id> users = filter.user != kNoId   ? std::vector<Id>{filter.user}
                                : filter.device != kNoId ? graph_.reach(filter.device, Chain::kAccess, false, Kind::kUser)
                                                         : model_.ids_of(Kind::kUser, org);
  std::vector<std::pair<Id, std::vector<Id>>> found;
  for (Id u : users) {
    found.clear();
    graph_.reach_with_paths(u, Chain::kAccess, true, Kind::kDevice, [&](Id d, const std::vector<Id>& b) {
      if (filter.device == kNoId || d == filter.device) found.emplace_back(d, b);
    });
    std::sort(found.begin(), found.end());
    for (const auto& [d, between] : found) emit(u, d, between);
  }
  return rows;
}

RunRows Audits::who_can_run(Id org, const AuditFilter& filter) {
  RunRows rows;
  static const ActionId kRun = action_id("commands.run");
  // The devices each command targets, computed once per audit.
  std::unordered_map<Id, std::vector<Id>> targets;
  auto devices_of = [&](Id command) -> const std::vector<Id>& {
    auto it = targets.find(command);
    if (it == targets.end()) {
      std::vector<Id> ds = graph_.reach(command, Chain::kTargets, true, Kind::kDevice);
      if (filter.device != kNoId) ds.erase(std::remove_if(ds.begin(), ds.end(), [&](Id d) { return d != filter.device; }), ds.end());
      it = targets.emplace(command, std::move(ds)).first;
    }
    return it->second;
  };
  std::vector<Id> commands;
  if (filter.command != kNoId)
    commands = {filter.command};
  else if (filter.device != kNoId)
    commands = graph_.reach(filter.device, Chain::kTargets, false, Kind::kCommand);
  else
    commands = model_.ids_of(Kind::kCommand, org);
  const std::vector<Id> admins = filter.admin != kNoId ? std::vector<Id>{filter.admin} : model_.ids_of(Kind::kAdmin, kNoId);
  for (Id a : admins) {
    const Entity* e = model_.find(a);
    if (e == nullptr || e->kind != Kind::kAdmin || e->state == kAdminSuspended || !model_.linked(a, org)) continue;
    const Actor actor{ActorType::kAdmin, a};
    // One scope-level decision per admin; Command Runners then per command.
    const Decision scope = engine_.check(actor, kRun, org, false);
    if (!scope.allowed) continue;
    const bool per_command = scope.rule == Rule::kAssignedCommands;
    for (Id c : commands) {
      if (per_command && !model_.linked(a, c)) continue;
      for (Id d : devices_of(c)) {
        rows.admin.push_back(a);
        rows.command.push_back(c);
        rows.device.push_back(d);
        rows.role.push_back(e->role);
        rows.rule.push_back(static_cast<std::uint8_t>(scope.rule));
      }
    }
  }
  return rows;
}

EscalationRows Audits::escalation_paths(Id admin, Id only_org, const AuditFilter& filter) {
  EscalationRows rows;
  rows.mechanisms = {"take_over_user", "join_group", "direct_assignment"};
  const Entity* a = model_.find(admin);
  if (a == nullptr || a->kind != Kind::kAdmin || a->state == kAdminSuspended) return rows;
  const Actor actor{ActorType::kAdmin, admin};
  const Id linked = a->link;
  static const ActionId kSetPassword = action_id("users.set_password");
  static const ActionId kEditGroups = action_id("groups.edit");
  static const ActionId kEditUsers = action_id("users.edit");

  // What the admin reaches today: its own linked user's devices.
  std::unordered_set<Id> already;
  if (linked != kNoId)
    for (Id d : graph_.reach(linked, Chain::kAccess, true, Kind::kDevice)) already.insert(d);
  // `steps` makes the row's text; called only if the path reaches a new device.
  auto emit = [&](std::uint8_t mechanism, Id via, const std::vector<Id>& devices, auto&& steps) {
    bool any = false;
    if (filter.user != kNoId && via != filter.user) return;  // narrowed to paths through one user
    for (Id d : devices) {
      if (already.count(d) != 0 || (filter.device != kNoId && d != filter.device)) continue;
      if (!any) {
        rows.step_texts.push_back(steps());
        any = true;
      }
      rows.mechanism.push_back(mechanism);
      rows.via.push_back(via);
      rows.device.push_back(d);
      rows.steps.push_back(static_cast<std::int32_t>(rows.step_texts.size() - 1));
    }
  };

  const Id org = only_org;
  if (!model_.linked(admin, org)) return rows;  // no access there: nothing to escalate from
  // 1. Set a user's password, then act as that user on its devices.
  for (Id u : filter.user != kNoId ? std::vector<Id>{filter.user} : model_.ids_of(Kind::kUser, org)) {
    const Entity* ue = model_.find(u);
    if (u == linked || ue == nullptr || ue->org != org || ue->state != kUserActive) continue;
    if (!engine_.check(actor, kSetPassword, u, false).allowed) continue;  // protected users stop here
    emit(0, u, graph_.reach(u, Chain::kAccess, true, Kind::kDevice), [&] {
      return "users.set_password on user " + quoted(*ue) + ", then log in as " + quoted(*ue) + " on its devices";
    });
  }
  if (linked == kNoId || model_.find(linked)->org != org) return rows;
  const Entity& me = *model_.find(linked);
  // 2. Add its own linked user to a user group, reaching that group's devices.
  for (Id g : model_.ids_of(Kind::kUserGroup, org)) {
    if (model_.linked(g, linked) || !engine_.check(actor, kEditGroups, g, false).allowed) continue;
    emit(1, g, graph_.reach(g, Chain::kAccess, true, Kind::kDevice), [&] {
      return "groups.edit: add its user " + quoted(me) + " to user group " + quoted(*model_.find(g));
    });
  }
  // 3. Assign devices to its own linked user directly (a protected action on
  //    a user holding an admin role: administrator_with_billing only).
  if (engine_.check(actor, kEditUsers, linked, false).allowed)
    emit(2, linked, model_.ids_of(Kind::kDevice, org),
         [&] { return "users.edit: associate its user " + quoted(me) + " with the device directly"; });
  return rows;
}

}  // namespace dirctl
