// directory/bindings.cpp: device bindings with sudo and passwordless sudo,
// on ":memory:" and on a file; flags seen by another handle; rights through
// an admin's view; a device's external_id unique per org.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "model/model.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::make_user;
using test::sys;

using BindingsTest = test::DirectoryFixture;
INSTANTIATE_TEST_SUITE_P(Storage, BindingsTest, ::testing::ValuesIn(test::storages()),
                         test::storage_name);

struct World {
  Id org, alice, bob, web, db, group;
};

World build(Directory& d, const std::string& name) {
  World w{};
  w.org = make_org(d, name);
  test::keep_admin(d, {w.org});
  w.alice = make_user(d, w.org, name + "-alice");
  w.bob = make_user(d, w.org, name + "-bob");
  w.web = make(d, Kind::kDevice, w.org, name + "web");
  w.db = make(d, Kind::kDevice, w.org, name + "db");
  w.group = make(d, Kind::kUserGroup, w.org, name);
  return w;
}

// (user, device, sudo, passwordless_sudo) of each binding, for comparing.
using Row = std::tuple<Id, Id, bool, bool>;
std::vector<Row> rows(const std::vector<Binding>& bs) {
  std::vector<Row> out;
  for (const auto& b : bs) out.emplace_back(b.user, b.device, b.sudo, b.passwordless_sudo);
  return out;
}

TEST_P(BindingsTest, BindListsAndChangesFlags) {
  World w = build(d(), "acme");
  d().add_member(sys(), w.group, w.alice);  // a membership is not a binding
  d().bind(sys(), w.alice, w.web, true, false);
  d().bind(sys(), w.db, w.alice, true, true);  // either order
  d().bind(sys(), w.bob, w.web, false, false);
  reopen();
  EXPECT_EQ(rows(d().bindings(sys(), w.alice)),
            (std::vector<Row>{{w.alice, w.web, true, false}, {w.alice, w.db, true, true}}));
  EXPECT_EQ(rows(d().bindings(sys(), w.web)),
            (std::vector<Row>{{w.alice, w.web, true, false}, {w.bob, w.web, false, false}}));
  const auto listed = d().bindings(sys(), w.web);
  EXPECT_EQ(listed[0].other.id, w.alice);
  EXPECT_EQ(listed[0].other.kind, Kind::kUser);
  EXPECT_TRUE(d().model().linked(w.alice, w.db));
  // A binding is an association: it shows there and dissociate() removes it.
  d().dissociate(sys(), w.alice, w.db);
  EXPECT_EQ(rows(d().bindings(sys(), w.alice)), (std::vector<Row>{{w.alice, w.web, true, false}}));
  // Changing the flags keeps the binding; the same flags again write nothing.
  d().bind(sys(), w.alice, w.web, false, false);
  const auto seq = d().last_event_seq();
  d().bind(sys(), w.alice, w.web, false, false);
  EXPECT_EQ(d().last_event_seq(), seq);
  reopen();
  EXPECT_EQ(rows(d().bindings(sys(), w.alice)), (std::vector<Row>{{w.alice, w.web, false, false}}));
}

TEST_P(BindingsTest, EventsListTheFlags) {
  World w = build(d(), "acme");
  d().bind(sys(), w.alice, w.web, true, false);
  d().bind(sys(), w.alice, w.web, true, true);
  auto events = d().events(sys(), {});
  ASSERT_GE(events.size(), 2u);
  const Event& made = events[events.size() - 2];
  EXPECT_EQ(made.event_type, "association_add");
  EXPECT_EQ(made.resource.id, w.alice);
  EXPECT_EQ(made.target.id, w.web);
  ASSERT_EQ(made.changes.size(), 2u);
  EXPECT_EQ(made.changes[0].field, "sudo");
  EXPECT_EQ(made.changes[0].to, "true");
  EXPECT_EQ(made.changes[1].field, "passwordless_sudo");
  EXPECT_EQ(made.changes[1].to, "false");
  const Event& changed = events.back();
  EXPECT_EQ(changed.event_type, "association_update");
  ASSERT_EQ(changed.changes.size(), 1u);
  EXPECT_EQ(changed.changes[0].field, "passwordless_sudo");
  EXPECT_EQ(changed.changes[0].from, "false");
  EXPECT_EQ(changed.changes[0].to, "true");
}

