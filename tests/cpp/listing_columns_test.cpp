// directory/listing_columns.cpp (and RecordStore::columns under it): every
// kind's typed columns hold what list() returns, cell by cell, nulls, unicode
// and attributes included, whichever way the rows are read; column types
// follow the descriptors; a filtered listing drops rows and the category
// names only those rows used.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "dirctl/table_columns.h"
#include "test_support.h"
#include "util/json_text.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make_org;
using test::sys;

using ListingColumnsTest = test::DirectoryFixture;
INSTANTIATE_TEST_SUITE_P(Storage, ListingColumnsTest,
                         ::testing::ValuesIn(test::storages()), test::storage_name);

// Row `row` of a column as a Record holds it.
Value cell(const TableColumn& c, std::size_t row) {
  if (const auto* i = std::get_if<IntColumn>(&c.data))
    return i->is_null(row) ? Value{} : Value{i->values[row]};
  if (const auto* b = std::get_if<BoolColumn>(&c.data)) return Value{b->values[row] != 0};
  if (const auto* t = std::get_if<TextColumn>(&c.data)) {
    if (!t->valid.empty() && t->valid[row] == 0) return Value{};
    if (c.json) return Value{attributes_from_json(std::string(t->at(row)))};
    return Value{std::string(t->at(row))};
  }
  if (const auto* k = std::get_if<CodedColumn>(&c.data)) {
    const std::int32_t code = k->codes[row];
    return code < 0 ? Value{} : Value{k->names.at(static_cast<std::size_t>(code))};
  }
  return Value{std::get<IdListColumn>(c.data).values[row]};
}

void expect_same(const TableColumns& cols, const std::vector<Record>& records, const KindSpec& kind) {
  ASSERT_FALSE(cols.columns.empty());
  EXPECT_EQ(cols.columns[0].name, "id");
  for (const TableColumn& c : cols.columns) ASSERT_EQ(c.size(), records.size()) << c.name;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    EXPECT_EQ(cols.ids()[i], static_cast<std::int64_t>(r.id));
    if (kind.per_org) {
      ASSERT_NE(cols.find("org"), nullptr);
      EXPECT_EQ(cell(*cols.find("org"), i), Value{static_cast<std::int64_t>(r.org)});
    }
    for (const auto& [name, value] : r.fields) {
      const TableColumn* c = cols.find(name);
      ASSERT_NE(c, nullptr) << kind.name << " has no column " << name;
      EXPECT_EQ(cell(*c, i), value) << kind.name << "." << name << ", row " << i << ": " << describe(value);
    }
  }
  for (const TableColumn& c : cols.columns) {  // nothing but fields, id, org and the users' administrator
    if (c.name == "id" || c.name == "org" || (kind.kind == Kind::kUser && c.name == "administrator")) continue;
    const FieldSpec* f = kind.field(c.name);
    ASSERT_NE(f, nullptr) << c.name;
    EXPECT_EQ(f->name, c.name);
    EXPECT_FALSE(f->secret) << c.name;
  }
}

// Column types by descriptor: what a DataFrame's dtypes come from.
void expect_types(const TableColumns& cols, const KindSpec& kind) {
  for (const TableColumn& c : cols.columns) {
    SCOPED_TRACE(kind.name + "." + c.name);
    const FieldSpec* f = kind.field(c.name);
    if (f == nullptr) {
      if (c.name == "administrator")
        EXPECT_TRUE(std::holds_alternative<BoolColumn>(c.data));
      else
        EXPECT_TRUE(std::holds_alternative<IntColumn>(c.data));  // id, org
      continue;
    }
    switch (f->type) {
      case FieldType::kBool: EXPECT_TRUE(std::holds_alternative<BoolColumn>(c.data)); break;
      case FieldType::kInt:
      case FieldType::kRef:
        ASSERT_TRUE(std::holds_alternative<IntColumn>(c.data));
        EXPECT_EQ(std::get<IntColumn>(c.data).nullable, is_null(f->default_value));
        break;
      case FieldType::kEnum: EXPECT_TRUE(std::holds_alternative<CodedColumn>(c.data)); break;
      case FieldType::kAttributes:
        EXPECT_TRUE(std::holds_alternative<TextColumn>(c.data));
        EXPECT_TRUE(c.json);
        break;
      case FieldType::kOrgSet: EXPECT_TRUE(std::holds_alternative<IdListColumn>(c.data)); break;
      case FieldType::kText:
        EXPECT_TRUE(std::holds_alternative<TextColumn>(c.data) || std::holds_alternative<CodedColumn>(c.data));
        break;
      default: EXPECT_TRUE(std::holds_alternative<TextColumn>(c.data)); break;  // emails, names, dates, times
    }
  }
}

