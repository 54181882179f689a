// Command runs on _core.Directory: launches, the agents' protocol, results.
// Times cross as integer milliseconds since the epoch (dirctl/runs.py turns
// them into timezone-aware datetimes); results_frame's columns as numpy.
#include <pybind11/stl.h>

#include "dirctl/error.h"
#include "numpy_columns.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

constexpr auto kRuns = &Directory::runs;

namespace {

py::object time_or_none(std::int64_t ms) { return ms == 0 ? py::none() : py::object(py::int_(ms)); }

py::dict run_to_py(const Run& r) {
  py::dict d("id"_a = r.id, "launch"_a = r.launch, "org"_a = r.org, "command"_a = r.command, "device"_a = r.device,
             "command_name"_a = r.command_name, "device_name"_a = r.device_name,
             "state"_a = std::string(run_state_name(r.state)), "requested_by"_a = r.requested_by,
             "requester_name"_a = r.requester_name, "queued_at"_a = r.queued_at, "expires_at"_a = r.expires_at,
             "started_at"_a = time_or_none(r.started_at), "finished_at"_a = time_or_none(r.finished_at),
             "started_by"_a = r.started_by, "finished_by"_a = r.finished_by);
  d["exit_code"] = r.exit_code ? py::object(py::int_(*r.exit_code)) : py::none();
  d["signal"] = r.signal ? py::object(py::int_(*r.signal)) : py::none();
  d["stdout"] = r.stdout_text;
  d["stderr"] = r.stderr_text;
  d["stdout_truncated"] = r.stdout_truncated;
  d["stderr_truncated"] = r.stderr_truncated;
  d["script"] = r.script;
  d["shell"] = r.shell;
  d["run_as"] = r.run_as;
  d["timeout"] = r.timeout_seconds;
  d["variables"] = py::cast(r.variables);
  return d;
}

py::dict launch_to_py(const Launch& l) {
  return py::dict("id"_a = l.id, "org"_a = l.org, "command"_a = l.command, "requested_at"_a = l.requested_at,
                  "requested_by"_a = l.requested_by, "requester_name"_a = l.requester_name,
                  "ttl"_a = l.ttl_seconds, "runs"_a = py::cast(l.runs), "review"_a = l.review);
}

RunFilter filter_arg(std::optional<Id> org, std::optional<Id> command, std::optional<Id> device,
                     std::optional<std::int64_t> launch, std::optional<std::string> state,
                     std::optional<std::int64_t> since, bool output) {
  RunFilter f;
  f.org = org;
  f.command = command;
  f.device = device;
  f.launch = launch;
  if (state) f.state = run_state_from_name(*state);
  f.since_ms = since;
  f.output = output;
  return f;
}

}  // namespace

