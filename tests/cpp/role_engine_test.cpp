// authz/role_engine.cpp and authz/matrix.cpp: the RoleEngine on a live
// Directory's model (one rule at a time), the admin invariants, check_many's
// broadcasting and errors, and the action vocabulary.
#include "authz/role_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "dirctl/authz.h"
#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "test_support.h"

namespace dirctl {
namespace {

using namespace std::string_literals;
using test::make_org;
using test::make_user;
using test::sys;

std::uint8_t role_index(const std::string& role) {
  const auto& roles = role_names();
  return static_cast<std::uint8_t>(std::find(roles.begin(), roles.end(), role) - roles.begin());
}

Actor admin_actor(Id id) { return Actor{ActorType::kAdmin, id}; }
Actor user_actor(Id id) { return Actor{ActorType::kUser, id}; }
Actor key_actor(Id id) { return Actor{ActorType::kApiKey, id}; }

class RoleEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    acme_ = make_org(d_, "acme");
    globex_ = make_org(d_, "globex");
    boss_ = admin("boss", "administrator_with_billing", {acme_, globex_});
    manager_ = admin("max", "manager", {acme_});
    help_desk_ = admin("hal", "help_desk", {acme_});
    runner_ = admin("cyd", "command_runner", {acme_});
    bob_ = make_user(d_, acme_, "bob");
    zed_ = make_user(d_, globex_, "zed");
    deploy_ = d_.create(sys(), Kind::kCommand, acme_, {{"name", "deploy"s}, {"script", "echo"s}}).id;
    backup_ = d_.create(sys(), Kind::kCommand, acme_, {{"name", "backup"s}, {"script", "echo"s}}).id;
    d_.associate(sys(), runner_, deploy_);
    ra_on_ = d_.create(sys(), Kind::kDevice, acme_, {{"hostname", "ra-on"s}, {"remote_assist_allowed", true}}).id;
    ra_off_ = d_.create(sys(), Kind::kDevice, acme_, {{"hostname", "ra-off"s}}).id;
  }

  Id admin(const std::string& who, const std::string& role, const std::vector<Id>& orgs, const std::string& state = "active",
           bool api = false) {
    IdList ids;
    for (Id o : orgs) ids.push_back(static_cast<std::int64_t>(o));
    return d_
        .create(sys(), Kind::kAdmin, kNoId,
                {{"email", who + "@acme.com"}, {"role", role}, {"orgs", ids}, {"state", state}, {"api_access", api}})
        .id;
  }

  Decision check(const Actor& a, const std::string& action, Id resource = kNoId, bool explain = true) {
    return engine().check(a, action_id(action), resource, explain);
  }

  RoleEngine engine() { return RoleEngine(d_.model()); }

  Directory d_{":memory:"};
  Id acme_ = kNoId, globex_ = kNoId, boss_ = kNoId, manager_ = kNoId, help_desk_ = kNoId, runner_ = kNoId;
  Id bob_ = kNoId, zed_ = kNoId, deploy_ = kNoId, backup_ = kNoId, ra_on_ = kNoId, ra_off_ = kNoId;
};

void expect_decision(const Decision& dec, bool allowed, Rule rule) {
  EXPECT_EQ(dec.allowed, allowed) << dec.reason;
  EXPECT_EQ(static_cast<bool>(dec), allowed);
  EXPECT_EQ(rule_name(dec.rule), rule_name(rule)) << dec.reason;
}

// ---- the matrix --------------------------------------------------------------------------

