// store/row_sql.cpp, store/change_text.cpp and the user kind's descriptor:
// the one table every writer, the import and the export take their columns
// from, so a field added there is written, imported, exported and audited
// with no other edit.
#include "store/row_sql.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "dirctl/kinds.h"
#include "io/user_rows.h"
#include "store/change_text.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

bool has(const std::vector<const FieldSpec*>& fields, const std::string& name) {
  return std::any_of(fields.begin(), fields.end(), [&](const FieldSpec* f) { return f->name == name; });
}

TEST(RowSqlTest, EveryStoredFieldButTheStampsIsWrittenInDescriptorOrder) {
  for (const KindSpec* kind : all_specs()) {
    const auto cols = insert_columns(*kind);
    for (const auto& f : kind->fields) {
      const bool stamp = f.readonly && f.type == FieldType::kTime;
      EXPECT_EQ(has(cols, f.name), !f.column.empty() && !stamp) << kind->name << "." << f.name;
    }
    EXPECT_TRUE(std::is_sorted(cols.begin(), cols.end())) << kind->name;  // pointers into the descriptor
    const std::string sql = insert_sql(*kind);
    EXPECT_EQ(std::count(sql.begin(), sql.end(), '?'), created_parameter(*kind) + 1) << sql;
    EXPECT_NE(sql.find("INSERT INTO " + kind->table + " (id"), std::string::npos) << sql;
  }
}

TEST(RowSqlTest, TheUserTemplateComesFromTheDescriptor) {
  const KindSpec& user = spec(Kind::kUser);
  std::set<std::string> in_template;
  for (const auto& [column, field] : user_template_columns()) {
    in_template.insert(field);
    const FieldSpec* f = user.field(field);
    ASSERT_NE(f, nullptr) << column;
    EXPECT_EQ(f->template_column, column);
    EXPECT_TRUE(has(insert_columns(user), field)) << field << " is imported but not written";
  }
  // Every stored user field is carried by the template, except those it
  // carries otherwise (attributes: AttributeN columns; the password: its own
  // write-only column) and the stamps.
  for (const auto& f : user.fields) {
    const bool apart = f.type == FieldType::kAttributes || f.secret || f.readonly;
    if (!f.column.empty() && !apart) {
      EXPECT_TRUE(in_template.count(f.name)) << f.name << " is not in the template";
    }
  }
  EXPECT_EQ(std::string(user_template_columns().front().first), "FirstName");  // JumpCloud's order
}

TEST(ChangeTextTest, SecretsAreRedactedAndCreationsListWhatIsSet) {
  const KindSpec& user = spec(Kind::kUser);
  EXPECT_EQ(change_text(user, "first_name", Value{"Al"s}), "\"Al\"");
  EXPECT_EQ(change_text(user, "password", Value{"$argon2id$..."s}), "\"[redacted]\"");
  EXPECT_EQ(change_text(user, "sudo", Value{true}), "true");
  const Fields stored{{"username", "al"s}, {"middle_name", Value{}}, {"attributes", Attributes{}},
                      {"state", "active"s}, {"sudo", false}};
  // Only what was given is stored (sudo, here; state is a default)...
  auto changes = creation_changes(user, stored, {{"username", "al"s}, {"sudo", false}, {"middle_name", Value{}}});
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].field, "username");
  EXPECT_EQ(changes[1].to, "false");
  // ...and reading adds the defaults back, in descriptor order.
  with_creation_defaults(user, changes);
  std::vector<std::string> fields;
  for (const auto& c : changes) fields.push_back(c.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"username", "state", "account_locked", "mfa_status", "sudo",
                                              "passwordless_sudo", "password_never_expires", "enable_managed_uid",
                                              "enable_user_portal_multifactor", "ldap_binding_user",
                                              "allow_public_key", "externally_managed"}));
}

}  // namespace
}  // namespace dirctl
