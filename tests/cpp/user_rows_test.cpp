// io/user_rows.cpp: the header of JumpCloud's user template (any case, any
// order, GroupN / AttributeN_name / _value numbered numerically), per-cell
// checks with line, column and value, parse_bool and cut80.
#include "io/user_rows.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/validate.h"
#include "util/password.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

CsvRecord rec(std::size_t line, std::vector<std::string> fields) { return CsvRecord{line, std::move(fields)}; }

struct Parsed {
  std::vector<ImportIssue> warnings, header_errors, errors;
  ImportRow row;
};

Parsed parse(const std::vector<std::string>& header, const std::vector<std::string>& cells, bool strict = false,
             std::size_t line = 2) {
  Parsed p;
  UserRows rows(rec(1, header), strict, p.warnings, p.header_errors);
  p.row = rows.parse(rec(line, cells), p.errors);
  return p;
}

const Value* field(const ImportRow& row, const std::string& name) {
  for (const auto& [k, v] : row.fields)
    if (k == name) return &v;
  return nullptr;
}

std::string text(const ImportRow& row, const std::string& name) {
  const Value* v = field(row, name);
  if (v == nullptr) return "<absent>";
  const auto* s = std::get_if<std::string>(v);
  return s == nullptr ? "<not text>" : *s;
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- header mapping ----------------------------------------------------------

TEST(UserRowsHeader, TemplateColumnsAnyCaseAnyOrder) {
  auto p = parse({"EMAIL", "username", "LastName", "firstname", " JobTitle ", "preferredName", "costcenter",
                  "EmployeeIdentifier", "DEPARTMENT", "Company", "employeeType", "Location", "AlternateEmail",
                  "manager", "MiddleName", "Description"},
                 {"ada@example.com", "ada", "Lovelace", "Ada", "Countess", "Ada L", "CC-1", "E-1", "Math", "AE",
                  "contractor", "London", "ada@alt.example.com", "babbage", "King", "first\nprogrammer"});
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_TRUE(p.header_errors.empty());
  EXPECT_TRUE(p.errors.empty()) << p.errors[0].message;
  EXPECT_FALSE(p.row.bad);
  EXPECT_EQ(text(p.row, "email"), "ada@example.com");
  EXPECT_EQ(text(p.row, "username"), "ada");
  EXPECT_EQ(text(p.row, "first_name"), "Ada");
  EXPECT_EQ(text(p.row, "last_name"), "Lovelace");
  EXPECT_EQ(text(p.row, "middle_name"), "King");
  EXPECT_EQ(text(p.row, "job_title"), "Countess");
  EXPECT_EQ(text(p.row, "display_name"), "Ada L");
  EXPECT_EQ(text(p.row, "cost_center"), "CC-1");
  EXPECT_EQ(text(p.row, "employee_identifier"), "E-1");
  EXPECT_EQ(text(p.row, "department"), "Math");
  EXPECT_EQ(text(p.row, "company"), "AE");
  EXPECT_EQ(text(p.row, "employee_type"), "contractor");
  EXPECT_EQ(text(p.row, "location"), "London");
  EXPECT_EQ(text(p.row, "alternate_email"), "ada@alt.example.com");
  EXPECT_EQ(text(p.row, "manager"), "babbage");
  EXPECT_EQ(text(p.row, "description"), "first\nprogrammer");  // multiline
  EXPECT_EQ(p.row.username(), "ada");
  EXPECT_EQ(p.row.email(), "ada@example.com");
  EXPECT_EQ(p.row.line, 2u);
}

TEST(UserRowsHeader, DisplayNameAndBooleansAndState) {
  auto p = parse({"DisplayName", "Account_Locked", "SUDO", "passwordless_sudo", "password_never_expires", "State"},
                 {"Ada", "$True", "yes", "0", "FALSE", "Suspended"});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(text(p.row, "display_name"), "Ada");
  EXPECT_EQ(*field(p.row, "account_locked"), Value{true});
  EXPECT_EQ(*field(p.row, "sudo"), Value{true});
  EXPECT_EQ(*field(p.row, "passwordless_sudo"), Value{false});
  EXPECT_EQ(*field(p.row, "password_never_expires"), Value{false});
  EXPECT_EQ(text(p.row, "state"), "suspended");
}

TEST(UserRowsHeader, DirctlFieldNamesToo) {
  auto p = parse({"first_name", "job_title", "employee_identifier", "password_expiration_date"},
                 {"Ada", "Countess", "E-9", "2027-01-31"});
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(text(p.row, "first_name"), "Ada");
  EXPECT_EQ(text(p.row, "employee_identifier"), "E-9");
  EXPECT_EQ(text(p.row, "password_expiration_date"), "2027-01-31");
}

TEST(UserRowsHeader, UnknownColumnIsAWarning) {
  auto p = parse({"Username", "Shoe Size"}, {"ada", "42"});
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_TRUE(p.header_errors.empty());
  EXPECT_EQ(p.warnings[0].line, 1u);
  EXPECT_EQ(p.warnings[0].column, "Shoe Size");
  EXPECT_EQ(p.warnings[0].value, "Shoe Size");
  EXPECT_TRUE(contains(p.warnings[0].message, "unknown column 'Shoe Size' is ignored")) << p.warnings[0].message;
  EXPECT_TRUE(p.errors.empty());  // the cell is ignored
  EXPECT_EQ(text(p.row, "username"), "ada");
}

TEST(UserRowsHeader, UnknownColumnIsAnErrorWhenStrict) {
  auto p = parse({"Username", "Shoe Size"}, {"ada", "42"}, /*strict=*/true);
  EXPECT_TRUE(p.warnings.empty());
  ASSERT_EQ(p.header_errors.size(), 1u);
  EXPECT_EQ(p.header_errors[0].line, 1u);
  EXPECT_EQ(p.header_errors[0].column, "Shoe Size");
  EXPECT_TRUE(contains(p.header_errors[0].message, "refused (strict)"));
}

TEST(UserRowsHeader, NearMissesAreUnknown) {
  auto p = parse({"Group", "Group1x", "Attribute_name", "Attribute1", "Attribute1_nam", "Groupe1", "attributes",
                  "password_hash_x", "created"},
                 {});
  EXPECT_EQ(p.warnings.size(), 9u);
}

TEST(UserRowsHeader, RepeatedColumnsAreErrors) {
  auto p = parse({"Email", "EMAIL"}, {});
  ASSERT_EQ(p.header_errors.size(), 1u);
  EXPECT_EQ(p.header_errors[0].column, "EMAIL");
  EXPECT_TRUE(contains(p.header_errors[0].message, "repeats column 'Email'"));
  auto q = parse({"DisplayName", "preferredName", "Group2", "group2", "Attribute1_name", "ATTRIBUTE1_NAME"}, {});
  EXPECT_EQ(q.header_errors.size(), 3u);
}

TEST(UserRowsHeader, ColumnOfNamesTheHeaderSpelling) {
  std::vector<ImportIssue> w, e;
  UserRows rows(rec(1, {"E-MAIL", "USERNAME", "firstName"}), false, w, e);
  EXPECT_EQ(rows.column_of("username"), "USERNAME");
  EXPECT_EQ(rows.column_of("first_name"), "firstName");
  EXPECT_EQ(rows.column_of("email"), "email");  // absent: the field name
  EXPECT_EQ(rows.width(), 3u);
}

// ---- groups and attributes ---------------------------------------------------

TEST(UserRowsGroups, NumberedNumericallyNotByColumnOrder) {
  std::vector<std::string> header, cells;
  for (int n : {10, 2, 12, 1, 11, 3, 9, 4, 8, 5, 7, 6}) {
    header.push_back("Group" + std::to_string(n));
    cells.push_back(" g" + std::to_string(n) + " ");
  }
  auto p = parse(header, cells);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_TRUE(p.errors.empty());
  std::vector<std::string> expected;
  for (int n = 1; n <= 12; ++n) expected.push_back("g" + std::to_string(n));
  EXPECT_EQ(p.row.groups, expected);  // trimmed, Group2 before Group10
}

TEST(UserRowsGroups, EmptyGroupCellsAreSkipped) {
  auto p = parse({"group1", "GROUP2", "Group3"}, {"a", "  ", "c"});
  EXPECT_EQ(p.row.groups, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(p.row.group_columns, (std::vector<std::uint16_t>{0, 2}));  // for messages: the header of each
}

TEST(UserRowsAttributes, PairsByNumber) {
  std::vector<std::string> header, cells;
  for (int n = 12; n >= 1; --n) {
    header.push_back("Attribute" + std::to_string(n) + "_value");
    cells.push_back("v" + std::to_string(n));
  }
  for (int n = 1; n <= 12; ++n) {
    header.push_back("attribute" + std::to_string(n) + "_NAME");
    cells.push_back("name" + std::to_string(n));
  }
  auto p = parse(header, cells);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_TRUE(p.errors.empty()) << p.errors[0].message;
  const Value* v = field(p.row, "attributes");
  ASSERT_NE(v, nullptr);
  const auto& attrs = std::get<Attributes>(*v);
  ASSERT_EQ(attrs.size(), 12u);
  for (int n = 1; n <= 12; ++n) EXPECT_EQ(attrs.at("name" + std::to_string(n)), "v" + std::to_string(n));
}

TEST(UserRowsAttributes, NameWithoutValueAndValueWithoutNameAreErrorsOnTheirColumns) {
  // JumpCloud refuses an attribute with an empty value, and a value needs
  // its name: each is refused on its own column.
  auto p = parse({"Attribute1_name", "Attribute1_value", "Attribute2_name", "Attribute2_value", "Attribute3_name",
                  "Attribute3_value"},
                 {"color", "", "", "blue", "size", "   "});
  ASSERT_EQ(p.errors.size(), 3u);
  EXPECT_TRUE(p.row.bad);
  EXPECT_EQ(p.errors[0].column, "Attribute1_value");
  EXPECT_EQ(p.errors[0].value, "color");
  EXPECT_TRUE(contains(p.errors[0].message, "has no value")) << p.errors[0].message;
  EXPECT_EQ(p.errors[1].column, "Attribute2_name");
  EXPECT_EQ(p.errors[1].value, "blue");
  EXPECT_TRUE(contains(p.errors[1].message, "has a value but no name"));
  EXPECT_EQ(p.errors[2].column, "Attribute3_value");  // blanks are no value
  auto ok = parse({"Attribute1_name", "Attribute1_value"}, {"color", " red "});
  ASSERT_TRUE(ok.errors.empty());
  EXPECT_EQ(std::get<Attributes>(ok.row.fields[0].second), (Attributes{{"color", " red "}}));
}

TEST(UserRowsAttributes, SameNameTwice) {
  auto p = parse({"Attribute1_name", "Attribute1_value", "Attribute10_name", "Attribute10_value"},
                 {"color", "red", "color", "blue"});
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_TRUE(contains(p.errors[0].message, "'color' is given twice"));
  EXPECT_EQ(p.errors[0].column, "Attribute10_value");
}

TEST(UserRowsAttributes, BadNameIsAnError) {
  auto p = parse({"Attribute1_name", "Attribute1_value"}, {"has space", "x"});
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_TRUE(p.row.bad);
  EXPECT_TRUE(contains(p.errors[0].message, "must be 1-64 letters, digits or '_'")) << p.errors[0].message;
}

// ---- cells -------------------------------------------------------------------

TEST(UserRowsCells, BadBooleanNamesLineColumnValue) {
  auto p = parse({"Username", "Sudo"}, {"ada", "maybe"}, false, 7);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_TRUE(p.row.bad);
  EXPECT_EQ(p.errors[0].line, 7u);
  EXPECT_EQ(p.errors[0].column, "Sudo");
  EXPECT_EQ(p.errors[0].value, "maybe");
  EXPECT_EQ(p.errors[0].message, "is not a boolean; use true/false, yes/no, 1/0 or $True/$False");
}

TEST(UserRowsCells, EnumAndLengthAndSyntaxErrors) {
  auto p = parse({"state", "FirstName", "Email", "Username", "Description"},
                 {"retired", std::string(65, 'f'), "not-an-email", "bad name!", std::string(1025, 'd')});
  ASSERT_EQ(p.errors.size(), 5u);
  EXPECT_EQ(p.errors[0].column, "state");
  EXPECT_EQ(p.errors[0].message, "'retired' is not one of: staged, active, suspended, reviewing");
  EXPECT_EQ(p.errors[1].column, "FirstName");
  EXPECT_EQ(p.errors[1].message, "is 65 bytes long; the limit is 64");
  EXPECT_EQ(p.errors[1].value, std::string(65, 'f').substr(0, 80));
  EXPECT_EQ(p.errors[2].column, "Email");
  EXPECT_TRUE(contains(p.errors[2].message, "is not a valid email address"));
  EXPECT_EQ(p.errors[3].column, "Username");
  EXPECT_TRUE(contains(p.errors[3].message, "is not a valid username"));
  EXPECT_EQ(p.errors[4].column, "Description");
  EXPECT_EQ(p.errors[4].message, "is 1025 bytes long; the limit is 1024");
  EXPECT_EQ(p.errors[4].value, std::string(80, 'd') + "...");
  for (const auto& e : p.errors) EXPECT_FALSE(contains(e.message, "user field '")) << e.message;
}

TEST(UserRowsCells, EmptyAndBlankCellsAreAbsent) {
  auto p = parse({"Username", "FirstName", "Sudo", "state"}, {"ada", "   ", "", " "});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(field(p.row, "first_name"), nullptr);
  EXPECT_EQ(field(p.row, "sudo"), nullptr);
  EXPECT_EQ(field(p.row, "state"), nullptr);
}

TEST(UserRowsCells, LineBreakOnlyCellsAreBlank) {
  // Blank once the validator trims it (" \t\r\n"): not given, so neither a null
  // field nor a username / email to read as text.
  Parsed p;
  EXPECT_NO_THROW(p = parse({"Username", "Email", "FirstName", "Department"}, {"\r\n", "\n", "\r", " \n "}));
  EXPECT_EQ(p.row.username(), "");
  EXPECT_EQ(p.row.email(), "");
  for (const auto& [name, value] : p.row.fields) EXPECT_FALSE(is_null(value)) << name;
}

TEST(UserRowsCells, FewerFieldsThanTheHeaderIsFine) {
  auto p = parse({"Username", "Email", "FirstName"}, {"ada"});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(text(p.row, "username"), "ada");
}

TEST(UserRowsCells, TooManyFieldsIsARowError) {
  auto p = parse({"Username", "Email"}, {"ada", "ada@example.com", "extra", "more"}, false, 5);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_TRUE(p.row.bad);
  EXPECT_EQ(p.errors[0].line, 5u);
  EXPECT_EQ(p.errors[0].column, "");
  EXPECT_EQ(p.errors[0].value, "extra");
  EXPECT_EQ(p.errors[0].message, "has 4 fields but the header has 2; quote fields that contain commas");
}

TEST(UserRowsCells, NonUtf8CellNamesRowAndColumn) {
  auto p = parse({"Username", "LastName"}, {"ada", "Lovel\xe1" "ce"}, false, 9);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 9u);
  EXPECT_EQ(p.errors[0].column, "LastName");
  EXPECT_EQ(p.errors[0].value, "Lovel\\xe1ce");
  EXPECT_TRUE(is_valid_utf8(p.errors[0].value));
  EXPECT_TRUE(contains(p.errors[0].message, "not valid UTF-8"));
}

TEST(UserRowsCells, PasswordsAreNeverEchoed) {
  auto p = parse({"Username", "Password"}, {"ada", "short"});
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].column, "Password");
  EXPECT_EQ(p.errors[0].value, "[redacted]");
  EXPECT_EQ(p.errors[0].message, "a password needs at least 8 characters");
  auto q = parse({"Username", "PasswordHash"}, {"ada", "$argon2id$not-really"});
  ASSERT_EQ(q.errors.size(), 1u);
  EXPECT_EQ(q.errors[0].value, "[redacted]");
  EXPECT_TRUE(contains(q.errors[0].message, "is not an Argon2 PHC string"));
  auto r = parse({"Username", "Password"}, {"ada", std::string(1025, 'p')});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].value, "[redacted]");
  for (const auto* v : {&p, &q, &r})
    for (const auto& e : v->errors) EXPECT_FALSE(contains(e.message, "short") || contains(e.message, "not-really"));
}