TEST(RoleEngineMatrix, SpotCellsOfTheSpec) {
  EXPECT_EQ(matrix_access(role_index("administrator_with_billing"), Scope::kAdministrators), Access::kEdit);
  EXPECT_EQ(matrix_access(role_index("administrator"), Scope::kAdministrators), Access::kRead);
  EXPECT_EQ(matrix_access(role_index("administrator"), Scope::kBilling), Access::kNone);
  EXPECT_EQ(matrix_access(role_index("command_runner"), Scope::kCommands), Access::kAssigned);
  EXPECT_EQ(matrix_access(role_index("command_runner_with_billing"), Scope::kBilling), Access::kEdit);
  EXPECT_EQ(matrix_access(role_index("help_desk"), Scope::kRemoteAssist), Access::kLaunchIfAllowed);
  EXPECT_EQ(matrix_access(role_index("help_desk"), Scope::kUsers), Access::kEdit);
  EXPECT_EQ(matrix_access(role_index("read_only"), Scope::kInProductSupport), Access::kNone);
  EXPECT_EQ(matrix_access(role_index("billing_only"), Scope::kMultiTenantPortal), Access::kNone);
  EXPECT_EQ(matrix_access(role_index("billing_only"), Scope::kBilling), Access::kEdit);
  EXPECT_EQ(access_name(Access::kLaunchIfAllowed), "launch_if_allowed");
}

TEST(RoleEngineMatrix, ScopeOfEachKind) {
  EXPECT_EQ(scope_of(Kind::kUser), Scope::kUsers);
  EXPECT_EQ(scope_of(Kind::kUserGroup), Scope::kGroups);
  EXPECT_EQ(scope_of(Kind::kDeviceGroup), Scope::kGroups);
  EXPECT_EQ(scope_of(Kind::kDevice), Scope::kDevices);
  EXPECT_EQ(scope_of(Kind::kCommand), Scope::kCommands);
  EXPECT_EQ(scope_of(Kind::kAdmin), Scope::kAdministrators);
  EXPECT_EQ(scope_of(Kind::kOrg), Scope::kOrganization);
}

// ---- the vocabulary ----------------------------------------------------------------------

TEST(RoleEngineVocabulary, EveryActionNameRoundTrips) {
  ASSERT_GT(action_count(), 2u * kScopeCount);
  std::set<std::string> seen;
  for (ActionId id = 0; id < action_count(); ++id) {
    const std::string name = action_name(id);
    EXPECT_TRUE(seen.insert(name).second) << name;
    EXPECT_EQ(action_id(name), id) << name;
    const Action& act = action_of(id);
    EXPECT_EQ(name.substr(0, name.find('.')), scope_name(act.scope)) << name;
  }
  for (int s = 0; s < kScopeCount; ++s) {
    const std::string scope(scope_name(static_cast<Scope>(s)));
    EXPECT_EQ(action_of(action_id(scope + ".read")).verb, Verb::kRead);
    EXPECT_EQ(action_of(action_id(scope + ".edit")).verb, Verb::kEdit);
  }
  EXPECT_EQ(action_of(action_id("commands.run")).verb, Verb::kRun);
  EXPECT_EQ(action_of(action_id("commands.schedule")).verb, Verb::kSchedule);
  EXPECT_EQ(action_of(action_id("commands.approve")).verb, Verb::kApprove);
  EXPECT_EQ(action_of(action_id("remote_assist.launch")).verb, Verb::kLaunch);
}

TEST(RoleEngineVocabulary, ProtectedActionsAreUsersActions) {
  const auto& names = protected_action_names();
  ASSERT_EQ(names.size(), 14u);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const Action& act = action_of(action_id("users." + names[i]));
    EXPECT_EQ(act.scope, Scope::kUsers);
    EXPECT_EQ(act.verb, Verb::kProtected);
    EXPECT_EQ(static_cast<std::size_t>(act.protected_index), i);
  }
}

