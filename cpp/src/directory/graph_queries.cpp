// The assignment graph's queries and audits, behind the directory's checks.
#include <algorithm>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/impl.h"
#include "audit/audits.h"

namespace dirctl {
namespace {

// live(), plus the graph, built on first use.
Directory::Impl& with_graph(const std::unique_ptr<Directory::Impl>& impl) {
  Directory::Impl& d = live(impl);
  if (!d.graph) d.graph = std::make_unique<AssignmentGraph>(d.model);
  return d;
}

int chain_rank(Kind k) {
  switch (k) {
    case Kind::kUser:
    case Kind::kAdmin: return 0;
    case Kind::kUserGroup:
    case Kind::kCommand: return 1;
    case Kind::kDeviceGroup: return 2;
    case Kind::kDevice: return 3;
    default: return -1;
  }
}

void require_org_member(Directory::Impl& d, Id id, Id org, const char* what) {
  if (id != kNoId && d.entity(id).org != org)
    throw InvalidArgument(std::string(what) + " " + d.describe(id) + " is not in org '" + std::string(d.entity(org).name) + "'");
}

}  // namespace

std::vector<Id> Directory::reach(const Actor& actor, Id from, Kind want) {
  Impl& d = with_graph(impl_);
  return audited(d, [&] {
    d.require_visible(actor, {from}, "graph_read");
    const Entity& e = d.entity(from);
    d.authorize(actor, scope_of(e.kind), Verb::kRead, from, "graph_read");
    const int rf = chain_rank(e.kind), rw = chain_rank(want);
    if (rf < 0 || rw < 0 || rf == rw)
      throw InvalidArgument("no assignment path leads from a " + std::string(kind_name(e.kind)) + " to " +
                            std::string(kind_name(want)) + "s; ask for devices of users, groups and commands, or "
                            "users and commands of devices");
    const bool targets = e.kind == Kind::kCommand || e.kind == Kind::kAdmin || want == Kind::kCommand || want == Kind::kAdmin;
    auto on_targets = [](Kind k) { return k != Kind::kUser && k != Kind::kUserGroup; };
    if (targets && (!on_targets(e.kind) || !on_targets(want)))
      throw InvalidArgument("users and commands are not connected by assignments: commands target devices, users "
                            "reach devices; ask devices_of(user) and commands_of(device)");
    return d.graph->reach(from, targets ? Chain::kTargets : Chain::kAccess, rf < rw, want);
  });
}

std::vector<Path> Directory::explain(const Actor& actor, Id a, Id b) {
  Impl& d = with_graph(impl_);
  return audited(d, [&] {
    d.require_visible(actor, {a, b}, "graph_read");
    for (Id id : {a, b}) d.authorize(actor, scope_of(d.entity(id).kind), Verb::kRead, id, "graph_read");
    std::vector<Path> out;
    for (const auto& ids : d.graph->paths(a, b)) {
      Path p;
      for (Id id : ids) {
        const Entity* e = d.model.find(id);
        p.push_back({std::string(kind_name(e->kind)), std::string(e->name), id});
      }
      out.push_back(std::move(p));
    }
    return out;
  });
}

AccessRows Directory::who_can_access(const Actor& actor, Id org, const AuditFilter& filter) {
  Impl& d = with_graph(impl_);
  return audited(d, [&] {
    d.require_visible(actor, {org, filter.user, filter.device}, "insights_read");
    d.entity(org, Kind::kOrg);
    d.authorize(actor, Scope::kInsights, Verb::kRead, org, "audit_who_can_access");
    if (filter.user != kNoId) d.entity(filter.user, Kind::kUser);
    if (filter.device != kNoId) d.entity(filter.device, Kind::kDevice);
    require_org_member(d, filter.user, org, "user");
    require_org_member(d, filter.device, org, "device");
    return Audits(d.model, d.engine, *d.graph).who_can_access(org, filter);
  });
}

RunRows Directory::who_can_run(const Actor& actor, Id org, const AuditFilter& filter) {
  Impl& d = with_graph(impl_);
  return audited(d, [&] {
    d.require_visible(actor, {org, filter.command, filter.device, filter.admin}, "insights_read");
    d.entity(org, Kind::kOrg);
    d.authorize(actor, Scope::kInsights, Verb::kRead, org, "audit_who_can_run");
    if (filter.command != kNoId) d.entity(filter.command, Kind::kCommand);
    if (filter.device != kNoId) d.entity(filter.device, Kind::kDevice);
    if (filter.admin != kNoId) d.entity(filter.admin, Kind::kAdmin);
    require_org_member(d, filter.command, org, "command");
    require_org_member(d, filter.device, org, "device");
    return Audits(d.model, d.engine, *d.graph).who_can_run(org, filter);
  });
}

EscalationRows Directory::escalation_paths(const Actor& actor, Id org, Id admin, const AuditFilter& filter) {
  Impl& d = with_graph(impl_);
  return audited(d, [&] {
    d.require_visible(actor, {org, admin, filter.user, filter.device}, "insights_read");
    d.entity(org, Kind::kOrg);
    d.entity(admin, Kind::kAdmin);
    d.authorize(actor, Scope::kAdministrators, Verb::kRead, admin, "audit_escalation_paths");
    d.authorize(actor, Scope::kInsights, Verb::kRead, org, "audit_escalation_paths");
    if (filter.device != kNoId) d.entity(filter.device, Kind::kDevice);
    if (filter.user != kNoId) d.entity(filter.user, Kind::kUser);
    require_org_member(d, filter.user, org, "user");
    require_org_member(d, filter.device, org, "device");
    return Audits(d.model, d.engine, *d.graph).escalation_paths(admin, org, filter);
  });
}

std::vector<std::string> Directory::names_of(const std::vector<Id>& ids) {
  Impl& d = live(impl_);  // names are in the model; no graph needed
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (Id id : ids) {
    const Entity* e = d.model.find(id);
    out.emplace_back(e ? std::string(e->name) : std::string());
  }
  return out;
}

}  // namespace dirctl
