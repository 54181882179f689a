// model/email.cpp: address syntax per RFC 5321/5322, each refusal's reason.
#include "model/email.h"

#include <gtest/gtest.h>

#include "dirctl/error.h"
#include "model/validate.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

struct Case {
  std::string address;
  std::string reason;  // empty: valid; else a part of the reason
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << testing::PrintToString(c.address) << (c.reason.empty() ? " valid" : " -> " + c.reason);
}

// Labels joined by '.', each `n` octets of `c`.
std::string labels(std::initializer_list<std::size_t> sizes, char c = 'd') {
  std::string out;
  for (std::size_t n : sizes) out += (out.empty() ? "" : ".") + std::string(n, c);
  return out;
}

const std::string k64 = std::string(64, 'a');

class EmailSyntax : public testing::TestWithParam<Case> {};

TEST_P(EmailSyntax, ValidOrRefusedWithReason) {
  const Case& c = GetParam();
  const auto problem = email_problem(c.address);
  if (c.reason.empty()) {
    EXPECT_FALSE(problem.has_value()) << *problem;
    EXPECT_TRUE(is_valid_email(c.address));
  } else {
    ASSERT_TRUE(problem.has_value()) << "accepted";
    EXPECT_NE(problem->find(c.reason), std::string::npos) << *problem;
    EXPECT_FALSE(is_valid_email(c.address));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Valid, EmailSyntax,
    testing::Values(
        Case{"a@example.com", ""}, Case{"name@example.me2", ""},  // digits in the last label (issue #12)
        Case{"x@ImportCSVUser.k3j9q", ""},                         // JumpCloud's own test domain
        Case{"a+tag@example.com", ""}, Case{"first.last+tag@sub.example.org", ""},
        Case{"o'neil@example.ie", ""}, Case{"!#$%&'*+-/=?^_`{|}~@example.com", ""},
        Case{"\"john doe\"@example.com", ""}, Case{"\"a\\\"b\"@example.com", ""},
        Case{"\"a\\\\b\"@example.com", ""}, Case{"\"a@b\"@example.com", ""}, Case{"\"a..b.\"@example.com", ""},
        Case{"\"\\ \"@example.com", ""}, Case{"\"(x),[y]:<z>\"@example.com", ""},
        Case{"user@xn--bcher-kva.example", ""}, Case{"user@xn--80ak6aa92e.xn--p1ai", ""},
        Case{"a@123.456", ""}, Case{"a@3com.com", ""}, Case{"a@b.c", ""}, Case{"a@a-b--c.d9", ""},
        Case{"UPPER@EXAMPLE.COM", ""}, Case{"a@[192.0.2.1]", ""}, Case{"a@[IPv6:2001:db8::1]", ""},
        Case{"a@[ipv6:::1]", ""}, Case{"a@[IPv6:::ffff:192.0.2.1]", ""},
        // exact length boundaries
        Case{k64 + "@example.com", ""}, Case{"\"" + std::string(62, 'q') + "\"@example.com", ""},
        Case{"a@" + labels({63, 3}), ""}, Case{k64 + "@" + labels({63, 63, 61}), ""}));  // 254 in all

INSTANTIATE_TEST_SUITE_P(
    Refused, EmailSyntax,
    testing::Values(
        Case{"", "the address is empty"}, Case{"plain", "no '@'"}, Case{"@example.com", "the local part (before '@') is empty"},
        Case{"a@", "the domain (after '@') is empty"}, Case{"a@@example.com", "more than one '@'"},
        Case{"a@b@example.com", "more than one '@'"}, Case{".a@example.com", "may not start with '.'"},
        Case{"a.@example.com", "may not end with '.'"}, Case{"a..b@example.com", "two dots in a row"},
        Case{"a b@example.com", "a space only inside quotes"}, Case{"a\\b@example.com", "'\\' only inside quotes"},
        Case{"a,b@example.com", "',' only inside quotes"},
        Case{"a(comment)@example.com", "comments '(...)' are not allowed"},
        Case{"a@example.com(comment)", "comments '(...)' are not allowed"},
        Case{"John <j@example.com>", "a space only inside quotes"}, Case{"<j@example.com>", "without a display name"},
        Case{"a.\"b\"@example.com", "quoted as a whole"}, Case{"\"a\".b@example.com", "quoted as a whole"},
        Case{"\"a\"b@example.com", "quoted as a whole"}, Case{"\"abc@example.com", "must close its quote"},
        Case{"\"abc\\\"@example.com", "must close its quote"}, Case{"\"\"@example.com", "quoted local part is empty"},
        Case{"\"a\tb\"@example.com", "may not contain a tab"}, Case{"\"a\\\x01\"@example.com", "may not escape control"},
        Case{"\"ab\"", "no '@' after the quoted local part"},
        Case{"user@localhost", "single label"}, Case{"a@b", "single label"},
        Case{"a@b_c.com", "the domain label 'b_c' may contain only letters, digits and '-'"},
        Case{"a@-b.com", "the domain label '-b' may not start or end with '-'"},
        Case{"a@b-.com", "'b-' may not start or end with '-'"}, Case{"a@b..com", "two dots in a row"},
        Case{"a@.b.com", "the domain may not start with '.'"}, Case{"a@b.com.", "may not end with '.'"},
        Case{"a@b.com ", "the domain may not contain a space"}, Case{"a@b\x01.com", "control character 0x01"},
        Case{"a@b.[1.2.3.4]", "must be the whole domain"}, Case{"a@[192.0.2.1", "must end with ']'"},
        Case{"a@[192.0.2.256]", "not an IPv4 address"}, Case{"a@[192.0.2.01]", "without leading zeros"},
        Case{"a@[192.0.2]", "not an IPv4 address"},
        Case{"a@[IPv6:2001:db8::g]", "not an IPv6 address"}, Case{"a@[2001:db8::1]", "neither IPv4"},
        Case{"user@b\xC3\xBC" "cher.example", "'b\xC3\xBC" "cher' has non-ASCII characters; write the domain in punycode (xn--"},
        Case{"j\xC3\xB6rg@example.com", "local part has non-ASCII characters"},
        // exact length boundaries
        Case{std::string(65, 'a') + "@example.com", "the local part is 65 octets; the limit is 64"},
        Case{"\"" + std::string(63, 'q') + "\"@example.com", "the local part is 65 octets; the limit is 64"},
        Case{"a@" + labels({64, 3}), "the domain label '" + std::string(64, 'd') + "' is 64 octets; the limit is 63"},
        Case{k64 + "@" + labels({63, 63, 62}), "the address is 255 octets; the limit is 254"},
        Case{"a@" + labels({63, 63, 63, 63, 1}), "the domain is 257 octets; the limit is 255"}));

TEST(EmailTest, LongLabelIsShownShortened) {
  auto problem = email_problem("a@" + std::string(100, 'x') + "_.com");
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("'" + std::string(70, 'x') + "...'"), std::string::npos) << *problem;
}

TEST(EmailTest, NonAsciiLabelIsCutOnACharacterBoundary) {
  std::string label = "a";
  for (int i = 0; i < 40; ++i) label += "\xC3\xBC";  // 'a' then 40 two-octet characters
  auto problem = email_problem("user@" + label + ".example");
  ASSERT_TRUE(problem);
  EXPECT_TRUE(is_valid_utf8(*problem)) << *problem;
  EXPECT_NE(problem->find("punycode"), std::string::npos) << *problem;
}

// The field check says why, after the value; trimming keeps quoted spaces.
TEST(EmailTest, FieldMessageGivesTheReason) {
  const KindSpec& user = spec(Kind::kUser);
  try {
    validate_field(user, "email", "x@y"s);
    ADD_FAILURE() << "accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("user field 'email': 'x@y' is not a valid email address: the domain 'y' has "
                                         "a single label"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(validate_field(user, "email", "  \"john doe\"@example.com \t"s), Value{"\"john doe\"@example.com"s});
  EXPECT_EQ(validate_field(user, "email", "name@example.me2"s), Value{"name@example.me2"s});
  EXPECT_THROW(validate_field(user, "alternate_email", "a..b@example.com"s), InvalidArgument);
}

}  // namespace
}  // namespace dirctl