TEST(RoleEngineVocabulary, UnknownActionThrowsListingScopes) {
  for (const char* bad : {"users.fly", "payroll.read", "users", "", "Users.read"}) {
    try {
      action_id(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const InvalidArgument& e) {
      const std::string msg = e.what();
      for (int s = 0; s < kScopeCount; ++s)
        EXPECT_NE(msg.find(std::string(scope_name(static_cast<Scope>(s)))), std::string::npos)
            << "'" << bad << "': " << msg;
    }
  }
}

TEST(RoleEngineVocabulary, RuleNamesAreDistinct) {
  std::set<std::string> names;
  for (int i = 0; i < kRuleCount; ++i) names.insert(std::string(rule_name(static_cast<Rule>(i))));
  EXPECT_EQ(names.size(), static_cast<std::size_t>(kRuleCount));
  EXPECT_EQ(rule_name(Rule::kProtectedUser), "protected_user");
  EXPECT_EQ(rule_name(Rule::kInvariantBilling), "invariant_billing_admin");
}

// ---- rules -----------------------------------------------------------------------------

TEST_F(RoleEngineTest, SeesOrgOnlyForAnActorThatIsWhatItSays) {
  expect_decision(engine().sees_org(user_actor(bob_), acme_, true), true, Rule::kOrgAccess);
  expect_decision(engine().sees_org(admin_actor(manager_), acme_, true), true, Rule::kOrgAccess);
  // A user's id passed off as an admin (or an admin's as a user) is no actor, as in check().
  expect_decision(engine().sees_org(admin_actor(bob_), acme_, true), false, Rule::kUnknownActor);
  expect_decision(engine().sees_org(key_actor(bob_), acme_, true), false, Rule::kUnknownActor);
  expect_decision(engine().sees_org(user_actor(manager_), acme_, true), false, Rule::kUnknownActor);
  expect_decision(check(admin_actor(bob_), "users.read", bob_), false, Rule::kUnknownActor);
}

TEST_F(RoleEngineTest, SystemIsAllowed) { expect_decision(check(sys(), "administrators.edit", boss_), true, Rule::kSystem); }

TEST_F(RoleEngineTest, RoleMatrixDecidesPlainActions) {
  expect_decision(check(admin_actor(manager_), "users.edit", bob_), true, Rule::kRoleMatrix);
  expect_decision(check(admin_actor(manager_), "billing.edit"), false, Rule::kRoleMatrix);
  expect_decision(check(admin_actor(help_desk_), "devices.edit", ra_on_), false, Rule::kRoleMatrix);
  expect_decision(check(admin_actor(help_desk_), "devices.read", ra_on_), true, Rule::kRoleMatrix);
}

TEST_F(RoleEngineTest, ReasonOnlyWhenAsked) {
  const Decision quiet = check(admin_actor(manager_), "billing.edit", kNoId, false);
  EXPECT_TRUE(quiet.reason.empty());
  const Decision told = check(admin_actor(manager_), "billing.edit", kNoId, true);
  EXPECT_NE(told.reason.find("max@acme.com"), std::string::npos) << told.reason;
  EXPECT_NE(told.reason.find("manager"), std::string::npos) << told.reason;
  EXPECT_EQ(quiet.allowed, told.allowed);
  EXPECT_EQ(quiet.rule, told.rule);
}

TEST_F(RoleEngineTest, SuspendedAdminIsDeniedEverything) {
  const Id sus = admin("sue", "administrator_with_billing", {acme_}, "suspended", true);
  for (ActionId a = 0; a < action_count(); ++a)
    for (Id r : {kNoId, acme_, bob_, deploy_, ra_on_}) {
      expect_decision(engine().check(admin_actor(sus), a, r, false), false, Rule::kSuspendedActor);
      expect_decision(engine().check(key_actor(sus), a, r, false), false, Rule::kSuspendedActor);
    }
}

TEST_F(RoleEngineTest, OrgAccess) {
  expect_decision(check(admin_actor(manager_), "users.read", zed_), false, Rule::kOrgAccess);
  expect_decision(check(admin_actor(manager_), "organization.read", globex_), false, Rule::kOrgAccess);
  expect_decision(check(admin_actor(boss_), "users.edit", zed_), true, Rule::kRoleMatrix);
  expect_decision(check(user_actor(bob_), "users.read", zed_), false, Rule::kOrgAccess);
}

TEST_F(RoleEngineTest, AssignedCommands) {
  for (const char* verb : {"commands.read", "commands.run", "commands.schedule"}) {
    expect_decision(check(admin_actor(runner_), verb, deploy_), true, Rule::kAssignedCommands);
    expect_decision(check(admin_actor(runner_), verb, backup_), false, Rule::kAssignedCommands);
  }
  expect_decision(check(admin_actor(runner_), "commands.read"), true, Rule::kAssignedCommands);
  expect_decision(check(admin_actor(runner_), "commands.edit", deploy_), false, Rule::kAssignedCommands);
  expect_decision(check(admin_actor(runner_), "commands.edit"), false, Rule::kAssignedCommands);
  expect_decision(check(admin_actor(runner_), "users.read"), false, Rule::kRoleMatrix);
  // The model is live: an unassignment shows at once.
  d_.dissociate(sys(), runner_, deploy_);
  expect_decision(check(admin_actor(runner_), "commands.run", deploy_), false, Rule::kAssignedCommands);
}

TEST_F(RoleEngineTest, RemoteAssist) {
  expect_decision(check(admin_actor(help_desk_), "remote_assist.launch", ra_on_), true, Rule::kRemoteAssist);
  expect_decision(check(admin_actor(help_desk_), "remote_assist.launch", ra_off_), false, Rule::kRemoteAssist);
  expect_decision(check(admin_actor(help_desk_), "remote_assist.launch"), false, Rule::kRemoteAssist);
  expect_decision(check(admin_actor(help_desk_), "remote_assist.read"), false, Rule::kRoleMatrix);
  expect_decision(check(admin_actor(manager_), "remote_assist.launch", ra_off_), true, Rule::kRoleMatrix);
  d_.update(admin_actor(manager_), ra_off_, {{"remote_assist_allowed", true}});
  expect_decision(check(admin_actor(help_desk_), "remote_assist.launch", ra_off_), true, Rule::kRemoteAssist);
}

TEST_F(RoleEngineTest, ProtectedUser) {
  const Id alice = make_user(d_, acme_, "alice");
  expect_decision(check(admin_actor(manager_), "users.unlock", alice), true, Rule::kRoleMatrix);
  const Id linked = d_.create_admin_from_user(sys(), test::enrolled(d_, alice), {{"role", "read_only"s}}).id;
  ASSERT_EQ(d_.model().find(alice)->link, linked);
  for (const auto& name : protected_action_names()) {
    expect_decision(check(admin_actor(manager_), "users." + name, alice), false, Rule::kProtectedUser);
    expect_decision(check(admin_actor(help_desk_), "users." + name, alice), false, Rule::kProtectedUser);
    expect_decision(check(admin_actor(boss_), "users." + name, alice), true, Rule::kRoleMatrix);
    expect_decision(check(admin_actor(manager_), "users." + name, bob_), true, Rule::kRoleMatrix);
  }
  expect_decision(check(admin_actor(manager_), "users.edit", alice), false, Rule::kProtectedUser);
  expect_decision(check(admin_actor(manager_), "users.read", alice), true, Rule::kRoleMatrix);
}

TEST_F(RoleEngineTest, AdminManagementAndSelfChange) {
  expect_decision(check(admin_actor(manager_), "administrators.edit", help_desk_), false, Rule::kAdminManagement);
  expect_decision(check(admin_actor(manager_), "administrators.read", help_desk_), true, Rule::kRoleMatrix);
  expect_decision(check(admin_actor(boss_), "administrators.edit", help_desk_), true, Rule::kRoleMatrix);
  expect_decision(engine().self_change(admin_actor(boss_), boss_, true), false, Rule::kNoSelfRaise);
  expect_decision(engine().self_change(key_actor(boss_), boss_, true), false, Rule::kNoSelfRaise);
  EXPECT_TRUE(engine().self_change(admin_actor(boss_), manager_, false).allowed);
  EXPECT_TRUE(engine().self_change(sys(), boss_, false).allowed);
}

TEST_F(RoleEngineTest, InvariantsOnTheStateAfter) {
  AdminAfter gone;
  gone.exists = false;
  expect_decision(engine().admin_invariants(sys(), boss_, gone, true), false, Rule::kInvariantBilling);
  AdminAfter demoted{true, true, role_index("administrator"), {acme_, globex_}};
  expect_decision(engine().admin_invariants(sys(), boss_, demoted, true), false, Rule::kInvariantBilling);
  AdminAfter suspended{true, false, role_index("administrator_with_billing"), {acme_, globex_}};
  expect_decision(engine().admin_invariants(sys(), boss_, suspended, true), false, Rule::kInvariantBilling);
  AdminAfter same{true, true, role_index("administrator_with_billing"), {acme_, globex_}};
  EXPECT_TRUE(engine().admin_invariants(sys(), boss_, same, false).allowed);
  // globex's only admin is boss: dropping globex from boss's orgs leaves it without one.
  AdminAfter narrowed{true, true, role_index("administrator_with_billing"), {acme_}};
  expect_decision(engine().admin_invariants(sys(), boss_, narrowed, true), false, Rule::kInvariantOrgAdmin);
  // acme has other admins.
  EXPECT_TRUE(engine().admin_invariants(sys(), manager_, gone, false).allowed);
  admin("boss2", "administrator_with_billing", {globex_});
  EXPECT_TRUE(engine().admin_invariants(sys(), boss_, demoted, false).allowed);
  EXPECT_TRUE(engine().admin_invariants(sys(), boss_, narrowed, false).allowed);
}

TEST_F(RoleEngineTest, GroupMatchForUsers) {
  const Id dev = d_.create(sys(), Kind::kUserGroup, acme_, {{"name", "dev"s}}).id;
  expect_decision(check(user_actor(bob_), "commands.run", deploy_), false, Rule::kGroupMatch);
  d_.associate(sys(), deploy_, dev);
  expect_decision(check(user_actor(bob_), "commands.run", deploy_), false, Rule::kGroupMatch);
  d_.add_member(sys(), dev, bob_);
  expect_decision(check(user_actor(bob_), "commands.run", deploy_), true, Rule::kGroupMatch);
  expect_decision(check(user_actor(bob_), "commands.approve", deploy_), true, Rule::kGroupMatch);
  expect_decision(check(user_actor(bob_), "commands.run", backup_), false, Rule::kGroupMatch);
  EXPECT_FALSE(check(user_actor(bob_), "users.edit", bob_).allowed);
}

TEST_F(RoleEngineTest, ApiKeyNeedsApiAccess) {
  expect_decision(check(key_actor(manager_), "users.read", bob_), false, Rule::kApiAccessDisabled);
  const Id robot = admin("robot", "manager", {acme_}, "active", true);
  expect_decision(check(key_actor(robot), "users.edit", bob_), true, Rule::kRoleMatrix);
  expect_decision(check(key_actor(robot), "administrators.edit"), false, Rule::kAdminManagement);
}

TEST_F(RoleEngineTest, UnknownActorsAndActions) {
  expect_decision(check(admin_actor(bob_), "users.read"), false, Rule::kUnknownActor);
  expect_decision(check(user_actor(manager_), "users.read"), false, Rule::kUnknownActor);
  expect_decision(check(admin_actor(999999), "users.read"), false, Rule::kUnknownActor);
  expect_decision(engine().check(admin_actor(boss_), static_cast<ActionId>(action_count()), kNoId, false), false,
                  Rule::kUnknownAction);
}

// ---- check_many ------------------------------------------------------------------------

TEST_F(RoleEngineTest, CheckManyMatchesCheckAndBroadcasts) {
  const std::vector<Id> ids = {boss_, manager_, help_desk_, runner_, bob_};
  const std::vector<Actor> actors = d_.actors_for(ids);
  std::vector<ActionId> actions;
  for (ActionId a = 0; a < action_count(); ++a) actions.push_back(a);
  const std::vector<Id> resources = {kNoId, acme_, globex_, bob_, zed_, deploy_, backup_, ra_on_, ra_off_, boss_};
  const RoleEngine e = engine();
  for (const Actor& actor : actors)
    for (Id r : resources) {
      // One actor and one resource broadcast against every action.
      std::vector<std::uint8_t> allowed(actions.size()), rules(actions.size());
      d_.check_many({actor}, actions, {r}, allowed.data(), rules.data());
      for (std::size_t i = 0; i < actions.size(); ++i) {
        const Decision dec = e.check(actor, actions[i], r, false);
        EXPECT_EQ(allowed[i], dec.allowed ? 1 : 0) << action_name(actions[i]) << " on " << r;
        EXPECT_EQ(rules[i], static_cast<std::uint8_t>(dec.rule)) << action_name(actions[i]);
      }
    }
  // Aligned inputs, rules optional.
  std::vector<std::uint8_t> allowed(actors.size());
  d_.check_many(actors, {action_id("users.edit")}, std::vector<Id>(actors.size(), bob_), allowed.data(), nullptr);
  EXPECT_EQ(allowed, (std::vector<std::uint8_t>{1, 1, 1, 0, 0}));
}

TEST_F(RoleEngineTest, CheckManyRejectsMismatchedLengthsAndUnknownActions) {
  std::vector<std::uint8_t> out(4);
  const std::vector<Actor> two = d_.actors_for({boss_, manager_});
  const std::vector<ActionId> three = {0, 1, 2};
  EXPECT_THROW(d_.check_many(two, three, {kNoId}, out.data(), nullptr), InvalidArgument);
  EXPECT_THROW(d_.check_many(two, {0}, {kNoId, kNoId, kNoId}, out.data(), nullptr), InvalidArgument);
  EXPECT_THROW(d_.check_many(two, {static_cast<ActionId>(action_count())}, {kNoId}, out.data(), nullptr),
               InvalidArgument);
  try {
    d_.check_many(two, three, {kNoId}, out.data(), nullptr);
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("same length"), std::string::npos) << e.what();
  }
}

