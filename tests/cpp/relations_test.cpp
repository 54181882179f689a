// directory/relations.cpp: group membership and associations, on ":memory:"
// and on a file; removing an object removes its edges.
#include <gtest/gtest.h>


#include <algorithm>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "model/model.h"
#include "store/store.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::make_user;
using test::sys;

using RelationsTest = test::DirectoryFixture;
INSTANTIATE_TEST_SUITE_P(Storage, RelationsTest,
                         ::testing::ValuesIn(test::storages()), test::storage_name);

std::vector<Id> ids(const std::vector<Record>& records) {
  std::vector<Id> out;
  for (const auto& r : records) out.push_back(r.id);
  return out;
}

// Rows of the edges table touching `id`, read through a separate connection
// (to the file, or to the server).
int edges_on_disk(const std::string& where, Id id) {
  Store store(where, 1000);
  auto& st = store.statement("SELECT count(*) FROM edges WHERE a = ?1 OR b = ?1");
  st.bind(1, static_cast<std::int64_t>(id));
  st.executeStep();
  return static_cast<int>(st.getColumn(0).getInt64());
}

// One org with one object of each kind, plus a Command Runner admin.
struct World {
  Id org, user, user2, ugroup, dgroup, device, device2, command, runner;
};

World build(Directory& d, const std::string& name) {
  World w{};
  w.org = make_org(d, name);
  test::keep_admin(d, {w.org});
  w.user = make_user(d, w.org, name + "-alice");
  w.user2 = make_user(d, w.org, name + "-bob");
  w.ugroup = make(d, Kind::kUserGroup, w.org, name);
  w.dgroup = make(d, Kind::kDeviceGroup, w.org, name);
  w.device = make(d, Kind::kDevice, w.org, name + "1");
  w.device2 = make(d, Kind::kDevice, w.org, name + "2");
  w.command = make(d, Kind::kCommand, w.org, name);
  w.runner = d.create(sys(), Kind::kAdmin, kNoId,
                      {{"email", "runner-" + name + "@example.com"}, {"role", "command_runner"s},
                       {"orgs", IdList{w.org}}}).id;
  return w;
}

void expect_symmetric_model(Directory& d) {
  const Model& m = d.model();
  for (Id a = 1; a <= m.max_id(); ++a)
    for (Id b : m.neighbors(a)) EXPECT_TRUE(m.linked(b, a)) << a << " <-> " << b;
}

// ---- membership --------------------------------------------------------------------

TEST_P(RelationsTest, Membership) {
  World w = build(d(), "acme");
  d().add_member(sys(), w.ugroup, w.user);
  d().add_member(sys(), w.ugroup, w.user2);
  d().add_member(sys(), w.dgroup, w.device);
  const auto seq = d().last_event_seq();
  d().add_member(sys(), w.ugroup, w.user);  // already a member: a no-op
  EXPECT_EQ(d().last_event_seq(), seq);
  reopen();
  EXPECT_EQ(ids(d().members(sys(), w.ugroup)), (std::vector<Id>{w.user, w.user2}));
  EXPECT_EQ(ids(d().members(sys(), w.dgroup)), (std::vector<Id>{w.device}));
  EXPECT_EQ(ids(d().groups_of(sys(), w.user)), (std::vector<Id>{w.ugroup}));
  EXPECT_EQ(ids(d().groups_of(sys(), w.device)), (std::vector<Id>{w.dgroup}));
  EXPECT_TRUE(d().groups_of(sys(), w.device2).empty());
  auto events = d().events(Actor::system(), {});
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events.back().event_type, "group_member_add");
  EXPECT_EQ(events.back().resource.id, w.dgroup);
  EXPECT_EQ(events.back().target.id, w.device);

  d().remove_member(sys(), w.ugroup, w.user);
  EXPECT_THROW(d().remove_member(sys(), w.ugroup, w.user), NotFound);
  reopen();
  EXPECT_EQ(ids(d().members(sys(), w.ugroup)), (std::vector<Id>{w.user2}));
  EXPECT_TRUE(d().groups_of(sys(), w.user).empty());
  expect_symmetric_model(d());
}

TEST_P(RelationsTest, MembershipKindsAreChecked) {
  World w = build(d(), "acme");
  EXPECT_THROW(d().add_member(sys(), w.ugroup, w.device), InvalidArgument);
  EXPECT_THROW(d().add_member(sys(), w.dgroup, w.user), InvalidArgument);
  EXPECT_THROW(d().add_member(sys(), w.user, w.user2), InvalidArgument) << "a user is not a group";
  EXPECT_THROW(d().add_member(sys(), w.ugroup, w.ugroup), InvalidArgument);
  EXPECT_THROW(d().add_member(sys(), w.ugroup, 9999), NotFound);
  EXPECT_THROW(d().add_member(sys(), 9999, w.user), NotFound);
  EXPECT_THROW(d().members(sys(), w.user), InvalidArgument);
  EXPECT_THROW(d().groups_of(sys(), w.command), InvalidArgument);
  EXPECT_TRUE(d().members(sys(), w.ugroup).empty());
}

