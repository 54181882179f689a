// commands/launch_plan.cpp: a command's targets on a hand-built Model
// (direct devices, device-group members, deduplicated, ascending, deleted
// objects left out), the devices a launch picks, and the checks on its
// variables and ttl.
#include "commands/launch_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dirctl/error.h"
#include "model/model.h"

namespace dirctl {
namespace {

std::string name_of(Id id) { return "device " + std::to_string(id); }

// org 1; command 2; devices 10..15; device groups 20, 21; user group 30; user 31.
class LaunchPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    put(1, Kind::kOrg, kNoId, "acme");
    put(2, Kind::kCommand, 1, "backup");
    for (Id d = 10; d <= 15; ++d) put(d, Kind::kDevice, 1, "host" + std::to_string(d));
    put(20, Kind::kDeviceGroup, 1, "servers");
    put(21, Kind::kDeviceGroup, 1, "laptops");
    put(30, Kind::kUserGroup, 1, "ops");
    put(31, Kind::kUser, 1, "alice");
  }
  void put(Id id, Kind kind, Id org, const std::string& name) {
    Entity e;
    e.kind = kind;
    e.org = org;
    e.name = name;  // the model interns it
    m_.put(id, e);
  }

  Model m_;
};

TEST_F(LaunchPlanTest, NoAssociationsNoTargets) { EXPECT_TRUE(command_targets(m_, 2).empty()); }

TEST_F(LaunchPlanTest, TargetsAreDirectDevicesAndGroupMembersDeduplicatedAscending) {
  m_.link(2, 14);   // direct
  m_.link(2, 20);   // group 20: 12, 11, 14
  m_.link(20, 12);
  m_.link(20, 11);
  m_.link(20, 14);  // also direct: once
  m_.link(2, 21);   // group 21: 11 again, 15
  m_.link(21, 11);
  m_.link(21, 15);
  EXPECT_EQ(command_targets(m_, 2), (std::vector<Id>{11, 12, 14, 15}));
}

TEST_F(LaunchPlanTest, OtherNeighboursAreNoTargets) {
  m_.link(2, 10);
  m_.link(2, 30);   // command <-> user group (who may run it): not a target
  m_.link(30, 31);  // its member user: not a device
  m_.link(31, 13);  // the user's bound device: not reached through the user
  m_.link(20, 12);  // a group not associated with the command
  m_.link(30, 21);  // user group <-> device group: the group's devices are not targets through it
  m_.link(21, 15);
  EXPECT_EQ(command_targets(m_, 2), (std::vector<Id>{10}));
}

TEST_F(LaunchPlanTest, DeletedDevicesAndGroupsAreLeftOut) {
  m_.link(2, 10);
  m_.link(2, 11);
  m_.link(2, 20);
  m_.link(20, 12);
  m_.link(20, 13);
  m_.link(2, 21);
  m_.link(21, 15);
  ASSERT_EQ(command_targets(m_, 2), (std::vector<Id>{10, 11, 12, 13, 15}));
  m_.erase(11);  // a direct device
  m_.erase(13);  // a group member
  m_.erase(21);  // a whole group: its member stays, but is no target through it
  EXPECT_EQ(command_targets(m_, 2), (std::vector<Id>{10, 12}));
}

TEST_F(LaunchPlanTest, OnlyTheDevicesAmongAGroupsNeighboursAreTargets) {
  m_.link(2, 20);
  m_.link(20, 10);
  m_.link(20, 30);  // a user group bound to the device group
  m_.link(20, 31);  // a user (the model holds any edge)
  EXPECT_EQ(command_targets(m_, 2), (std::vector<Id>{10}));
}

// --- launch_devices ------------------------------------------------------------------

TEST(LaunchDevicesTest, NoneWantedMeansEveryTarget) {
  EXPECT_EQ(launch_devices({3, 5, 9}, {}, "command 'c'", name_of), (std::vector<Id>{3, 5, 9}));
}