TEST(UserRowsCells, PasswordAndHashAreCarried) {
  auto p = parse({"Username", "password"}, {"ada", " spaces kept "});
  EXPECT_TRUE(p.errors.empty());
  EXPECT_EQ(p.row.password, " spaces kept ");
  EXPECT_EQ(field(p.row, "password"), nullptr);  // not a plain field: hashed before writing
  const std::string phc = hash_password("correct horse battery");
  auto q = parse({"Username", "PASSWORDHASH"}, {"ada", phc});
  EXPECT_TRUE(q.errors.empty());
  EXPECT_EQ(q.row.password, phc);
}

TEST(UserRowsCells, DeviceBinding) {
  auto p = parse({"Username", "SystemID", "administrator"}, {"ada", " 42 ", "$true"});
  EXPECT_TRUE(p.errors.empty());
  ASSERT_NE(p.row.device, nullptr);
  EXPECT_EQ(p.row.device->system_id, "42");
  EXPECT_EQ(p.row.device->column, "SystemID");
  EXPECT_TRUE(p.row.device->administrator);
  auto q = parse({"Username", "HOSTNAME", "Administrator"}, {"ada", "web-01", "no"});
  ASSERT_NE(q.row.device, nullptr);
  EXPECT_EQ(q.row.device->hostname, "web-01");
  EXPECT_FALSE(q.row.device->administrator);
  auto r = parse({"Username", "Administrator"}, {"ada", "yes"});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_TRUE(contains(r.errors[0].message, "give SystemID or Hostname too"));
  EXPECT_EQ(r.row.device, nullptr) << "no binding without a device";
  EXPECT_EQ(parse({"Username", "Administrator", "Hostname"}, {"ada", "no", " "}).row.device, nullptr);
  auto s = parse({"Username", "Hostname", "Administrator"}, {"ada", "web-01", "sometimes"});
  ASSERT_EQ(s.errors.size(), 1u);
  EXPECT_EQ(s.errors[0].column, "Administrator");
  EXPECT_EQ(s.errors[0].value, "sometimes");
}

