// IdentityStore: the SQL of identity (schema step 7): per-principal login
// state, password history, sessions and API keys (table credentials), and
// self-registrations. A principal is an admin or user id.
//
// Only hashes and sealed boxes are stored: Argon2id PHC strings for
// passwords, BLAKE2b hex for session tokens, API keys and invitations, and
// the TOTP seed sealed under a key kept outside the file. The caller holds
// the write transaction; failures throw StorageError. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/types.h"

namespace dirctl {

class Store;

struct LoginRow {
  Id principal = kNoId;
  std::string password_hash;  // admins' own password ("" for users: theirs is in users)
  std::int64_t password_set_at = 0;
  std::int64_t failed_attempts = 0;
  bool locked = false;       // admins (users: users.account_locked)
  std::string totp_sealed;   // SecretBox::seal of the raw seed; "" when none
  bool totp_confirmed = false;
  std::int64_t totp_last_step = 0;  // the last time step whose code was accepted
  std::string invite_hash;
  std::int64_t invite_expires = 0;
};

enum class CredentialKind : int { kSession = 0, kApiKey = 1 };

struct CredentialRow {
  std::int64_t id = 0;
  CredentialKind kind = CredentialKind::kSession;
  Id principal = kNoId;
  ActorType actor_type = ActorType::kAdmin;
  std::string lookup;       // token hash (sessions) or key prefix (API keys)
  std::string secret_hash;  // token hash (sessions) or key hash (API keys)
  std::int64_t created = 0, expires = 0;  // ms; expires 0: never
  std::int64_t ended = 0;
  std::string end_reason;
};

class IdentityStore {
 public:
  explicit IdentityStore(Store& store) : store_(store) {}

  std::optional<LoginRow> login(Id principal);
  void put_login(const LoginRow& row);  // insert or replace
  void erase_login(Id principal);
  // The user's Argon2id hash ("" when none) and its replacement.
  std::string user_password_hash(Id user);

  // The last `n` password hashes, newest first; add one, keeping `keep`.
  std::vector<std::string> password_history(Id principal, std::int64_t n);
  void add_password_history(Id principal, std::int64_t at, const std::string& hash, std::int64_t keep);

  std::int64_t insert_credential(const CredentialRow& row);  // returns its id
  std::optional<CredentialRow> credential(const std::string& lookup);
  // Live (not ended) credentials: of one principal, or of everyone (kNoId).
  std::vector<CredentialRow> live_credentials(Id principal);
  // Ends live credentials of a principal (of one kind, or all when kind is
  // nullopt); returns how many.
  std::size_t end_credentials(Id principal, std::optional<CredentialKind> kind, std::int64_t at,
                              const std::string& reason);
  bool end_credential(std::int64_t id, std::int64_t at, const std::string& reason);

  void put_registration(Id user, const std::string& groups_json, std::int64_t at);
  std::optional<std::string> registration(Id user);  // its groups (JSON list of ids)
  void erase_registration(Id user);

 private:
  Store& store_;
};

}  // namespace dirctl
