#include "authz/role_engine.h"

#include <algorithm>
#include <cctype>

#include "dirctl/kinds.h"
#include "util/clock.h"

namespace dirctl {
namespace {

// The reason is composed only when asked for: `why` is a callable, so a
// check without explain builds no string.
template <typename Why>
Decision decide(bool allowed, Rule rule, bool explain, Why&& why) {
  Decision d;
  d.allowed = allowed;
  d.rule = rule;
  if (explain) d.reason = why();
  return d;
}

const std::string& role_of(const Entity& e) { return role_names()[e.role]; }

// "a manager", "an administrator".
std::string with_article(const std::string& word) {
  return (std::string("aeiou").find(word.front()) != std::string::npos ? "an " : "a ") + word;
}

}  // namespace

Scope scope_of(Kind kind) {
  switch (kind) {
    case Kind::kUser: return Scope::kUsers;
    case Kind::kUserGroup:
    case Kind::kDeviceGroup: return Scope::kGroups;
    case Kind::kDevice: return Scope::kDevices;
    case Kind::kCommand: return Scope::kCommands;
    case Kind::kAdmin: return Scope::kAdministrators;
    case Kind::kOrg: return Scope::kOrganization;
    case Kind::kNone: break;
  }
  return Scope::kOrganization;
}

std::string RoleEngine::describe_actor(const Actor& actor) const {
  if (actor.type == ActorType::kSystem) return "system";
  const Entity* e = model_.find(actor.id);
  std::string name = e ? std::string(e->name) : "actor " + std::to_string(actor.id);
  return actor.type == ActorType::kApiKey ? "the API key of " + name : name;
}

std::string RoleEngine::describe_visible(Id viewer, Id id) const {
  const Entity* e = model_.find(id);
  const Entity* v = model_.find(viewer);
  if (e == nullptr || v == nullptr) return "object " + std::to_string(id);
  const Id org = e->kind == Kind::kOrg ? id : e->org;
  const bool sees = org == kNoId ? !(v->kind == Kind::kUser && e->kind == Kind::kAdmin)  // users see no admins
                                 : (v->kind == Kind::kAdmin ? model_.linked(viewer, org) : v->org == org);
  return sees ? describe_object(id) : "object " + std::to_string(id);
}

std::string RoleEngine::describe_object(Id id) const {
  const Entity* e = model_.find(id);
  if (e == nullptr) return "object " + std::to_string(id);
  return std::string(kind_name(e->kind)) + " '" + std::string(e->name) + "'";
}

Decision RoleEngine::check(const Actor& actor, ActionId action, Id resource, bool explain) const {
  if (action >= action_count()) return decide(false, Rule::kUnknownAction, explain, [&] {
    return std::string("unknown action");
  });
  const Action& act = action_of(action);
  if (actor.type == ActorType::kSystem)
    return decide(true, Rule::kSystem, explain, [&] {
      return std::string("the directory's own handle acts as system");
    });
  const Entity* a = model_.find(actor.id);
  const bool is_user = actor.type == ActorType::kUser;
  if (a == nullptr || a->kind != (is_user ? Kind::kUser : Kind::kAdmin))
    return decide(false, Rule::kUnknownActor, explain, [&] {
      return std::string("actor " + std::to_string(actor.id) + " is not a live " + (is_user ? "user" : "admin"));
    });
  if (Decision ended = credential_check(actor, explain); !ended.allowed) return ended;
  if (resource != kNoId && model_.find(resource) == nullptr)
    return decide(false, Rule::kOrgAccess, explain, [&] {
      return std::string("object " + std::to_string(resource) + " does not exist");
    });
  return is_user ? user_check(*a, actor.id, act, action, resource, explain)
                 : admin_check(actor, *a, act, action, resource, explain);
}

Decision RoleEngine::admin_check(const Actor& actor, const Entity& a, const Action& act, ActionId action,
                                 Id resource, bool explain) const {
  const std::string who = explain ? describe_actor(actor) : std::string();
  const std::string what = explain ? action_name(action) : std::string();
  // A resource outside the actor's orgs is named by id only: its name is
  // for those who can see it (before the org rule below has spoken).
  const std::string on = explain && resource != kNoId ? " on " + describe_visible(actor.id, resource) : std::string();
  const std::string as_role = explain ? who + " is " + with_article(role_of(a)) : std::string();
  if (a.state == kAdminSuspended)
    return decide(false, Rule::kSuspendedActor, explain, [&] {
      return std::string(as_role + " but is suspended, and may not " + what + on);
    });
  if (actor.type == ActorType::kApiKey && !a.has(kFlagApiAccess))
    return decide(false, Rule::kApiAccessDisabled, explain, [&] {
      return std::string(as_role + " whose API access is off, so the API key may not " + what + on);
    });

  const Entity* r = resource != kNoId ? model_.find(resource) : nullptr;
  if (r != nullptr) {
    const Id org = r->kind == Kind::kOrg ? resource : r->org;
    if (org != kNoId && !model_.linked(actor.id, org))
      return decide(false, Rule::kOrgAccess, explain, [&] {
        return as_role + " without access to the org of object " + std::to_string(resource) +
               ", so it is not found";
      });
    // An org as the resource of another scope's action means "that scope,
    // within this org" (a listing or a creation there).
    if (r->kind == Kind::kOrg && act.scope != Scope::kOrganization && act.scope != Scope::kMultiTenantPortal) {
      r = nullptr;
      resource = kNoId;
    }
  }
  const Access access = matrix_access(a.role, act.scope);
  const std::string scope = explain ? std::string(scope_name(act.scope)) : std::string();

  auto matrix = [&](bool ok) {
    return decide(ok, Rule::kRoleMatrix, explain, [&] {
      return std::string(as_role + (ok ? ", which may " : ", which may not ") + what + on + " (" + scope + ": " +
          std::string(access_name(access)) + ")");
    });
  };
  auto assigned = [&]() {
    if (r == nullptr)  // scope-level: listing shows only the assigned commands
      return decide(true, Rule::kAssignedCommands, explain, [&] {
        return std::string(as_role + " and sees only the commands assigned to them");
      });
    const bool ok = r->kind == Kind::kCommand && model_.linked(actor.id, resource);
    return decide(ok, Rule::kAssignedCommands, explain, [&] {
      return as_role + " and " + describe_object(resource) + (ok ? " is" : " is not") + " assigned to them";
    });
  };
  // Rule 5: a user who holds an admin role is changed only by a billing admin.
  auto protected_user = [&]() -> const Entity* {
    if (r == nullptr || r->kind != Kind::kUser || r->link == kNoId) return nullptr;
    return r;
  };

  switch (act.verb) {
    case Verb::kRead:
      if (access == Access::kRead || access == Access::kEdit) return matrix(true);
      if (access == Access::kAssigned) return assigned();
      return matrix(false);
    case Verb::kEdit:
    case Verb::kProtected: {
      if (access != Access::kEdit) {
        if (act.scope == Scope::kAdministrators)
          return decide(false, Rule::kAdminManagement, explain, [&] {
            return as_role + "; managing admins (create, edit, suspend, delete, roles, org access, API access) "
                             "needs administrator_with_billing";
          });
        if (access == Access::kAssigned)
          return decide(false, Rule::kAssignedCommands, explain, [&] {
            return std::string(as_role + ", who may run and schedule assigned commands but not create, edit, delete or "
                "assign commands");
          });
        return matrix(false);
      }
      if (act.scope == Scope::kUsers && protected_user() != nullptr) {
        if (resource == a.link && act.verb == Verb::kProtected &&
            protected_action_names()[act.protected_index] == "set_password")
          return decide(false, Rule::kProtectedUser, explain, [&] {
            return std::string(who + " may not reset their own user password from the admin side; use the User Portal "
                "password change flow");
          });
        if (a.role != kRoleBillingAdmin)
          return decide(false, Rule::kProtectedUser, explain, [&] {
            return std::string(as_role + " and " + describe_object(resource) +
                " holds an admin role; " + what + " on such a user needs administrator_with_billing");
          });
      }
      return matrix(true);
    }
    case Verb::kRun:
    case Verb::kSchedule:
      if (access == Access::kEdit) return matrix(true);
      if (access == Access::kAssigned) return assigned();
      return matrix(false);
    case Verb::kApprove:  // "assigned" grants view, run and schedule; approving runs is not among them
      if (access == Access::kAssigned)
        return decide(false, Rule::kAssignedCommands, explain, [&] {
          return std::string(as_role + ", who may view, run and schedule assigned commands but not approve runs");
        });
      return matrix(access == Access::kEdit);
    case Verb::kLaunch: {
      if (access == Access::kEdit) return matrix(true);
      if (access != Access::kLaunchIfAllowed) return matrix(false);
      const bool ok = r != nullptr && r->kind == Kind::kDevice && r->has(kFlagRemoteAssist);
      return decide(ok, Rule::kRemoteAssist, explain, [&] {
        return std::string(as_role + (r == nullptr ? " and may launch remote assist only on a device"
            : std::string(" and ") + describe_object(resource) +
            (ok ? " allows" : " does not allow") +
            " remote assist (set by a manager or above)"));
      });
    }
  }
  return matrix(false);
}

Decision RoleEngine::credential_check(const Actor& actor, bool explain) const {
  if (actor.credential == 0) return Decision{true, Rule::kSystem, {}};
  const Credential* c = model_.credential(actor.credential);
  const bool live = c != nullptr && c->principal == actor.id && (c->expires_ms == 0 || unix_now_ms() < c->expires_ms);
  const bool key = c != nullptr ? c->api_key : actor.type == ActorType::kApiKey;
  return decide(live, key ? Rule::kApiKeyRevoked : Rule::kSessionEnded, explain, [&] {
    return live ? std::string("the credential is live")
         : key  ? describe_actor(actor) + " was revoked or rotated; use the admin's current key"
                : "the session of " + describe_actor(actor) + " has ended (logout, expiry, or a change of role); log in again";
  });
}

bool RoleEngine::is_operator(const Entity& u, Id user) const {
  const std::string_view group = model_.operator_group(u.org);
  if (group.empty()) return false;
  for (Id g : model_.neighbors(user)) {
    const Entity* ge = model_.find(g);
    if (ge != nullptr && ge->kind == Kind::kUserGroup && ge->org == u.org && ge->name.size() == group.size() &&
        std::equal(group.begin(), group.end(), ge->name.begin(),
                   [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y)); }))
      return true;
  }
  return false;
}

