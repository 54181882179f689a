#include "commands/launch_plan.h"

#include <algorithm>

#include "dirctl/error.h"

namespace dirctl {
namespace {

constexpr std::size_t kMaxVariables = 256;
constexpr std::size_t kMaxName = 128;
constexpr std::size_t kMaxValue = 32 * 1024;

bool env_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxName) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

}  // namespace

std::vector<Id> command_targets(const Model& model, Id command) {
  std::vector<Id> out;
  for (Id n : model.neighbors(command)) {
    const Entity* e = model.find(n);
    if (e == nullptr) continue;
    if (e->kind == Kind::kDevice) out.push_back(n);
    if (e->kind == Kind::kDeviceGroup)
      for (Id m : model.neighbors(n))
        if (const Entity* d = model.find(m); d != nullptr && d->kind == Kind::kDevice) out.push_back(m);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<Id> launch_devices(const std::vector<Id>& targets, const std::vector<Id>& wanted,
                               const std::string& command, const std::function<std::string(Id)>& describe) {
  if (targets.empty())
    throw InvalidArgument(command + " has no target devices: associate it with devices or device groups "
                          "(org.associate(command, device)) before running it");
  if (wanted.empty()) return targets;
  std::vector<Id> out = wanted;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  for (Id d : out)
    if (!std::binary_search(targets.begin(), targets.end(), d))
      throw InvalidArgument(describe(d) + " is not a target of " + command +
                            "; a run may go only to devices associated with the command or members of its device "
                            "groups (associate it first, or leave devices out to run on every target)");
  return out;
}

void check_variables(const Variables& variables) {
  if (variables.size() > kMaxVariables)
    throw InvalidArgument("variables: " + std::to_string(variables.size()) + " given, at most " +
                          std::to_string(kMaxVariables));
  for (const auto& [name, value] : variables) {
    if (!env_name(name))
      throw InvalidArgument("variable '" + name.substr(0, kMaxName) + "' is not an environment name: use letters, "
                            "digits and '_', not starting with a digit, at most " + std::to_string(kMaxName) +
                            " characters");
    if (value.size() > kMaxValue)
      throw InvalidArgument("variable '" + name + "' is " + std::to_string(value.size()) + " bytes; at most " +
                            std::to_string(kMaxValue));
    if (value.find('\0') != std::string::npos)
      throw InvalidArgument("variable '" + name + "' contains a NUL byte, which no environment can hold");
  }
}

std::int64_t check_ttl(std::optional<std::int64_t> ttl) {
  if (!ttl) return kDefaultTtlSeconds;
  if (*ttl < 1 || *ttl > kMaxTtlSeconds)
    throw InvalidArgument("ttl: " + std::to_string(*ttl) + " s is out of range; a queued run may wait from 1 s to " +
                          std::to_string(kMaxTtlSeconds) + " s (30 days) for its device");
  return *ttl;
}

}  // namespace dirctl
