// Password policy: an org's rules for its users' passwords and sessions, and
// the strictest of them for an admin with access to several orgs.
//
// check_password refuses a new password that is too short or one of the
// last `history` passwords (verified against their Argon2id hashes: a reuse
// check costs one verification per remembered password). Messages name the
// rule and the account, never the password. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dirctl/record.h"

namespace dirctl {

struct PasswordPolicy {
  std::int64_t min_length = 8;
  std::int64_t history = 5;          // the last N passwords may not be reused (0: any)
  std::int64_t expiry_days = 0;      // 0: passwords do not expire
  std::int64_t lockout_attempts = 10;  // failed logins before the account locks (0: never)
  std::int64_t session_minutes = 60;
};

PasswordPolicy policy_of(const Record& org);
// The strictest of several (an admin's orgs); the defaults when empty.
PasswordPolicy strictest(const std::vector<PasswordPolicy>& policies);
void check_password(const PasswordPolicy& policy, std::string_view plaintext, const std::vector<std::string>& recent,
                    const std::string& who);
// The day ("YYYY-MM-DD") a password set at `now_ms` expires on; "" when the
// policy lets passwords live forever.
std::string expiry_date(const PasswordPolicy& policy, std::int64_t now_ms);

}  // namespace dirctl
