// model/kinds.cpp: the kind descriptors, checked against the live schema.
#include "dirctl/kinds.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <set>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "test_support.h"

namespace dirctl {
namespace {

std::set<std::string> table_columns(SQLite::Database& db, const std::string& table) {
  std::set<std::string> cols;
  SQLite::Statement st(db, "PRAGMA table_info(" + table + ")");
  while (st.executeStep()) cols.insert(st.getColumn(1).getString());
  return cols;
}

TEST(KindsTest, EveryKindHasOneSpec) {
  ASSERT_EQ(all_specs().size(), static_cast<std::size_t>(kKindCount - 1));
  std::set<Kind> seen;
  for (const KindSpec* s : all_specs()) {
    EXPECT_TRUE(seen.insert(s->kind).second) << s->name;
    EXPECT_EQ(&spec(s->kind), s);
    EXPECT_EQ(kind_name(s->kind), s->name);
    EXPECT_EQ(kind_from_name(s->name), s->kind);
  }
  EXPECT_THROW(spec(Kind::kNone), InvalidArgument);
  EXPECT_EQ(kind_name(Kind::kNone), "none");
}

TEST(KindsTest, UnknownKindNameListsValidOnes) {
  try {
    kind_from_name("laptop");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("laptop"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("user_group"), std::string::npos);
  }
}

TEST(KindsTest, ActorTypeNames) {
  EXPECT_EQ(actor_type_name(ActorType::kSystem), "system");
  EXPECT_EQ(actor_type_name(ActorType::kAdmin), "admin");
  EXPECT_EQ(actor_type_name(ActorType::kUser), "user");
  EXPECT_EQ(actor_type_name(ActorType::kApiKey), "api_key");
}

TEST(KindsTest, EveryDescriptorColumnExistsInTheLiveSchema) {
  test::TempFile file;
  { Directory d(file.path()); }
  SQLite::Database db(file.path(), SQLite::OPEN_READONLY);
  for (const KindSpec* s : all_specs()) {
    SCOPED_TRACE(s->name);
    const auto cols = table_columns(db, s->table);
    ASSERT_FALSE(cols.empty()) << "no table " << s->table;
    EXPECT_TRUE(cols.count("id"));
    EXPECT_EQ(cols.count("org_id") == 1, s->per_org) << "org_id column vs per_org";
    for (const FieldSpec& f : s->fields) {
      if (f.type == FieldType::kOrgSet) {
        EXPECT_TRUE(f.column.empty()) << f.name << " is stored as edges";
        continue;
      }
      ASSERT_FALSE(f.column.empty()) << f.name;
      EXPECT_TRUE(cols.count(f.column)) << s->table << " has no column " << f.column << " for field " << f.name;
    }
  }
}

TEST(KindsTest, NotNullColumnsAreRequiredOrDefaulted) {
  // Creation never stores null into a NOT NULL column.
  test::TempFile file;
  { Directory d(file.path()); }
  SQLite::Database db(file.path(), SQLite::OPEN_READONLY);
  for (const KindSpec* s : all_specs()) {
    std::set<std::string> not_null;
    SQLite::Statement st(db, "PRAGMA table_info(" + s->table + ")");
    while (st.executeStep())
      if (st.getColumn(3).getInt() != 0) not_null.insert(st.getColumn(1).getString());
    for (const FieldSpec& f : s->fields) {
      if (f.readonly || f.column.empty() || !not_null.count(f.column)) continue;
      EXPECT_TRUE(f.required || !is_null(f.default_value)) << s->name << "." << f.name;
    }
  }
}

TEST(KindsTest, KeyFieldsAreStoredFields) {
  for (const KindSpec* s : all_specs()) {
    SCOPED_TRACE(s->name);
    ASSERT_FALSE(s->key_fields.empty());
    for (const auto& k : s->key_fields) {
      const FieldSpec* f = s->field(k);
      ASSERT_NE(f, nullptr) << k;
      EXPECT_EQ(f->name, k) << "key fields use canonical names";
      EXPECT_FALSE(f->column.empty());
    }
  }
}

TEST(KindsTest, EachKindHasARequiredNameFieldAndStamps) {
  for (const KindSpec* s : all_specs()) {
    SCOPED_TRACE(s->name);
    const FieldSpec& name = s->name_field();
    EXPECT_TRUE(name.required);
    EXPECT_EQ(std::count_if(s->fields.begin(), s->fields.end(), [](const FieldSpec& f) { return f.hot == Hot::kName; }),
              1);
    ASSERT_NE(s->field("created"), nullptr);
    ASSERT_NE(s->field("updated"), nullptr);
    EXPECT_TRUE(s->field("created")->readonly);
    EXPECT_TRUE(s->field("updated")->readonly);
  }
}

TEST(KindsTest, NamesAndAliasesAreUniqueWithinAKind) {
  for (const KindSpec* s : all_specs()) {
    SCOPED_TRACE(s->name);
    std::set<std::string> names;
    for (const FieldSpec& f : s->fields) {
      EXPECT_TRUE(names.insert(f.name).second) << f.name;
      for (const auto& a : f.aliases) {
        EXPECT_TRUE(names.insert(a).second) << a;
        EXPECT_EQ(s->field(a), &f);
      }
    }
  }
}

TEST(KindsTest, EnumDefaultsAreChoices) {
  for (const KindSpec* s : all_specs())
    for (const FieldSpec& f : s->fields) {
      if (f.type != FieldType::kEnum) continue;
      SCOPED_TRACE(s->name + "." + f.name);
      EXPECT_FALSE(f.choices.empty());
      if (const auto* d = std::get_if<std::string>(&f.default_value)) {
        EXPECT_NE(std::find(f.choices.begin(), f.choices.end(), *d), f.choices.end());
      } else if (!f.required) {  // optional, and unset by default (a command's schedule_repeat_type)
        EXPECT_TRUE(std::holds_alternative<std::monostate>(f.default_value)) << "an enum's default must be a choice";
      }
    }
}

TEST(KindsTest, FieldLookupByNameOrAlias) {
  const KindSpec& user = spec(Kind::kUser);
  EXPECT_EQ(user.field("firstname"), user.field("first_name"));
  EXPECT_EQ(user.field("jobTitle")->name, "job_title");
  EXPECT_EQ(user.field("employeeIdentifier")->name, "employee_identifier");
  EXPECT_EQ(user.field("locked")->name, "account_locked");
  EXPECT_EQ(user.field("nope"), nullptr);
  EXPECT_EQ(spec(Kind::kCommand).field("run_as")->name, "user");
  EXPECT_EQ(spec(Kind::kDevice).field("serialNumber")->name, "serial_number");
}

TEST(KindsTest, FieldNamesListSettableFieldsOnly) {
  const std::string names = spec(Kind::kUser).field_names();
  EXPECT_EQ(names.rfind("username, email, first_name", 0), 0u) << names;
  EXPECT_EQ(names.find("created"), std::string::npos);
  EXPECT_EQ(names.find("updated"), std::string::npos);
  EXPECT_EQ(spec(Kind::kAdmin).field_names().find("user"), std::string::npos);
}

TEST(KindsTest, SharedChoices) {
  EXPECT_EQ(role_names().size(), 8u);
  EXPECT_EQ(user_states(), (std::vector<std::string>{"staged", "active", "suspended", "reviewing"}));
  EXPECT_EQ(admin_states(), (std::vector<std::string>{"active", "suspended", "pending"}));
  EXPECT_EQ(spec(Kind::kAdmin).field("role")->choices, role_names());
}

TEST(KindsTest, StoredPositionsMatchTheLists) {
  EXPECT_EQ(role_names().at(kRoleBillingAdmin), "administrator_with_billing");
  EXPECT_EQ(user_states().at(kUserStaged), "staged");
  EXPECT_EQ(user_states().at(kUserActive), "active");
  EXPECT_EQ(user_states().at(kUserSuspended), "suspended");
  EXPECT_EQ(admin_states().at(kAdminActive), "active");
  EXPECT_EQ(admin_states().at(kAdminSuspended), "suspended");
}

}  // namespace
}  // namespace dirctl