TEST_F(RoleEngineTest, ActorsForUnknownIdsAreDeniedNotErrors) {
  const std::vector<Actor> actors = d_.actors_for({boss_, bob_, deploy_, 999999});
  ASSERT_EQ(actors.size(), 4u);
  EXPECT_EQ(actors[1].type, ActorType::kUser);
  std::vector<std::uint8_t> allowed(4), rules(4);
  d_.check_many(actors, {action_id("users.read")}, {kNoId}, allowed.data(), rules.data());
  EXPECT_EQ(allowed, (std::vector<std::uint8_t>{1, 1, 0, 0}));
  EXPECT_EQ(rules[2], static_cast<std::uint8_t>(Rule::kUnknownActor));
  EXPECT_EQ(rules[3], static_cast<std::uint8_t>(Rule::kUnknownActor));
}

// ---- reasons never name what lies in another org (issue 8) ------------------------------

TEST_F(RoleEngineTest, ReasonsNameObjectsOutsideTheActorsOrgsByIdOnly) {
  const Id secret = d_.create(sys(), Kind::kCommand, globex_, {{"name", "wipe globex"s}, {"script", "rm"s}}).id;
  for (const Actor& a : {admin_actor(manager_), admin_actor(runner_), admin_actor(help_desk_), user_actor(bob_)})
    for (const char* action : {"commands.read", "commands.run", "users.edit"}) {
      const Id resource = std::string(action) == "users.edit" ? zed_ : secret;
      const Decision dec = check(a, action, resource);
      EXPECT_FALSE(dec.allowed);
      EXPECT_EQ(dec.reason.find("wipe globex"), std::string::npos) << dec.reason;
      EXPECT_EQ(dec.reason.find("zed"), std::string::npos) << dec.reason;
      EXPECT_EQ(dec.reason.find("globex"), std::string::npos) << dec.reason;
      EXPECT_NE(dec.reason.find(std::to_string(resource)), std::string::npos) << dec.reason;
    }
  const Decision org = engine().sees_org(admin_actor(manager_), globex_, true);
  EXPECT_FALSE(org.allowed);
  EXPECT_EQ(org.reason.find("globex"), std::string::npos) << org.reason;
  // What the actor can see is still named.
  EXPECT_NE(check(admin_actor(help_desk_), "commands.edit", deploy_).reason.find("deploy"), std::string::npos);
}

TEST_F(RoleEngineTest, ASuspendedAdminsReasonDoesNotNameOtherOrgs) {
  const Id gone = admin("sus", "manager", {acme_}, "suspended");
  const Id secret = d_.create(sys(), Kind::kCommand, globex_, {{"name", "wipe globex"s}, {"script", "rm"s}}).id;
  const Decision dec = check(admin_actor(gone), "commands.read", secret);
  expect_decision(dec, false, Rule::kSuspendedActor);
  EXPECT_EQ(dec.reason.find("wipe globex"), std::string::npos) << dec.reason;
}

}  // namespace
}  // namespace dirctl
