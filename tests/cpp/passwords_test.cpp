// identity/passwords.cpp: an org's password policy read from its record, the
// strictest of several (0 meaning "never" for expiry and lockout), and the
// check of a new password: length in characters, reuse of a remembered one,
// messages that name the rule and the account but never the password.
#include "identity/passwords.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "dirctl/error.h"
#include "util/password.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

Record org_with(Fields fields) { return Record{Kind::kOrg, 1, kNoId, std::move(fields)}; }

PasswordPolicy policy(std::int64_t min_length, std::int64_t history, std::int64_t expiry_days, std::int64_t lockout,
                      std::int64_t session_minutes) {
  PasswordPolicy p;
  p.min_length = min_length;
  p.history = history;
  p.expiry_days = expiry_days;
  p.lockout_attempts = lockout;
  p.session_minutes = session_minutes;
  return p;
}

// The InvalidArgument check_password throws, or "" when it accepts.
std::string refusal(const PasswordPolicy& p, std::string_view plaintext, const std::vector<std::string>& recent = {}) {
  try {
    check_password(p, plaintext, recent, "user 'alice'");
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(PasswordPolicyTest, PolicyOfReadsTheOrgsFields) {
  const PasswordPolicy p = policy_of(org_with({{"name", "acme"s},
                                               {"password_min_length", std::int64_t{12}},
                                               {"password_history", std::int64_t{3}},
                                               {"password_expiry_days", std::int64_t{90}},
                                               {"lockout_attempts", std::int64_t{4}},
                                               {"session_minutes", std::int64_t{15}}}));
  EXPECT_EQ(p.min_length, 12);
  EXPECT_EQ(p.history, 3);
  EXPECT_EQ(p.expiry_days, 90);
  EXPECT_EQ(p.lockout_attempts, 4);
  EXPECT_EQ(p.session_minutes, 15);
}

TEST(PasswordPolicyTest, PolicyOfDefaultsWhatIsMissingNullOrNotANumber) {
  const PasswordPolicy dflt;
  const PasswordPolicy p = policy_of(org_with({{"name", "acme"s},
                                               {"password_min_length", Value{}},
                                               {"password_history", "7"s},
                                               {"lockout_attempts", std::int64_t{0}}}));
  EXPECT_EQ(p.min_length, dflt.min_length) << "null";
  EXPECT_EQ(p.history, dflt.history) << "text is not a number";
  EXPECT_EQ(p.expiry_days, dflt.expiry_days) << "absent";
  EXPECT_EQ(p.lockout_attempts, 0) << "0 is a value (never lock), not a missing one";
  EXPECT_EQ(p.session_minutes, dflt.session_minutes);
  EXPECT_EQ(dflt.min_length, 8);
  EXPECT_EQ(dflt.history, 5);
  EXPECT_EQ(dflt.expiry_days, 0);
  EXPECT_EQ(dflt.lockout_attempts, 10);
  EXPECT_EQ(dflt.session_minutes, 60);
}

TEST(PasswordPolicyTest, StrictestOfNoneIsTheDefaults) {
  const PasswordPolicy p = strictest({});
  const PasswordPolicy dflt;
  EXPECT_EQ(p.min_length, dflt.min_length);
  EXPECT_EQ(p.history, dflt.history);
  EXPECT_EQ(p.expiry_days, dflt.expiry_days);
  EXPECT_EQ(p.lockout_attempts, dflt.lockout_attempts);
  EXPECT_EQ(p.session_minutes, dflt.session_minutes);
}

TEST(PasswordPolicyTest, StrictestTakesTheTightestOfEachRule) {
  const PasswordPolicy p = strictest({policy(10, 2, 90, 0, 30), policy(14, 6, 0, 5, 120), policy(8, 0, 30, 9, 60)});
  EXPECT_EQ(p.min_length, 14) << "the longest minimum";
  EXPECT_EQ(p.history, 6) << "the longest history";
  EXPECT_EQ(p.expiry_days, 30) << "the soonest expiry; 0 (never) is the loosest";
  EXPECT_EQ(p.lockout_attempts, 5) << "the fewest attempts; 0 (never) is the loosest";
  EXPECT_EQ(p.session_minutes, 30) << "the shortest session";
}

TEST(PasswordPolicyTest, StrictestKeepsNeverOnlyWhenAllSayNever) {
  const PasswordPolicy p = strictest({policy(8, 5, 0, 0, 60), policy(8, 5, 0, 0, 60)});
  EXPECT_EQ(p.expiry_days, 0);
  EXPECT_EQ(p.lockout_attempts, 0);
  const PasswordPolicy q = strictest({policy(8, 5, 0, 0, 60), policy(8, 5, 45, 3, 60)});
  EXPECT_EQ(q.expiry_days, 45) << "the order does not matter";
  EXPECT_EQ(q.lockout_attempts, 3);
  const PasswordPolicy r = strictest({policy(8, 5, 45, 3, 60), policy(8, 5, 0, 0, 60)});
  EXPECT_EQ(r.expiry_days, 45);
  EXPECT_EQ(r.lockout_attempts, 3);
}

TEST(PasswordCheckTest, TooShortIsRefusedNamingTheRuleAndNotThePassword) {
  const PasswordPolicy p = policy(12, 5, 0, 10, 60);
  const std::string eleven = "elevenchars";
  ASSERT_EQ(eleven.size(), 11u);
  const std::string why = refusal(p, eleven);
  ASSERT_FALSE(why.empty()) << "11 characters under a minimum of 12";
  EXPECT_NE(why.find("password_min_length"), std::string::npos) << why;
  EXPECT_NE(why.find("12"), std::string::npos) << why;
  EXPECT_NE(why.find("user 'alice'"), std::string::npos) << "it names the account: " << why;
  EXPECT_EQ(why.find(eleven), std::string::npos) << "never the password: " << why;
  EXPECT_EQ(refusal(p, "twelve chars"), "") << "exactly the minimum passes";
  EXPECT_NE(refusal(p, ""), "");
}

TEST(PasswordCheckTest, LengthCountsCharactersNotBytes) {
  const PasswordPolicy p = policy(8, 0, 0, 10, 60);
  std::string seven, eight;
  for (int i = 0; i < 7; ++i) seven += "\xC3\xA9";  // é: two bytes, one character
  eight = seven + "\xE2\x82\xAC";                  // €: three bytes, one character
  ASSERT_EQ(seven.size(), 14u);
  EXPECT_NE(refusal(p, seven), "") << "7 characters (14 bytes) are too few";
  EXPECT_EQ(refusal(p, eight), "") << "8 characters (17 bytes) are enough";
}

TEST(PasswordCheckTest, ARecentPasswordIsRefusedAndAnotherIsNot) {
  const PasswordPolicy p = policy(8, 3, 0, 10, 60);
  const std::vector<std::string> recent = {hash_password("first password"), hash_password("second password")};
  const std::string why = refusal(p, "second password", recent);
  ASSERT_FALSE(why.empty()) << "the second remembered hash matches";
  EXPECT_NE(why.find("password_history"), std::string::npos) << why;
  EXPECT_NE(why.find("user 'alice'"), std::string::npos) << why;
  EXPECT_EQ(why.find("second password"), std::string::npos) << "never the password: " << why;
  EXPECT_EQ(refusal(p, "third password", recent), "");
  EXPECT_EQ(refusal(p, "second password", {}), "") << "nothing remembered, nothing refused";
}

TEST(PasswordCheckTest, LengthIsCheckedBeforeHistory) {
  // A short password is refused for its length even when it was also used:
  // the message names the rule that a longer password would still have to pass.
  const PasswordPolicy p = policy(12, 3, 0, 10, 60);
  const std::string why = refusal(p, "short one", {hash_password("short one")});
  EXPECT_NE(why.find("password_min_length"), std::string::npos) << why;
}

}  // namespace
}  // namespace dirctl