TEST(UserRowsCells, EveryCellIsCheckedNotJustTheFirstBadOne) {
  auto p = parse({"sudo", "account_locked", "state"}, {"x", "y", "z"});
  EXPECT_EQ(p.errors.size(), 3u);
}

// ---- parse_bool and cut80 --------------------------------------------------------

TEST(UserRowsParseBool, AcceptedSpellings) {
  for (const char* t : {"true", "TRUE", "True", "tRuE", "yes", "YES", "Yes", "1", "$True", "$TRUE", "$true",
                        " true ", "\tyes"})
    EXPECT_EQ(parse_bool(t), std::optional<bool>(true)) << t;
  for (const char* f : {"false", "FALSE", "False", "no", "NO", "No", "0", "$False", "$FALSE", "$false", " 0 "})
    EXPECT_EQ(parse_bool(f), std::optional<bool>(false)) << f;
}

TEST(UserRowsParseBool, EverythingElseIsNotABoolean) {
  for (const char* x : {"", " ", "t", "f", "y", "n", "on", "off", "2", "-1", "01", "truee", "$", "$yes", "true!",
                        "nope", "ja", "\xff"})
    EXPECT_EQ(parse_bool(x), std::nullopt) << x;
}

TEST(UserRowsCut80, ShortTextUnchanged) {
  EXPECT_EQ(cut80(""), "");
  EXPECT_EQ(cut80("hello"), "hello");
  EXPECT_EQ(cut80(std::string(80, 'a')), std::string(80, 'a'));
  EXPECT_EQ(cut80("Zoë"), "Zoë");
}