// A few objects of every kind: some with every field they can take (unicode,
// attributes, non-default choices), some with only what is required (nulls).
Id populate(Directory& d) {
  const Id org = make_org(d, "Acmé");
  d.update(sys(), org, {{"description", "Zürich\nline two"s}, {"allowed_domains", "acme.example"s}});
  make_org(d, "other");
  const Id full = d.create(sys(), Kind::kUser, org,
                           {{"username", "zoe"s}, {"email", "zoe@acme.example"s}, {"first_name", "Zoë"s},
                            {"middle_name", "Ágata"s}, {"last_name", "Ñúñez"s}, {"display_name", "Zoë 🚀"s},
                            {"job_title", "Engineer"s}, {"department", "Ingeniería"s}, {"employee_identifier", "E-1"s},
                            {"state", "suspended"s}, {"account_locked", true}, {"password_expiration_date", "2030-01-31"s},
                            {"mfa_status", "enrolled"s}, {"sudo", true},
                            {"attributes", Attributes{{"badge", "7"}, {"note_1", "cödé \"q\" ü"}}},
                            {"cost_center", "CC-1"s}, {"company", "Acmé"s}, {"employee_type", "contractor"s},
                            {"description", "tab\there"s}, {"location", "東京"s}, {"alternate_email", "z@alt.example"s},
                            {"manager", "boss@acme.example"s}, {"passwordless_sudo", true},
                            {"password_never_expires", true}})
                     .id;
  d.create(sys(), Kind::kUser, org, {{"username", "bare"s}, {"email", "bare@acme.example"s}});
  const Id linked = d.create(sys(), Kind::kUser, org,
                             {{"username", "ann"s}, {"email", "ann@acme.example"s}, {"department", "Ingeniería"s},
                              {"mfa_status", "enrolled"s}})
                        .id;
  d.create_admin_from_user(sys(), linked, {{"role", "help_desk"s}});
  test::keep_admin(d, {org});
  d.create(sys(), Kind::kAdmin, kNoId, {{"email", "none@acme.example"s}, {"role", "read_only"s}});
  d.create(sys(), Kind::kAdmin, kNoId,
           {{"email", "two@acme.example"s}, {"role", "manager"s}, {"first_name", "Émile"s},
            {"orgs", IdList{static_cast<std::int64_t>(org)}}, {"api_access", true}});
  d.create(sys(), Kind::kUserGroup, org, {{"name", "ingénieurs"s}, {"description", "All of them"s}});
  d.create(sys(), Kind::kUserGroup, org, {{"name", "bare"s}});
  d.create(sys(), Kind::kDeviceGroup, org, {{"name", "fleet"s}, {"description", "Servers"s}});
  d.create(sys(), Kind::kDeviceGroup, org, {{"name", "spare"s}});
  d.create(sys(), Kind::kDevice, org,
           {{"hostname", "web-1"s}, {"display_name", "Web ①"s}, {"os", "linux"s}, {"arch", "x86_64"s},
            {"serial_number", "SN1"s}, {"agent_version", "1.2.3"s}, {"remote_assist_allowed", true}});
  d.create(sys(), Kind::kDevice, org, {{"hostname", "bare"s}});
  d.create(sys(), Kind::kDevice, org, {{"hostname", "web-2"s}, {"os", "linux"s}});
  d.create(sys(), Kind::kCommand, org, {{"name", "plain"s}, {"script", "true"s}});
  d.create(sys(), Kind::kCommand, org,
           {{"name", "nightly"s}, {"script", "echo 'é'\nexit 0"s}, {"shell", "sh"s}, {"user", "deploy"s},
            {"timeout", std::int64_t{30}}, {"launch_type", "trigger"s}, {"trigger", "go"s},
            {"timezone", "Europe/Paris"s}});
  (void)full;
  return org;
}

TEST_P(ListingColumnsTest, EveryKindsColumnsHoldWhatListReturns) {
  const Id org = populate(d());
  for (int pass = 0; pass < 2; ++pass) {  // as written, and as read back from the file
    for (const KindSpec* kind : all_specs()) {
      SCOPED_TRACE(kind->name);
      const Id scope = kind->per_org ? org : kNoId;
      const std::vector<Record> records = d().list(sys(), kind->kind, scope);
      ASSERT_GE(records.size(), 2u);
      const TableColumns cols = d().columns(sys(), kind->kind, scope);
      expect_same(cols, records, *kind);
      expect_types(cols, *kind);
    }
    reopen();
  }
}

