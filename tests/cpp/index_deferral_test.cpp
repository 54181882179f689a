// store/index_deferral.cpp: a table's named indexes dropped for a bulk load
// and built again from their stored definitions, inside the transaction.
#include "store/index_deferral.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "dirctl/error.h"
#include "store/store.h"

namespace dirctl {
namespace {

std::string indexes(Store& s, const std::string& table) {
  std::string out;
  SQLite::Statement st(s.db(), "SELECT name || ':' || coalesce(sql, '') FROM sqlite_master "
                               "WHERE type = 'index' AND tbl_name = ? ORDER BY name");
  st.bind(1, table);
  while (st.executeStep()) out += st.getColumn(0).getString() + "\n";
  return out;
}

void add_user(Store& s, int id, const std::string& name) {
  s.exec("INSERT INTO users (id, org_id, username, email, state, created, updated) VALUES (" + std::to_string(id) +
         ", 1, '" + name + "', '" + name + "@acme.com', 'active', 't', 't')");
}

class IndexDeferralTest : public ::testing::Test {
 protected:
  void SetUp() override { s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'acme', 't', 't')"); }
  Store s{":memory:", 1000};
};

TEST_F(IndexDeferralTest, DropsNamedIndexesAndBuildsThemAgain) {
  const std::string before = indexes(s, "users");
  ASSERT_NE(before.find("users_username"), std::string::npos);
  s.begin();
  IndexDeferral deferral(s, "users");
  EXPECT_EQ(deferral.names(), (std::vector<std::string>{"users_email", "users_employee_identifier", "users_username"}));
  EXPECT_EQ(indexes(s, "users"), "") << "no named index while loading";
  for (int i = 1; i <= 100; ++i) add_user(s, i, "u" + std::to_string(i));
  deferral.rebuild();
  deferral.rebuild();  // idempotent
  s.commit();
  EXPECT_EQ(indexes(s, "users"), before);
  EXPECT_THROW(add_user(s, 101, "U7"), StorageError) << "the unique key holds again (case-insensitively)";
}

TEST_F(IndexDeferralTest, RollbackRestoresTheIndexes) {
  const std::string before = indexes(s, "edges");
  s.begin();
  IndexDeferral deferral(s, "edges");
  EXPECT_EQ(deferral.names(), (std::vector<std::string>{"edges_b"}));
  s.rollback();
  EXPECT_EQ(indexes(s, "edges"), before);
}

TEST_F(IndexDeferralTest, RowsThatBreakAUniqueKeyFailTheRebuild) {
  s.begin();
  IndexDeferral deferral(s, "users");
  add_user(s, 1, "ada");
  add_user(s, 2, "ADA");  // accepted while the key is set aside
  EXPECT_THROW(deferral.rebuild(), StorageError);
  s.rollback();
  EXPECT_EQ(s.db().execAndGet("SELECT count(*) FROM users").getInt(), 0);
  EXPECT_NE(indexes(s, "users").find("users_username"), std::string::npos);
}

TEST_F(IndexDeferralTest, TableWithoutNamedIndexesIsLeftAlone) {
  const std::string before = indexes(s, "orgs");
  ASSERT_NE(before.find("sqlite_autoindex_orgs"), std::string::npos);
  s.begin();
  IndexDeferral deferral(s, "orgs");  // only its UNIQUE constraint's automatic index
  EXPECT_TRUE(deferral.names().empty());
  deferral.rebuild();
  s.commit();
  EXPECT_EQ(indexes(s, "orgs"), before);
}

TEST(IndexDeferralWorth, LargeLoadsNextToTheTable) {
  EXPECT_FALSE(IndexDeferral::worth_it(5000, 0)) << "small loads insert as usual";
  EXPECT_TRUE(IndexDeferral::worth_it(100000, 0));
  EXPECT_TRUE(IndexDeferral::worth_it(100000, 100000));
  EXPECT_FALSE(IndexDeferral::worth_it(100000, 1000000));
}

}  // namespace
}  // namespace dirctl