TEST(UserRowsCut80, LongTextIsCutTo80) {
  EXPECT_EQ(cut80(std::string(81, 'a')), std::string(80, 'a') + "...");
  EXPECT_EQ(cut80(std::string(1 << 20, 'b')), std::string(80, 'b') + "...");
}

TEST(UserRowsCut80, NeverSplitsACharacter) {
  const std::string s = std::string(79, 'a') + "é" + "tail";  // é spans bytes 79-80
  const std::string out = cut80(s);
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_EQ(out, std::string(79, 'a') + "...");
  std::string cjk;
  for (int i = 0; i < 40; ++i) cjk += "日";  // 120 bytes
  const std::string c = cut80(cjk);
  EXPECT_TRUE(is_valid_utf8(c));
  EXPECT_LE(c.size(), 83u);
  EXPECT_EQ(c.substr(0, 78), cjk.substr(0, 78));
}

TEST(UserRowsCut80, NonUtf8IsShownAsEscapedBytes) {
  EXPECT_EQ(cut80("ab\xff"), "ab\\xff");
  EXPECT_EQ(cut80("\xc3(\x01"), "\\xc3(\\x01");
  const std::string long_bad = std::string(200, '\xfe');
  const std::string out = cut80(long_bad);
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_TRUE(contains(out, "\\xfe"));
  EXPECT_LE(out.size(), 80u + 4u + 3u);  // at most one escape past 80, then "..."
  EXPECT_EQ(out.substr(out.size() - 3), "...");
}

}  // namespace
}  // namespace dirctl