TEST_P(ListingColumnsTest, NullsAndRepeatsAreKeptApart) {
  const Id org = populate(d());
  const TableColumns users = d().columns(sys(), Kind::kUser, org);
  const auto& dept = std::get<CodedColumn>(users.find("department")->data);
  EXPECT_EQ(dept.names, (std::vector<std::string>{"Ingeniería"})) << "one name for the two users in it";
  EXPECT_EQ(dept.codes, (std::vector<std::int32_t>{0, -1, 0}));
  const auto& middle = std::get<TextColumn>(users.find("middle_name")->data);
  EXPECT_EQ(middle.valid, (std::vector<std::uint8_t>{1, 0, 0}));
  const auto& attrs = std::get<TextColumn>(users.find("attributes")->data);
  EXPECT_TRUE(attrs.valid.empty()) << "no attributes read as {}";
  EXPECT_EQ(attrs.at(1), "{}");
  EXPECT_EQ(std::get<BoolColumn>(users.find("administrator")->data).values, (std::vector<std::uint8_t>{0, 0, 1}));
  const TableColumns admins = d().columns(sys(), Kind::kAdmin, kNoId);
  const auto& user = std::get<IntColumn>(admins.find("user")->data);
  EXPECT_TRUE(user.nullable);
  EXPECT_FALSE(user.is_null(0)) << "the admin made from a user";
  EXPECT_TRUE(user.is_null(1));
  EXPECT_EQ(std::get<IdListColumn>(admins.find("orgs")->data).values[2], IdList{});
}

TEST_P(ListingColumnsTest, DenseAndSparseOrgsReadTheSameRows) {
  // acme's users fill their id range (read in id order over it); beta's few
  // are spread among them (read through the org index, then sorted).
  const Id acme = make_org(d(), "acme"), beta = make_org(d(), "beta");
  for (int i = 0; i < 80; ++i) {
    test::make_user(d(), acme, "a" + std::to_string(i));
    if (i % 40 == 0) test::make_user(d(), beta, "b" + std::to_string(i));
  }
  for (Id org : {acme, beta}) {
    const std::vector<Record> records = d().list(sys(), Kind::kUser, org);
    expect_same(d().columns(sys(), Kind::kUser, org), records, spec(Kind::kUser));
  }
  EXPECT_EQ(d().columns(sys(), Kind::kUser, beta).rows(), 2u);
}

TEST_P(ListingColumnsTest, CategoriesAreInTextOrder) {
  const Id org = make_org(d(), "acme");
  const std::vector<std::string> departments = {"Sales", "IT", "Sales", "Ärzte", "Eng"};
  for (std::size_t i = 0; i < departments.size(); ++i)
    d().create(sys(), Kind::kUser, org,
               {{"username", "u" + std::to_string(i)}, {"email", "u" + std::to_string(i) + "@acme.example"},
                {"department", departments[i]}});
  const TableColumns cols = d().columns(sys(), Kind::kUser, org);
  const auto& dept = std::get<CodedColumn>(cols.find("department")->data);
  EXPECT_EQ(dept.names, (std::vector<std::string>{"Eng", "IT", "Sales", "Ärzte"})) << "byte order: UTF-8 after ASCII";
  expect_same(cols, d().list(sys(), Kind::kUser, org), spec(Kind::kUser));
}

TEST_P(ListingColumnsTest, AnEmptyListingHasEveryColumn) {
  const Id org = make_org(d(), "acme");
  const TableColumns cols = d().columns(sys(), Kind::kUser, org);
  EXPECT_EQ(cols.rows(), 0u);
  EXPECT_NE(cols.find("username"), nullptr);
  EXPECT_NE(cols.find("administrator"), nullptr);
  EXPECT_EQ(cols.find("password"), nullptr) << "secrets are never read back";
  for (const TableColumn& c : cols.columns) EXPECT_EQ(c.size(), 0u) << c.name;
}

TEST_P(ListingColumnsTest, AFilteredListingDropsRowsAndTheirNames) {
  const Id org = make_org(d(), "acme");
  const Id mine = d().create(sys(), Kind::kCommand, org, {{"name", "mine"s}, {"script", "true"s}, {"user", "deploy"s},
                                                          {"shell", "sh"s}}).id;
  d().create(sys(), Kind::kCommand, org, {{"name", "secret"s}, {"script", "true"s}, {"user", "hidden-account"s},
                                          {"shell", "powershell"s}});
  const Id runner = d().create(sys(), Kind::kAdmin, kNoId,
                               {{"email", "cr@acme.example"s}, {"role", "command_runner"s},
                                {"orgs", IdList{static_cast<std::int64_t>(org)}}}).id;
  d().associate(sys(), runner, mine);
  const Actor cr{ActorType::kAdmin, runner};
  const std::vector<Record> records = d().list(cr, Kind::kCommand, org);
  ASSERT_EQ(records.size(), 1u);
  const TableColumns cols = d().columns(cr, Kind::kCommand, org);
  expect_same(cols, records, spec(Kind::kCommand));
  EXPECT_EQ(std::get<CodedColumn>(cols.find("user")->data).names, (std::vector<std::string>{"deploy"}));
  EXPECT_EQ(std::get<CodedColumn>(cols.find("shell")->data).names, (std::vector<std::string>{"sh"}));
  EXPECT_THROW(d().columns(cr, Kind::kUser, org), PermissionDenied);
}

}  // namespace
}  // namespace dirctl
