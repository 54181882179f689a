// PgEventLog against a real PostgreSQL 15 cluster: the one CTest's pg_cluster
// fixture starts (tests/pg_cluster.py; DIRCTL_PG_STATE names its state file),
// or DIRCTL_PG_URL. Each test gets a database of its own. Writers and readers
// are separate processes (fork), each with its own connection.
#include "store/pg_event_log.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "pg_test_support.h"

#include "dirctl/error.h"

namespace dirctl {
namespace {

using test::fresh_database;

using namespace std::chrono_literals;

Event event(const std::string& name, std::int64_t org = 1) {
  Event e;
  e.org = org;
  e.event_type = "user_create";
  e.initiated_by_type = "system";
  e.resource = {"user", 7, name};
  e.changes = {{"username", "null", "\"" + name + "\""}};
  return e;
}

// Runs `body` in a child process; returns its pid. The child exits 0 unless
// body returns false or throws (its message on stderr).
template <class F>
pid_t spawn(F body) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  int code = 0;
  try {
    code = body() ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", static_cast<int>(getpid()), e.what());
    code = 2;
  }
  std::fflush(stderr);
  _exit(code);
}

int exit_code(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(PgEventLog, NumbersEventsAndReadsThemBack) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  PgEventLog log(url);
  EXPECT_EQ(log.last_seq(), 0);
  EXPECT_EQ(log.append({}), 0);
  Event failed = event("bob");
  failed.success = false;
  failed.message = "refused: \"quoted\" and ünïcode";
  failed.target = {"user_group", 9, "ops"};
  failed.changes = {{"role", "\"help_desk\"", "\"manager\""}, {"tags", "null", "[1,2]"}};
  EXPECT_EQ(log.append({event("alice"), failed}), 2);
  EXPECT_EQ(log.append({event("carol", 0)}), 3);
  const std::vector<Event> all = log.after(0, 100);
  ASSERT_EQ(all.size(), 3u);
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1));
  EXPECT_EQ(all[0].resource.name, "alice");
  EXPECT_EQ(all[1].message, failed.message);
  EXPECT_FALSE(all[1].success);
  EXPECT_EQ(all[1].target.id, 9);
  ASSERT_EQ(all[1].changes.size(), 2u);
  EXPECT_EQ(all[1].changes[0].to, "\"manager\"");
  EXPECT_EQ(all[1].changes[1].to, "[1,2]");
  EXPECT_EQ(all[2].org, 0);
  EXPECT_LE(all[0].time, all[2].time);  // ISO text of the same width: text order is time order
  EXPECT_EQ(all[0].time.size(), std::string("2026-11-23T14:34:00.123Z").size());
  EXPECT_EQ(log.after(2, 100).size(), 1u);
  EXPECT_EQ(log.after(0, 1).size(), 1u);
}

// From 16 events an append COPYs them in: what comes back is what the
// statement-per-row path gives, for text COPY must escape.
TEST(PgEventLog, ALargeBatchIsCopiedInAndReadsBackAsGiven) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  PgEventLog log(url);
  std::vector<Event> small, large;
  for (int i = 0; i < 40; ++i) {
    Event e = event("name\\with\todd\ncharacters \"" + std::to_string(i) + "\" ünï \\N");
    e.initiated_by_type = i % 2 ? "admin" : "system";
    e.initiated_by_id = i;
    e.initiated_by_email = i % 2 ? "a@acme.com" : "";
    e.target = {"user_group", 100 + i, "grp\t" + std::to_string(i)};
    e.success = i % 3 != 0;
    e.message = i % 3 == 0 ? "refused\nbecause" : "";
    e.changes = {{"note", "null", "\"tab\\there\""}, {"n", std::to_string(i), std::to_string(i + 1)}};
    (i < 8 ? small : large).push_back(e);
  }
  log.append(small);  // 8: a statement each
  EXPECT_EQ(log.append(large), 40);  // 32: one COPY
  const std::vector<Event> all = log.after(0, 100);
  ASSERT_EQ(all.size(), 40u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Event& want = i < 8 ? small[i] : large[i - 8];
    const Event& got = all[i];
    EXPECT_EQ(got.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(got.resource.name, want.resource.name) << i;
    EXPECT_EQ(got.initiated_by_type, want.initiated_by_type);
    EXPECT_EQ(got.initiated_by_id, want.initiated_by_id);
    EXPECT_EQ(got.initiated_by_email, want.initiated_by_email);
    EXPECT_EQ(got.target.name, want.target.name);
    EXPECT_EQ(got.target.id, want.target.id);
    EXPECT_EQ(got.success, want.success);
    EXPECT_EQ(got.message, want.message);
    ASSERT_EQ(got.changes.size(), 2u);
    EXPECT_EQ(got.changes[0].to, want.changes[0].to);
    EXPECT_EQ(got.changes[1].from, want.changes[1].from);
  }
  EXPECT_EQ(all[8].time, all[39].time);  // one transaction, one time
}