// ---- JumpCloud's template fields (issue #12) ----------------------------------------

namespace dirctl {
namespace {

TEST(UserRowsJumpCloud, IntegerCellsAreDigitsInRange) {
  auto p = parse({"unix_uid", "unix_guid", "enable_user_portal_multifactor", "EnrollmentDays"},
                 {" 5001 ", "4294967295", "true", "14"});
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].message;
  EXPECT_EQ(*field(p.row, "unix_uid"), Value{std::int64_t{5001}});
  EXPECT_EQ(*field(p.row, "enrollment_days"), Value{std::int64_t{14}});
  auto bad = parse({"unix_uid", "unix_guid"}, {"5e3", "4294967296"});
  ASSERT_EQ(bad.errors.size(), 2u);
  EXPECT_EQ(bad.errors[0].column, "unix_uid");
  EXPECT_TRUE(contains(bad.errors[0].message, "is not a whole number"));
  EXPECT_EQ(bad.errors[1].column, "unix_guid");
  EXPECT_TRUE(contains(bad.errors[1].message, "use 0 to 4294967295"));
}

TEST(UserRowsJumpCloud, EnrollmentDaysWithoutMfaIsRefusedOnItsColumn) {
  auto p = parse({"EnrollmentDays", "enable_user_portal_multifactor"}, {"30", "false"});
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].column, "EnrollmentDays");
  EXPECT_TRUE(contains(p.errors[0].message, "applies only with enable_user_portal_multifactor"));
}

TEST(UserRowsJumpCloud, AdministratorWithoutADeviceIsRefusedOnItsColumnAsSpelled) {
  auto p = parse({"Username", "ADMINISTRATOR"}, {"ada", "yes"});
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].column, "ADMINISTRATOR");
  EXPECT_TRUE(contains(p.errors[0].message, "give SystemID or Hostname too"));
}

TEST(UserRowsJumpCloud, AddressColumnsAreTheirParts) {
  auto p = parse({"home_streetAddress", "HOME_POBOX", "home_city", "work_state", "work_postalCode"},
                 {"1 Main", "PO 7", "Oslo", "Vestland", "5003"});
  ASSERT_TRUE(p.errors.empty()) << p.errors[0].message;
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(*field(p.row, "home_street_address"), Value{"1 Main"s});
  EXPECT_EQ(*field(p.row, "home_po_box"), Value{"PO 7"s});
  EXPECT_EQ(*field(p.row, "work_postal_code"), Value{"5003"s});
}

}  // namespace
}  // namespace dirctl