bool RoleEngine::shares_group(Id user, Id command) const {
  for (Id g : model_.neighbors(user)) {
    const Entity* ge = model_.find(g);
    if (ge != nullptr && ge->kind == Kind::kUserGroup && model_.linked(g, command)) return true;
  }
  return false;
}

Decision RoleEngine::user_check(const Entity& u, Id user, const Action& act, ActionId action, Id resource,
                                bool explain) const {
  const std::string who = explain ? "user '" + std::string(u.name) + "'" : std::string();
  const std::string what = explain ? action_name(action) : std::string();
  if (u.state != kUserActive)
    return decide(false, Rule::kSuspendedActor, explain, [&] {
      return std::string(who + " is " + user_states()[u.state] + " and may not " + what);
    });
  const Entity* r = resource != kNoId ? model_.find(resource) : nullptr;
  if (r != nullptr && r->org != u.org && !(r->kind == Kind::kOrg && resource == u.org))
    return decide(false, Rule::kOrgAccess, explain, [&] {
      return std::string(who + " belongs to another org than object " + std::to_string(resource) +
                         ", so it is not found");
    });
  if (r != nullptr && r->kind == Kind::kOrg && act.scope != Scope::kOrganization) {  // the scope, in their org
    r = nullptr;
    resource = kNoId;
  }
  if (act.scope == Scope::kCommands &&
      (act.verb == Verb::kRun || act.verb == Verb::kApprove || act.verb == Verb::kRead)) {
    if (r == nullptr)
      return decide(act.verb == Verb::kRead, Rule::kGroupMatch, explain, [&] {
        return std::string(who + " sees only the commands that share a group with them");
      });
    const bool ok = r->kind == Kind::kCommand && shares_group(user, resource);
    return decide(ok, Rule::kGroupMatch, explain, [&] {
      return std::string(who + (ok ? " shares" : " shares no") + " user group with " + describe_object(resource));
    });
  }
  if (act.scope == Scope::kUsers && is_operator(u, user)) {  // seed 004: the operators manage users
    const bool guarded = r != nullptr && r->kind == Kind::kUser && r->link != kNoId && act.verb != Verb::kRead;
    return decide(!guarded, guarded ? Rule::kProtectedUser : Rule::kOperatorGroup, explain, [&] {
      return guarded ? who + " is an operator, and " + describe_object(resource) +
                           " holds an admin role; " + what + " on such a user needs administrator_with_billing"
                     : who + " is in their org's operator group '" + std::string(model_.operator_group(u.org)) +
                           "', whose members manage users";
    });
  }
  if (act.scope == Scope::kUsers && act.verb == Verb::kRead && (resource == user || resource == kNoId))
    return decide(true, Rule::kUserScope, explain, [&] { return std::string(who + " may read their own record"); });
  if (act.scope == Scope::kOrganization && act.verb == Verb::kRead && (resource == u.org || resource == kNoId))
    return decide(true, Rule::kUserScope, explain, [&] { return std::string(who + " may see their own org"); });
  return decide(false, Rule::kUserScope, explain, [&] {
    return std::string(who + " is a directory user, not an admin, and may not " + what +
        (r ? " on " + describe_object(resource) : std::string()));
  });
}