TEST(PgEventLog, AFailedAppendLeavesNothingAndNoGap) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  PgEventLog log(url);
  log.append({event("a")});
  Event bad = event("b");
  bad.changes = {{"x", "{not json", "1"}};  // the server refuses it as jsonb, after the row before it went in
  EXPECT_THROW(log.append({event("ok-but-undone"), bad}), StorageError);
  EXPECT_EQ(log.last_seq(), 1);
  std::vector<Event> copied(19, event("copied-but-undone"));
  copied.push_back(bad);  // the COPY path (16 or more) fails on its last row
  EXPECT_THROW(log.append(copied), StorageError);
  EXPECT_EQ(log.last_seq(), 1);
  EXPECT_EQ(log.append({event("c")}), 2);
  const std::vector<Event> all = log.after(0, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].resource.name, "c");
}

TEST(PgEventLog, AWaiterWakesOnAnotherProcessesCommit) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  PgEventLog log(url);
  const std::int64_t seen = log.append({event("before")});
  EXPECT_FALSE(log.wait_past(seen, 100ms));  // nothing new: it times out
  const pid_t writer = spawn([&] {
    std::this_thread::sleep_for(300ms);
    PgEventLog other(url);
    return other.append({event("later")}, 200ms) == seen + 1;
  });
  EXPECT_EQ(log.notifications(), 0);
  EXPECT_TRUE(log.wait_past(seen, 20s));
  EXPECT_GE(log.notifications(), 1) << "woken by the commit's NOTIFY, not by the last look at the timeout";
  EXPECT_EQ(log.after(seen, 10).at(0).resource.name, "later");
  EXPECT_EQ(exit_code(writer), 0);
}

// 8 writer processes append batches of 1-3 events, some holding their
// transaction open a while; 4 reader processes follow the log as it grows.
// Readers must see seq 1, 2, 3... with no gap and never a later event before
// an earlier one; at the end the log holds every acknowledged event once.
TEST(PgEventLog, EightWritersFourReadersOneGapFreeCommitOrder) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  { PgEventLog create(url); }
  {  // a server whose default is stricter: the writers must still not collide on seq
    pqxx::connection admin(url);
    pqxx::nontransaction tx(admin);
    tx.exec("ALTER DATABASE " + tx.quote_name(admin.dbname()) + " SET default_transaction_isolation = 'repeatable read'");
  }
  char folder[] = "/tmp/dirctl_pg_acks_XXXXXX";
  ASSERT_NE(mkdtemp(folder), nullptr);
  const auto deadline = std::chrono::steady_clock::now() + 4s;
  std::vector<pid_t> writers, readers;
  for (int w = 0; w < 8; ++w)
    writers.push_back(spawn([&, w] {
      PgEventLog log(url);
      std::ofstream acks(std::string(folder) + "/w" + std::to_string(w));
      for (int n = 0; std::chrono::steady_clock::now() < deadline; ++n) {
        std::vector<Event> batch;
        for (int k = 0; k <= n % 3; ++k) batch.push_back(event("w" + std::to_string(w) + "-" + std::to_string(n) + "-" + std::to_string(k)));
        log.append(batch, std::chrono::milliseconds(n % 5 == 0 ? 3 : 0));
        for (const Event& e : batch) acks << e.resource.name << "\n";
        acks.flush();  // acknowledged: the append returned
      }
      return true;
    }));
  for (int r = 0; r < 4; ++r)
    readers.push_back(spawn([&, r] {
      PgEventLog log(url);
      std::int64_t last = 0;
      std::string last_time;
      while (std::chrono::steady_clock::now() < deadline + 1s) {
        if (r % 2 == 0) log.wait_past(last, 200ms);  // half wake on NOTIFY, half poll
        for (const Event& e : log.after(last, 500)) {
          if (e.seq != last + 1 || e.time < last_time) {
            std::fprintf(stderr, "reader %d saw #%lld (%s) after #%lld (%s)\n", r, static_cast<long long>(e.seq),
                         e.time.c_str(), static_cast<long long>(last), last_time.c_str());
            return false;
          }
          last = e.seq;
          last_time = e.time;
        }
      }
      return last > 0;
    }));
  for (pid_t p : writers) EXPECT_EQ(exit_code(p), 0) << "a writer failed";
  for (pid_t p : readers) EXPECT_EQ(exit_code(p), 0) << "a reader saw a gap or a reordering";

  PgEventLog log(url);
  const std::vector<Event> all = log.after(0, 10000000);
  std::map<std::string, int> stored;
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].seq, static_cast<std::int64_t>(i + 1)) << "gap-free from 1";
    ++stored[all[i].resource.name];
  }
  std::size_t acked = 0;
  for (int w = 0; w < 8; ++w) {
    std::ifstream in(std::string(folder) + "/w" + std::to_string(w));
    for (std::string name; std::getline(in, name);) {
      ++acked;
      EXPECT_EQ(stored[name], 1) << name << " acknowledged, stored " << stored[name] << " times";
    }
    std::remove((std::string(folder) + "/w" + std::to_string(w)).c_str());
  }
  rmdir(folder);
  EXPECT_EQ(acked, all.size()) << "every stored event was acknowledged, and the reverse";
  EXPECT_GT(acked, 100u) << "the writers got something done";
}

