// Schedules and triggers on _core.Directory (times as integer ms since the epoch).
#include <pybind11/stl.h>

#include "dirctl/cron.h"
#include "dirctl/schedules.h"
#include "numpy_columns.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

constexpr auto kSchedules = &Directory::schedules;

namespace {

py::dict fire_to_py(const DueFire& f) {
  return py::dict("command"_a = f.command, "org"_a = f.org, "fire_at"_a = f.fire_at, "missed"_a = f.missed);
}

}  // namespace

void register_schedules(py::module_& m) {
  m.def(
      "cron_next_fires",
      [](const std::string& expr, const std::string& zone, std::int64_t after_ms, std::size_t n) {
        py::gil_scoped_release release;
        return cron_next_fires(expr, zone, after_ms, n);
      },
      "expr"_a, "zone"_a, "after_ms"_a, "n"_a = 1,
      "The next n fire times (ms since the epoch) of a cron expression in an IANA zone, strictly after after_ms.");
  m.def(
      "cron_next_many",
      [](std::vector<std::string> exprs, std::vector<std::string> zones, std::vector<std::int64_t> after) {
        std::vector<std::int64_t> out;
        {
          py::gil_scoped_release release;
          out = cron_next_many(exprs, zones, after);
        }
        return to_numpy(std::move(out));
      },
      "exprs"_a, "zones"_a, "after_ms"_a, "One next fire time per schedule (ms; -1 where none), as a numpy array.");
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("schedule_due") = py::cpp_function(
      [](Session& s, std::int64_t now) {
        const auto due = service_call(s, kSchedules, [&](Schedules& x, const Actor& a) { return x.due(a, now); });
        py::list out;
        for (const DueFire& f : due) out.append(fire_to_py(f));
        return out;
      },
      py::is_method(dir), "now"_a);
  dir.attr("schedule_tick") = py::cpp_function(
      [](Session& s, std::int64_t now) {
        const auto fired = service_call(s, kSchedules, [&](Schedules& x, const Actor& a) { return x.tick(a, now); });
        py::list out;
        for (const Fired& f : fired) {
          py::dict d = fire_to_py(f.fire);
          d["launch"] = f.launch;
          d["note"] = f.note;
          out.append(d);
        }
        return out;
      },
      py::is_method(dir), "now"_a);
  dir.attr("schedule_next_wakeup") = py::cpp_function(
      [](Session& s, std::int64_t now) {
        return service_call(s, kSchedules, [&](Schedules& x, const Actor& a) { return x.next_wakeup(a, now); });
      },
      py::is_method(dir), "now"_a);
  dir.attr("next_runs") = py::cpp_function(
      [](Session& s, Id command, std::size_t n, std::optional<std::int64_t> after) {
        return service_call(s, kSchedules, [&](Schedules& x, const Actor& a) { return x.next_runs(a, command, n, after); });
      },
      py::is_method(dir), "command"_a, "n"_a = 5, "after"_a = py::none());
  dir.attr("trigger") = py::cpp_function(
      [](Session& s, Id org, const std::string& name, const Variables& payload) {
        const auto launches =
            service_call(s, kSchedules, [&](Schedules& x, const Actor& a) { return x.trigger(a, org, name, payload); });
        py::list out;
        for (const Launch& l : launches) out.append(py::dict("id"_a = l.id));
        return out;
      },
      py::is_method(dir), "org"_a, "name"_a, "payload"_a = Variables{});
}

}  // namespace dirctl::py_bindings
