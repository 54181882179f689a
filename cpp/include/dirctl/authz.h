// Authorisation: actions, decisions, and the role engine's vocabulary.
//
// An action is "<scope>.<verb>": scope is a row of docs/spec/admin_roles.csv;
// verbs are read and edit everywhere, run/schedule/approve on commands,
// launch on remote_assist, and the protected user actions of
// docs/spec/protected_user_actions.csv on users. Actions are interned to small
// integers (ActionId) so a check is a few array look-ups.
// A Decision says allowed or not, the stable id of the rule that decided,
// and (on request) a sentence naming actor, role, action, resource and why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

enum class Access : std::uint8_t { kNone, kRead, kEdit, kAssigned, kLaunchIfAllowed };

enum class Scope : std::uint8_t {
  kAdministrators, kBilling, kMultiTenantPortal, kOrganization, kAuthentication, kUsers, kGroups,
  kDevices, kDirectoryIntegrations, kInProductSupport, kCasePortal, kNotifications, kInsights,
  kCommands, kBulkUserImports, kSsoApplications, kRadius, kRemoteAssist,
};
constexpr int kScopeCount = 18;

enum class Verb : std::uint8_t { kRead, kEdit, kRun, kSchedule, kApprove, kLaunch, kProtected };

// Rule ids: stable, reported in every Decision.
enum class Rule : std::uint8_t {
  kSystem,              // the directory's own handle
  kUnknownActor,        // actor is not a live admin or user
  kSuspendedActor,      // rule 1
  kApiAccessDisabled,   // API key of an admin whose API access is off
  kOrgAccess,           // rule 2 (the object is reported as not found)
  kRoleMatrix,          // the role x scope matrix decided
  kAssignedCommands,    // rule 3
  kRemoteAssist,        // rule 4
  kProtectedUser,       // rule 5
  kAdminManagement,     // rule 6
  kNoSelfRaise,         // rule 6: no one raises their own role
  kInvariantBilling,    // rule 7: at least one active administrator_with_billing
  kInvariantOrgAdmin,   // rule 7: each org keeps an active admin
  kGroupMatch,          // rule 8 (Runops)
  kUserScope,           // what a directory user acting for itself may do
  kUnknownAction,
  kActingView,          // a view may act only as its own actor (never as another)
  kSelfApproval,        // nobody approves (or rejects) their own run request
  kSessionEnded,        // the actor's session ended (logout, expiry, a role change)
  kApiKeyRevoked,       // the actor's API key was revoked or rotated
  kOperatorGroup,       // seed 004: users in the org's operator group manage users
};
constexpr int kRuleCount = 21;
std::string_view rule_name(Rule rule);

using ActionId = std::uint16_t;

struct Action {
  Scope scope;
  Verb verb;
  std::uint8_t protected_index = 0;  // for kProtected: row of protected_user_actions.csv
};

// "users.unlock" -> id; throws InvalidArgument naming valid scopes/verbs.
ActionId action_id(std::string_view action);
const Action& action_of(ActionId id);
std::string action_name(ActionId id);
std::size_t action_count();

// The action a change of one user field is: state -> users.suspend_and_activate,
// account_locked -> users.unlock, mfa_status -> users.totp_reset_and_enroll,
// password -> users.set_password, password_expiration_date ->
// users.force_password_reset, anything else -> users.other_user_operations
// (docs/spec/protected_user_actions.csv). The mutation path authorises each
// changed field with it, so d.check() and users.update agree.
ActionId user_field_action(std::string_view field);

std::string_view scope_name(Scope scope);
const std::vector<std::string>& protected_action_names();
// The built-in matrix (transcribed from docs/spec/admin_roles.csv; a test compares).
Access matrix_access(std::uint8_t role, Scope scope);
std::string_view access_name(Access access);

struct Decision {
  bool allowed = false;
  Rule rule = Rule::kUnknownAction;
  std::string reason;  // empty when not requested
  explicit operator bool() const { return allowed; }
};

}  // namespace dirctl
