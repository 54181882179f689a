// The binding units of dirctl._core: one register_<concept> per file.
// bindings/ only converts types, releases the GIL and maps errors.
#pragma once

#include <mutex>
#include <string>

#include <pybind11/pybind11.h>

#include "dirctl/directory.h"
#include "dirctl/event.h"
#include "dirctl/record.h"

namespace dirctl::py_bindings {

namespace py = pybind11;

// One handle per Python object; the mutex serialises threads, since the
// engine is not thread-safe and calls run with the GIL released.
struct Handle {
  explicit Handle(const std::string& path, OpenOptions options) : dir(path, options) {}
  std::mutex mu;
  Directory dir;
};

// Runs f(directory) with the GIL released and the handle's mutex held.
template <typename F>
auto run(Handle& h, F&& f) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(h.mu);
  return f(h.dir);
}

void register_errors(py::module_& m);
void register_values(py::module_& m);
void register_directory(py::module_& m);
void register_events(py::module_& m);
void register_log(py::module_& m);

void register_authz(py::module_& m);
void register_graph(py::module_& m);
void register_import(py::module_& m);

// None -> system; ("admin" | "user" | "api_key", id) -> that actor.
Actor actor_arg(const py::object& actor);
py::dict record_to_py(const Record& record);
py::list records_to_py(const std::vector<Record>& records);
py::dict event_to_py(const Event& event);
Kind kind_arg(const std::string& name);

}  // namespace dirctl::py_bindings
