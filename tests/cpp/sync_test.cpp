// directory/sync.cpp: two Directory handles on one file. Each sees the
// other's commits on its next call (catch-up via PRAGMA data_version and the
// event log), including memberships, links and deletions.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "model/model.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::make_user;
using test::sys;

std::vector<Id> ids(const std::vector<Record>& records) {
  std::vector<Id> out;
  for (const auto& r : records) out.push_back(r.id);
  return out;
}

// The handle's in-memory entity for `id`, or a dead one (and a failure).
const Entity& entity(Directory& d, Id id) {
  static const Entity kMissing{};
  const Entity* e = d.model().find(id);
  if (e == nullptr) {
    ADD_FAILURE() << "the model has no object " << id;
    return kMissing;
  }
  return *e;
}

class SyncTest : public ::testing::Test {
 protected:
  test::TempFile file_;
  std::string where_ = test::shared_location(file_);  // a file, or a database on the cluster
  Directory a_{where_};
  Directory b_{where_};
};

TEST_F(SyncTest, CreationsAreSeenByTheOtherHandle) {
  EXPECT_EQ(b_.count(sys(), Kind::kOrg, kNoId), 0u);
  const Id org = make_org(a_, "acme");
  EXPECT_EQ(b_.count(sys(), Kind::kOrg, kNoId), 1u);
  EXPECT_EQ(b_.find(sys(), Kind::kOrg, kNoId, "acme").id, org);
  const Id u = make_user(a_, org, "alice");
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 1u);
  EXPECT_EQ(b_.get(sys(), u).text("username"), "alice");
  EXPECT_EQ(entity(b_, u).name, "alice");
}

TEST_F(SyncTest, UpdatesAreSeenByTheOtherHandle) {
  const Id org = make_org(a_, "acme");
  const Id u = make_user(a_, org, "alice");
  EXPECT_EQ(b_.get(sys(), u).text("first_name"), "");
  a_.update(sys(), u, {{"first_name", "Al"s}, {"state", "suspended"s}});
  EXPECT_EQ(b_.get(sys(), u).text("first_name"), "Al");
  EXPECT_EQ(user_states()[entity(b_, u).state], "suspended");
  a_.update(sys(), u, {{"first_name", "Alice"s}});
  EXPECT_EQ(b_.list(sys(), Kind::kUser, org).at(0).text("first_name"), "Alice");
}

TEST_F(SyncTest, AlternatingReadsAndWrites) {
  const Id org = make_org(a_, "acme");
  const Id u = make_user(a_, org, "alice");
  for (int i = 0; i < 5; ++i) {
    const std::string name = "n" + std::to_string(i);
    Directory& writer = i % 2 == 0 ? a_ : b_;
    Directory& reader = i % 2 == 0 ? b_ : a_;
    EXPECT_NO_THROW(reader.get(sys(), u));  // a read between the other's writes
    writer.update(sys(), u, {{"first_name", name}});
    EXPECT_EQ(reader.get(sys(), u).text("first_name"), name) << "round " << i;
    EXPECT_EQ(writer.get(sys(), u).text("first_name"), name) << "round " << i;
  }
}

TEST_F(SyncTest, BothHandlesWriteWithoutReusingIds) {
  const Id org = make_org(a_, "acme");
  std::vector<Id> made;
  for (int i = 0; i < 6; ++i) made.push_back(make_user(i % 2 == 0 ? a_ : b_, org, "u" + std::to_string(i)));
  std::vector<Id> sorted = made;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << "distinct ids";
  EXPECT_EQ(a_.count(sys(), Kind::kUser, org), 6u);
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 6u);
}

TEST_F(SyncTest, UniquenessIsCheckedAgainstTheOtherHandlesWrites) {
  const Id org = make_org(a_, "acme");
  make_user(a_, org, "alice");
  EXPECT_THROW(make_user(b_, org, "alice"), Conflict);
  EXPECT_THROW(make_org(b_, "ACME"), Conflict);
}

TEST_F(SyncTest, MembershipChangesAreSeen) {
  const Id org = make_org(a_, "acme");
  const Id u = make_user(a_, org, "alice");
  const Id g = make(a_, Kind::kUserGroup, org, "g");
  const Id dev = make(a_, Kind::kDevice, org, "d");
  EXPECT_TRUE(b_.members(sys(), g).empty());
  a_.add_member(sys(), g, u);
  EXPECT_EQ(ids(b_.members(sys(), g)), (std::vector<Id>{u}));
  EXPECT_EQ(ids(b_.groups_of(sys(), u)), (std::vector<Id>{g}));
  a_.associate(sys(), g, dev);
  EXPECT_EQ(ids(b_.associations(sys(), dev)), (std::vector<Id>{g}));
  EXPECT_TRUE(b_.model().linked(g, dev));
  a_.remove_member(sys(), g, u);
  EXPECT_TRUE(b_.members(sys(), g).empty());
  EXPECT_FALSE(b_.model().linked(g, u));
  EXPECT_FALSE(b_.model().linked(u, g));
  b_.dissociate(sys(), dev, g);
  EXPECT_TRUE(a_.associations(sys(), g).empty());
}