Decision RoleEngine::admin_invariants(const Actor& viewer, Id admin, const AdminAfter& after, bool explain) const {
  const Entity* target = model_.find(admin);
  std::vector<Id> before_orgs;
  if (target != nullptr)
    for (Id o : model_.neighbors(admin))
      if (const Entity* e = model_.find(o); e && e->kind == Kind::kOrg) before_orgs.push_back(o);

  std::size_t billing_before = 0, billing_after = 0;
  // Active admins per affected org, before and after.
  std::vector<Id> orgs = before_orgs;
  std::vector<std::size_t> org_before(orgs.size(), 0), org_after(orgs.size(), 0);
  for (Id id = 1; id <= model_.max_id(); ++id) {
    const Entity* e = model_.find(id);
    if (e == nullptr || e->kind != Kind::kAdmin || e->state == kAdminSuspended) continue;
    const bool is_target = id == admin;
    if (e->role == kRoleBillingAdmin) {
      ++billing_before;
      if (!is_target) ++billing_after;
    }
    for (std::size_t i = 0; i < orgs.size(); ++i)
      if (model_.linked(id, orgs[i])) {
        ++org_before[i];
        if (!is_target) ++org_after[i];
      }
  }
  const bool target_live = after.exists && after.active;
  if (target_live && after.role == kRoleBillingAdmin) ++billing_after;
  for (std::size_t i = 0; i < orgs.size(); ++i)
    if (target_live && std::find(after.orgs.begin(), after.orgs.end(), orgs[i]) != after.orgs.end()) ++org_after[i];

  const std::string name = describe_object(admin);
  if (billing_before > 0 && billing_after == 0)
    return decide(false, Rule::kInvariantBilling, explain, [&] {
      return std::string("the directory must keep at least one active administrator_with_billing, and " + name +
          " is the last one; make another admin administrator_with_billing first");
    });
  for (std::size_t i = 0; i < orgs.size(); ++i)
    if (org_before[i] > 0 && org_after[i] == 0)
      return decide(false, Rule::kInvariantOrgAdmin, explain, [&] {
        const std::string org = viewer.type == ActorType::kSystem ? "org '" + std::string(model_.find(orgs[i])->name) + "'"
                                                                  : describe_visible(viewer.id, orgs[i]);
        return org + " must keep at least one active admin, and " +
               name + " is the last one with access to it; give another admin access first";
      });
  return decide(true, Rule::kSystem, explain, [&] { return std::string("the directory keeps its required admins"); });
}

