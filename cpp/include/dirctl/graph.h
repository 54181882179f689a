// Results of the assignment graph's queries and audits, as plain columns.
//
// Audits return one row per answer in parallel integer columns (ids, codes
// into small string tables), so millions of rows cross into pandas without
// a Python object per row. Row order is by the first column, then the next.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

// One path of explain(): hops as (kind name, object name, id), first to last.
struct Hop {
  std::string type;
  std::string name;
  Id id = kNoId;
};
using Path = std::vector<Hop>;

// who_can_access: one row per (user, device).
struct AccessRows {
  std::vector<Id> user, device;
  std::vector<std::int32_t> how;       // index into hows
  std::vector<std::uint8_t> suspended;  // the user is suspended (marked, not hidden)
  std::vector<std::string> hows;        // "direct", "engineering", "engineering > prod-web"
};

// who_can_run: one row per (admin, command, device).
struct RunRows {
  std::vector<Id> admin, command, device;
  std::vector<std::uint8_t> role;  // index into role_names()
  std::vector<std::uint8_t> rule;  // Rule: role_matrix or assigned_commands
};

// escalation_paths: one row per (mechanism, via, device) the admin could
// newly reach; steps[i] names the actions in order.
struct EscalationRows {
  std::vector<std::uint8_t> mechanism;  // index into mechanisms
  std::vector<Id> via;                  // the user taken over, or the group joined
  std::vector<Id> device;
  std::vector<std::int32_t> steps;      // index into step_texts
  std::vector<std::string> mechanisms;  // take_over_user, join_group, direct_assignment
  std::vector<std::string> step_texts;
};

// Narrow an audit to one object (0: no filter).
struct AuditFilter {
  Id user = kNoId, device = kNoId, command = kNoId, admin = kNoId;
};

}  // namespace dirctl
