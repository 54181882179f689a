// log.cpp: the engine's logging switch.
#include "dirctl/log.h"

#include <gtest/gtest.h>

#include "dirctl/error.h"

namespace dirctl {
namespace {

// Restores the level a test found, so tests stay independent.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = log_level(); }
  void TearDown() override { set_log_level(saved_ == "warning" ? "warn" : saved_); }
  std::string saved_;
};

TEST_F(LogTest, SetAndReadBack) {
  for (const char* level : {"trace", "debug", "info", "error", "critical", "off"}) {
    set_log_level(level);
    EXPECT_EQ(log_level(), level);
  }
  set_log_level("warn");
  EXPECT_TRUE(log_level() == "warn" || log_level() == "warning") << log_level();
}

TEST_F(LogTest, UnknownLevelIsRefusedAndChangesNothing) {
  set_log_level("error");
  try {
    set_log_level("loud");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'loud'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(log_level(), "error");
}

}  // namespace
}  // namespace dirctl
