#include "identity/passwords.h"

#include <algorithm>

#include "dirctl/error.h"
#include "util/clock.h"
#include "util/password.h"

namespace dirctl {
namespace {

std::int64_t int_field(const Record& r, const char* name, std::int64_t dflt) {
  const Value* v = r.find(name);
  const auto* i = v != nullptr ? std::get_if<std::int64_t>(v) : nullptr;
  return i != nullptr ? *i : dflt;
}

// The smaller of two limits where 0 means "none".
std::int64_t tighter(std::int64_t a, std::int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

PasswordPolicy policy_of(const Record& org) {
  PasswordPolicy p;
  p.min_length = int_field(org, "password_min_length", p.min_length);
  p.history = int_field(org, "password_history", p.history);
  p.expiry_days = int_field(org, "password_expiry_days", p.expiry_days);
  p.lockout_attempts = int_field(org, "lockout_attempts", p.lockout_attempts);
  p.session_minutes = int_field(org, "session_minutes", p.session_minutes);
  return p;
}

PasswordPolicy strictest(const std::vector<PasswordPolicy>& policies) {
  if (policies.empty()) return PasswordPolicy{};
  PasswordPolicy out = policies.front();
  for (const PasswordPolicy& p : policies) {
    out.min_length = std::max(out.min_length, p.min_length);
    out.history = std::max(out.history, p.history);
    out.expiry_days = tighter(out.expiry_days, p.expiry_days);
    out.lockout_attempts = tighter(out.lockout_attempts, p.lockout_attempts);
    out.session_minutes = std::min(out.session_minutes, p.session_minutes);
  }
  return out;
}

void check_password(const PasswordPolicy& policy, std::string_view plaintext, const std::vector<std::string>& recent,
                    const std::string& who) {
  // Characters, not bytes: a UTF-8 continuation byte does not start one.
  const auto chars = std::count_if(plaintext.begin(), plaintext.end(),
                                   [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  if (chars < policy.min_length)
    throw InvalidArgument("the new password of " + who + " is too short: the org's policy needs at least " +
                          std::to_string(policy.min_length) + " characters (password_min_length)");
  for (const std::string& hash : recent)
    if (verify_password(hash, plaintext))
      throw InvalidArgument("the new password of " + who + " was used recently: the org's policy refuses the last " +
                            std::to_string(policy.history) + " passwords (password_history); choose another");
}

std::string expiry_date(const PasswordPolicy& policy, std::int64_t now_ms) {
  if (policy.expiry_days <= 0) return {};
  return iso_of_ms(now_ms + policy.expiry_days * 86400000).substr(0, 10);
}

}  // namespace dirctl
