// store/bulk_user_writer.cpp: a user created by an import is stored and
// audited exactly as Directory::create stores and audits the same fields.
#include "store/bulk_user_writer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "dirctl/directory.h"
#include "io/csv_reader.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::sys;

struct Created {
  Record record;
  std::vector<FieldChange> changes;
};

Created created_user(Directory& d, Id org, const std::string& username) {
  Created out;
  out.record = d.find(sys(), Kind::kUser, org, username);
  EventFilter f;
  f.event_types = {"user_create"};
  f.resource_id = out.record.id;
  auto events = d.events(sys(), f);
  EXPECT_EQ(events.size(), 1u);
  if (!events.empty()) out.changes = events[0].changes;
  return out;
}

// The record's fields other than the ones that differ by nature (ids, times, org).
Fields comparable(const Record& r) {
  Fields out;
  for (const auto& [k, v] : r.fields)
    if (k != "id" && k != "created" && k != "updated" && k != "org_id") out.emplace_back(k, v);
  return out;
}

void import_rows(Directory& d, Id org, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows) {
  test::TempFile csv("import");
  {
    std::ofstream out(csv.path(), std::ios::binary);
    out << csv_line(header) << "\r\n";
    for (const auto& r : rows) out << csv_line(r) << "\r\n";
  }
  ImportOptions opt;
  opt.create_groups = true;
  ImportReport rep = d.import_users_csv(sys(), org, csv.path(), opt);
  ASSERT_EQ(rep.errors, 0u) << (rep.error_records.empty() ? "" : rep.error_records[0].message);
  ASSERT_EQ(rep.created, rows.size());
}

TEST(BulkUserWriterTest, EveryFieldAsCreateStoresAndAuditsIt) {
  Directory d(":memory:");
  const Id by_create = test::make_org(d, "by-create"), by_import = test::make_org(d, "by-import");
  const Attributes attrs = {{"badge", "B-7"}, {"note", "line one\nline \"two\" \\ é"}};
  d.create(sys(), Kind::kUser, by_create,
           {{"username", "ada"s}, {"email", "Ada@Example.com"s}, {"first_name", "Ada"s}, {"middle_name", "K"s},
            {"last_name", "Lovelace"s}, {"display_name", "Ada L"s}, {"job_title", "Countess"s},
            {"department", "Math"s}, {"employee_identifier", "E-1"s}, {"cost_center", "CC"s},
            {"company", "AE"s}, {"employee_type", "contractor"s}, {"description", "first\nprogrammer"s},
            {"location", "London"s}, {"alternate_email", "ada@alt.example.com"s}, {"manager", "babbage"s},
            {"account_locked", true}, {"sudo", true}, {"passwordless_sudo", false},
            {"password_never_expires", true}, {"state", "suspended"s}, {"attributes", attrs},
            {"password", "correct horse battery"s}});
  import_rows(d, by_import,
              {"Username", "Email", "FirstName", "MiddleName", "LastName", "DisplayName", "JobTitle", "Department",
               "EmployeeIdentifier", "CostCenter", "Company", "EmployeeType", "Description", "Location",
               "AlternateEmail", "Manager", "account_locked", "sudo", "passwordless_sudo", "password_never_expires",
               "state", "Attribute1_name", "Attribute1_value", "Attribute2_name", "Attribute2_value", "Password"},
              {{"ada", "Ada@Example.com", "Ada", "K", "Lovelace", "Ada L", "Countess", "Math", "E-1", "CC", "AE",
                "contractor", "first\nprogrammer", "London", "ada@alt.example.com", "babbage", "TRUE", "yes", "0",
                "$True", "suspended", "badge", "B-7", "note", "line one\nline \"two\" \\ é",
                "correct horse battery"}});
  const Created a = created_user(d, by_create, "ada"), b = created_user(d, by_import, "ada");
  EXPECT_EQ(comparable(a.record), comparable(b.record));
  ASSERT_EQ(a.changes.size(), b.changes.size());
  for (std::size_t i = 0; i < a.changes.size(); ++i) {
    EXPECT_EQ(a.changes[i].field, b.changes[i].field);
    EXPECT_EQ(a.changes[i].from, b.changes[i].from) << a.changes[i].field;
    EXPECT_EQ(a.changes[i].to, b.changes[i].to) << a.changes[i].field;
  }
  bool redacted = false;
  for (const auto& c : b.changes) redacted = redacted || (c.field == "password" && c.to == "\"[redacted]\"");
  EXPECT_TRUE(redacted) << "the password appears only as [redacted]";
}

TEST(BulkUserWriterTest, DefaultsAndGroupsChange) {
  Directory d(":memory:");
  const Id by_create = test::make_org(d, "by-create"), by_import = test::make_org(d, "by-import");
  d.create(sys(), Kind::kUser, by_create,
           {{"username", "bob"s}, {"email", "bob@example.com"s}, {"first_name", "Bob"s}, {"last_name", "B"s}});
  import_rows(d, by_import, {"FirstName", "LastName", "Username", "Email", "Group1", "Group2"},
              {{"Bob", "B", "bob", "bob@example.com", "eng", "ops"}});
  const Created a = created_user(d, by_create, "bob"), b = created_user(d, by_import, "bob");
  EXPECT_EQ(comparable(a.record), comparable(b.record)) << "defaults (state, flags, MFA) filled in alike";
  ASSERT_EQ(b.changes.size(), a.changes.size() + 1);
  EXPECT_EQ(b.changes.back().field, "groups");
  EXPECT_EQ(b.changes.back().to, "\"eng;ops\"");
  EXPECT_EQ(d.get(sys(), b.record.id).text("state"), "active");
}

}  // namespace
}  // namespace dirctl
