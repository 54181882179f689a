// store/run_store.cpp: the SQL of command runs on a bare Store (":memory:", or a database on the cluster in dirctl_pg_tests;
// schema step 5): launching, the per-device queue, state changes guarded by
// the state they leave, the sweep of overdue runs, reads as rows and as
// columns, counting, purging, and the device's last contact.
#include "store/run_store.h"

#include <gtest/gtest.h>


#include <string>
#include <vector>

#include "store/store.h"
#include "test_support.h"

namespace dirctl {
namespace {

constexpr std::int64_t kT = 1'800'000'000'000;  // 2027-01-15, ms

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    s_.exec("INSERT INTO orgs(id, name, created, updated) VALUES (1, 'acme', 'x', 'x'), (2, 'globex', 'x', 'x')");
    for (int d = 10; d <= 13; ++d)
      s_.exec("INSERT INTO devices(id, org_id, hostname, created, updated) VALUES (" + std::to_string(d) +
              ", 1, 'h" + std::to_string(d) + "', 'x', 'x')");
  }

  LaunchRow row(Id org = 1, Id command = 5, std::int64_t at = kT) {
    LaunchRow l;
    l.org = org;
    l.command = command;
    l.requested_at = at;
    l.requester_type = ActorType::kAdmin;
    l.requester_id = 7;
    l.requester_name = "ops@example.com";
    l.script = "echo $GREETING";
    l.shell = "bash";
    l.run_as = "root";
    l.timeout_seconds = 60;
    l.ttl_seconds = 3600;
    l.variables = {{"GREETING", "hi \"there\""}, {"N", "1"}};
    return l;
  }
  std::vector<std::int64_t> launch(const std::vector<Id>& devices, LaunchRow l) {
    std::vector<std::int64_t> ids;
    s_.begin();
    last_launch_ = runs_.insert_launch(l, devices, ids);
    s_.commit();
    return ids;
  }
  std::vector<std::int64_t> launch(const std::vector<Id>& devices) { return launch(devices, row()); }
  RunState state(std::int64_t run) { return runs_.run(run, false)->state; }

  Store s_{test::store_location(), 1000};
  RunStore runs_{s_};
  std::int64_t last_launch_ = 0;
};

TEST_F(RunStoreTest, ALaunchIsOneRowAndOneQueuedRunPerDevice) {
  const auto ids = launch({10, 11, 12});
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  auto l = runs_.launch(last_launch_);
  ASSERT_TRUE(l.has_value());
  EXPECT_EQ(l->org, 1u);
  EXPECT_EQ(l->command, 5u);
  EXPECT_EQ(l->requested_at, kT);
  EXPECT_EQ(l->requested_by, "admin:7");
  EXPECT_EQ(l->requester_name, "ops@example.com");
  EXPECT_EQ(l->ttl_seconds, 3600);
  EXPECT_EQ(l->runs, ids);
  EXPECT_FALSE(runs_.launch(last_launch_ + 1).has_value());

  auto r = runs_.run(ids[1], true);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->launch, last_launch_);
  EXPECT_EQ(r->device, 11u);
  EXPECT_EQ(r->state, RunState::kQueued);
  EXPECT_EQ(r->queued_at, kT);
  EXPECT_EQ(r->expires_at, kT + 3600 * 1000);
  EXPECT_EQ(r->started_at, 0);
  EXPECT_EQ(r->finished_at, 0);
  EXPECT_FALSE(r->exit_code.has_value());
  EXPECT_FALSE(r->signal.has_value());
  EXPECT_EQ(r->script, "echo $GREETING");
  EXPECT_EQ(r->shell, "bash");
  EXPECT_EQ(r->run_as, "root");
  EXPECT_EQ(r->timeout_seconds, 60);
  EXPECT_EQ(r->variables, (Variables{{"GREETING", "hi \"there\""}, {"N", "1"}}));
  EXPECT_EQ(r->requested_by, "admin:7");
  EXPECT_FALSE(runs_.run(ids[2] + 1, false).has_value());

  LaunchRow system = row();
  system.requester_type = ActorType::kSystem;
  system.requester_id = kNoId;
  launch({13}, system);
  EXPECT_EQ(runs_.launch(last_launch_)->requested_by, "system");
}

