// Audits: who_can_access, who_can_run, escalation_paths on a small org.
#include "audit/audits.h"

#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "dirctl/directory.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make;
using test::make_org;
using test::make_user;
using test::sys;

Id admin(Directory& d, const std::string& email, const std::string& role, Id org) {
  return d.create(sys(), Kind::kAdmin, kNoId, {{"email", email}, {"role", role}, {"orgs", IdList{org}}}).id;
}

TEST(AuditsTest, WhoCanAccessMarksSuspendedUsersAndNamesTheGroups) {
  Directory d(":memory:");
  const Id org = make_org(d, "acme");
  const Id alice = make_user(d, org, "alice"), erin = make_user(d, org, "erin");
  d.update(sys(), erin, {{"state", "suspended"s}});
  const Id eng = make(d, Kind::kUserGroup, org, "eng"), prod = make(d, Kind::kDeviceGroup, org, "prod");
  const Id web = make(d, Kind::kDevice, org, "web"), lap = make(d, Kind::kDevice, org, "lap");
  d.add_member(sys(), eng, alice);
  d.add_member(sys(), eng, erin);
  d.add_member(sys(), prod, web);
  d.associate(sys(), eng, prod);
  d.associate(sys(), alice, lap);
  AccessRows rows = d.who_can_access(sys(), org, {});
  ASSERT_EQ(rows.user.size(), 3u);
  std::set<std::tuple<Id, Id, std::string, int>> got;
  for (std::size_t i = 0; i < rows.user.size(); ++i)
    got.emplace(rows.user[i], rows.device[i], rows.hows[static_cast<std::size_t>(rows.how[i])], rows.suspended[i]);
  const std::string via = std::string(d.model().find(eng)->name) + " > " + std::string(d.model().find(prod)->name);
  EXPECT_EQ(got, (std::set<std::tuple<Id, Id, std::string, int>>{
                     {alice, web, via, 0}, {alice, lap, "direct", 0}, {erin, web, via, 1}}));
  AuditFilter one;
  one.device = web;
  EXPECT_EQ(d.who_can_access(sys(), org, one).user, (std::vector<Id>{alice, erin}));
}

TEST(AuditsTest, WhoCanRunFollowsRolesAssignmentsAndExclusions) {
  Directory d(":memory:");
  const Id org = make_org(d, "acme"), other = make_org(d, "beta");
  const Id web = make(d, Kind::kDevice, org, "web");
  const Id c1 = make(d, Kind::kCommand, org, "c1"), c2 = make(d, Kind::kCommand, org, "c2");
  d.associate(sys(), c1, web);
  d.associate(sys(), c2, web);
  const Id boss = admin(d, "boss@acme.com", "administrator_with_billing", org);
  const Id mgr = admin(d, "mgr@acme.com", "manager", org);
  const Id cr = admin(d, "cr@acme.com", "command_runner", org);
  const Id ro = admin(d, "ro@acme.com", "read_only", org);
  const Id away = admin(d, "away@acme.com", "manager", other);
  d.associate(sys(), cr, c2);
  d.update(sys(), mgr, {{"state", "suspended"s}});
  RunRows rows = d.who_can_run(sys(), org, {});
  std::set<std::tuple<Id, Id, Rule>> got;
  for (std::size_t i = 0; i < rows.admin.size(); ++i)
    got.emplace(rows.admin[i], rows.command[i], static_cast<Rule>(rows.rule[i]));
  EXPECT_EQ(got, (std::set<std::tuple<Id, Id, Rule>>{{boss, c1, Rule::kRoleMatrix},
                                                     {boss, c2, Rule::kRoleMatrix},
                                                     {cr, c2, Rule::kAssignedCommands}}));
  (void)ro;
  (void)away;
}

TEST(AuditsTest, EscalationStopsAtProtectedUsers) {
  Directory d(":memory:");
  const Id org = make_org(d, "acme");
  admin(d, "boss@acme.com", "administrator_with_billing", org);
  const Id alice = make_user(d, org, "alice"), carol = make_user(d, org, "carol");
  const Id web = make(d, Kind::kDevice, org, "web"), db = make(d, Kind::kDevice, org, "db");
  d.associate(sys(), alice, web);
  d.associate(sys(), carol, db);
  const Id hd = admin(d, "hd@acme.com", "help_desk", org);
  d.create_admin_from_user(sys(), test::enrolled(d, carol), {{"role", "manager"s}});  // carol now holds an admin role
  EscalationRows rows = d.escalation_paths(sys(), org, hd, {});
  ASSERT_EQ(rows.device.size(), 1u) << "help desk takes over alice, not the protected carol";
  EXPECT_EQ(rows.via[0], alice);
  EXPECT_EQ(rows.device[0], web);
  EXPECT_EQ(rows.mechanisms[rows.mechanism[0]], "take_over_user");
  EXPECT_NE(rows.step_texts[static_cast<std::size_t>(rows.steps[0])].find("users.set_password"), std::string::npos);
}

}  // namespace
}  // namespace dirctl
