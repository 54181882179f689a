// Launch planning: which devices a launch targets, and whether its
// variables and ttl are acceptable. Pure functions over the model.
//
// A command's targets are the devices associated with it plus the members
// of the device groups associated with it. A launch may name a subset; a
// device outside the targets, a variable that is no environment name, or a
// ttl out of range is InvalidArgument naming it and what to do.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/runs.h"
#include "dirctl/types.h"
#include "model/model.h"

namespace dirctl {

std::vector<Id> command_targets(const Model& model, Id command);  // ascending
// The devices to run on: `wanted` (deduplicated), each among `targets`, or
// all targets when none are wanted. Never empty. `describe` names objects.
std::vector<Id> launch_devices(const std::vector<Id>& targets, const std::vector<Id>& wanted,
                               const std::string& command, const std::function<std::string(Id)>& describe);
void check_variables(const Variables& variables);
std::int64_t check_ttl(std::optional<std::int64_t> ttl_seconds);

}  // namespace dirctl
