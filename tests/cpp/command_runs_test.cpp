// commands/command_runs.cpp through Directory::runs() on a temporary file:
// launching (targets, subsets, checks, its one audit event), the agents'
// protocol (next_run, report) with a fake clock, ttl expiry and timeouts,
// cancelling, Command Runner admins, acting contexts and purging.
#include "dirctl/command_runs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "test_support.h"
#include "util/clock.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::sys;

Actor admin_actor(Id id) { return Actor{ActorType::kAdmin, id}; }

class CommandRunsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    org_ = make_org(d_, "acme");
    for (int i = 0; i < 3; ++i) dev_[i] = make(d_, Kind::kDevice, org_, "d" + std::to_string(i));
    group_ = make(d_, Kind::kDeviceGroup, org_, "servers");
    d_.add_member(sys(), group_, dev_[1]);
    d_.add_member(sys(), group_, dev_[2]);
    cmd_ = command("backup", {dev_[0], group_});
  }

  Id command(const std::string& name, const std::vector<Id>& targets, std::int64_t timeout = 60) {
    const Id c = d_.create(sys(), Kind::kCommand, org_,
                           {{"name", name}, {"script", "echo " + name}, {"shell", "sh"s}, {"user", "svc"s},
                            {"timeout", timeout}})
                     .id;
    for (Id t : targets) d_.associate(sys(), c, t);
    return c;
  }
  Id admin(const std::string& email, const std::string& role) {
    return d_.create(sys(), Kind::kAdmin, kNoId, {{"email", email}, {"role", role}, {"orgs", IdList{org_}}}).id;
  }
  static LaunchRequest request(Id command, std::optional<std::int64_t> now = std::nullopt,
                               std::vector<Id> devices = {}) {
    LaunchRequest r;
    r.command = command;
    r.now_ms = now;
    r.devices = std::move(devices);
    return r;
  }
  static RunReport exit_with(std::int64_t run, int code, std::optional<std::int64_t> now = std::nullopt) {
    RunReport r;
    r.run = run;
    r.exit_code = code;
    r.now_ms = now;
    return r;
  }
  // The run of `launch` on `device`.
  std::int64_t run_on(const Launch& l, Id device) {
    for (std::int64_t id : l.runs)
      if (runs().get(sys(), id, false).device == device) return id;
    ADD_FAILURE() << "no run on device " << device;
    return 0;
  }
  RunState state(std::int64_t run) { return runs().get(sys(), run, false).state; }
  std::vector<Event> events(const std::string& type, std::optional<bool> success = true) {
    EventFilter f;
    f.event_types = {type};
    f.success = success;
    return d_.events(sys(), f);
  }
  std::size_t run_count() { return runs().results(sys(), RunFilter{}).size(); }
  CommandRuns& runs() { return d_.runs(); }

  test::TempFile file_;
  Directory d_{test::shared_location(file_)};  // a file, or a database on the cluster
  Id org_ = kNoId, group_ = kNoId, cmd_ = kNoId;
  Id dev_[3] = {kNoId, kNoId, kNoId};
};

// --- launching -----------------------------------------------------------------------

