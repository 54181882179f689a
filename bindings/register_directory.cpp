// dirctl._core.Directory: the engine handle. Every call releases the GIL and
// holds the handle's mutex; results convert to Python after the GIL returns.
#include <pybind11/stl.h>

#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

namespace {

template <typename F>
auto run(Handle& h, F&& f) {
  py::gil_scoped_release release;
  std::lock_guard<std::mutex> lock(h.mu);
  return f(h.dir);
}

const Actor kSystem = Actor::system();

}  // namespace

void register_directory(py::module_& m) {
  py::class_<Handle>(m, "Directory", "One open directory file (or ':memory:').")
      .def(py::init([](const std::string& path, int busy_timeout_ms) {
             py::gil_scoped_release release;
             return std::make_unique<Handle>(path, OpenOptions{busy_timeout_ms});
           }),
           "path"_a, "busy_timeout_ms"_a = 10000, "Open or create the directory at path.")
      .def_property_readonly("path", [](Handle& h) { return h.dir.path(); }, "The file this handle opened.")
      .def_property_readonly("closed", [](Handle& h) { return h.dir.is_closed(); }, "True after close().")
      .def("close", [](Handle& h) { run(h, [](Directory& d) { d.close(); }); }, "Close the file; idempotent.")
      .def(
          "create",
          [](Handle& h, const std::string& kind, Id org, const Fields& fields) {
            Kind k = kind_arg(kind);
            return record_to_py(run(h, [&](Directory& d) { return d.create(kSystem, k, org, fields); }));
          },
          "kind"_a, "org"_a, "fields"_a, "Create an object of a kind in an org; returns its record.")
      .def(
          "update",
          [](Handle& h, Id id, const Fields& fields) {
            return record_to_py(run(h, [&](Directory& d) { return d.update(kSystem, id, fields); }));
          },
          "id"_a, "fields"_a, "Change the given fields of an object; returns the new record.")
      .def(
          "remove", [](Handle& h, Id id) { run(h, [&](Directory& d) { d.remove(kSystem, id); }); }, "id"_a,
          "Delete an object with its memberships and associations.")
      .def(
          "get", [](Handle& h, Id id) { return record_to_py(run(h, [&](Directory& d) { return d.get(kSystem, id); })); },
          "id"_a, "The record of an object by id.")
      .def(
          "find",
          [](Handle& h, const std::string& kind, Id org, const std::string& key) {
            Kind k = kind_arg(kind);
            return record_to_py(run(h, [&](Directory& d) { return d.find(kSystem, k, org, key); }));
          },
          "kind"_a, "org"_a, "key"_a, "The record of an object by its key fields (username or email, name...).")
      .def(
          "list",
          [](Handle& h, const std::string& kind, Id org) {
            Kind k = kind_arg(kind);
            return records_to_py(run(h, [&](Directory& d) { return d.list(kSystem, k, org); }));
          },
          "kind"_a, "org"_a, "Every record of a kind in an org, by id.")
      .def(
          "count",
          [](Handle& h, const std::string& kind, Id org) {
            Kind k = kind_arg(kind);
            return run(h, [&](Directory& d) { return d.count(kSystem, k, org); });
          },
          "kind"_a, "org"_a, "How many objects of a kind an org holds.")
      .def(
          "columns",
          [](Handle& h, const std::string& kind, Id org) {
            Kind k = kind_arg(kind);
            Columns cols = run(h, [&](Directory& d) { return d.columns(kSystem, k, org); });
            py::dict out;
            for (auto& [name, values] : cols) out[py::str(name)] = py::cast(values);
            return out;
          },
          "kind"_a, "org"_a, "Every record of a kind in an org as {field: list}, for DataFrames.")
      .def(
          "add_member",
          [](Handle& h, Id group, Id member) { run(h, [&](Directory& d) { d.add_member(kSystem, group, member); }); },
          "group"_a, "member"_a, "Add a user to a user group or a device to a device group.")
      .def(
          "remove_member",
          [](Handle& h, Id group, Id member) { run(h, [&](Directory& d) { d.remove_member(kSystem, group, member); }); },
          "group"_a, "member"_a, "Remove a member from a group.")
      .def(
          "members",
          [](Handle& h, Id group) { return records_to_py(run(h, [&](Directory& d) { return d.members(kSystem, group); })); },
          "group"_a, "The members of a group, by id.")
      .def(
          "groups_of",
          [](Handle& h, Id member) { return records_to_py(run(h, [&](Directory& d) { return d.groups_of(kSystem, member); })); },
          "member"_a, "The groups a user or device belongs to.")
      .def(
          "associate", [](Handle& h, Id a, Id b) { run(h, [&](Directory& d) { d.associate(kSystem, a, b); }); }, "a"_a,
          "b"_a, "Associate two objects (an allowed pair).")
      .def(
          "dissociate", [](Handle& h, Id a, Id b) { run(h, [&](Directory& d) { d.dissociate(kSystem, a, b); }); },
          "a"_a, "b"_a, "Remove an association.")
      .def(
          "associations",
          [](Handle& h, Id id) { return records_to_py(run(h, [&](Directory& d) { return d.associations(kSystem, id); })); },
          "id"_a, "The objects associated with an object (not its groups or members).")
      .def(
          "create_admin_from_user",
          [](Handle& h, Id user, const Fields& fields) {
            return record_to_py(run(h, [&](Directory& d) { return d.create_admin_from_user(kSystem, user, fields); }));
          },
          "user"_a, "fields"_a, "Give a user an admin role (an admin linked to the user, same email).")
      .def("begin_batch", [](Handle& h) { run(h, [](Directory& d) { d.begin_batch(); }); }, "Start a batch.")
      .def("commit_batch", [](Handle& h) { run(h, [](Directory& d) { d.commit_batch(); }); }, "Commit a batch.")
      .def("rollback_batch", [](Handle& h) { run(h, [](Directory& d) { d.rollback_batch(); }); }, "Roll a batch back.")
      .def_property_readonly("in_batch", [](Handle& h) { return h.dir.in_batch(); }, "True inside a batch.")
      .def(
          "events",
          [](Handle& h, const EventFilter& filter) {
            auto events = run(h, [&](Directory& d) { return d.events(filter); });
            py::list out;
            for (const auto& e : events) out.append(event_to_py(e));
            return out;
          },
          "filter"_a, "Audit events matching the filter, oldest first.")
      .def("last_event_seq", [](Handle& h) { return run(h, [](Directory& d) { return d.last_event_seq(); }); },
           "The sequence number of the newest event.")
      .def_property_readonly("schema_version", [](Handle& h) { return h.dir.schema_version(); },
                             "The schema version of the open file.")
      .def("integrity_check", [](Handle& h) { return run(h, [](Directory& d) { return d.integrity_check(); }); },
           "SQLite's PRAGMA integrity_check ('ok' when sound).")
      .def("refresh", [](Handle& h) { run(h, [](Directory& d) { d.refresh(); }); },
           "Catch up with other processes' commits now.");
  m.attr("LATEST_SCHEMA_VERSION") = Directory::latest_schema_version();
}

}  // namespace dirctl::py_bindings
