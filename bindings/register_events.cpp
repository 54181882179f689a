// Audit events as dicts and as columns (for DataFrames).
#include <pybind11/stl.h>

#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

namespace {
py::dict ref_to_py(const ObjectRef& r) {
  if (r.type.empty()) return py::dict();
  return py::dict("type"_a = r.type, "id"_a = r.id, "name"_a = r.name);
}
}  // namespace

py::dict event_to_py(const Event& e) {
  py::list changes;
  for (const auto& c : e.changes) changes.append(py::dict("field"_a = c.field, "from"_a = c.from, "to"_a = c.to));
  return py::dict("seq"_a = e.seq, "time"_a = e.time, "org"_a = e.org, "event_type"_a = e.event_type,
                  "initiated_by"_a = py::dict("type"_a = e.initiated_by_type, "id"_a = e.initiated_by_id,
                                              "email"_a = e.initiated_by_email),
                  "resource"_a = ref_to_py(e.resource), "target"_a = ref_to_py(e.target), "success"_a = e.success,
                  "changes"_a = changes, "message"_a = e.message);
}

void register_events(py::module_& m) {
  py::class_<EventFilter>(m, "EventFilter", "Which audit events to return; unset members match all.")
      .def(py::init<>())
      .def_readwrite("type", &EventFilter::type)
      .def_readwrite("since", &EventFilter::since)
      .def_readwrite("until", &EventFilter::until)
      .def_readwrite("initiated_by_id", &EventFilter::initiated_by_id)
      .def_readwrite("initiated_by_type", &EventFilter::initiated_by_type)
      .def_readwrite("resource_id", &EventFilter::resource_id)
      .def_readwrite("resource_type", &EventFilter::resource_type)
      .def_readwrite("org", &EventFilter::org)
      .def_readwrite("success", &EventFilter::success)
      .def_readwrite("after_seq", &EventFilter::after_seq)
      .def_readwrite("limit", &EventFilter::limit);
}

}  // namespace dirctl::py_bindings
