// store/event_log.cpp: appending and querying Directory Insights events.
#include "store/event_log.h"
#include "store/record_writer.h"

#include <gtest/gtest.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "store/store.h"
#include "test_support.h"
#include "util/clock.h"
#include "util/json_text.h"


namespace dirctl {
namespace {

using namespace std::string_literals;

Event make_event(const std::string& type, const std::string& time, std::int64_t org, std::int64_t resource) {
  Event e;
  e.time = time;
  e.org = org;
  e.event_type = type;
  e.initiated_by_type = "system";
  e.resource = {"user", resource, "u" + std::to_string(resource)};
  return e;
}

std::vector<std::int64_t> seqs(const std::vector<Event>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

class EventLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // seq 1..6
    append(make_event("user_create", "2026-01-01T00:00:00.000Z", 1, 10));
    append(make_event("user_update", "2026-01-02T00:00:00.000Z", 1, 10));
    Event admin_made = make_event("user_create", "2026-01-03T00:00:00.000Z", 2, 11);
    admin_made.initiated_by_type = "admin";
    admin_made.initiated_by_id = 7;
    admin_made.initiated_by_email = "boss@example.com";
    append(admin_made);
    Event member = make_event("group_member_add", "2026-01-04T00:00:00.000Z", 1, 20);
    member.resource.type = "user_group";
    member.target = {"user", 10, "u10"};
    append(member);
    Event denied = make_event("user_delete", "2026-01-05T00:00:00.000Z", 1, 10);
    denied.success = false;
    denied.message = "permission denied: read_only";
    append(denied);
    append(make_event("organization_create", "2026-01-06T00:00:00.000Z", 0, 3));
  }
  // The writer stamps the log's clock; these events get their given times.
  std::int64_t append(const Event& e) {
    const std::int64_t seq = writer_.append(e);
    auto& st = store_.statement("UPDATE events SET time = ? WHERE seq = ?");
    st.bind(1, *ms_of_timestamp(e.time));
    st.bind(2, seq);
    st.exec();
    return seq;
  }
  std::vector<Event> query(const EventFilter& f) { return log_.query(f); }

  Store store_{test::store_location(), 1000};
  EventLog log_{store_};
  RecordWriter writer_{store_};
};

TEST_F(EventLogTest, AppendReturnsIncreasingSeq) {
  EXPECT_EQ(log_.last_seq(), 6);
  EXPECT_EQ(append(make_event("x", "2026-02-01T00:00:00.000Z", 0, 99)), 7);
  EXPECT_EQ(log_.last_seq(), 7);
  EXPECT_EQ(log_.max_resource_id(), 99);
}

TEST_F(EventLogTest, EmptyLog) {
  Store store(test::store_location(), 1000);
  EventLog log(store);
  EXPECT_EQ(log.last_seq(), 0);
  EXPECT_EQ(log.max_resource_id(), 0);
  EXPECT_TRUE(log.query({}).empty());
}

TEST_F(EventLogTest, QueryAllInOrderWithEveryColumn) {
  auto all = query({});
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(seqs(all), (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  const Event& e = all[2];
  EXPECT_EQ(e.time, "2026-01-03T00:00:00.000Z");
  EXPECT_EQ(e.org, 2);
  EXPECT_EQ(e.event_type, "user_create");
  EXPECT_EQ(e.initiated_by_type, "admin");
  EXPECT_EQ(e.initiated_by_id, 7);
  EXPECT_EQ(e.initiated_by_email, "boss@example.com");
  EXPECT_EQ(e.resource.type, "user");
  EXPECT_EQ(e.resource.id, 11);
  EXPECT_EQ(e.resource.name, "u11");
  EXPECT_EQ(e.target.type, "");
  EXPECT_EQ(e.target.id, 0);
  EXPECT_TRUE(e.success);
  // A creation stores only what was given (nothing, here); reading adds the defaults.
  ASSERT_FALSE(e.changes.empty());
  EXPECT_EQ(e.changes[0].field, "state");
  EXPECT_EQ(e.changes[0].to, "\"active\"");
  EXPECT_TRUE(all[1].changes.empty()) << "an update shows only what it changed";
  EXPECT_EQ(all[3].target.name, "u10");
  EXPECT_FALSE(all[4].success);
  EXPECT_EQ(all[4].message, "permission denied: read_only");
}

TEST_F(EventLogTest, Filters) {
  EventFilter f;
  f.event_types = {"user_create"};
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{1, 3}));

  f = {};
  f.start_ms = ms_of_timestamp("2026-01-02T00:00:00.000Z");
  f.end_ms = ms_of_timestamp("2026-01-04T00:00:00.000Z");
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{2, 3})) << "since inclusive, until exclusive";

  f = {};
  f.initiated_by_id = 7;
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{3}));
  f = {};
  f.initiated_by_type = "system";
  EXPECT_EQ(query(f).size(), 5u);

  f = {};
  f.resource_id = 10;
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{1, 2, 4, 5})) << "as resource or as target";
  f.resource_type = "user";
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{1, 2, 5}));

  f = {};
  f.orgs = {1};
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{1, 2, 4, 5}));
  f.orgs = {0};
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{6}));

  f = {};
  f.success = false;
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{5}));
  f.success = true;
  EXPECT_EQ(query(f).size(), 5u);

  f = {};
  f.after_seq = 4;
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{5, 6}));
  f.limit = 1;
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{5}));
  f.limit = 0;
  EXPECT_TRUE(query(f).empty());

  f = {};
  f.event_types = {"user_create"};
  f.orgs = {2};
  f.initiated_by_type = "admin";
  EXPECT_EQ(seqs(query(f)), (std::vector<std::int64_t>{3})) << "filters combine";
  f.orgs = {1};
  EXPECT_TRUE(query(f).empty());
}

