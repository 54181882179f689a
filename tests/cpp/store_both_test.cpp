// store/: the same Store contract on both databases, a SQLite file and a
// PostgreSQL database (the cluster of pg_test_support.h): transactions,
// savepoints, the writer lock, data_version, read snapshots, statements,
// assigned keys, and copying a directory between them.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dirctl/error.h"
#include "pg_test_support.h"
#include "store/copy.h"
#include "store/store.h"
#include "store/transaction.h"
#include "test_support.h"

namespace dirctl {
namespace {

class StoreBoth : public testing::TestWithParam<Dialect> {
 protected:
  // A new, empty directory on the test's database; the same place each call.
  std::string where() {
    if (where_.empty()) {
      if (GetParam() == Dialect::kSqlite) {
        file_ = std::make_unique<test::TempFile>();
        where_ = file_->path();
      } else {
        where_ = test::fresh_database();
      }
    }
    return where_;
  }

 private:
  std::unique_ptr<test::TempFile> file_;
  std::string where_;
};

std::int64_t orgs(Store& s) { return s.scalar("SELECT count(*) FROM orgs"); }

void add_org(Store& s, int id, const std::string& name = "") {
  auto& st = s.statement("INSERT INTO orgs(id, name, created, updated) VALUES (?, ?, 't', 't')");
  st.bind(1, id);
  st.bind(2, name.empty() ? "o" + std::to_string(id) : name);
  st.exec();
}

TEST_P(StoreBoth, ATransactionRollsBackUnlessCommitted) {
  Store s(where(), 1000);
  EXPECT_EQ(s.dialect(), GetParam());
  {
    Transaction t(s);
    add_org(s, 1);
  }
  EXPECT_EQ(orgs(s), 0);
  {
    Transaction t(s);
    add_org(s, 1);
    t.commit();
  }
  EXPECT_EQ(orgs(s), 1);
  Store fresh(where(), 1000);
  EXPECT_EQ(orgs(fresh), 1);
}

TEST_P(StoreBoth, ASavepointUndoesOnlyItsOwnWrites) {
  Store s(where(), 1000);
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
  {
    Savepoint op(s, "op");
    EXPECT_THROW(guarded("x", [&] { add_org(s, 4, "o1"); }), StorageError);  // a unique name, taken
  }
  add_org(s, 5);  // the transaction goes on after a failed operation
  t.commit();
  EXPECT_EQ(s.scalar("SELECT sum(id) FROM orgs"), 1 + 3 + 5);
}

TEST_P(StoreBoth, NamesAreUniqueWithoutRegardToCase) {
  Store s(where(), 1000);
  add_org(s, 1, "Acme");
  EXPECT_THROW(guarded("x", [&] { add_org(s, 2, "ACME"); }), StorageError);
  add_org(s, 3, "acme2");
  EXPECT_EQ(orgs(s), 2);
}

TEST_P(StoreBoth, DataVersionMovesForOthersCommitsOnly) {
  Store mine(where(), 1000), other(where(), 1000);
  const std::int64_t before = mine.data_version();
  Transaction t(mine);
  add_org(mine, 1);
  const std::int64_t at_commit = t.commit();
  EXPECT_EQ(at_commit, before) << "our own writes do not move our data_version";
  EXPECT_EQ(mine.data_version(), at_commit);
  {
    Transaction o(other);
    add_org(other, 2);
    o.commit();
  }
  EXPECT_NE(mine.data_version(), at_commit) << "another connection's commit does";
}

TEST_P(StoreBoth, ASecondWriterWaitsThenFailsClearly) {
  Store a(where(), 1000), b(where(), 100);
  Transaction held(a);
  try {
    Transaction t(b);
    FAIL() << "two write transactions at once";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("write lock"), std::string::npos) << e.what();
  }
}

TEST_P(StoreBoth, AReadSnapshotSeesOneState) {
  Store reader(where(), 1000), writer(where(), 1000);
  add_org(writer, 1);
  {
    Store::ReadTransaction snap(reader);
    EXPECT_EQ(orgs(reader), 1);
    add_org(writer, 2);
    EXPECT_EQ(orgs(reader), 1) << "the snapshot holds";
  }
  EXPECT_EQ(orgs(reader), 2);
}

TEST_P(StoreBoth, CachedStatementsAreResetAndUsableAfterAFailure) {
  Store s(where(), 1000);
  auto& a = s.statement("SELECT count(*) + ? FROM orgs");
  a.bind(1, std::int64_t{41});
  ASSERT_TRUE(a.executeStep());
  EXPECT_EQ(a.getColumn(0).getInt64(), 41);
  auto& b = s.statement("SELECT count(*) + ? FROM orgs");
  EXPECT_EQ(&a, &b);
  add_org(s, 1, "acme");
  EXPECT_THROW(guarded("x", [&] { add_org(s, 2, "acme"); }), StorageError);
  EXPECT_NO_THROW(add_org(s, 3, "beta"));
  EXPECT_EQ(orgs(s), 2);
}

TEST_P(StoreBoth, KeysTheDatabaseAssignsFollowTheLastRow) {
  Store s(where(), 1000);
  // The event log's seq (a rowid: max + 1), and a launch id (never reused).
  for (int i = 1; i <= 3; ++i) {
    s.exec("INSERT INTO events(time, event_type, initiated_by_type) VALUES (" + std::to_string(i) +
           ", 'x', 'system')");
  }
  auto& ev = s.statement("INSERT INTO events(time, event_type, initiated_by_type) VALUES (?, 'x', 'system')");
  ev.bind(1, std::int64_t{4});
  ev.exec();
  EXPECT_EQ(s.last_insert_id(), 4);
  s.exec("DELETE FROM events WHERE seq = 4");
  ev.reset();
  ev.exec();
  EXPECT_EQ(s.last_insert_id(), 4) << "max + 1, as SQLite gives a rowid";
}

TEST_P(StoreBoth, APipelineWritesAllOrReportsTheFirstFailure) {
  Store s(where(), 1000);
  {
    Transaction t(s);
    Store::Pipeline p(s);
    for (int i = 1; i <= 1500; ++i) add_org(s, i);  // past the sync every 512 answers
    auto& ev = s.statement("INSERT INTO events(time, event_type, initiated_by_type) VALUES (?, 'x', 'system')");
    ev.bind(1, std::int64_t{1});
    ev.exec();
    p.finish();
    EXPECT_EQ(s.last_insert_id(), 1) << "the last assigned key, read at the sync point";
    t.commit();
  }
  EXPECT_EQ(orgs(s), 1500);
  const std::string first_here = "INSERT INTO orgs(id, name, created, updated) VALUES (?, ?, 'u', 'u')";
  {
    Transaction t(s);
    EXPECT_THROW(guarded("x", [&] {
                   Store::Pipeline p(s);
                   add_org(s, 2000);
                   add_org(s, 2001, "o1");  // a name taken: the database refuses it
                   auto& fresh = s.statement(first_here);  // first used after the failure
                   fresh.bind(1, 2002);
                   fresh.bind(2, std::string("fresh"));
                   fresh.exec();
                   p.finish();
                 }),
                 StorageError);
  }  // rolled back
  EXPECT_EQ(orgs(s), 1500);
  add_org(s, 3000);  // the connection is usable again
  auto& fresh = s.statement(first_here);  // and so is a statement the failed pipeline skipped
  fresh.bind(1, 3001);
  fresh.bind(2, std::string("fresh"));
  EXPECT_NO_THROW(guarded("x", [&] { fresh.exec(); }));
  EXPECT_EQ(orgs(s), 1502);
}

TEST_P(StoreBoth, ADirectoryCopiesAcrossAndRefusesAFullTarget) {
  test::TempFile source_file("source");
  {
    Store src(source_file.path(), 1000);
    add_org(src, 1, "acme");
    src.exec("INSERT INTO events(time, event_type, initiated_by_type, changes) VALUES (5, 'org_create', 'system', "
             "'[[\"name\",null,\"acme\"]]')");
    src.exec("INSERT INTO logins(principal, totp_sealed) VALUES (7, x'00ff10')");
  }
  Store src(source_file.path(), 1000), dst(where(), 1000);
  const CopyCounts counts = copy_directory(src, dst);
  std::int64_t events = -1;
  for (const auto& [table, n] : counts)
    if (table == "events") events = n;
  EXPECT_EQ(events, 1);
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM orgs WHERE name = 'acme'"), 1);
  auto& ch = dst.statement("SELECT changes FROM events WHERE seq = 1");
  ASSERT_TRUE(ch.executeStep());
  EXPECT_EQ(ch.getColumn(0).getString(), "[[\"name\",null,\"acme\"]]");
  auto& totp = dst.statement("SELECT totp_sealed FROM logins WHERE principal = 7");
  ASSERT_TRUE(totp.executeStep());
  EXPECT_EQ(totp.getColumn(0).view(), std::string_view("\x00\xff\x10", 3)) << "bytes kept";
  totp.reset();
  EXPECT_THROW(copy_directory(src, dst), StorageError);  // it holds a directory now
  EXPECT_EQ(dst.scalar("SELECT count(*) FROM events"), 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreBoth, testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const testing::TestParamInfo<Dialect>& p) {
                           return p.param == Dialect::kSqlite ? "sqlite" : "postgresql";
                         });

}  // namespace
}  // namespace dirctl
