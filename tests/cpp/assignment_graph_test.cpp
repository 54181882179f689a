// AssignmentGraph: BFS reach along the chains, explain paths, rebuild on change.
#include "graph/assignment_graph.h"

#include <gtest/gtest.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::make_user;
using test::sys;

// alice in eng; eng bound to prod; prod holds web1; bob bound to web2 directly;
// restart targets prod; ops (Command Runner) is assigned restart.
struct World {
  Directory d{":memory:"};
  Id org, alice, bob, eng, prod, web1, web2, restart, ops;
  World() {
    org = make_org(d, "acme");
    alice = make_user(d, org, "alice");
    bob = make_user(d, org, "bob");
    eng = make(d, Kind::kUserGroup, org, "eng");
    prod = make(d, Kind::kDeviceGroup, org, "prod");
    web1 = make(d, Kind::kDevice, org, "web1");
    web2 = make(d, Kind::kDevice, org, "web2");
    restart = make(d, Kind::kCommand, org, "restart");
    ops = d.create(sys(), Kind::kAdmin, kNoId,
                   {{"email", "ops@acme.com"s}, {"role", "command_runner"s}, {"orgs", IdList{org}}}).id;
    d.add_member(sys(), eng, alice);
    d.add_member(sys(), prod, web1);
    d.associate(sys(), eng, prod);
    d.associate(sys(), bob, web2);
    d.associate(sys(), restart, prod);
    d.associate(sys(), ops, restart);
  }
};

TEST(AssignmentGraphTest, ReachFollowsEachChainDownhillAndUphill) {
  World w;
  AssignmentGraph g(w.d.model());
  EXPECT_EQ(g.reach(w.alice, Chain::kAccess, true, Kind::kDevice), (std::vector<Id>{w.web1}));
  EXPECT_EQ(g.reach(w.bob, Chain::kAccess, true, Kind::kDevice), (std::vector<Id>{w.web2}));
  EXPECT_EQ(g.reach(w.web1, Chain::kAccess, false, Kind::kUser), (std::vector<Id>{w.alice}));
  EXPECT_EQ(g.reach(w.restart, Chain::kTargets, true, Kind::kDevice), (std::vector<Id>{w.web1}));
  EXPECT_EQ(g.reach(w.web1, Chain::kTargets, false, Kind::kCommand), (std::vector<Id>{w.restart}));
  EXPECT_EQ(g.reach(w.ops, Chain::kTargets, true, Kind::kDevice), (std::vector<Id>{w.web1}));
  // A shared group never leads from one user to another.
  w.d.add_member(sys(), w.eng, w.bob);
  EXPECT_TRUE(g.reach(w.alice, Chain::kAccess, true, Kind::kUser).empty());
}

TEST(AssignmentGraphTest, PathsNameTheGroupsOnTheWay) {
  World w;
  AssignmentGraph g(w.d.model());
  std::vector<Id> seen_between;
  g.reach_with_paths(w.alice, Chain::kAccess, true, Kind::kDevice,
                     [&](Id device, const std::vector<Id>& between) {
                       EXPECT_EQ(device, w.web1);
                       seen_between = between;
                     });
  EXPECT_EQ(seen_between, (std::vector<Id>{w.eng, w.prod}));
  EXPECT_EQ(g.paths(w.alice, w.web1), (std::vector<std::vector<Id>>{{w.alice, w.eng, w.prod, w.web1}}));
  EXPECT_EQ(g.paths(w.web1, w.alice), (std::vector<std::vector<Id>>{{w.web1, w.prod, w.eng, w.alice}}));
  w.d.associate(sys(), w.alice, w.web1);  // a second, direct path
  EXPECT_EQ(g.paths(w.alice, w.web1).size(), 2u);
  EXPECT_TRUE(g.paths(w.alice, w.web2).empty());
}

TEST(AssignmentGraphTest, RebuildsOnlyWhenTheModelChanged) {
  World w;
  AssignmentGraph g(w.d.model());
  g.reach(w.alice, Chain::kAccess, true, Kind::kDevice);
  g.reach(w.bob, Chain::kAccess, true, Kind::kDevice);
  EXPECT_EQ(g.rebuilds(), 1u);
  w.d.remove_member(sys(), w.eng, w.alice);
  EXPECT_TRUE(g.reach(w.alice, Chain::kAccess, true, Kind::kDevice).empty()) << "the next query sees the mutation";
  EXPECT_EQ(g.rebuilds(), 2u);
}

TEST(AssignmentGraphTest, DirectoryQueriesCheckTheirArguments) {
  World w;
  EXPECT_EQ(w.d.reach(sys(), w.alice, Kind::kDevice), (std::vector<Id>{w.web1}));
  EXPECT_THROW(w.d.reach(sys(), w.alice, Kind::kUser), InvalidArgument);
  EXPECT_THROW(w.d.reach(sys(), 9999, Kind::kDevice), NotFound);
  const auto paths = w.d.explain(sys(), w.alice, w.web1);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(paths[0].front().type, "user");
  EXPECT_EQ(paths[0].back().id, w.web1);
  EXPECT_EQ(paths[0].back().type, "device");
}

}  // namespace
}  // namespace dirctl