TEST_F(EventLogTest, ChangesRoundTrip) {
  Event e = make_event("user_update", "2026-03-01T00:00:00.000Z", 1, 10);
  e.changes = {{"first_name", "null", to_json_text(Value{"Al \"the\" Ünïcode"s})},
               {"account_locked", "false", "true"},
               {"attributes", to_json_text(Value{Attributes{}}), to_json_text(Value{Attributes{{"k", "v"}}})},
               {"orgs", "[1]", "[1,2]"},
               {"timeout", "120", "60"}};
  const std::int64_t seq = append(e);
  EventFilter f;
  f.after_seq = seq - 1;
  auto got = query(f);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].changes.size(), e.changes.size());
  for (std::size_t i = 0; i < e.changes.size(); ++i) {
    EXPECT_EQ(got[0].changes[i].field, e.changes[i].field);
    EXPECT_EQ(got[0].changes[i].from, e.changes[i].from);
    EXPECT_EQ(got[0].changes[i].to, e.changes[i].to);
  }
}

TEST_F(EventLogTest, AppendJoinsTheCallersTransaction) {
  store_.begin();
  append(make_event("user_create", "2026-04-01T00:00:00.000Z", 1, 50));
  store_.rollback();
  EXPECT_EQ(log_.last_seq(), 6);
  EXPECT_EQ(log_.max_resource_id(), 20);
}

// ---- through the Directory ----------------------------------------------------

TEST(DirectoryEventsTest, MutationsAreAuditedWithChanges) {
  Directory d(":memory:");
  const Id org = test::make_org(d, "acme");
  const Id user = test::make_user(d, org, "alice");
  d.update(test::sys(), user, {{"first_name", "Al"s}, {"sudo", true}});
  d.update(test::sys(), user, {{"first_name", "Al"s}});  // no change: no event
  d.remove(test::sys(), user);

  auto all = d.events(Actor::system(), {});
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(d.last_event_seq(), all.back().seq);
  EXPECT_EQ(all[0].event_type, "organization_create");
  EXPECT_EQ(all[0].resource.id, org);
  EXPECT_EQ(all[0].org, 0);
  EXPECT_EQ(all[1].event_type, "user_create");
  EXPECT_EQ(all[1].org, org);
  EXPECT_EQ(all[1].resource.type, "user");
  EXPECT_EQ(all[1].resource.name, "alice");
  EXPECT_EQ(all[1].initiated_by_type, "system");
  bool saw_username = false;
  for (const auto& c : all[1].changes)
    if (c.field == "username") {
      saw_username = true;
      EXPECT_EQ(c.from, "null");
      EXPECT_EQ(c.to, "\"alice\"");
    }
  EXPECT_TRUE(saw_username);

  const Event& upd = all[2];
  EXPECT_EQ(upd.event_type, "user_update");
  ASSERT_EQ(upd.changes.size(), 2u);
  EXPECT_EQ(upd.changes[0].field, "first_name");
  EXPECT_EQ(upd.changes[0].from, "null");
  EXPECT_EQ(upd.changes[0].to, "\"Al\"");
  EXPECT_EQ(upd.changes[1].field, "sudo");
  EXPECT_EQ(upd.changes[1].from, "false");
  EXPECT_EQ(upd.changes[1].to, "true");
  EXPECT_EQ(all[3].event_type, "user_delete");
  EXPECT_EQ(all[3].resource.id, user);
  EXPECT_EQ(all[3].resource.name, "alice");
  for (const auto& e : all) EXPECT_EQ(e.time.size(), 24u) << e.time;
}

TEST(DirectoryEventsTest, FailedMutationsLeaveNoEvent) {
  Directory d(":memory:");
  const Id org = test::make_org(d, "acme");
  test::make_user(d, org, "alice");
  const auto seq = d.last_event_seq();
  EXPECT_THROW(test::make_user(d, org, "alice"), Conflict);
  EXPECT_THROW(d.update(test::sys(), org, {{"colour", "red"s}}), InvalidArgument);
  EXPECT_EQ(d.last_event_seq(), seq);
}

TEST(DirectoryEventsTest, TimesFollowSeqAndFilterByMilliseconds) {
  Directory d(":memory:");
  const Id org = test::make_org(d, "acme");
  for (int i = 0; i < 20; ++i) test::make_user(d, org, "u" + std::to_string(i));
  const auto all = d.events(Actor::system(), {});
  ASSERT_EQ(all.size(), 21u);
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].seq, all[i].seq);
    EXPECT_LE(all[i - 1].time, all[i].time) << "the log's clock never goes back as seq goes up";
  }
  EventFilter f;
  f.start_ms = ms_of_timestamp(all.back().time);
  EXPECT_EQ(d.events(Actor::system(), f).back().seq, all.back().seq);
  f.start_ms = *f.start_ms + 1;
  EXPECT_TRUE(d.events(Actor::system(), f).empty());
}

}  // namespace
}  // namespace dirctl
