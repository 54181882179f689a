// Identity: who is acting, proven. Logins with password and TOTP, sessions,
// API keys, invitations, and self-registration (seeds 002-004). Reached
// through Directory::identity(); implemented in cpp/src/identity/.
//
// A login verifies the password (Argon2id, libsodium) and, where MFA is on,
// a TOTP code (RFC 6238, liboath) that works once; it returns a session, an
// acting context whose actor carries the session's id, so the role engine
// refuses it once the session ended (logout, expiry, a change of the admin's
// role). An admin made from a user logs in with the user's credentials only.
// An API key acts with exactly its admin's role; it is shown once and stored
// as a prefix (to find it) and a BLAKE2b hash (to verify it). Every attempt,
// failed or not, is an event (admin_login_attempt, user_login_attempt) with
// its reason and never the secret; failures count toward the org's lockout.
// A self-registered user waits in "reviewing" until an operator approves.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

class IdentityHost;
struct PasswordPolicy;

struct LoginRequest {
  std::string email;
  std::string password;
  std::string totp;    // the 6-digit code, when MFA is on
  std::string invite;  // a pending admin's invitation: the password given becomes theirs
  std::string portal;  // "admin", "user", or "" (admin when an admin has the email)
  Id org = kNoId;      // a user's org, when the email is a user's in several orgs
};

struct SessionInfo {
  std::int64_t id = 0;
  Actor actor;         // the acting context; carries the session
  std::string portal;  // "admin" or "user"
  std::int64_t created_ms = 0, expires_ms = 0;
  std::string token;   // only from login(): shown once, stored hashed
};

struct ApiKeyInfo {
  std::int64_t id = 0;
  Id admin = kNoId;
  std::string prefix;  // public: names the key in lists and events
  std::int64_t created_ms = 0;
  std::string key;     // only from create/rotate: shown once, stored hashed
};

class Identity {
 public:
  explicit Identity(IdentityHost& host);
  ~Identity();
  Identity(const Identity&) = delete;
  Identity& operator=(const Identity&) = delete;

  // PermissionDenied (rule login_failed, account_locked, mfa_required,
  // password_expired, user_portal_disabled, ...) after recording the attempt.
  SessionInfo login(const LoginRequest& request);
  Actor resume(const std::string& token);  // a live session's actor, by its token
  void logout(const Actor& session);
  std::vector<SessionInfo> sessions(const Actor& actor, Id principal);  // live ones
  // The User Portal flow: the actor changes its own (user) password.
  void change_password(const Actor& actor, const std::string& current, const std::string& next);
  // A new one-time invitation for an admin not yet logged in; returns it.
  std::string invite(const Actor& actor, Id admin);
  void unlock(const Actor& actor, Id admin);  // an admin locked out by failed logins

  // TOTP: enrol (returns the otpauth:// URI), confirm with a first code, reset.
  std::string enroll_totp(const Actor& actor, Id principal);
  void confirm_totp(const Actor& actor, Id principal, const std::string& code);
  void reset_totp(const Actor& actor, Id principal);

  ApiKeyInfo create_api_key(const Actor& actor, Id admin);
  ApiKeyInfo rotate_api_key(const Actor& actor, Id admin);
  void revoke_api_key(const Actor& actor, Id admin);
  std::vector<ApiKeyInfo> api_keys(const Actor& actor, Id admin);  // live ones, without the key
  Actor with_api_key(const std::string& key);  // PermissionDenied naming the rule when refused

  // Seed 004: a user in "reviewing" (InvalidArgument unless the email's
  // domain is one of the org's allowed_domains); groups by name.
  Id register_user(Id org, const std::string& email, const std::string& name, const std::string& team,
                   const std::vector<std::string>& groups);
  void approve(const Actor& actor, Id user);  // -> active, with the requested groups
  void reject(const Actor& actor, Id user);   // the request is deleted

  // For the mutation path: the policy that applies, and what a new password
  // must pass, and what setting one records (history, time).
  PasswordPolicy policy_for(Id principal);
  void check_new_password(Id principal, Id org, const std::string& plaintext);
  void password_set(Id principal, const std::string& hash);
  // Ends the admin's live sessions (a change of role, suspension); returns
  // how many. Inside the caller's write.
  std::size_t end_sessions(Id principal, const std::string& reason);
  // A deleted admin or user (keys too), or an admin whose own credentials a
  // user's replace: its sessions (and keys) end and its login state goes.
  // Inside the caller's write.
  void forget(Id principal, bool keys = true);

  // The state behind it (cpp/src/identity/identity_impl.h), opaque here.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dirctl