void register_runs(py::module_& m) {
  std::vector<std::string> states;
  for (int i = 0; i < kRunStateCount; ++i) states.emplace_back(run_state_name(static_cast<RunState>(i)));
  m.attr("RUN_STATES") = states;
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  auto def = [&](const char* name, py::cpp_function fn) { dir.attr(name) = fn; };
  def("run_command", py::cpp_function(
      [](Session& s, Id command, std::vector<Id> devices, Variables variables, std::optional<std::int64_t> ttl,
         std::optional<std::int64_t> now) {
        LaunchRequest req{command, std::move(devices), std::move(variables), ttl, now};
        return launch_to_py(service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.launch(a, req); }));
      },
      py::is_method(dir), "command"_a, "devices"_a = std::vector<Id>{}, "variables"_a = Variables{},
      "ttl"_a = py::none(), "now"_a = py::none(), "Launch a command: one queued run per target device."));
  def("launch", py::cpp_function(
      [](Session& s, std::int64_t id) {
        return launch_to_py(service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.get_launch(a, id); }));
      },
      py::is_method(dir), "launch"_a));
  def("run", py::cpp_function(
      [](Session& s, std::int64_t id, bool output) {
        return run_to_py(service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.get(a, id, output); }));
      },
      py::is_method(dir), "run"_a, "output"_a = true));
  def("runs", py::cpp_function(
      [](Session& s, std::optional<Id> org, std::optional<Id> command, std::optional<Id> device,
         std::optional<std::int64_t> launch, std::optional<std::string> state, std::optional<std::int64_t> since,
         bool output) {
        const RunFilter f = filter_arg(org, command, device, launch, state, since, output);
        const auto rows = service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.results(a, f); });
        py::list out;
        for (const Run& r : rows) out.append(run_to_py(r));
        return out;
      },
      py::is_method(dir), "org"_a = py::none(), "command"_a = py::none(), "device"_a = py::none(),
      "launch"_a = py::none(), "state"_a = py::none(), "since"_a = py::none(), "output"_a = true));
  def("run_columns", py::cpp_function(
      [](Session& s, std::optional<Id> org, std::optional<Id> command, std::optional<Id> device,
         std::optional<std::int64_t> launch, std::optional<std::string> state, std::optional<std::int64_t> since) {
        const RunFilter f = filter_arg(org, command, device, launch, state, since, false);
        RunColumns c = service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.columns(a, f); });
        py::dict out;
        out["id"] = to_numpy(std::move(c.id));
        out["launch"] = to_numpy(std::move(c.launch));
        out["org"] = to_numpy(std::move(c.org));
        out["command"] = to_numpy(std::move(c.command));
        out["device"] = to_numpy(std::move(c.device));
        out["state"] = to_numpy(std::move(c.state));
        out["queued_at"] = to_numpy(std::move(c.queued_at));
        out["started_at"] = to_numpy(std::move(c.started_at));
        out["finished_at"] = to_numpy(std::move(c.finished_at));
        out["exit_code"] = to_numpy(std::move(c.exit_code));
        out["signal"] = to_numpy(std::move(c.signal));
        out["requester_type"] = to_numpy(std::move(c.requester_type));
        out["requester_id"] = to_numpy(std::move(c.requester_id));
        out["named"] = to_numpy(std::move(c.named));
        out["names"] = py::cast(c.names);
        return out;
      },
      py::is_method(dir), "org"_a = py::none(), "command"_a = py::none(), "device"_a = py::none(),
      "launch"_a = py::none(), "state"_a = py::none(), "since"_a = py::none(),
      "Results as numpy columns: times in ms (0: not yet), codes kNoCode (-2**31) when none, state and "
      "requester_type as codes into RUN_STATES and (system, admin, user, api_key)."));
  def("pending_runs", py::cpp_function(
      [](Session& s, std::int64_t launch) {
        return service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.pending(a, launch); });
      },
      py::is_method(dir), "launch"_a));
  def("cancel_run", py::cpp_function(
      [](Session& s, std::int64_t id) { service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { r.cancel(a, id); }); },
      py::is_method(dir), "run"_a));
  def("cancel_launch", py::cpp_function(
      [](Session& s, std::int64_t id) {
        return service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.cancel_launch(a, id); });
      },
      py::is_method(dir), "launch"_a));
  def("next_run", py::cpp_function(
      [](Session& s, Id device, const std::string& agent, std::optional<std::int64_t> now) -> py::object {
        auto r = service_call(s, kRuns, [&](CommandRuns& c, const Actor& a) { return c.next_run(a, device, agent, now); });
        if (!r) return py::none();
        return run_to_py(*r);
      },
      py::is_method(dir), "device"_a, "agent"_a, "now"_a = py::none()));
  def("report_run", py::cpp_function(
      [](Session& s, Id device, const std::string& agent, std::int64_t run_id, std::optional<int> exit_code,
         std::optional<int> signal, std::string out, std::string err, bool out_truncated, bool err_truncated,
         bool timed_out, std::optional<std::int64_t> now) {
        RunReport rep{run_id, exit_code, signal, std::move(out), std::move(err), out_truncated, err_truncated,
                      timed_out, now};
        return run_to_py(
            service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.report(a, device, agent, rep); }));
      },
      py::is_method(dir), "device"_a, "agent"_a, "run"_a, "exit_code"_a = py::none(), "signal"_a = py::none(),
      "stdout"_a = "", "stderr"_a = "", "stdout_truncated"_a = false, "stderr_truncated"_a = false,
      "timed_out"_a = false, "now"_a = py::none()));
  def("sweep_runs", py::cpp_function(
      [](Session& s, std::optional<std::int64_t> now) {
        return service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.sweep(a, now); });
      },
      py::is_method(dir), "now"_a = py::none()));
  def("purge_results", py::cpp_function(
      [](Session& s, std::optional<Id> org, std::int64_t before) {
        return service_call(s, kRuns, [&](CommandRuns& r, const Actor& a) { return r.purge(a, org, before); });
      },
      py::is_method(dir), "org"_a, "before"_a));
}

}  // namespace dirctl::py_bindings