TEST_P(RelationsTest, MembershipStaysWithinOneOrg) {
  World a = build(d(), "a");
  World b = build(d(), "b");
  EXPECT_THROW(d().add_member(sys(), a.ugroup, b.user), InvalidArgument);
  EXPECT_THROW(d().add_member(sys(), b.dgroup, a.device), InvalidArgument);
  EXPECT_TRUE(d().members(sys(), a.ugroup).empty());
}

// ---- associations --------------------------------------------------------------------

TEST_P(RelationsTest, AllowedAssociationsInEitherOrder) {
  World w = build(d(), "acme");
  const std::vector<std::pair<Id, Id>> allowed = {
      {w.user, w.device},       {w.dgroup, w.user},    {w.ugroup, w.device2}, {w.ugroup, w.dgroup},
      {w.device, w.command},    {w.command, w.dgroup}, {w.command, w.runner},
  };
  for (const auto& [a, b] : allowed) {
    SCOPED_TRACE(std::to_string(a) + " <-> " + std::to_string(b));
    d().associate(sys(), a, b);
    EXPECT_TRUE(d().model().linked(a, b));
  }
  reopen();
  for (const auto& [a, b] : allowed) {
    SCOPED_TRACE(std::to_string(a) + " <-> " + std::to_string(b));
    auto of_a = ids(d().associations(sys(), a));
    auto of_b = ids(d().associations(sys(), b));
    EXPECT_NE(std::find(of_a.begin(), of_a.end(), b), of_a.end());
    EXPECT_NE(std::find(of_b.begin(), of_b.end(), a), of_b.end());
  }
  EXPECT_EQ(ids(d().associations(sys(), w.command)), (std::vector<Id>{w.dgroup, w.device, w.runner}));
  EXPECT_EQ(ids(d().associations(sys(), w.runner)), (std::vector<Id>{w.command})) << "org access is not listed";

  const auto seq = d().last_event_seq();
  d().associate(sys(), w.device, w.user);  // already: a no-op
  EXPECT_EQ(d().last_event_seq(), seq);

  d().dissociate(sys(), w.device, w.user);
  EXPECT_THROW(d().dissociate(sys(), w.user, w.device), NotFound);
  reopen();
  EXPECT_FALSE(d().model().linked(w.user, w.device));
  EXPECT_EQ(d().events(Actor::system(), {}).back().event_type, "association_remove");
  expect_symmetric_model(d());
}

TEST_P(RelationsTest, MembershipIsNotAnAssociation) {
  World w = build(d(), "acme");
  d().add_member(sys(), w.ugroup, w.user);
  d().associate(sys(), w.ugroup, w.device);
  EXPECT_EQ(ids(d().associations(sys(), w.ugroup)), (std::vector<Id>{w.device}));
  EXPECT_TRUE(d().associations(sys(), w.user).empty());
}

TEST_P(RelationsTest, DisallowedPairsAreRefused) {
  World w = build(d(), "acme");
  const auto seq = d().last_event_seq();
  const std::vector<std::pair<Id, Id>> refused = {
      {w.user, w.ugroup},   {w.user, w.user2},  {w.device, w.dgroup}, {w.device, w.device2},
      {w.user, w.command}, {w.runner, w.device}, {w.runner, w.user},
      {w.org, w.user},      {w.org, w.device},  {w.user, w.user},
  };
  for (const auto& [a, b] : refused) {
    SCOPED_TRACE(std::to_string(a) + " <-> " + std::to_string(b));
    try {
      d().associate(sys(), a, b);
      ADD_FAILURE() << "expected InvalidArgument";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("allowed pairs"), std::string::npos) << e.what();
    }
    EXPECT_THROW(d().dissociate(sys(), a, b), InvalidArgument);
  }
  EXPECT_THROW(d().associate(sys(), w.user, 9999), NotFound);
  EXPECT_EQ(d().last_event_seq(), seq);
  for (Id id : {w.user, w.device, w.command}) EXPECT_TRUE(d().associations(sys(), id).empty()) << id;
}