TEST(LaunchDevicesTest, ASubsetIsDeduplicatedAndSorted) {
  EXPECT_EQ(launch_devices({3, 5, 9}, {9, 3, 9}, "command 'c'", name_of), (std::vector<Id>{3, 9}));
  EXPECT_EQ(launch_devices({3, 5, 9}, {5}, "command 'c'", name_of), (std::vector<Id>{5}));
}

TEST(LaunchDevicesTest, ADeviceOutsideTheTargetsIsNamed) {
  try {
    launch_devices({3, 5, 9}, {5, 7}, "command 'c'", name_of);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("device 7"), std::string::npos) << msg;
    EXPECT_NE(msg.find("command 'c'"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("device 5"), std::string::npos) << "only the stray one is named: " << msg;
  }
}

TEST(LaunchDevicesTest, NoTargetsIsAnErrorWhateverIsWanted) {
  for (const std::vector<Id>& wanted : {std::vector<Id>{}, std::vector<Id>{4}}) {
    try {
      launch_devices({}, wanted, "command 'c'", name_of);
      FAIL() << "expected InvalidArgument";
    } catch (const InvalidArgument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("command 'c' has no target devices"), std::string::npos) << msg;
      EXPECT_NE(msg.find("associate"), std::string::npos) << msg;
    }
  }
}

// --- check_variables -------------------------------------------------------------------

TEST(LaunchVariablesTest, EnvironmentNamesAndValuesPass) {
  EXPECT_NO_THROW(check_variables({}));
  EXPECT_NO_THROW(check_variables({{"A", ""}, {"_x9", "v"}, {"PATH_2", "a=b c"}, {"lower", "\n\t"}}));
  EXPECT_NO_THROW(check_variables({{std::string(128, 'N'), std::string(32 * 1024, 'v')}}));
  Variables many;
  for (int i = 0; i < 256; ++i) many["V" + std::to_string(i)] = "x";
  EXPECT_NO_THROW(check_variables(many));
}

TEST(LaunchVariablesTest, BadNamesAreRefusedByName) {
  for (const std::string& bad : {std::string(""), std::string("1ABC"), std::string("A-B"), std::string("A B"),
                                 std::string("A=B"), std::string("é"), std::string("A.B"), std::string(129, 'N'),
                                 std::string("A\0B", 3)}) {
    SCOPED_TRACE("'" + bad + "'");
    EXPECT_THROW(check_variables({{bad, "v"}}), InvalidArgument);
  }
  try {
    check_variables({{"OK", "1"}, {"my-var", "2"}});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'my-var'"), std::string::npos) << e.what();
  }
}

TEST(LaunchVariablesTest, ValuesWithNulOrTooLongAreRefused) {
  try {
    check_variables({{"SECRET", std::string("a\0b", 3)}});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("NUL"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_variables({{"BIG", std::string(32 * 1024 + 1, 'v')}}), InvalidArgument);
}

TEST(LaunchVariablesTest, AtMost256Variables) {
  Variables many;
  for (int i = 0; i < 257; ++i) many["V" + std::to_string(i)] = "x";
  try {
    check_variables(many);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("257"), std::string::npos) << e.what();
  }
}

// --- check_ttl ---------------------------------------------------------------------------

TEST(LaunchTtlTest, DefaultAndRange) {
  EXPECT_EQ(check_ttl(std::nullopt), kDefaultTtlSeconds);
  EXPECT_EQ(check_ttl(1), 1);
  EXPECT_EQ(check_ttl(3600), 3600);
  EXPECT_EQ(check_ttl(kMaxTtlSeconds), kMaxTtlSeconds);
  EXPECT_EQ(kMaxTtlSeconds, 30 * 86400);
  for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}, kMaxTtlSeconds + 1, std::int64_t{INT64_MAX},
                           std::int64_t{INT64_MIN}}) {
    SCOPED_TRACE(bad);
    try {
      check_ttl(bad);
      FAIL() << "expected InvalidArgument";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace dirctl
