// The role x scope matrix and the action vocabulary, as data.
// Transcribed from docs/spec/admin_roles.csv and docs/spec/protected_user_actions.csv;
// tests/python/test_role_matrix.py compares every cell with those files.
#include <array>
#include <unordered_map>

#include "dirctl/authz.h"
#include "authz/role_engine.h"
#include "dirctl/error.h"

namespace dirctl {
namespace {

constexpr Access N = Access::kNone, R = Access::kRead, E = Access::kEdit, A = Access::kAssigned,
                 L = Access::kLaunchIfAllowed;

// Rows: scopes in Scope order. Columns: roles in role_names() order:
// administrator_with_billing, administrator, manager, command_runner_with_billing,
// command_runner, help_desk, read_only, billing_only. ("n/a" is none.)
constexpr std::array<std::array<Access, 8>, kScopeCount> kMatrix = {{
    {E, R, R, N, N, R, R, R},  // administrators
    {E, N, N, E, N, N, N, E},  // billing
    {E, R, R, N, N, R, R, N},  // multi_tenant_portal
    {E, E, R, N, N, R, R, R},  // organization
    {E, E, R, N, N, R, R, R},  // authentication
    {E, E, E, N, N, E, R, R},  // users
    {E, E, E, N, N, R, R, R},  // groups
    {E, E, E, N, N, R, R, R},  // devices
    {E, E, R, N, N, R, R, R},  // directory_integrations
    {E, E, E, E, E, E, N, R},  // in_product_support
    {E, E, E, E, E, E, R, R},  // case_portal
    {E, E, R, R, R, R, R, R},  // notifications
    {E, E, E, N, N, E, E, R},  // insights
    {E, E, E, A, A, R, R, R},  // commands
    {E, E, E, N, N, E, R, R},  // bulk_user_imports
    {E, E, R, N, N, R, R, R},  // sso_applications
    {E, E, R, N, N, R, R, R},  // radius
    {E, E, E, N, N, L, N, N},  // remote_assist
}};

constexpr std::array<std::string_view, kScopeCount> kScopeNames = {
    "administrators", "billing", "multi_tenant_portal", "organization", "authentication", "users",
    "groups", "devices", "directory_integrations", "in_product_support", "case_portal", "notifications",
    "insights", "commands", "bulk_user_imports", "sso_applications", "radius", "remote_assist"};

struct Vocabulary {
  std::vector<Action> actions;
  std::vector<std::string> names;
  std::unordered_map<std::string, ActionId> ids;

  void add(Scope s, Verb v, std::string verb_name, std::uint8_t p = 0) {
    std::string name = std::string(kScopeNames[static_cast<std::size_t>(s)]) + "." + verb_name;
    ids.emplace(name, static_cast<ActionId>(actions.size()));
    actions.push_back({s, v, p});
    names.push_back(std::move(name));
  }

  Vocabulary() {
    for (int i = 0; i < kScopeCount; ++i) {
      add(static_cast<Scope>(i), Verb::kRead, "read");
      add(static_cast<Scope>(i), Verb::kEdit, "edit");
    }
    add(Scope::kCommands, Verb::kRun, "run");
    add(Scope::kCommands, Verb::kSchedule, "schedule");
    add(Scope::kCommands, Verb::kApprove, "approve");
    add(Scope::kRemoteAssist, Verb::kLaunch, "launch");
    const auto& prot = protected_action_names();
    for (std::size_t i = 0; i < prot.size(); ++i)
      add(Scope::kUsers, Verb::kProtected, prot[i], static_cast<std::uint8_t>(i));
  }
};

const Vocabulary& vocabulary() {
  static const Vocabulary kVocabulary;
  return kVocabulary;
}

}  // namespace

const std::vector<std::string>& protected_action_names() {
  static const std::vector<std::string> kNames = {
      "totp_reset_and_enroll", "webauthn_credentials_create_update_delete",
      "protect_credentials_create_update_delete", "ssh_keys_create_update_delete", "delete_user",
      "remove_admin_access", "remove_individual_mfa_requirement", "require_individual_mfa",
      "force_password_reset", "set_password", "change_password_authority", "suspend_and_activate", "unlock",
      "other_user_operations"};
  return kNames;
}

Access matrix_access(std::uint8_t role, Scope scope) {
  return kMatrix[static_cast<std::size_t>(scope)][role];
}

std::string_view scope_name(Scope scope) { return kScopeNames[static_cast<std::size_t>(scope)]; }

std::string_view access_name(Access access) {
  switch (access) {
    case Access::kNone: return "none";
    case Access::kRead: return "read";
    case Access::kEdit: return "edit";
    case Access::kAssigned: return "assigned";
    case Access::kLaunchIfAllowed: return "launch_if_allowed";
  }
  return "none";
}

ActionId action_id(std::string_view action) {
  const auto& v = vocabulary();
  auto it = v.ids.find(std::string(action));
  if (it != v.ids.end()) return it->second;
  std::string scopes;
  for (auto s : kScopeNames) scopes += (scopes.empty() ? "" : ", ") + std::string(s);
  throw InvalidArgument("unknown action '" + std::string(action) +
                        "'; actions are <scope>.<verb> with scope one of " + scopes +
                        "; verbs read and edit, commands.run/schedule/approve, remote_assist.launch, and "
                        "users.<protected action> (e.g. users.unlock, users.set_password)");
}

const Action& action_of(ActionId id) { return vocabulary().actions.at(id); }
std::string action_name(ActionId id) { return vocabulary().names.at(id); }
std::size_t action_count() { return vocabulary().actions.size(); }

ActionId action_for(Scope scope, Verb verb) {
  static const std::vector<std::vector<ActionId>> kTable = [] {
    std::vector<std::vector<ActionId>> t(kScopeCount, std::vector<ActionId>(7, static_cast<ActionId>(-1)));
    for (ActionId id = 0; id < action_count(); ++id) {
      const Action& a = action_of(id);
      if (a.verb != Verb::kProtected) t[static_cast<std::size_t>(a.scope)][static_cast<std::size_t>(a.verb)] = id;
    }
    return t;
  }();
  return kTable[static_cast<std::size_t>(scope)][static_cast<std::size_t>(verb)];
}

ActionId user_field_action(std::string_view field) {
  static const ActionId kState = action_id("users.suspend_and_activate"), kLock = action_id("users.unlock"),
                        kMfa = action_id("users.totp_reset_and_enroll"), kPassword = action_id("users.set_password"),
                        kExpiry = action_id("users.force_password_reset"),
                        kOther = action_id("users.other_user_operations");
  if (field == "state") return kState;
  if (field == "account_locked" || field == "locked") return kLock;
  if (field == "mfa_status" || field == "mfa_enrollment_status") return kMfa;
  if (field == "password" || field == "password_hash") return kPassword;
  if (field == "password_expiration_date" || field == "password_expiry") return kExpiry;
  return kOther;
}

std::string_view rule_name(Rule rule) {
  static constexpr std::array<std::string_view, kRuleCount> kNames = {
      "system", "unknown_actor", "suspended_actor", "api_access_disabled", "org_access", "role_matrix",
      "assigned_commands", "remote_assist", "protected_user", "admin_management", "no_self_raise",
      "invariant_billing_admin", "invariant_org_admin", "group_match", "user_scope", "unknown_action",
      "acting_view", "self_approval", "session_ended",
      "api_key_revoked", "operator_group"};
  return kNames[static_cast<std::size_t>(rule)];
}

}  // namespace dirctl