Decision RoleEngine::actor_live(const Actor& actor, bool explain) const {
  if (actor.type == ActorType::kSystem) return decide(true, Rule::kSystem, explain, [&] {
    return std::string("system is always live");
  });
  const Entity* a = model_.find(actor.id);
  const bool is_user = actor.type == ActorType::kUser;  // as check(): the entity must be what the actor says
  if (a == nullptr || a->kind != (is_user ? Kind::kUser : Kind::kAdmin))
    return decide(false, Rule::kUnknownActor, explain, [&] {
      return std::string("actor " + std::to_string(actor.id) + " is not a live " + (is_user ? "user" : "admin"));
    });
  if (a->kind == Kind::kAdmin && a->state == kAdminSuspended)
    return decide(false, Rule::kSuspendedActor, explain, [&] {
      return std::string(describe_actor(actor) + " is suspended");
    });
  if (a->kind == Kind::kUser && a->state != kUserActive)
    return decide(false, Rule::kSuspendedActor, explain, [&] {
      return std::string(describe_actor(actor) + " is not active");
    });
  if (actor.type == ActorType::kApiKey && !a->has(kFlagApiAccess))
    return decide(false, Rule::kApiAccessDisabled, explain, [&] {
      return std::string(describe_actor(actor) + " does not work: API access is off");
    });
  return credential_check(actor, explain);
}

Decision RoleEngine::sees_org(const Actor& actor, Id org, bool explain) const {
  if (actor.type == ActorType::kSystem) return decide(true, Rule::kSystem, explain, [&] {
    return std::string("system sees every org");
  });
  if (Decision live = actor_live(actor, explain); !live.allowed) return live;
  const Entity* a = model_.find(actor.id);
  const Entity* o = model_.find(org);
  const bool ok = o != nullptr && o->kind == Kind::kOrg &&
                  (a->kind == Kind::kAdmin ? model_.linked(actor.id, org) : a->org == org);
  return decide(ok, Rule::kOrgAccess, explain, [&] {
    return std::string(describe_actor(actor) + (ok ? " has access to " + describe_object(org)
                                                   : " has no access to org " + std::to_string(org) + ", so it is not found"));
  });
}

Decision RoleEngine::self_change(const Actor& actor, Id admin, bool explain) const {
  const bool self = (actor.type == ActorType::kAdmin || actor.type == ActorType::kApiKey) && actor.id == admin;
  return decide(!self, Rule::kNoSelfRaise, explain, [&] { return std::string(self ? describe_actor(actor) +
                           " may not change their own role, org access or API access; another "
                           "administrator_with_billing must"
                     : "not a change to oneself"); });
}

}  // namespace dirctl
