// store/transaction.cpp: RAII transactions and savepoints, and their misuse.
#include "store/transaction.h"

#include <gtest/gtest.h>

#include <SQLiteCpp/Database.h>

#include "dirctl/error.h"
#include "store/store.h"
#include "test_support.h"

namespace dirctl {
namespace {

int orgs(Store& s) { return s.db().execAndGet("SELECT count(*) FROM orgs").getInt(); }

void add_org(Store& s, int id) {
  s.exec("INSERT INTO orgs(id, name, created, updated) VALUES (" + std::to_string(id) + ", 'o" + std::to_string(id) +
         "', 't', 't')");
}

TEST(TransactionTest, RollsBackUnlessCommitted) {
  Store s(":memory:", 100);
  {
    Transaction t(s);
    add_org(s, 1);
  }
  EXPECT_EQ(orgs(s), 0);
  {
    Transaction t(s);
    add_org(s, 1);
    t.commit();
    EXPECT_TRUE(t.committed());
  }
  EXPECT_EQ(orgs(s), 1);
}

TEST(TransactionTest, CommitReturnsTheVersionReadUnderTheLock) {
  test::TempFile file;
  Store mine(file.path(), 1000), other(file.path(), 1000);
  const std::int64_t before = mine.data_version();
  Transaction t(mine);
  add_org(mine, 1);
  const std::int64_t at_commit = t.commit();
  EXPECT_EQ(at_commit, before) << "our own writes do not move our data_version";
  add_org(other, 2);  // another connection commits after us
  EXPECT_NE(mine.data_version(), at_commit) << "so a later catch-up sees it";
}

TEST(TransactionTest, ASecondWriterWaitsThenFailsClearly) {
  test::TempFile file;
  Store a(file.path(), 1000), b(file.path(), 50);
  Transaction held(a);
  try {
    Transaction t(b);
    FAIL() << "two write transactions at once";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("write lock"), std::string::npos) << e.what();
  }
}

TEST(SavepointTest, UndoesOnlyItsOwnWrites) {
  Store s(":memory:", 100);
  Transaction t(s);
  add_org(s, 1);
  {
    Savepoint op(s, "op");
    add_org(s, 2);
  }
  {
    Savepoint op(s, "op");
    add_org(s, 3);
    op.release();
  }
  t.commit();
  EXPECT_EQ(orgs(s), 2);
  EXPECT_EQ(s.db().execAndGet("SELECT group_concat(id) FROM (SELECT id FROM orgs ORDER BY id)").getString(), "1,3");
}

TEST(SavepointTest, AFailedStatementInsideLeavesTheTransactionUsable) {
  Store s(":memory:", 100);
  Transaction t(s);
  add_org(s, 1);
  {
    Savepoint op(s, "op");
    EXPECT_THROW(add_org(s, 1), StorageError);  // the same id twice
  }
  add_org(s, 2);
  t.commit();
  EXPECT_EQ(orgs(s), 2);
}

}  // namespace
}  // namespace dirctl