TEST_F(SyncTest, DeletionsAreSeen) {
  const Id org = make_org(a_, "acme");
  const Id u = make_user(a_, org, "alice");
  const Id g = make(a_, Kind::kUserGroup, org, "g");
  a_.add_member(sys(), g, u);
  EXPECT_EQ(b_.members(sys(), g).size(), 1u);
  a_.remove(sys(), u);
  EXPECT_THROW(b_.get(sys(), u), NotFound);
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 0u);
  EXPECT_TRUE(b_.members(sys(), g).empty());
  EXPECT_TRUE(b_.model().neighbors(g).empty());
  // The deleted id is not reused by the other handle.
  EXPECT_GT(make_user(b_, org, "bob"), g);
}

TEST_F(SyncTest, AdminLinksAreSeen) {
  const Id org = make_org(a_, "acme");
  test::keep_admin(a_, {org});
  const Id u = make_user(a_, org, "alice");
  EXPECT_EQ(entity(b_, u).link, kNoId);
  const Id adm = a_.create_admin_from_user(sys(), test::enrolled(a_, u), {{"role", "manager"s}}).id;
  EXPECT_EQ(entity(b_, u).link, adm);
  EXPECT_EQ(entity(b_, adm).link, u);
  EXPECT_EQ(std::get<IdList>(*b_.get(sys(), adm).find("orgs")), (IdList{org}));
  EXPECT_TRUE(b_.model().linked(adm, org));
  EXPECT_THROW(b_.create_admin_from_user(sys(), u, {{"role", "manager"s}}), Conflict);
  a_.remove(sys(), adm);
  EXPECT_EQ(entity(b_, u).link, kNoId);
  EXPECT_EQ(b_.model().find(adm), nullptr);
}

TEST_F(SyncTest, OrgDeletionIsSeen) {
  const Id org = make_org(a_, "acme");
  const Id u = make_user(a_, org, "alice");
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 1u);
  a_.remove(sys(), org);
  EXPECT_THROW(b_.get(sys(), org), NotFound);
  EXPECT_THROW(b_.get(sys(), u), NotFound);
  EXPECT_EQ(b_.count(sys(), Kind::kOrg, kNoId), 0u);
  EXPECT_EQ(b_.model().live_objects(), 0u);
}

TEST_F(SyncTest, UncommittedBatchIsInvisibleUntilCommit) {
  const Id org = make_org(a_, "acme");
  a_.begin_batch();
  make_user(a_, org, "alice");
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 0u);
  a_.commit_batch();
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 1u);
  EXPECT_EQ(b_.find(sys(), Kind::kUser, org, "alice").text("email"), "alice@example.com");
}

TEST_F(SyncTest, RolledBackBatchIsNeverSeen) {
  const Id org = make_org(a_, "acme");
  a_.begin_batch();
  make_user(a_, org, "alice");
  a_.rollback_batch();
  EXPECT_EQ(b_.count(sys(), Kind::kUser, org), 0u);
  EXPECT_NO_THROW(make_user(b_, org, "alice"));
  EXPECT_EQ(a_.count(sys(), Kind::kUser, org), 1u);
}

TEST_F(SyncTest, BatchCatchesUpWhenItBegins) {
  const Id org = make_org(a_, "acme");
  const Id u = make_user(b_, org, "bob");
  a_.begin_batch();
  EXPECT_EQ(a_.count(sys(), Kind::kUser, org), 1u);
  EXPECT_THROW(make_user(a_, org, "bob"), Conflict);
  a_.update(sys(), u, {{"first_name", "Bob"s}});
  a_.commit_batch();
  EXPECT_EQ(b_.get(sys(), u).text("first_name"), "Bob");
}

TEST_F(SyncTest, WriterWaitsForTheOthersBatchThenGivesUp) {
  const Id org = make_org(a_, "acme");
  Directory quick(where_, OpenOptions{50});
  a_.begin_batch();
  make_user(a_, org, "alice");
  try {
    make_user(quick, org, "bob");
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.sqlite_code() & 0xff, 5) << "SQLITE_BUSY: " << e.what();
  }
  EXPECT_EQ(quick.count(sys(), Kind::kUser, org), 0u) << "the failed write changed nothing";
  a_.commit_batch();
  EXPECT_NO_THROW(make_user(quick, org, "bob"));
  EXPECT_EQ(a_.count(sys(), Kind::kUser, org), 2u);
}

TEST_F(SyncTest, EventsWrittenByTheOtherHandle) {
  make_org(a_, "acme");
  EXPECT_EQ(b_.last_event_seq(), a_.last_event_seq());
  ASSERT_EQ(b_.events(Actor::system(), {}).size(), 1u);
  EXPECT_EQ(b_.events(Actor::system(), {}).at(0).event_type, "organization_create");
}

TEST_F(SyncTest, RefreshCatchesUpExplicitly) {
  const Id org = make_org(a_, "acme");
  b_.refresh();
  EXPECT_NE(b_.model().find(org), nullptr);
  const Id u = make_user(a_, org, "alice");
  b_.refresh();
  EXPECT_NE(b_.model().find(u), nullptr);
}

}  // namespace
}  // namespace dirctl