TEST_F(RunStoreTest, TheQueueGivesEachDeviceItsOldestQueuedRun) {
  const auto a = launch({10, 11});
  const auto b = launch({10});
  EXPECT_EQ(runs_.oldest_queued(10, kT), a[0]);
  EXPECT_EQ(runs_.oldest_queued(11, kT), a[1]);
  EXPECT_FALSE(runs_.oldest_queued(12, kT).has_value());
  EXPECT_FALSE(runs_.oldest_queued(10, kT - 1).has_value()) << "a run is not handed out before it was queued";
  s_.begin();
  EXPECT_TRUE(runs_.start(a[0], {kT + 5, "agent:h10"}, kT + 65'000));
  s_.commit();
  EXPECT_EQ(runs_.oldest_queued(10, kT), b[0]) << "a running run leaves the queue";
  auto r = runs_.run(a[0], false);
  EXPECT_EQ(r->state, RunState::kRunning);
  EXPECT_EQ(r->started_at, kT + 5);
  EXPECT_EQ(r->started_by, "agent:h10");
}

TEST_F(RunStoreTest, ChangesAreGuardedByTheStateTheyLeave) {
  const auto ids = launch({10});
  const std::int64_t id = ids[0];
  EXPECT_FALSE(runs_.finish(id, RunState::kRunning, RunState::kSucceeded, {kT, "x"}, nullptr)) << "it is queued";
  EXPECT_EQ(state(id), RunState::kQueued);
  EXPECT_TRUE(runs_.start(id, {kT + 1, "agent:a"}, kT + 100));
  EXPECT_FALSE(runs_.start(id, {kT + 2, "agent:b"}, kT + 100)) << "taken already";
  EXPECT_EQ(runs_.run(id, false)->started_by, "agent:a");
  EXPECT_FALSE(runs_.finish(id, RunState::kQueued, RunState::kCancelled, {kT, "x"}, nullptr));
  RunReport rep;
  rep.run = id;
  rep.exit_code = 3;
  rep.stdout_text = "out";
  rep.stderr_text = std::string("err\0bytes", 9);
  rep.stderr_truncated = true;
  EXPECT_TRUE(runs_.finish(id, RunState::kRunning, RunState::kFailed, {kT + 9, "agent:a"}, &rep));
  EXPECT_FALSE(runs_.finish(id, RunState::kRunning, RunState::kSucceeded, {kT + 10, "agent:a"}, &rep));
  auto r = runs_.run(id, true);
  EXPECT_EQ(r->finished_at, kT + 9);
  EXPECT_EQ(r->finished_by, "agent:a");
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_FALSE(r->signal.has_value());
  EXPECT_EQ(r->stdout_text, "out");
  EXPECT_FALSE(r->stdout_truncated);
  EXPECT_TRUE(r->stderr_truncated);
  auto no_output = runs_.run(id, false);
  EXPECT_EQ(no_output->stdout_text, "");
  EXPECT_EQ(no_output->exit_code, 3);
}

TEST_F(RunStoreTest, ASignalIsStoredWithoutAnExitCode) {
  const std::int64_t id = launch({10})[0];
  ASSERT_TRUE(runs_.start(id, {kT, "agent:a"}, kT + 100));
  RunReport rep;
  rep.signal = 9;
  rep.stdout_truncated = true;
  ASSERT_TRUE(runs_.finish(id, RunState::kRunning, RunState::kFailed, {kT + 1, "agent:a"}, &rep));
  auto r = runs_.run(id, true);
  EXPECT_FALSE(r->exit_code.has_value());
  EXPECT_EQ(r->signal, 9);
  EXPECT_TRUE(r->stdout_truncated);
  EXPECT_FALSE(r->stderr_truncated);
}

TEST_F(RunStoreTest, SweepExpiresQueuedRunsAndTimesOutRunningOnes) {
  LaunchRow short_ttl = row();
  short_ttl.ttl_seconds = 10;  // expires at kT + 10'000
  const auto q = launch({10, 11}, short_ttl);
  ASSERT_TRUE(runs_.start(q[1], {kT + 1000, "agent:b"}, kT + 20'000));
  EXPECT_FALSE(runs_.anything_due(kT + 9'999));
  EXPECT_EQ(runs_.sweep(kT + 9'999, "system"), 0u);
  EXPECT_TRUE(runs_.anything_due(kT + 10'000)) << "due at its expiry instant";
  EXPECT_EQ(runs_.sweep(kT + 10'000, "system"), 1u);
  auto expired = runs_.run(q[0], false);
  EXPECT_EQ(expired->state, RunState::kExpired);
  EXPECT_EQ(expired->finished_at, kT + 10'000) << "an expired run ends at its expiry, not at the sweep";
  EXPECT_EQ(expired->finished_by, "system");
  EXPECT_EQ(state(q[1]), RunState::kRunning) << "a running run does not expire";
  EXPECT_FALSE(runs_.anything_due(kT + 20'000)) << "a running run times out strictly after its deadline";
  EXPECT_EQ(runs_.sweep(kT + 20'000, "sweeper"), 0u);
  EXPECT_TRUE(runs_.anything_due(kT + 20'001));
  EXPECT_EQ(runs_.sweep(kT + 25'000, "sweeper"), 1u);
  auto timed_out = runs_.run(q[1], false);
  EXPECT_EQ(timed_out->state, RunState::kTimedOut);
  EXPECT_EQ(timed_out->finished_at, kT + 20'000) << "it ends at its deadline, not at the sweep";
  EXPECT_EQ(timed_out->finished_by, "sweeper");
  EXPECT_FALSE(runs_.anything_due(kT + 1'000'000'000)) << "ended runs are never due";
  EXPECT_EQ(runs_.sweep(kT + 1'000'000'000, "system"), 0u);
}

TEST_F(RunStoreTest, FiltersNarrowRowsColumnsAndCounts) {
  const auto a = launch({10, 11}, row(1, 5, kT));
  const std::int64_t launch_a = last_launch_;
  const auto b = launch({10}, row(1, 6, kT + 100));
  const auto c = launch({12}, row(2, 8, kT + 200));
  ASSERT_TRUE(runs_.start(a[0], {kT + 1, "agent:a"}, kT + 1000));
  RunReport rep;
  rep.exit_code = 0;
  ASSERT_TRUE(runs_.finish(a[0], RunState::kRunning, RunState::kSucceeded, {kT + 2, "agent:a"}, &rep));

  auto ids = [&](const RunFilter& f) {
    std::vector<std::int64_t> out;
    for (const dirctl::Run& r : runs_.runs(f)) out.push_back(r.id);
    EXPECT_EQ(runs_.columns(f).id, out) << "columns and rows agree";
    EXPECT_EQ(runs_.count(f), out.size());
    return out;
  };
  RunFilter all;
  EXPECT_EQ(ids(all), (std::vector<std::int64_t>{a[0], a[1], b[0], c[0]}));
  RunFilter f;
  f.org = 2;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{c[0]}));
  f = {};
  f.command = 5;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{a[0], a[1]}));
  f = {};
  f.device = 10;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{a[0], b[0]}));
  f = {};
  f.launch = launch_a;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{a[0], a[1]}));
  f = {};
  f.state = RunState::kQueued;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{a[1], b[0], c[0]}));
  f = {};
  f.since_ms = kT + 100;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{b[0], c[0]}));
  f.org = 1;
  f.device = 10;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{b[0]}));
  f.state = RunState::kSucceeded;
  EXPECT_EQ(ids(f), (std::vector<std::int64_t>{}));
}

TEST_F(RunStoreTest, ColumnsCarryEveryFieldWithNoCodeForNone) {
  const auto ids = launch({10, 11});
  ASSERT_TRUE(runs_.start(ids[0], {kT + 1, "agent:a"}, kT + 1000));
  RunReport rep;
  rep.signal = 15;
  ASSERT_TRUE(runs_.finish(ids[0], RunState::kRunning, RunState::kFailed, {kT + 2, "agent:a"}, &rep));
  const RunColumns c = runs_.columns(RunFilter{});
  ASSERT_EQ(c.id.size(), 2u);
  for (std::size_t n : {c.launch.size(), c.org.size(), c.command.size(), c.device.size(), c.state.size(),
                        c.queued_at.size(), c.started_at.size(), c.finished_at.size(), c.exit_code.size(),
                        c.signal.size(), c.requester_type.size(), c.requester_id.size()})
    EXPECT_EQ(n, 2u);
  EXPECT_EQ(c.id, ids);
  EXPECT_EQ(c.launch, (std::vector<std::int64_t>{last_launch_, last_launch_}));
  EXPECT_EQ(c.org, (std::vector<std::uint32_t>{1, 1}));
  EXPECT_EQ(c.command, (std::vector<std::uint32_t>{5, 5}));
  EXPECT_EQ(c.device, (std::vector<std::uint32_t>{10, 11}));
  EXPECT_EQ(c.state, (std::vector<std::uint8_t>{3, 0}));
  EXPECT_EQ(c.queued_at, (std::vector<std::int64_t>{kT, kT}));
  EXPECT_EQ(c.started_at, (std::vector<std::int64_t>{kT + 1, 0}));
  EXPECT_EQ(c.finished_at, (std::vector<std::int64_t>{kT + 2, 0}));
  EXPECT_EQ(c.exit_code, (std::vector<std::int32_t>{kNoCode, kNoCode}));
  EXPECT_EQ(c.signal, (std::vector<std::int32_t>{15, kNoCode}));
  EXPECT_EQ(c.requester_type, (std::vector<std::uint8_t>{static_cast<std::uint8_t>(ActorType::kAdmin),
                                                          static_cast<std::uint8_t>(ActorType::kAdmin)}));
  EXPECT_EQ(c.requester_id, (std::vector<std::uint32_t>{7, 7}));
}

TEST_F(RunStoreTest, PurgeDeletesOnlyEndedRunsFinishedBeforeAndEmptyLaunches) {
  const auto a = launch({10, 11, 12});
  const std::int64_t launch_a = last_launch_;
  const auto other_org = launch({13}, row(2, 8, kT));
  ASSERT_TRUE(runs_.start(a[0], {kT + 1, "agent:a"}, kT + 100'000));
  RunReport rep;
  rep.exit_code = 0;
  ASSERT_TRUE(runs_.finish(a[0], RunState::kRunning, RunState::kSucceeded, {kT + 50, "agent:a"}, &rep));
  ASSERT_TRUE(runs_.finish(a[1], RunState::kQueued, RunState::kCancelled, {kT + 60, "admin:7"}, nullptr));
  ASSERT_TRUE(runs_.finish(other_org[0], RunState::kQueued, RunState::kCancelled, {kT + 10, "admin:7"}, nullptr));

  EXPECT_EQ(runs_.purge(1, kT + 50), 0u) << "finished at kT + 50 is not before kT + 50";
  EXPECT_EQ(runs_.purge(1, kT + 51), 1u);
  EXPECT_FALSE(runs_.run(a[0], false).has_value());
  EXPECT_EQ(runs_.purge(1, kT + 1'000'000), 1u) << "the cancelled one; the queued one stays";
  EXPECT_TRUE(runs_.run(a[2], false).has_value());
  EXPECT_TRUE(runs_.run(other_org[0], false).has_value()) << "another org's run stays";
  EXPECT_EQ(runs_.launch(launch_a)->runs, (std::vector<std::int64_t>{a[2]}));

  ASSERT_TRUE(runs_.finish(a[2], RunState::kQueued, RunState::kCancelled, {kT + 70, "admin:7"}, nullptr));
  EXPECT_EQ(runs_.purge(std::nullopt, kT + 1'000'000), 2u) << "every org";
  EXPECT_FALSE(runs_.launch(launch_a).has_value()) << "a launch left without runs goes";
  EXPECT_EQ(runs_.count(RunFilter{}), 0u);
}

TEST_F(RunStoreTest, TouchNotesTheDevicesLastContact) {
  runs_.touch_device(11, "2027-01-15T08:00:00.000Z");
  auto& st = s_.statement("SELECT id, last_contact FROM devices ORDER BY id");
  std::vector<std::string> seen;
  while (st.executeStep()) seen.push_back(st.getColumn(1).isNull() ? "-" : st.getColumn(1).getString());
  EXPECT_EQ(seen, (std::vector<std::string>{"-", "2027-01-15T08:00:00.000Z", "-", "-"}));
  EXPECT_NO_THROW(runs_.touch_device(999, "2027-01-15T08:00:00.000Z")) << "a gone device: nothing to note";
}

}  // namespace
}  // namespace dirctl