TEST_F(CommandRunsTest, ALaunchQueuesOneRunPerTargetAndWritesExactlyOneEvent) {
  const std::int64_t before = d_.last_event_seq();
  const Launch l = runs().launch(sys(), request(cmd_));
  ASSERT_EQ(l.runs.size(), 3u);
  EXPECT_TRUE(std::is_sorted(l.runs.begin(), l.runs.end()));
  EXPECT_EQ(l.org, org_);
  EXPECT_EQ(l.command, cmd_);
  EXPECT_EQ(l.requested_by, "system");
  EXPECT_EQ(l.ttl_seconds, kDefaultTtlSeconds);

  EventFilter after;
  after.after_seq = before;
  const std::vector<Event> written = d_.events(sys(), after);
  ASSERT_EQ(written.size(), 1u) << "one event for the whole launch, none per run";
  EXPECT_EQ(written[0].event_type, "command_run");
  EXPECT_TRUE(written[0].success);
  EXPECT_EQ(written[0].org, static_cast<std::int64_t>(org_));
  EXPECT_EQ(written[0].resource.id, static_cast<std::int64_t>(cmd_));
  bool saw_launch = false, saw_devices = false;
  for (const FieldChange& c : written[0].changes) {
    if (c.field == "launch") saw_launch = c.to == std::to_string(l.id);
    if (c.field == "devices") saw_devices = c.to == "3";
  }
  EXPECT_TRUE(saw_launch && saw_devices);

  EXPECT_EQ(runs().get_launch(sys(), l.id).runs, l.runs);
  EXPECT_EQ(runs().pending(sys(), l.id), 3u);
  RunFilter f;
  f.launch = l.id;
  std::vector<Id> devices;
  for (const dirctl::Run& r : runs().results(sys(), f)) {
    devices.push_back(r.device);
    EXPECT_EQ(r.state, RunState::kQueued);
    EXPECT_EQ(r.script, "echo backup");
    EXPECT_EQ(r.shell, "sh");
    EXPECT_EQ(r.run_as, "svc");
    EXPECT_EQ(r.timeout_seconds, 60);
    EXPECT_EQ(r.expires_at, r.queued_at + kDefaultTtlSeconds * 1000);
  }
  EXPECT_EQ(devices, (std::vector<Id>{dev_[0], dev_[1], dev_[2]}));
}

TEST_F(CommandRunsTest, DirectAndGroupTargetsCountOnceAndDeletedDevicesDropOut) {
  d_.associate(sys(), cmd_, dev_[1]);  // also a member of the group
  EXPECT_EQ(runs().launch(sys(), request(cmd_)).runs.size(), 3u);
  d_.remove(sys(), dev_[1]);
  const Launch l = runs().launch(sys(), request(cmd_));
  ASSERT_EQ(l.runs.size(), 2u);
  EXPECT_EQ(runs().get(sys(), l.runs[0]).device, dev_[0]);
  EXPECT_EQ(runs().get(sys(), l.runs[1]).device, dev_[2]);
}

TEST_F(CommandRunsTest, ASubsetMustBeAmongTheTargets) {
  const Launch one = runs().launch(sys(), request(cmd_, std::nullopt, {dev_[2], dev_[2]}));
  ASSERT_EQ(one.runs.size(), 1u);
  EXPECT_EQ(runs().get(sys(), one.runs[0]).device, dev_[2]);

  const Id stray = make(d_, Kind::kDevice, org_, "stray");
  const std::size_t runs_before = run_count();
  const std::size_t events_before = events("command_run").size();
  EXPECT_THROW(runs().launch(sys(), request(cmd_, std::nullopt, {dev_[0], stray})), InvalidArgument);
  EXPECT_THROW(runs().launch(sys(), request(command("lonely", {}))), InvalidArgument) << "no targets";
  EXPECT_THROW(runs().launch(sys(), request(dev_[0])), NotFound) << "a device is no command";
  EXPECT_THROW(runs().launch(sys(), request(999999)), NotFound);
  LaunchRequest bad_var = request(cmd_);
  bad_var.variables = {{"NOT-A-NAME", "x"}};
  EXPECT_THROW(runs().launch(sys(), bad_var), InvalidArgument);
  LaunchRequest bad_ttl = request(cmd_);
  bad_ttl.ttl_seconds = 0;
  EXPECT_THROW(runs().launch(sys(), bad_ttl), InvalidArgument);
  EXPECT_EQ(run_count(), runs_before) << "a failed launch changes nothing";
  EXPECT_EQ(events("command_run").size(), events_before);
}

TEST_F(CommandRunsTest, ALaunchedRunKeepsWhatWasLaunched) {
  LaunchRequest req = request(cmd_, std::nullopt, {dev_[0]});
  req.variables = {{"TARGET", "/srv"}};
  const Launch l = runs().launch(sys(), req);
  d_.update(sys(), cmd_, {{"script", "echo changed"s}, {"timeout", std::int64_t{5}}});
  const auto r = runs().next_run(sys(), dev_[0], "a0");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, l.runs[0]);
  EXPECT_EQ(r->script, "echo backup");
  EXPECT_EQ(r->timeout_seconds, 60);
  EXPECT_EQ(r->variables, (Variables{{"TARGET", "/srv"}}));
}

