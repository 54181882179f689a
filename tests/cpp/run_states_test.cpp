// commands/run_states.cpp: the run state machine of dirctl/runs.h: every
// (from, to) pair against the table in the header, names both ways, which
// states are final, and the error for an unknown name.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "dirctl/error.h"
#include "dirctl/runs.h"

namespace dirctl {
namespace {

using S = RunState;

RunState state_at(int i) { return static_cast<RunState>(i); }

// The transitions runs.h documents, written out independently of the code.
const std::set<std::pair<S, S>>& legal() {
  static const std::set<std::pair<S, S>> kLegal = {
      {S::kQueued, S::kRunning},     {S::kQueued, S::kExpired},  {S::kQueued, S::kCancelled},
      {S::kRunning, S::kSucceeded},  {S::kRunning, S::kFailed},  {S::kRunning, S::kTimedOut},
      {S::kRunning, S::kCancelled},
      {S::kPendingReview, S::kQueued}, {S::kPendingReview, S::kExpired}, {S::kPendingReview, S::kCancelled}};
  return kLegal;
}

TEST(RunStatesTest, EveryPairIsAllowedExactlyWhenTheTableSaysSo) {
  int allowed = 0;
  for (int f = 0; f < kRunStateCount; ++f)
    for (int t = 0; t < kRunStateCount; ++t) {
      const S from = state_at(f), to = state_at(t);
      SCOPED_TRACE(std::string(run_state_name(from)) + " -> " + std::string(run_state_name(to)));
      const bool expected = legal().count({from, to}) == 1;
      EXPECT_EQ(run_transition_allowed(from, to), expected);
      allowed += run_transition_allowed(from, to) ? 1 : 0;
    }
  EXPECT_EQ(allowed, 10);
}

TEST(RunStatesTest, NoStateMovesToItselfOrBackToQueued) {
  for (int i = 0; i < kRunStateCount; ++i) {
    EXPECT_FALSE(run_transition_allowed(state_at(i), state_at(i))) << run_state_name(state_at(i));
    if (state_at(i) != S::kPendingReview)  // the one way into the queue after launch: an approved review
      EXPECT_FALSE(run_transition_allowed(state_at(i), S::kQueued)) << run_state_name(state_at(i));
  }
  EXPECT_FALSE(run_transition_allowed(S::kRunning, S::kExpired)) << "only a queued run expires";
  EXPECT_FALSE(run_transition_allowed(S::kQueued, S::kSucceeded)) << "a run ends only after it started";
  EXPECT_FALSE(run_transition_allowed(S::kQueued, S::kTimedOut));
}

TEST(RunStatesTest, EndedStatesNeverMove) {
  for (S ended : {S::kSucceeded, S::kFailed, S::kTimedOut, S::kExpired, S::kCancelled}) {
    EXPECT_TRUE(run_state_final(ended)) << run_state_name(ended);
    for (int t = 0; t < kRunStateCount; ++t)
      EXPECT_FALSE(run_transition_allowed(ended, state_at(t)))
          << run_state_name(ended) << " -> " << run_state_name(state_at(t));
  }
  EXPECT_FALSE(run_state_final(S::kQueued));
  EXPECT_FALSE(run_state_final(S::kRunning));
}

TEST(RunStatesTest, NamesMatchTheSchemaCodesAndRoundTrip) {
  const char* const names[] = {"queued", "running", "succeeded", "failed", "timed_out", "expired", "cancelled", "pending_review"};
  for (int i = 0; i < kRunStateCount; ++i) {
    EXPECT_EQ(run_state_name(state_at(i)), names[i]) << "state code " << i << " (schema step 5)";
    EXPECT_EQ(run_state_from_name(names[i]), state_at(i));
  }
}

TEST(RunStatesTest, UnknownNamesAreInvalidArgumentNamingTheStates) {
  for (const char* bad : {"", "Queued", "QUEUED", "timed out", "timedout", "done", "queued ", "canceled"}) {
    SCOPED_TRACE(std::string("'") + bad + "'");
    try {
      run_state_from_name(bad);
      FAIL() << "expected InvalidArgument";
    } catch (const InvalidArgument& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos) << msg;
      for (const char* n : {"queued", "running", "succeeded", "failed", "timed_out", "expired", "cancelled"})
        EXPECT_NE(msg.find(n), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace dirctl