TEST_P(BindingsTest, MisuseIsRefused) {
  World w = build(d(), "acme");
  World other = build(d(), "other");
  try {
    d().bind(sys(), w.alice, w.web, false, true);
    FAIL() << "passwordless_sudo without sudo";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("passwordless_sudo without sudo"), std::string::npos) << e.what();
  }
  EXPECT_THROW(d().bind(sys(), w.alice, w.bob, true, false), InvalidArgument);
  EXPECT_THROW(d().bind(sys(), w.web, w.db, true, false), InvalidArgument);
  EXPECT_THROW(d().bind(sys(), w.group, w.web, true, false), InvalidArgument) << "groups use associate()";
  EXPECT_THROW(d().bind(sys(), w.alice, other.web, true, false), InvalidArgument) << "another org";
  EXPECT_THROW(d().bind(sys(), w.alice, 99999, true, false), NotFound);
  EXPECT_THROW(d().bindings(sys(), w.group), InvalidArgument);
  EXPECT_THROW(d().bindings(sys(), 99999), NotFound);
  EXPECT_TRUE(d().bindings(sys(), w.alice).empty());
}

TEST_P(BindingsTest, ViewsAreAuthorised) {
  World w = build(d(), "acme");
  World other = build(d(), "other");
  d().bind(sys(), w.alice, w.web, true, false);
  const Id ro = d().create(sys(), Kind::kAdmin, kNoId,
                           {{"email", "ro@acme.com"s}, {"role", "read_only"s}, {"orgs", IdList{w.org}}}).id;
  const Id manager = d().create(sys(), Kind::kAdmin, kNoId,
                                {{"email", "m@acme.com"s}, {"role", "manager"s}, {"orgs", IdList{w.org}}}).id;
  const Actor read_only{ActorType::kAdmin, ro};
  EXPECT_EQ(rows(d().bindings(read_only, w.alice)), (std::vector<Row>{{w.alice, w.web, true, false}}));
  EXPECT_THROW(d().bind(read_only, w.alice, w.web, false, false), PermissionDenied);
  EXPECT_THROW(d().bindings(read_only, other.alice), NotFound) << "outside its orgs";
  EXPECT_THROW(d().bind(Actor{ActorType::kAdmin, manager}, other.alice, other.web, true, false), NotFound);
  d().bind(Actor{ActorType::kAdmin, manager}, w.bob, w.db, true, true);
  EXPECT_EQ(rows(d().bindings(sys(), w.db)), (std::vector<Row>{{w.bob, w.db, true, true}}));
  auto events = d().events(sys(), {});
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const Event& e) {
    return e.event_type == "association_add" && !e.success;
  })) << "the denial is recorded";
}

TEST(BindingsAcrossHandles, AnotherProcessSeesTheFlags) {
  test::TempFile file;
  Directory one(file.path()), two(file.path());
  World w = build(one, "acme");
  one.bind(sys(), w.alice, w.web, true, false);
  EXPECT_EQ(rows(two.bindings(sys(), w.alice)), (std::vector<Row>{{w.alice, w.web, true, false}}));
  one.bind(sys(), w.alice, w.web, true, true);
  EXPECT_EQ(rows(two.bindings(sys(), w.web)), (std::vector<Row>{{w.alice, w.web, true, true}}));
  one.dissociate(sys(), w.alice, w.web);
  EXPECT_TRUE(two.bindings(sys(), w.alice).empty());
  EXPECT_FALSE(two.model().linked(w.alice, w.web));
}

TEST_P(BindingsTest, ExternalIdIsUniquePerOrg) {
  World w = build(d(), "acme");
  World other = build(d(), "other");
  d().update(sys(), w.web, {{"external_id", "sys-1"s}});
  d().update(sys(), other.web, {{"external_id", "sys-1"s}});  // another org may hold it
  try {
    d().update(sys(), w.db, {{"externalId", "sys-1"s}});
    FAIL() << "a second device of the org with the same external_id";
  } catch (const Conflict& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("acmeweb"), std::string::npos) << m;  // names the holder
    EXPECT_NE(m.find("external_id"), std::string::npos) << m;
  }
  Fields f = test::valid_fields(Kind::kDevice, "new");
  f.emplace_back("external_id", "sys-1"s);
  EXPECT_THROW(d().create(sys(), Kind::kDevice, w.org, f), Conflict);
  reopen();
  EXPECT_EQ(d().get(sys(), w.web).text("external_id"), "sys-1");
  d().update(sys(), w.web, {{"external_id", Value{}}});  // cleared: free again
  d().update(sys(), w.db, {{"external_id", "sys-1"s}});
  EXPECT_EQ(d().get(sys(), w.db).text("external_id"), "sys-1");
}

}  // namespace
}  // namespace dirctl