TEST_P(RelationsTest, CrossOrgAssociationsAreRefused) {
  World a = build(d(), "a");
  World b = build(d(), "b");
  for (auto [x, y] : std::vector<std::pair<Id, Id>>{{a.user, b.device}, {a.ugroup, b.dgroup}, {a.command, b.device},
                                                     {b.command, a.dgroup}}) {
    try {
      d().associate(sys(), x, y);
      ADD_FAILURE() << "expected InvalidArgument for " << x << " <-> " << y;
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("different orgs"), std::string::npos) << e.what();
    }
  }
  // An admin needs access to the command's org.
  EXPECT_THROW(d().associate(sys(), a.runner, b.command), InvalidArgument);
  d().update(sys(), a.runner, {{"orgs", IdList{a.org, b.org}}});
  EXPECT_NO_THROW(d().associate(sys(), a.runner, b.command));
}

TEST_P(RelationsTest, OnlyCommandRunnersAreAssignedCommands) {
  World w = build(d(), "acme");
  const Id manager = d().create(sys(), Kind::kAdmin, kNoId,
                                {{"email", "m@example.com"s}, {"role", "manager"s}, {"orgs", IdList{w.org}}}).id;
  EXPECT_THROW(d().associate(sys(), manager, w.command), InvalidArgument);
  const Id billing = d().create(sys(), Kind::kAdmin, kNoId,
                                {{"email", "b@example.com"s}, {"role", "command_runner_with_billing"s},
                                 {"orgs", IdList{w.org}}}).id;
  EXPECT_NO_THROW(d().associate(sys(), w.command, billing));
}

// ---- cascades --------------------------------------------------------------------------

TEST_P(RelationsTest, RemovingAnObjectRemovesItsEdges) {
  World w = build(d(), "acme");
  d().add_member(sys(), w.ugroup, w.user);
  d().associate(sys(), w.user, w.device);
  d().associate(sys(), w.user, w.dgroup);
  d().add_member(sys(), w.dgroup, w.device);
  d().associate(sys(), w.command, w.device);
  d().associate(sys(), w.runner, w.command);

  d().remove(sys(), w.user);
  EXPECT_TRUE(d().members(sys(), w.ugroup).empty());
  EXPECT_EQ(ids(d().associations(sys(), w.device)), (std::vector<Id>{w.command}));
  EXPECT_TRUE(d().model().neighbors(w.user).empty());
  if (on_disk()) {
    EXPECT_EQ(edges_on_disk(path(), w.user), 0);
  }

  d().remove(sys(), w.device);
  EXPECT_TRUE(d().members(sys(), w.dgroup).empty());
  EXPECT_EQ(ids(d().associations(sys(), w.command)), (std::vector<Id>{w.runner}));
  if (on_disk()) {
    EXPECT_EQ(edges_on_disk(path(), w.device), 0);
  }

  d().remove(sys(), w.command);
  EXPECT_TRUE(d().associations(sys(), w.runner).empty());
  if (on_disk()) {
    EXPECT_EQ(edges_on_disk(path(), w.command), 0);
  }

  d().remove(sys(), w.runner);
  if (on_disk()) {
    EXPECT_EQ(edges_on_disk(path(), w.runner), 0);
  }
  EXPECT_EQ(d().model().neighbors(w.org).size(), 1u) << "the admin's org access went with it; the keeper's stays";
  reopen();
  EXPECT_TRUE(d().members(sys(), w.ugroup).empty());
  EXPECT_TRUE(d().members(sys(), w.dgroup).empty());
  expect_symmetric_model(d());
  EXPECT_EQ(d().integrity_check(), "ok");
}

TEST_P(RelationsTest, RemovingAGroupRemovesMemberships) {
  World w = build(d(), "acme");
  d().add_member(sys(), w.ugroup, w.user);
  d().add_member(sys(), w.ugroup, w.user2);
  d().remove(sys(), w.ugroup);
  EXPECT_TRUE(d().groups_of(sys(), w.user).empty());
  EXPECT_TRUE(d().groups_of(sys(), w.user2).empty());
  if (on_disk()) {
    EXPECT_EQ(edges_on_disk(path(), w.ugroup), 0);
  }
  reopen();
  EXPECT_TRUE(d().groups_of(sys(), w.user).empty());
}

TEST_P(RelationsTest, BatchRollbackRestoresEdges) {
  World w = build(d(), "acme");
  d().add_member(sys(), w.ugroup, w.user);
  d().begin_batch();
  d().remove_member(sys(), w.ugroup, w.user);
  d().add_member(sys(), w.ugroup, w.user2);
  d().associate(sys(), w.user, w.device);
  d().remove(sys(), w.dgroup);
  d().rollback_batch();
  EXPECT_EQ(ids(d().members(sys(), w.ugroup)), (std::vector<Id>{w.user}));
  EXPECT_TRUE(d().associations(sys(), w.user).empty());
  EXPECT_NO_THROW(d().get(sys(), w.dgroup));
  reopen();
  EXPECT_EQ(ids(d().members(sys(), w.ugroup)), (std::vector<Id>{w.user}));
  expect_symmetric_model(d());
}

}  // namespace
}  // namespace dirctl
