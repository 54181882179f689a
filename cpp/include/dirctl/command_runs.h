// CommandRuns: launching commands, the agents' protocol, and results
// (types in dirctl/runs.h). Reached through Directory::runs(); implemented
// in cpp/src/commands/.
//
// Every call takes the acting context. Launching, cancelling and reading
// results are authorised by the role engine (commands.run for launches and
// cancellations, commands.read for results: a Command Runner only for its
// assigned commands) and audited; a launch is one event, a cancellation one,
// a purge one per org. The agents' protocol (next_run, report) and sweep()
// belong to the directory's own handle: an agent acts for a device, which no
// admin or user view is.
// A failure changes nothing. Not thread-safe (as the Directory).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/authz.h"
#include "dirctl/runs.h"
#include "dirctl/types.h"

namespace dirctl {

class ServiceHost;
using RunHost = ServiceHost;  // commands/run_host.h

class CommandRuns {
 public:
  explicit CommandRuns(RunHost& host) : host_(host) {}

  // One queued run per target device (every target when none are given).
  Launch launch(const Actor& actor, const LaunchRequest& request);
  Launch get_launch(const Actor& actor, std::int64_t launch);
  Run get(const Actor& actor, std::int64_t run, bool output = true);
  // Runs the actor may read (commands.read on their command), ascending ids.
  // An acting context must name the org.
  std::vector<Run> results(const Actor& actor, const RunFilter& filter);
  RunColumns columns(const Actor& actor, const RunFilter& filter);
  // Runs of a launch not yet ended.
  std::size_t pending(const Actor& actor, std::int64_t launch);

  // queued or running -> cancelled; InvalidState once ended.
  void cancel(const Actor& actor, std::int64_t run);
  std::size_t cancel_launch(const Actor& actor, std::int64_t launch);  // how many it ended

  // --- the agents' protocol (system actor only) ------------------------------------
  // The device's oldest queued run, now running for `agent`; none if the
  // queue is empty. Notes the device's last contact either way.
  std::optional<Run> next_run(const Actor& actor, Id device, const std::string& agent,
                              std::optional<std::int64_t> now_ms = std::nullopt);
  // Ends a running run of the device: succeeded (exit code 0), failed
  // (another code, or a signal), timed_out (the agent killed it at the
  // timeout, or the report came after it). InvalidState if it is not running.
  Run report(const Actor& actor, Id device, const std::string& agent, const RunReport& report);
  // Expires queued runs past their ttl and times out running runs past
  // their timeout (and kReportGraceMs); returns how many it ended.
  std::size_t sweep(const Actor& actor, std::optional<std::int64_t> now_ms = std::nullopt);

  // Deletes ended runs that finished before `before_ms` (commands.edit on
  // each org; an acting context must name one). Returns how many.
  std::size_t purge(const Actor& actor, std::optional<Id> org, std::int64_t before_ms);

 private:
  RunHost& host_;
};

}  // namespace dirctl