// --- the agents' protocol --------------------------------------------------------------------

TEST_F(CommandRunsTest, AnAgentTakesTheOldestQueuedRunAndReportsIt) {
  const std::int64_t t = unix_now_ms();
  const Launch first = runs().launch(sys(), request(cmd_, t));
  const Launch second = runs().launch(sys(), request(cmd_, t + 1));

  auto r = runs().next_run(sys(), dev_[0], "a0", t + 10);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, first.runs[0]) << "oldest first";
  EXPECT_EQ(r->state, RunState::kRunning);
  EXPECT_EQ(r->started_at, t + 10);
  EXPECT_EQ(r->started_by, "agent:a0");
  EXPECT_EQ(r->command_name, "backup");
  EXPECT_EQ(r->device_name, "host-d0");
  EXPECT_EQ(d_.get(sys(), dev_[0]).text("last_contact"), iso_of_ms(t + 10)) << "a poll notes the contact";
  EXPECT_EQ(state(r->id), RunState::kRunning);

  RunReport ok = exit_with(r->id, 0, t + 20);
  ok.stdout_text = "done\n";
  ok.stderr_text = "warn";
  ok.stdout_truncated = true;
  const dirctl::Run ended = runs().report(sys(), dev_[0], "a0", ok);
  EXPECT_EQ(ended.state, RunState::kSucceeded);
  EXPECT_EQ(ended.finished_at, t + 20);
  EXPECT_EQ(ended.finished_by, "agent:a0");
  EXPECT_EQ(ended.exit_code, 0);
  EXPECT_EQ(ended.stdout_text, "done\n");
  EXPECT_EQ(ended.stderr_text, "warn");
  EXPECT_TRUE(ended.stdout_truncated);
  const dirctl::Run stored = runs().get(sys(), r->id);
  EXPECT_EQ(stored.state, RunState::kSucceeded);
  EXPECT_EQ(stored.stdout_text, "done\n");
  EXPECT_EQ(runs().get(sys(), r->id, false).stdout_text, "") << "output only when asked";
  EXPECT_THROW(runs().report(sys(), dev_[0], "a0", ok), InvalidState) << "reported already";

  auto next = runs().next_run(sys(), dev_[0], "a0", t + 30);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->id, second.runs[0]);
  EXPECT_FALSE(runs().next_run(sys(), dev_[0], "a0", t + 40).has_value()) << "the queue is empty";
  EXPECT_EQ(d_.get(sys(), dev_[0]).text("last_contact"), iso_of_ms(t + 40)) << "an empty poll is a contact too";
}

TEST_F(CommandRunsTest, ReportsEndAsFailedOrTimedOut) {
  const std::int64_t t = unix_now_ms();
  runs().launch(sys(), request(cmd_, t));
  const auto r0 = runs().next_run(sys(), dev_[0], "a", t);
  const auto r1 = runs().next_run(sys(), dev_[1], "a", t);
  const auto r2 = runs().next_run(sys(), dev_[2], "a", t);
  ASSERT_TRUE(r0 && r1 && r2);

  RunReport code = exit_with(r0->id, 2, t + 1);
  EXPECT_EQ(runs().report(sys(), dev_[0], "a", code).state, RunState::kFailed);
  RunReport signal;
  signal.run = r1->id;
  signal.signal = 9;
  signal.now_ms = t + 1;
  const dirctl::Run killed = runs().report(sys(), dev_[1], "a", signal);
  EXPECT_EQ(killed.state, RunState::kFailed);
  EXPECT_EQ(killed.signal, 9);
  EXPECT_FALSE(killed.exit_code.has_value());
  RunReport timed_out;
  timed_out.run = r2->id;
  timed_out.timed_out = true;  // the agent killed it at the timeout: neither code nor signal needed
  timed_out.now_ms = t + 60'000;
  EXPECT_EQ(runs().report(sys(), dev_[2], "a", timed_out).state, RunState::kTimedOut);
}