// A writer SIGKILLed inside its transaction (lock held, rows written, not
// committed): nothing of it is ever seen, the lock is freed, and the next
// append continues the sequence.
TEST(PgEventLog, AWriterKilledMidTransactionLeavesNothing) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  PgEventLog log(url);
  log.append({event("kept")});
  const pid_t victim = spawn([&] {
    PgEventLog mine(url);
    mine.append({event("lost-1"), event("lost-2")}, 60s);  // killed long before it commits
    return false;
  });
  struct KillOnExit {  // whatever fails below, the victim does not outlive the test
    pid_t pid;
    ~KillOnExit() {
      if (pid > 0) kill(pid, SIGKILL), exit_code(pid);
    }
  } guard{victim};
  pqxx::connection watch(url);
  bool inside = false;
  for (int i = 0; i < 400 && !inside; ++i) {  // up to 20 s: its rows are written, its NOTIFY sent, not committed
    pqxx::nontransaction tx(watch);
    inside = tx.exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = "
                     "'idle in transaction' AND query LIKE '%pg_notify%' AND pid <> pg_backend_pid()")[0][0]
                 .as<int>() == 1;
    if (!inside) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(inside) << "the victim never got inside its transaction";
  kill(victim, SIGKILL);
  EXPECT_EQ(exit_code(victim), 128 + SIGKILL);
  guard.pid = 0;
  EXPECT_EQ(log.append({event("next")}), 2);  // waits for the server to drop the dead connection's lock
  const std::vector<Event> all = log.after(0, 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].resource.name, "kept");
  EXPECT_EQ(all[1].resource.name, "next");
}

// The server ends the log's connection (an administrator, a failover, a
// restart): the next call connects again, and the log goes on where it was.
TEST(PgEventLog, ALostConnectionIsOpenedAgainByTheNextCall) {
  const std::string url = fresh_database();
  ASSERT_FALSE(url.empty());
  PgEventLog log(url);
  EXPECT_EQ(log.append({event("before")}), 1);
  pqxx::connection admin(url);
  auto cut = [&] {
    pqxx::nontransaction tx(admin);
    return tx.exec("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND pid <> pg_backend_pid()")[0][0].as<int>();
  };
  ASSERT_EQ(cut(), 1);
  EXPECT_EQ(log.append({event("after")}), 2);
  ASSERT_EQ(cut(), 1);
  EXPECT_EQ(log.after(0, 10).size(), 2u);
  ASSERT_EQ(cut(), 1);
  EXPECT_EQ(log.last_seq(), 2);
  ASSERT_EQ(cut(), 1);
  std::vector<Event> many(20, event("copied"));
  EXPECT_EQ(log.append(many), 22);
  ASSERT_EQ(cut(), 1);
  EXPECT_TRUE(log.wait_past(21, 1s));
}

TEST(PgEventLog, ABadServerAddressIsAStorageErrorNamingIt) {
  try {
    PgEventLog log("postgresql://nobody@/nowhere?host=/nonexistent&port=1");
    FAIL() << "connected to nothing";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("check that it runs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dirctl
