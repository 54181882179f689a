// Audits (a room of its own, above graph/ and authz/, which it composes): the
// assignment graph and the role engine, as columns.
//
// who_can_access: every (user, device) an org's users reach, with the groups
// on the way. who_can_run: every (admin, command, device) an admin's role lets
// it run. escalation_paths: what an admin could newly reach by actions its
// role allows on other objects (taking over users, joining groups, assigning
// devices to its own linked user); the role engine's rules, protected users
// included, cut those paths exactly where they deny the first step.
#pragma once

#include "authz/role_engine.h"
#include "dirctl/graph.h"
#include "graph/assignment_graph.h"

namespace dirctl {

class Audits {
 public:
  Audits(const Model& model, const RoleEngine& engine, AssignmentGraph& graph)
      : model_(model), engine_(engine), graph_(graph) {}

  AccessRows who_can_access(Id org, const AuditFilter& filter);
  RunRows who_can_run(Id org, const AuditFilter& filter);
  // Within one org (an admin may reach several; each is audited on its own).
  EscalationRows escalation_paths(Id admin, Id org, const AuditFilter& filter);

 private:
  std::string path_text(const std::vector<Id>& between) const;
  const Model& model_;
  const RoleEngine& engine_;
  AssignmentGraph& graph_;
};

}  // namespace dirctl
