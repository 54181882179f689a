// model/validate.cpp: field validation, syntax checks, aliases, defaults.
#include "model/validate.h"

#include <gtest/gtest.h>

#include "dirctl/error.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

// The message of the InvalidArgument `f` throws, or a failure.
template <typename F>
std::string invalid_message(F&& f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InvalidArgument, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected InvalidArgument, nothing thrown";
  return {};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const Value& field(const Fields& fields, const std::string& name) {
  static const Value kAbsent = "<absent>"s;
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return kAbsent;
}

const KindSpec& kUser = spec(Kind::kUser);

Fields user(Fields extra = {}) {
  Fields f{{"username", "alice"s}, {"email", "alice@example.com"s}};
  for (auto& kv : extra) f.push_back(std::move(kv));
  return f;
}

// ---- syntax -------------------------------------------------------------------

TEST(ValidateTest, ValidEmails) {
  for (const char* e : {"a@example.com", "first.last+tag@sub.example.org", "x_y-z@a-b.io", "o'neil@example.ie",
                        "UPPER@EXAMPLE.COM", "1@2.de",
                        "a@b.c", "a@b.c0m"})  // RFC 5321: any LDH label, digits anywhere (issue #12)
    EXPECT_TRUE(is_valid_email(e)) << e;
  EXPECT_TRUE(is_valid_email(std::string(64, 'a') + "@example.com"));
}

TEST(ValidateTest, InvalidEmails) {
  for (const char* e : {"", "plain", "@example.com", "a@", "a@b", "a@@b.com", "a@b@c.com", ".a@b.com",
                        "a.@b.com", "a..b@c.com", "a b@c.com", "a@-b.com", "a@b-.com", "a@b..com", "a@b.com.",
                        "a@.b.com", "a@b_c.com", "a(b)@c.com", "a@b.com "})
    EXPECT_FALSE(is_valid_email(e)) << e;
  EXPECT_FALSE(is_valid_email(std::string(65, 'a') + "@example.com"));
  EXPECT_FALSE(is_valid_email("a@" + std::string(64, 'b') + ".com"));
}

TEST(ValidateTest, Usernames) {
  for (const char* u : {"alice", "_svc", "a.b-c_d", "9lives", "A"}) EXPECT_TRUE(is_valid_username(u)) << u;
  for (const char* u : {"", ".x", "-x", "a b", "a@b", "ä", "a/b", "a\tb"}) EXPECT_FALSE(is_valid_username(u)) << u;
  EXPECT_TRUE(is_valid_username(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_username(std::string(65, 'a')));
}

TEST(ValidateTest, Utf8) {
  for (const char* s : {"", "ascii", "h\xC3\xA9llo", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xEF\xBF\xBF",
                        "\xF4\x8F\xBF\xBF"})
    EXPECT_TRUE(is_valid_utf8(s)) << s;
  for (const char* s : {"\xC3", "\xE2\x82", "\xF0\x9F\x98", "\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF",
                        "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "a\xC3(", "\xE2\x28\xA1"})
    EXPECT_FALSE(is_valid_utf8(s)) << testing::PrintToString(std::string(s));
}

TEST(ValidateTest, LowerAscii) {
  EXPECT_EQ(lower_ascii("MiXeD-123"), "mixed-123");
  EXPECT_EQ(lower_ascii("\xC3\x89"), "\xC3\x89");  // non-ASCII bytes untouched
}

// ---- create -------------------------------------------------------------------

TEST(ValidateTest, CreateFillsEveryFieldInDescriptorOrderWithDefaults) {
  Fields out = validate_create(kUser, user());
  std::vector<std::string> names, expected;
  for (const auto& kv : out) names.push_back(kv.first);
  for (const auto& f : kUser.fields)
    if (!f.readonly || !is_null(f.default_value)) expected.push_back(f.name);  // `activated` too
  EXPECT_EQ(names, expected);
  EXPECT_EQ(field(out, "activated"), Value{false});  // no password: waits for activation
  EXPECT_EQ(field(out, "username"), Value{"alice"s});
  EXPECT_EQ(field(out, "state"), Value{"active"s});
  EXPECT_EQ(field(out, "account_locked"), Value{false});
  EXPECT_EQ(field(out, "mfa_status"), Value{"not_enrolled"s});
  EXPECT_EQ(field(out, "sudo"), Value{false});
  EXPECT_TRUE(is_null(field(out, "first_name")));
}

TEST(ValidateTest, CommandDefaults) {
  Fields out = validate_create(spec(Kind::kCommand), {{"name", "c"s}, {"script", "ls"s}});
  EXPECT_EQ(field(out, "shell"), Value{"bash"s});
  EXPECT_EQ(field(out, "user"), Value{"root"s});
  EXPECT_EQ(field(out, "timeout"), Value{std::int64_t{120}});
  EXPECT_EQ(field(out, "launch_type"), Value{"manual"s});
}

TEST(ValidateTest, RequiredFields) {
  std::string msg = invalid_message([] { validate_create(kUser, {{"username", "alice"s}}); });
  EXPECT_TRUE(contains(msg, "user field 'email' is required")) << msg;
  msg = invalid_message([] { validate_create(kUser, {{"username", "alice"s}, {"email", "   "s}}); });
  EXPECT_TRUE(contains(msg, "'email' is required")) << msg;
  msg = invalid_message([] { validate_create(spec(Kind::kAdmin), {{"email", "a@example.com"s}}); });
  EXPECT_TRUE(contains(msg, "admin field 'role' is required")) << msg;
  msg = invalid_message([] { validate_create(spec(Kind::kOrg), {}); });
  EXPECT_TRUE(contains(msg, "'name' is required")) << msg;
}

TEST(ValidateTest, UnknownFieldMessageListsValidFields) {
  std::string msg = invalid_message([] { validate_create(kUser, user({{"nickname", "al"s}})); });
  EXPECT_TRUE(contains(msg, "unknown user field 'nickname'")) << msg;
  EXPECT_TRUE(contains(msg, "valid fields: username, email, first_name")) << msg;
  EXPECT_TRUE(contains(msg, "attributes")) << msg;
  EXPECT_FALSE(contains(msg, "created")) << msg;
  msg = invalid_message([] { validate_update(spec(Kind::kDevice), {{"os_name", "linux"s}}); });
  EXPECT_TRUE(contains(msg, "unknown device field 'os_name'")) << msg;
  EXPECT_TRUE(contains(msg, "hostname")) << msg;
}

TEST(ValidateTest, AliasesResolveToCanonicalNames) {
  Fields out = validate_create(kUser, user({{"firstname", "Al"s},
                                            {"lastname", "Ice"s},
                                            {"jobTitle", "Eng"s},
                                            {"employeeIdentifier", "E1"s},
                                            {"locked", true},
                                            {"password_expiry", "2030-01-31"s},
                                            {"mfa_enrollment_status", "ENROLLED"s}}));
  EXPECT_EQ(field(out, "first_name"), Value{"Al"s});
  EXPECT_EQ(field(out, "last_name"), Value{"Ice"s});
  EXPECT_EQ(field(out, "job_title"), Value{"Eng"s});
  EXPECT_EQ(field(out, "employee_identifier"), Value{"E1"s});
  EXPECT_EQ(field(out, "account_locked"), Value{true});
  EXPECT_EQ(field(out, "password_expiration_date"), Value{"2030-01-31"s});
  EXPECT_EQ(field(out, "mfa_status"), Value{"enrolled"s});
  for (const auto& kv : out) EXPECT_EQ(kUser.field(kv.first)->name, kv.first);

  Fields cmd = validate_create(spec(Kind::kCommand), {{"name", "c"s}, {"script", "ls"s}, {"run_as", "deploy"s}});
  EXPECT_EQ(field(cmd, "user"), Value{"deploy"s});
}

TEST(ValidateTest, FieldGivenTwiceUnderAnAlias) {
  std::string msg = invalid_message([] { validate_create(kUser, user({{"first_name", "A"s}, {"firstname", "B"s}})); });
  EXPECT_TRUE(contains(msg, "'first_name' is given twice")) << msg;
}

TEST(ValidateTest, ReadOnlyFields) {
  std::string msg = invalid_message([] { validate_create(kUser, user({{"created", "2026-01-01"s}})); });
  EXPECT_TRUE(contains(msg, "user field 'created' is read-only")) << msg;
  msg = invalid_message([] { validate_update(spec(Kind::kAdmin), {{"user", std::int64_t{3}}}); });
  EXPECT_TRUE(contains(msg, "admin field 'user' is read-only")) << msg;
}

TEST(ValidateTest, TextIsTrimmedAndChecked) {
  Fields out = validate_create(kUser, user({{"first_name", "  Al  "s}, {"last_name", " \t "s}}));
  EXPECT_EQ(field(out, "first_name"), Value{"Al"s});
  EXPECT_TRUE(is_null(field(out, "last_name")));
  EXPECT_EQ(field(validate_create(kUser, {{"username", " bob "s}, {"email", " Bob@Example.com "s}}), "email"),
            Value{"Bob@Example.com"s});

  std::string msg = invalid_message([] { validate_create(kUser, user({{"first_name", "a\x01z"s}})); });
  EXPECT_TRUE(contains(msg, "control characters")) << msg;
  msg = invalid_message([] { validate_create(kUser, user({{"first_name", "a\nb"s}})); });
  EXPECT_TRUE(contains(msg, "control characters")) << msg;
  msg = invalid_message([] { validate_create(kUser, user({{"first_name", "bad \xC3("s}})); });
  EXPECT_TRUE(contains(msg, "not valid UTF-8")) << msg;
  msg = invalid_message([] { validate_create(kUser, user({{"first_name", std::int64_t{7}}})); });
  EXPECT_TRUE(contains(msg, "expected text, got an integer")) << msg;
  msg = invalid_message([] { validate_create(spec(Kind::kOrg), {{"name", std::string(65, 'o')}}); });
  EXPECT_TRUE(contains(msg, "65 bytes long; the limit is 64")) << msg;
  EXPECT_NO_THROW(validate_create(spec(Kind::kOrg), {{"name", std::string(64, 'o')}}));
}

TEST(ValidateTest, MultilineFieldsKeepNewlinesAndSpaces) {
  Fields out = validate_create(spec(Kind::kCommand), {{"name", "c"s}, {"script", "#!/bin/sh\n\techo hi\n"s}});
  EXPECT_EQ(field(out, "script"), Value{"#!/bin/sh\n\techo hi\n"s});
  out = validate_create(spec(Kind::kOrg), {{"name", "o"s}, {"description", "line 1\r\nline 2"s}});
  EXPECT_EQ(field(out, "description"), Value{"line 1\r\nline 2"s});
  EXPECT_THROW(validate_create(spec(Kind::kOrg), {{"name", "o"s}, {"description", "bell\x07"s}}), InvalidArgument);
}

TEST(ValidateTest, EmailAndUsernameSyntaxInFields) {
  std::string msg = invalid_message([] { validate_create(kUser, {{"username", "alice"s}, {"email", "alice@"s}}); });
  EXPECT_TRUE(contains(msg, "user field 'email'")) << msg;
  EXPECT_TRUE(contains(msg, "'alice@' is not a valid email address")) << msg;
  msg = invalid_message([] { validate_create(kUser, {{"username", "-alice"s}, {"email", "a@example.com"s}}); });
  EXPECT_TRUE(contains(msg, "'-alice' is not a valid username")) << msg;
}

TEST(ValidateTest, EnumsAreCaseInsensitiveAndListChoices) {
  EXPECT_EQ(field(validate_create(kUser, user({{"state", " SUSPENDED "s}})), "state"), Value{"suspended"s});
  std::string msg = invalid_message([] { validate_create(kUser, user({{"state", "gone"s}})); });
  EXPECT_TRUE(contains(msg, "'gone' is not one of: staged, active, suspended")) << msg;
  msg = invalid_message([] { validate_create(kUser, user({{"state", true}})); });
  EXPECT_TRUE(contains(msg, "expected text, got a boolean")) << msg;
  EXPECT_THROW(validate_create(spec(Kind::kAdmin), {{"email", "a@example.com"s}, {"role", "root"s}}),
               InvalidArgument);
}

TEST(ValidateTest, Integers) {
  const KindSpec& cmd = spec(Kind::kCommand);
  auto with_timeout = [](Value v) { return Fields{{"name", "c"s}, {"script", "ls"s}, {"timeout", std::move(v)}}; };
  EXPECT_EQ(field(validate_create(cmd, with_timeout(std::int64_t{1})), "timeout"), Value{std::int64_t{1}});
  EXPECT_EQ(field(validate_create(cmd, with_timeout(std::int64_t{86400})), "timeout"), Value{std::int64_t{86400}});
  std::string msg = invalid_message([&] { validate_create(cmd, with_timeout(std::int64_t{0})); });
  EXPECT_TRUE(contains(msg, "0 is out of range; use 1 to 86400")) << msg;
  EXPECT_THROW(validate_create(cmd, with_timeout(std::int64_t{86401})), InvalidArgument);
  msg = invalid_message([&] { validate_create(cmd, with_timeout("60"s)); });
  EXPECT_TRUE(contains(msg, "expected an integer, got text")) << msg;
  EXPECT_THROW(validate_create(cmd, with_timeout(true)), InvalidArgument);
}

TEST(ValidateTest, Booleans) {
  EXPECT_EQ(field(validate_create(kUser, user({{"sudo", true}})), "sudo"), Value{true});
  std::string msg = invalid_message([] { validate_create(kUser, user({{"sudo", "yes"s}})); });
  EXPECT_TRUE(contains(msg, "user field 'sudo': expected true or false, got text")) << msg;
  EXPECT_THROW(validate_create(kUser, user({{"sudo", std::int64_t{1}}})), InvalidArgument);
}

TEST(ValidateTest, Dates) {
  EXPECT_EQ(field(validate_create(kUser, user({{"password_expiration_date", "2024-02-29"s}})),
                  "password_expiration_date"),
            Value{"2024-02-29"s});
  for (const char* bad : {"2026-02-30", "2026-1-1", "31/01/2026", "2026-01-01T00:00:00Z", "soon"}) {
    std::string msg = invalid_message([&] { validate_create(kUser, user({{"password_expiration_date", std::string(bad)}})); });
    EXPECT_TRUE(contains(msg, "is not a date; use YYYY-MM-DD")) << bad << ": " << msg;
  }
}

TEST(ValidateTest, TimesAreCanonicalUtc) {
  const KindSpec& dev = spec(Kind::kDevice);
  Fields out = validate_create(dev, {{"hostname", "h"s}, {"last_contact", "2026-11-23T15:00:00+01:00"s}});
  EXPECT_EQ(field(out, "last_contact"), Value{"2026-11-23T14:00:00.000Z"s});
  std::string msg = invalid_message([&] { validate_create(dev, {{"hostname", "h"s}, {"lastContact", "yesterday"s}}); });
  EXPECT_TRUE(contains(msg, "device field 'last_contact': 'yesterday' is not a timestamp")) << msg;
}

TEST(ValidateTest, Attributes) {
  Attributes ok{{"cost_center", "42"}, {"Site2", "Zürich"}};
  EXPECT_EQ(field(validate_create(kUser, user({{"attributes", ok}})), "attributes"), Value{ok});
  EXPECT_THROW(validate_create(kUser, user({{"attributes", Attributes{{"bad-name", "x"}}}})), InvalidArgument);
  EXPECT_THROW(validate_create(kUser, user({{"attributes", Attributes{{"", "x"}}}})), InvalidArgument);
  EXPECT_THROW(validate_create(kUser, user({{"attributes", Attributes{{"a", std::string(1025, 'x')}}}})),
               InvalidArgument);
  EXPECT_THROW(validate_create(kUser, user({{"attributes", Attributes{{"a", "\xC3"}}}})), InvalidArgument);
  Attributes many;
  for (int i = 0; i < 101; ++i) many["a" + std::to_string(i)] = "v";
  EXPECT_THROW(validate_create(kUser, user({{"attributes", many}})), InvalidArgument);
  std::string msg = invalid_message([] { validate_create(kUser, user({{"attributes", "x=1"s}})); });
  EXPECT_TRUE(contains(msg, "expected a mapping")) << msg;
}

TEST(ValidateTest, OrgSetNeedsAList) {
  const KindSpec& admin = spec(Kind::kAdmin);
  Fields out = validate_create(admin, {{"email", "a@example.com"s}, {"role", "manager"s}, {"orgs", IdList{3, 1}}});
  EXPECT_EQ(field(out, "orgs"), Value{(IdList{3, 1})});
  EXPECT_THROW(validate_create(admin, {{"email", "a@example.com"s}, {"role", "manager"s}, {"orgs", std::int64_t{1}}}),
               InvalidArgument);
}

// ---- update -------------------------------------------------------------------

TEST(ValidateTest, UpdateReturnsOnlyGivenFieldsInDescriptorOrder) {
  Fields out = validate_update(kUser, {{"lastname", "B"s}, {"first_name", "A"s}, {"state", "Staged"s}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].first, "first_name");
  EXPECT_EQ(out[1].first, "last_name");
  EXPECT_EQ(out[2].first, "state");
  EXPECT_EQ(out[2].second, Value{"staged"s});
  EXPECT_TRUE(validate_update(kUser, {}).empty());
}

TEST(ValidateTest, UpdateMayClearOptionalFields) {
  Fields out = validate_update(kUser, {{"first_name", Value{}}, {"department", "  "s}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(is_null(out[0].second));
  EXPECT_TRUE(is_null(out[1].second));
}

TEST(ValidateTest, UpdateRefusesImmutableAndClearingRequired) {
  std::string msg = invalid_message([] { validate_update(kUser, {{"username", "bob"s}}); });
  EXPECT_TRUE(contains(msg, "user field 'username' cannot be changed after creation")) << msg;
  msg = invalid_message([] { validate_update(kUser, {{"email", Value{}}}); });
  EXPECT_TRUE(contains(msg, "user field 'email' is required and cannot be cleared")) << msg;
  msg = invalid_message([] { validate_update(spec(Kind::kOrg), {{"name", " "s}}); });
  EXPECT_TRUE(contains(msg, "cannot be cleared")) << msg;
  EXPECT_THROW(validate_update(kUser, {{"updated", "x"s}}), InvalidArgument);
}

}  // namespace
}  // namespace dirctl

// ---- JumpCloud's template fields (issue #12) ----------------------------------------

namespace dirctl {
namespace {

TEST(ValidateJumpCloud, AnAddressGivenWholeBecomesItsPartsAndClearsTheRest) {
  Fields out = validate_update(kUser, {{"home_address", Attributes{{"locality", "Oslo"}, {"streetAddress", "1 Main"}}}});
  ASSERT_EQ(out.size(), 6u);  // every part, in descriptor order
  EXPECT_EQ(out[0], (std::pair<std::string, Value>{"home_street_address", "1 Main"s}));
  EXPECT_EQ(field(out, "home_city"), Value{"Oslo"s});
  EXPECT_TRUE(is_null(field(out, "home_po_box")));
  EXPECT_TRUE(is_null(field(out, "home_country")));
  Fields cleared = validate_update(kUser, {{"work_address", Value{}}});
  ASSERT_EQ(cleared.size(), 6u);
  for (const auto& [name, v] : cleared) EXPECT_TRUE(is_null(v)) << name;
  EXPECT_TRUE(contains(invalid_message([] { validate_update(kUser, {{"home_address", Attributes{{"zip", "1"}}}}); }),
                       "has no part 'zip'"));
  EXPECT_TRUE(contains(invalid_message([] { validate_update(kUser, {{"home_address", "x"s}}); }),
                       "expected a mapping of its parts"));
  EXPECT_TRUE(contains(invalid_message([] {
                         validate_update(kUser, {{"home_address", Attributes{{"city", "a"}}}, {"home_city", "b"s}});
                       }),
                       "given twice"));
  EXPECT_EQ(kUser.record_parts("home_address").size(), 6u);
  EXPECT_TRUE(kUser.record_parts("city").empty());
}

TEST(ValidateJumpCloud, UnixIdsFollowNewJCUsersRange) {
  EXPECT_EQ(validate_field(kUser, "unix_uid", std::int64_t{0}), Value{std::int64_t{0}});
  EXPECT_EQ(validate_field(kUser, "unix_guid", std::int64_t{4294967295LL}), Value{std::int64_t{4294967295LL}});
  EXPECT_TRUE(contains(invalid_message([] { validate_field(kUser, "unix_uid", std::int64_t{4294967296LL}); }),
                       "use 0 to 4294967295"));
  EXPECT_TRUE(contains(invalid_message([] { validate_field(kUser, "unix_gid", std::int64_t{-1}); }),  // alias
                       "use 0 to 4294967295"));
}

TEST(ValidateJumpCloud, ObjectIdsAreTwentyFourHexDigitsInLowerCase) {
  EXPECT_EQ(validate_field(kUser, "ldapserver_id", " 5F1E2D3C4B5A69788796A5B4 "s), Value{"5f1e2d3c4b5a69788796a5b4"s});
  for (const std::string bad : {"5f1e2d3c4b5a69788796a5b", "5f1e2d3c4b5a69788796a5b44", "5f1e2d3c4b5a69788796a5bg"})
    EXPECT_TRUE(contains(invalid_message([&] { validate_field(kUser, "ldapserver_id", bad); }),
                         "not a JumpCloud object id"))
        << bad;
}

TEST(ValidateJumpCloud, EnrollmentDaysNeedMfaInTheSameCall) {
  EXPECT_TRUE(contains(invalid_message([] {
                         validate_create(kUser, {{"username", "a"s}, {"email", "a@b.co"s},
                                                 {"enrollment_days", std::int64_t{14}}});
                       }),
                       "enrollment_days': an MFA enrolment period applies only with"));
  Fields ok = validate_create(kUser, {{"username", "a"s}, {"email", "a@b.co"s}, {"enrollment_days", std::int64_t{14}},
                                      {"enable_user_portal_multifactor", true}});
  EXPECT_EQ(field(ok, "enrollment_days"), Value{std::int64_t{14}});
  EXPECT_TRUE(contains(invalid_message([] { validate_field(kUser, "EnrollmentDays", std::int64_t{366}); }),
                       "use 1 to 365"));
  // Turning MFA off ends the period.
  Fields off = validate_update(kUser, {{"enable_user_portal_multifactor", false}});
  ASSERT_EQ(off.size(), 2u);
  EXPECT_EQ(off[1].first, "enrollment_days");
  EXPECT_TRUE(is_null(off[1].second));
}

TEST(ValidateJumpCloud, APasswordActivatesAndActivatedCannotBeSet) {
  EXPECT_EQ(field(validate_create(kUser, {{"username", "a"s}, {"email", "a@b.co"s}}), "activated"), Value{false});
  EXPECT_EQ(field(validate_create(kUser, {{"username", "a"s}, {"email", "a@b.co"s},
                                          {"password", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"s}}),
                  "activated"),
            Value{true});
  EXPECT_EQ(field(validate_update(kUser, {{"password", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"s}}),
                  "activated"),
            Value{true});
  EXPECT_TRUE(contains(invalid_message([] { validate_update(kUser, {{"activated", true}}); }), "read-only"));
}

TEST(ValidateJumpCloud, AttributesNeedAValue) {
  EXPECT_TRUE(contains(invalid_message([] { validate_field(kUser, "attributes", Attributes{{"badge", " "}}); }),
                       "attribute 'badge' has no value"));
}

}  // namespace
}  // namespace dirctl
