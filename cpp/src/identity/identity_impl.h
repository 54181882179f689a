// The state and shared steps behind Identity (dirctl/identity.h), used by
// its units: logins.cpp, api_keys.cpp, totp_enrolment.cpp, registration.cpp.
//
// A principal is the admin or user whose credentials are checked. An admin
// made from a user has none of its own: its password, TOTP and lockout are
// the user's (seed 003), so credential_owner() maps it to the user.
#pragma once

#include <string>

#include "dirctl/identity.h"
#include "identity/identity_host.h"
#include "identity/passwords.h"
#include "store/identity_store.h"

namespace dirctl {

struct Identity::Impl {
  explicit Impl(IdentityHost& h) : host(h), store(h.identity_store()) {}

  IdentityHost& host;
  IdentityStore& store;

  const Entity& principal(Id id, const char* what) const;  // an admin or user; NotFound otherwise
  Id credential_owner(Id principal) const;                 // the linked user of an admin made from one
  LoginRow login_row(Id owner);                            // an empty row when none is stored
  std::string password_hash(Id owner);                     // "" when none is set
  PasswordPolicy policy(Id principal);
  // The actor is the principal itself (or the admin made from that user, or
  // that admin's user), through a session or a view of the system handle's.
  bool is_self(const Actor& actor, Id principal) const;
  // System, the principal itself, or an actor the role engine allows
  // `action` on it (audited as `event_type`).
  void require_self_or(const Actor& actor, Id principal, ActionId action, const std::string& event_type);
  // One event about a principal (admin_... or user_...), appended.
  void record(const Actor& actor, Id principal, const std::string& what, bool success, const std::string& message);
  std::string event_type(Id principal, const std::string& what) const;  // "admin_" / "user_" + what
};

}  // namespace dirctl