TEST_F(CommandRunsTest, AReportAfterTheTimeoutButWithinTheGraceIsTimedOut) {
  const std::int64_t t = unix_now_ms();
  const Launch l = runs().launch(sys(), request(cmd_, t, {dev_[0], dev_[1]}));
  ASSERT_TRUE(runs().next_run(sys(), dev_[0], "a", t).has_value());
  ASSERT_TRUE(runs().next_run(sys(), dev_[1], "a", t).has_value());
  EXPECT_EQ(runs().report(sys(), dev_[0], "a", exit_with(l.runs[0], 0, t + 60'000)).state, RunState::kSucceeded)
      << "at the timeout exactly: in time";
  EXPECT_EQ(runs().report(sys(), dev_[1], "a", exit_with(l.runs[1], 0, t + 60'001)).state, RunState::kTimedOut);
}

TEST_F(CommandRunsTest, BadReportsAreRefused) {
  const std::int64_t t = unix_now_ms();
  const Launch l = runs().launch(sys(), request(cmd_, t));
  const auto r = runs().next_run(sys(), dev_[0], "a", t);
  ASSERT_TRUE(r.has_value());
  RunReport neither;
  neither.run = r->id;
  EXPECT_THROW(runs().report(sys(), dev_[0], "a", neither), InvalidArgument);
  RunReport both = exit_with(r->id, 0);
  both.signal = 9;
  EXPECT_THROW(runs().report(sys(), dev_[0], "a", both), InvalidArgument);
  RunReport no_signal;
  no_signal.run = r->id;
  no_signal.signal = 0;
  EXPECT_THROW(runs().report(sys(), dev_[0], "a", no_signal), InvalidArgument);
  EXPECT_THROW(runs().report(sys(), dev_[1], "a", exit_with(r->id, 0)), NotFound) << "another device's run";
  EXPECT_THROW(runs().report(sys(), dev_[0], "a", exit_with(l.runs.back() + 100, 0)), NotFound);
  EXPECT_THROW(runs().report(sys(), dev_[1], "a", exit_with(run_on(l, dev_[1]), 0)), InvalidState)
      << "queued, not running";
  EXPECT_THROW(runs().next_run(sys(), cmd_, "a"), NotFound) << "a command is no device";
  EXPECT_EQ(state(r->id), RunState::kRunning) << "refused reports change nothing";
}

// --- ttl and timeout, by a fake clock ---------------------------------------------------------

TEST_F(CommandRunsTest, AFakeClockNeverHandsOutARunFromItsFuture) {
  const std::int64_t t = unix_now_ms();
  const Launch l = runs().launch(sys(), request(cmd_, t + 10'000, {dev_[0]}));
  EXPECT_FALSE(runs().next_run(sys(), dev_[0], "a", t).has_value());
  EXPECT_EQ(state(l.runs[0]), RunState::kQueued);
  const auto r = runs().next_run(sys(), dev_[0], "a", t + 10'000);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, l.runs[0]);
}

TEST_F(CommandRunsTest, AQueuedRunNoAgentTookWithinItsTtlExpires) {
  const std::int64_t t = unix_now_ms();
  LaunchRequest req = request(cmd_, t);
  req.ttl_seconds = 60;
  const Launch l = runs().launch(sys(), req);
  EXPECT_EQ(runs().get_launch(sys(), l.id).ttl_seconds, 60);
  const auto just_in_time = runs().next_run(sys(), dev_[1], "a", t + 60 * 1000 - 1);
  ASSERT_TRUE(just_in_time.has_value());
  EXPECT_FALSE(runs().next_run(sys(), dev_[0], "a", t + 60 * 1000 + 1).has_value());
  const dirctl::Run expired = runs().get(sys(), run_on(l, dev_[0]));
  EXPECT_EQ(expired.state, RunState::kExpired);
  EXPECT_EQ(expired.finished_at, t + 60 * 1000);
  EXPECT_EQ(expired.finished_by, "system");
  EXPECT_EQ(state(run_on(l, dev_[2])), RunState::kExpired) << "every overdue run, not the polling device's only";
  EXPECT_EQ(state(just_in_time->id), RunState::kRunning) << "a running run does not expire";
  EXPECT_EQ(runs().pending(sys(), l.id), 1u);
}

TEST_F(CommandRunsTest, ARunningRunNotReportedInTimeIsTimedOutBySweep) {
  const std::int64_t t = unix_now_ms();
  const Launch l = runs().launch(sys(), request(cmd_, t, {dev_[0]}));
  ASSERT_TRUE(runs().next_run(sys(), dev_[0], "a", t).has_value());
  const std::int64_t deadline = t + 60 * 1000 + kReportGraceMs;
  EXPECT_EQ(runs().sweep(sys(), deadline - 1), 0u);
  EXPECT_EQ(runs().sweep(sys(), deadline), 0u) << "strictly after the deadline";
  EXPECT_EQ(state(l.runs[0]), RunState::kRunning);
  EXPECT_EQ(runs().sweep(sys(), deadline + 1), 1u);
  const dirctl::Run r = runs().get(sys(), l.runs[0]);
  EXPECT_EQ(r.state, RunState::kTimedOut);
  EXPECT_EQ(r.finished_at, deadline) << "it ended at its deadline, whenever the sweep came";
  EXPECT_EQ(r.finished_by, "system");
  try {
    runs().report(sys(), dev_[0], "a", exit_with(l.runs[0], 0, deadline + 2));
    FAIL() << "expected InvalidState";
  } catch (const InvalidState& e) {
    EXPECT_NE(std::string(e.what()).find("timed_out"), std::string::npos) << e.what();
  }
  EXPECT_EQ(runs().sweep(sys(), deadline + 10), 0u);
}

TEST_F(CommandRunsTest, AReportPastTheDeadlineIsRefusedAsTimedOut) {
  const std::int64_t t = unix_now_ms();
  const Launch l = runs().launch(sys(), request(cmd_, t, {dev_[0]}));
  ASSERT_TRUE(runs().next_run(sys(), dev_[0], "a", t).has_value());
  try {
    runs().report(sys(), dev_[0], "a", exit_with(l.runs[0], 0, t + 60 * 1000 + kReportGraceMs + 1));
    FAIL() << "expected InvalidState: the report sweeps first";
  } catch (const InvalidState& e) {
    EXPECT_NE(std::string(e.what()).find("timed_out"), std::string::npos) << e.what();
  }
}

// --- cancelling -------------------------------------------------------------------------------

TEST_F(CommandRunsTest, ACancelledRunIsNeitherStartedNorReported) {
  const Launch l = runs().launch(sys(), request(cmd_));
  const std::int64_t queued = run_on(l, dev_[0]);
  runs().cancel(sys(), queued);
  const dirctl::Run r = runs().get(sys(), queued);
  EXPECT_EQ(r.state, RunState::kCancelled);
  EXPECT_EQ(r.finished_by, "system");
  EXPECT_GT(r.finished_at, 0);
  EXPECT_FALSE(runs().next_run(sys(), dev_[0], "a").has_value()) << "a cancelled run is never started";
  EXPECT_THROW(runs().report(sys(), dev_[0], "a", exit_with(queued, 0)), InvalidState);
  EXPECT_THROW(runs().cancel(sys(), queued), InvalidState) << "cancelled already";
  EXPECT_EQ(state(queued), RunState::kCancelled);

  const auto running = runs().next_run(sys(), dev_[1], "a");
  ASSERT_TRUE(running.has_value());
  runs().cancel(sys(), running->id);
  EXPECT_THROW(runs().report(sys(), dev_[1], "a", exit_with(running->id, 0)), InvalidState);
  EXPECT_EQ(state(running->id), RunState::kCancelled);
  EXPECT_EQ(events("command_run_cancel").size(), 2u);
  EXPECT_THROW(runs().cancel(sys(), l.runs.back() + 100), NotFound);
}

TEST_F(CommandRunsTest, CancellingALaunchEndsWhatHasNotEnded) {
  const Launch l = runs().launch(sys(), request(cmd_));
  const auto r = runs().next_run(sys(), dev_[0], "a");
  ASSERT_TRUE(r.has_value());
  runs().report(sys(), dev_[0], "a", exit_with(r->id, 0));
  ASSERT_TRUE(runs().next_run(sys(), dev_[1], "a").has_value());
  EXPECT_EQ(runs().cancel_launch(sys(), l.id), 2u);
  EXPECT_EQ(state(run_on(l, dev_[0])), RunState::kSucceeded);
  EXPECT_EQ(state(run_on(l, dev_[1])), RunState::kCancelled);
  EXPECT_EQ(state(run_on(l, dev_[2])), RunState::kCancelled);
  EXPECT_EQ(runs().pending(sys(), l.id), 0u);
  EXPECT_EQ(runs().cancel_launch(sys(), l.id), 0u);
}

// --- who may do what ------------------------------------------------------------------------------

TEST_F(CommandRunsTest, ACommandRunnerLaunchesAndReadsOnlyAssignedCommands) {
  const Id other = command("restart", {dev_[0]});
  const Id runner = admin("runner@acme.com", "command_runner");
  d_.associate(sys(), runner, cmd_);
  const Actor ra = admin_actor(runner);

  const Launch mine = runs().launch(ra, request(cmd_));
  EXPECT_EQ(mine.requested_by, "admin:" + std::to_string(runner));
  EXPECT_EQ(mine.requester_name, "runner@acme.com");
  EXPECT_EQ(runs().get(sys(), mine.runs[0]).requester_name, "runner@acme.com");
  EXPECT_THROW(runs().launch(ra, request(other)), PermissionDenied);
  EXPECT_EQ(events("command_run", false).size(), 1u) << "the denial is audited";
  const Launch theirs = runs().launch(sys(), request(other));

  RunFilter in_org;
  in_org.org = org_;
  const std::vector<dirctl::Run> seen = runs().results(ra, in_org);
  ASSERT_EQ(seen.size(), 3u);
  for (const dirctl::Run& r : seen) EXPECT_EQ(r.command, cmd_);
  const RunColumns cols = runs().columns(ra, in_org);
  EXPECT_EQ(cols.id, mine.runs);
  EXPECT_EQ(cols.command, (std::vector<std::uint32_t>(3, cmd_)));
  EXPECT_EQ(cols.org.size(), 3u);
  EXPECT_EQ(cols.requester_id.size(), 3u);
  EXPECT_FALSE(std::binary_search(cols.named.begin(), cols.named.end(), other));
  EXPECT_EQ(runs().results(sys(), RunFilter{}).size(), 4u) << "the system handle sees all";

  EXPECT_THROW(runs().get(ra, theirs.runs[0]), PermissionDenied);
  EXPECT_THROW(runs().get_launch(ra, theirs.id), PermissionDenied);
  EXPECT_THROW(runs().pending(ra, theirs.id), PermissionDenied);
  EXPECT_THROW(runs().cancel(ra, theirs.runs[0]), PermissionDenied);
  EXPECT_EQ(state(theirs.runs[0]), RunState::kQueued);
  RunFilter theirs_only = in_org;
  theirs_only.command = other;
  EXPECT_THROW(runs().results(ra, theirs_only), PermissionDenied);
  EXPECT_THROW(runs().results(ra, RunFilter{}), InvalidArgument) << "an acting context names the org";
  EXPECT_EQ(runs().get(ra, mine.runs[0]).command, cmd_);
  runs().cancel(ra, mine.runs[0]);
  EXPECT_EQ(state(mine.runs[0]), RunState::kCancelled);
  EXPECT_THROW(runs().purge(ra, org_, unix_now_ms() + 1000), PermissionDenied) << "purging edits commands";
}

TEST_F(CommandRunsTest, AnActingContextUsesTheRealClockAndIsNoAgent) {
  const Id boss = admin("boss@acme.com", "administrator");
  const Actor a = admin_actor(boss);
  EXPECT_THROW(runs().launch(a, request(cmd_, unix_now_ms())), InvalidArgument);
  const std::size_t before = run_count();
  const Launch l = runs().launch(a, request(cmd_));
  EXPECT_EQ(run_count(), before + 3);
  EXPECT_THROW(runs().next_run(a, dev_[0], "a"), PermissionDenied);
  EXPECT_EQ(state(run_on(l, dev_[0])), RunState::kQueued);
  EXPECT_THROW(runs().report(a, dev_[0], "a", exit_with(l.runs[0], 0)), PermissionDenied);
  EXPECT_THROW(runs().sweep(a), PermissionDenied);
  EXPECT_THROW(runs().purge(a, std::nullopt, unix_now_ms()), InvalidArgument);

  const Id elsewhere = make_org(d_, "globex");
  const Id stranger =
      d_.create(sys(), Kind::kAdmin, kNoId,
                {{"email", "x@globex.com"s}, {"role", "administrator"s}, {"orgs", IdList{elsewhere}}})
          .id;
  EXPECT_THROW(runs().launch(admin_actor(stranger), request(cmd_)), NotFound) << "outside its orgs";
}

// --- purging ------------------------------------------------------------------------------------

TEST_F(CommandRunsTest, PurgeDeletesEndedRunsOnlyAndWritesOneEvent) {
  const Launch l = runs().launch(sys(), request(cmd_));
  const auto done = runs().next_run(sys(), dev_[0], "a");
  ASSERT_TRUE(done.has_value());
  runs().report(sys(), dev_[0], "a", exit_with(done->id, 1));
  runs().cancel(sys(), run_on(l, dev_[1]));
  const Launch again = runs().launch(sys(), request(cmd_, std::nullopt, {dev_[0]}));
  ASSERT_TRUE(runs().next_run(sys(), dev_[0], "a").has_value());  // running
  const std::int64_t queued = run_on(l, dev_[2]);

  EXPECT_EQ(runs().purge(sys(), org_, unix_now_ms() - 3'600'000), 0u) << "nothing ended an hour ago";
  EXPECT_TRUE(events("command_results_purge").empty()) << "no event when nothing was purged";
  EXPECT_EQ(runs().purge(sys(), org_, unix_now_ms() + 1000), 2u);
  std::vector<std::int64_t> left;
  for (const dirctl::Run& r : runs().results(sys(), RunFilter{})) left.push_back(r.id);
  EXPECT_EQ(left, (std::vector<std::int64_t>{queued, again.runs[0]}));
  EXPECT_EQ(state(queued), RunState::kQueued);
  EXPECT_EQ(state(again.runs[0]), RunState::kRunning);
  EXPECT_THROW(runs().get(sys(), done->id), NotFound);

  const std::vector<Event> purged = events("command_results_purge");
  ASSERT_EQ(purged.size(), 1u);
  EXPECT_EQ(purged[0].org, static_cast<std::int64_t>(org_));
  bool counted = false;
  for (const FieldChange& c : purged[0].changes)
    if (c.field == "runs") counted = c.to == "2";
  EXPECT_TRUE(counted);
  EXPECT_EQ(runs().purge(sys(), std::nullopt, unix_now_ms() + 1000), 0u);
  EXPECT_EQ(events("command_results_purge").size(), 1u);
}

TEST_F(CommandRunsTest, ColumnsNameTheCommandsDevicesAndRequesters) {
  const Launch l = runs().launch(sys(), request(cmd_));
  const RunColumns c = runs().columns(sys(), RunFilter{});
  EXPECT_EQ(c.id, l.runs);
  EXPECT_EQ(c.named.size(), c.names.size());
  EXPECT_TRUE(std::is_sorted(c.named.begin(), c.named.end()));
  auto name = [&](Id id) {
    const auto it = std::lower_bound(c.named.begin(), c.named.end(), id);
    return it != c.named.end() && *it == id ? c.names[static_cast<std::size_t>(it - c.named.begin())] : "<absent>"s;
  };
  EXPECT_EQ(name(cmd_), "backup");
  EXPECT_EQ(name(dev_[0]), "host-d0");
  EXPECT_EQ(name(dev_[2]), "host-d2");
  EXPECT_EQ(c.exit_code, (std::vector<std::int32_t>(3, kNoCode)));
  EXPECT_EQ(c.state, (std::vector<std::uint8_t>(3, 0)));
}

}  // namespace
}  // namespace dirctl
