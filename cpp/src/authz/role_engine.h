// RoleEngine: decides whether an actor may perform an action on a resource.
//
// Reads only the in-memory Model (role, state, flags, org access edges,
// Command Runner assignments, group membership, admin<->user links), so a
// check is a handful of array look-ups with no allocation: the reason
// sentence is composed only when asked for. Rules are evaluated in a fixed
// order; the first that decides is
// reported (see Rule in dirctl/authz.h). Also holds the admin invariants,
// evaluated on the state an admin mutation would leave.
// Thread-safety: const methods may run concurrently while the model is not
// being mutated.
#pragma once

#include <vector>

#include "dirctl/authz.h"
#include "dirctl/types.h"
#include "model/model.h"

namespace dirctl {

// The scope an object belongs to, defined once: users -> users; groups ->
// groups; devices -> devices; commands -> commands; admins -> administrators;
// orgs -> organization.
Scope scope_of(Kind kind);
// The action "<scope>.<verb>" for a read, edit, run... verb (not protected ones).
ActionId action_for(Scope scope, Verb verb);

// What an admin would look like after a mutation (for the invariants).
struct AdminAfter {
  bool exists = true;
  bool active = true;
  std::uint8_t role = 0;
  std::vector<Id> orgs;
};

class RoleEngine {
 public:
  explicit RoleEngine(const Model& model) : model_(model) {}

  Decision check(const Actor& actor, ActionId action, Id resource, bool explain) const;
  // Rule 7: refuses a change that leaves no active administrator_with_billing,
  // or an org without an active admin. Applies to every actor, system too.
  // `viewer` is who asks: an org it cannot see is named by id only.
  Decision admin_invariants(const Actor& viewer, Id admin, const AdminAfter& after, bool explain) const;
  // Whether the actor sees an org at all (its record, to navigate into it):
  // admins see the orgs in their access, users their own org. Reading org
  // settings is organization.read, a separate question.
  Decision sees_org(const Actor& actor, Id org, bool explain) const;
  // Whether the actor may act at all: a live admin or user of the kind it
  // says, not suspended (users: active), an API key only with API access on,
  // its session or key not ended.
  Decision actor_live(const Actor& actor, bool explain) const;
  // Rule 6: no one changes their own role, org access or API access.
  Decision self_change(const Actor& actor, Id admin, bool explain) const;

  std::string describe_actor(const Actor& actor) const;
  std::string describe_object(Id id) const;
  // describe_object() if `viewer` (an admin or user) can see the object's
  // org, else only "object <id>": reasons never name what lies elsewhere.
  std::string describe_visible(Id viewer, Id id) const;

 private:
  Decision admin_check(const Actor& actor, const Entity& a, const Action& act, ActionId action, Id resource,
                       bool explain) const;
  Decision user_check(const Entity& u, Id user, const Action& act, ActionId action, Id resource,
                      bool explain) const;
  bool shares_group(Id user, Id command) const;
  // Refuses an actor whose session or API key has ended (rules session_ended,
  // api_key_revoked); actors the directory's handle made carry none.
  Decision credential_check(const Actor& actor, bool explain) const;
  bool is_operator(const Entity& user, Id id) const;  // in their org's operator group

  const Model& model_;
};

}  // namespace dirctl
