// store/change_probe.cpp: the wal-index header as a cheap "nothing committed
// since". Commits by another connection or process, checkpoints and WAL
// restarts must make it say "maybe changed"; :memory:, a file not in WAL and
// an invalid mark must always say so.
#include "store/change_probe.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <SQLiteCpp/Database.h>

#include "store/store.h"
#include "test_support.h"

namespace dirctl {
namespace {

void add_org(Store& s, int id) {
  s.exec("INSERT INTO orgs(id, name, created, updated) VALUES (" + std::to_string(id) + ", 'o" + std::to_string(id) +
         "', 't', 't')");
}

// Commits one row from a child process, on its own connection.
void commit_in_another_process(const std::string& path, int id) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    if (rc == SQLITE_OK) sqlite3_busy_timeout(db, 5000);
    const std::string sql = "INSERT INTO orgs(id, name, created, updated) VALUES (" + std::to_string(id) + ", 'p" +
                            std::to_string(id) + "', 't', 't')";
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ::_exit(rc == SQLITE_OK ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

class ChangeProbeTest : public ::testing::Test {
 protected:
  test::TempFile file_;
  Store mine_{file_.path(), 1000};
  Store other_{file_.path(), 1000};
};

TEST_F(ChangeProbeTest, NothingCommittedIsUnchanged) {
  const ChangeProbe::Mark m = mine_.change_mark();
  ASSERT_TRUE(m.valid);
  EXPECT_TRUE(mine_.unchanged_since(m));
  EXPECT_TRUE(mine_.unchanged_since(m));
  mine_.data_version();  // an exact look changes nothing
  other_.data_version();
  EXPECT_EQ(mine_.db().execAndGet("SELECT count(*) FROM orgs").getInt(), 0);  // nor does a read
  EXPECT_TRUE(mine_.unchanged_since(m));
}

TEST_F(ChangeProbeTest, AnotherConnectionsCommitIsSeen) {
  const ChangeProbe::Mark m = mine_.change_mark();
  add_org(other_, 1);
  EXPECT_FALSE(mine_.unchanged_since(m));
  EXPECT_FALSE(mine_.unchanged_since(m));  // until a new mark
  const ChangeProbe::Mark after = mine_.change_mark();
  EXPECT_TRUE(mine_.unchanged_since(after));
  add_org(other_, 2);
  EXPECT_FALSE(mine_.unchanged_since(after));
}

TEST_F(ChangeProbeTest, AnotherProcessesCommitIsSeen) {
  for (int i = 1; i <= 3; ++i) {
    const ChangeProbe::Mark m = mine_.change_mark();
    commit_in_another_process(file_.path(), i);
    EXPECT_FALSE(mine_.unchanged_since(m)) << "commit " << i;
  }
}

TEST_F(ChangeProbeTest, OwnCommitMovesItOnce) {
  const ChangeProbe::Mark m = mine_.change_mark();
  add_org(mine_, 1);
  EXPECT_FALSE(mine_.unchanged_since(m));
  const ChangeProbe::Mark after = mine_.change_mark();
  EXPECT_TRUE(mine_.unchanged_since(after));
}

TEST_F(ChangeProbeTest, RolledBackWriteIsNoCommit) {
  const ChangeProbe::Mark m = mine_.change_mark();
  other_.begin();
  add_org(other_, 1);
  other_.rollback();
  EXPECT_TRUE(mine_.unchanged_since(m));
}

TEST_F(ChangeProbeTest, CheckpointsAndRestartsAreSeen) {
  add_org(other_, 1);
  add_org(other_, 2);
  // A truncating checkpoint restarts the WAL: the header (salts, mxFrame) changes.
  ChangeProbe::Mark m = mine_.change_mark();
  other_.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  EXPECT_FALSE(mine_.unchanged_since(m));
  // A commit into the restarted WAL ends at a frame count seen before, and is still seen.
  m = mine_.change_mark();
  add_org(other_, 3);
  EXPECT_FALSE(mine_.unchanged_since(m));
  m = mine_.change_mark();
  other_.exec("PRAGMA wal_checkpoint(RESTART)");
  add_org(other_, 4);
  EXPECT_FALSE(mine_.unchanged_since(m));
  m = mine_.change_mark();
  other_.exec("PRAGMA wal_checkpoint(PASSIVE)");  // copies pages back: the data is the same
  add_org(other_, 5);
  EXPECT_FALSE(mine_.unchanged_since(m));
  commit_in_another_process(file_.path(), 6);
  m = mine_.change_mark();
  commit_in_another_process(file_.path(), 7);
  EXPECT_FALSE(mine_.unchanged_since(m));
}

TEST_F(ChangeProbeTest, AnInvalidMarkMatchesNothing) {
  EXPECT_FALSE(mine_.unchanged_since(ChangeProbe::Mark{}));
  ChangeProbe::Mark forged = mine_.change_mark();
  forged.valid = false;
  EXPECT_FALSE(mine_.unchanged_since(forged));
}

TEST(ChangeProbeInert, MemoryIsAlwaysExact) {
  Store s(":memory:", 100);
  EXPECT_FALSE(s.change_mark().valid);
  EXPECT_FALSE(s.unchanged_since(s.change_mark()));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EXPECT_FALSE(ChangeProbe(db).active());
  sqlite3_close(db);
  EXPECT_FALSE(ChangeProbe(nullptr).active());
  EXPECT_FALSE(ChangeProbe().unchanged_since(ChangeProbe().mark()));
}

TEST(ChangeProbeInert, RollbackJournalIsAlwaysExact) {
  test::TempFile file;
  SQLite::Database db(file.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  const ChangeProbe probe(db.getHandle());
  EXPECT_FALSE(probe.active());
  EXPECT_FALSE(probe.unchanged_since(probe.mark()));
}

TEST(ChangeProbeInert, EnvironmentForcesTheExactLook) {
  test::TempFile file;
  ::setenv("DIRCTL_EXACT_CATCH_UP", "1", 1);
  Store exact(file.path(), 1000);
  ::unsetenv("DIRCTL_EXACT_CATCH_UP");
  Store probed(file.path(), 1000);
  EXPECT_FALSE(exact.unchanged_since(exact.change_mark()));
  EXPECT_TRUE(probed.unchanged_since(probed.change_mark()));
}

TEST(ChangeProbeWal, ProbeOnARawWalConnection) {
  test::TempFile file;
  SQLite::Database db(file.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  const ChangeProbe probe(db.getHandle());
  ASSERT_TRUE(probe.active());
  const ChangeProbe::Mark m = probe.mark();
  EXPECT_TRUE(probe.unchanged_since(m));
  SQLite::Database other(file.path(), SQLite::OPEN_READWRITE);
  other.exec("INSERT INTO t VALUES (2)");
  EXPECT_FALSE(probe.unchanged_since(m));
}

}  // namespace
}  // namespace dirctl
