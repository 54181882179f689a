// dirctl._core.Directory: the engine handle. Every call releases the GIL and
// holds the handle's mutex; results convert to Python after the GIL returns.
#include <pybind11/stl.h>

#include "dirctl/error.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

Actor actor_arg(const py::object& actor) {
  if (actor.is_none()) return Actor::system();
  auto t = actor.cast<std::pair<std::string, std::int64_t>>();
  if (t.second <= 0 || t.second > UINT32_MAX) throw InvalidArgument("actor id out of range");
  const Id id = static_cast<Id>(t.second);
  if (t.first == "admin") return Actor{ActorType::kAdmin, id};
  if (t.first == "user") return Actor{ActorType::kUser, id};
  if (t.first == "api_key") return Actor{ActorType::kApiKey, id};
  if (t.first == "system") return Actor::system();
  throw InvalidArgument("actor type '" + t.first + "' is not one of system, admin, user, api_key");
}

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
          [](Handle& h, const std::string& kind, Id org, const Fields& fields, const py::object& who) {
            Kind k = kind_arg(kind);
            const Actor actor = actor_arg(who);
            return record_to_py(run(h, [&](Directory& d) { return d.create(actor, k, org, fields); }));
          },
          "kind"_a, "org"_a, "fields"_a, "actor"_a = py::none(), "Create an object of a kind in an org; returns its record.")
      .def(
          "update",
          [](Handle& h, Id id, const Fields& fields, const py::object& who) {
            const Actor actor = actor_arg(who);
            return record_to_py(run(h, [&](Directory& d) { return d.update(actor, id, fields); }));
          },
          "id"_a, "fields"_a, "actor"_a = py::none(), "Change the given fields of an object; returns the new record.")
      .def(
          "remove",
          [](Handle& h, Id id, const py::object& who) {
            const Actor actor = actor_arg(who);
            run(h, [&](Directory& d) { d.remove(actor, id); });
          },
          "id"_a, "actor"_a = py::none(),
          "Delete an object with its memberships and associations.")
      .def(
          "get",
          [](Handle& h, Id id, const py::object& who) {
            const Actor actor = actor_arg(who);
            return record_to_py(run(h, [&](Directory& d) { return d.get(actor, id); }));
          },
          "id"_a, "actor"_a = py::none(), "The record of an object by id.")
      .def(
          "find",
          [](Handle& h, const std::string& kind, Id org, const std::string& key, const py::object& who) {
            Kind k = kind_arg(kind);
            const Actor actor = actor_arg(who);
            return record_to_py(run(h, [&](Directory& d) { return d.find(actor, k, org, key); }));
          },
          "kind"_a, "org"_a, "key"_a, "actor"_a = py::none(), "The record of an object by its key fields (username or email, name...).")
      .def(
          "list",
          [](Handle& h, const std::string& kind, Id org, const py::object& who) {
            Kind k = kind_arg(kind);
            const Actor actor = actor_arg(who);
            return records_to_py(run(h, [&](Directory& d) { return d.list(actor, k, org); }));
          },
          "kind"_a, "org"_a, "actor"_a = py::none(), "Every record of a kind in an org, by id.")
      .def(
          "count",
          [](Handle& h, const std::string& kind, Id org, const py::object& who) {
            Kind k = kind_arg(kind);
            const Actor actor = actor_arg(who);
            return run(h, [&](Directory& d) { return d.count(actor, k, org); });
          },
          "kind"_a, "org"_a, "actor"_a = py::none(), "How many objects of a kind an org holds.")
      .def(
          "columns",
          [](Handle& h, const std::string& kind, Id org, const py::object& who) {
            Kind k = kind_arg(kind);
            const Actor actor = actor_arg(who);
            Columns cols = run(h, [&](Directory& d) { return d.columns(actor, k, org); });
            py::dict out;
            for (auto& [name, values] : cols) out[py::str(name)] = py::cast(values);
            return out;
          },
          "kind"_a, "org"_a, "actor"_a = py::none(), "Every record of a kind in an org as {field: list}, for DataFrames.")
      .def(
          "add_member",
          [](Handle& h, Id group, Id member, const py::object& who) {
            const Actor actor = actor_arg(who);
            run(h, [&](Directory& d) { d.add_member(actor, group, member); }); },
          "group"_a, "member"_a, "actor"_a = py::none(), "Add a user to a user group or a device to a device group.")
      .def(
          "remove_member",
          [](Handle& h, Id group, Id member, const py::object& who) {
            const Actor actor = actor_arg(who);
            run(h, [&](Directory& d) { d.remove_member(actor, group, member); }); },
          "group"_a, "member"_a, "actor"_a = py::none(), "Remove a member from a group.")
      .def(
          "members",
          [](Handle& h, Id group, const py::object& who) {
            const Actor actor = actor_arg(who);
            return records_to_py(run(h, [&](Directory& d) { return d.members(actor, group); })); },
          "group"_a, "actor"_a = py::none(), "The members of a group, by id.")
      .def(
          "groups_of",
          [](Handle& h, Id member, const py::object& who) {
            const Actor actor = actor_arg(who);
            return records_to_py(run(h, [&](Directory& d) { return d.groups_of(actor, member); })); },
          "member"_a, "actor"_a = py::none(), "The groups a user or device belongs to.")
      .def(
          "associate",
          [](Handle& h, Id a, Id b, const py::object& who) {
            const Actor actor = actor_arg(who);
            run(h, [&](Directory& d) { d.associate(actor, a, b); });
          },
          "a"_a, "b"_a, "actor"_a = py::none(), "Associate two objects (an allowed pair).")
      .def(
          "dissociate",
          [](Handle& h, Id a, Id b, const py::object& who) {
            const Actor actor = actor_arg(who);
            run(h, [&](Directory& d) { d.dissociate(actor, a, b); });
          },
          "a"_a, "b"_a, "actor"_a = py::none(), "Remove an association.")
      .def(
          "associations",
          [](Handle& h, Id id, const py::object& who) {
            const Actor actor = actor_arg(who);
            return records_to_py(run(h, [&](Directory& d) { return d.associations(actor, id); }));
          },
          "id"_a, "actor"_a = py::none(), "The objects associated with an object (not its groups or members).")
      .def(
          "create_admin_from_user",
          [](Handle& h, Id user, const Fields& fields, const py::object& who) {
            const Actor actor = actor_arg(who);
            return record_to_py(run(h, [&](Directory& d) { return d.create_admin_from_user(actor, user, fields); }));
          },
          "user"_a, "fields"_a, "actor"_a = py::none(), "Give a user an admin role (an admin linked to the user, same email).")
      .def("begin_batch", [](Handle& h) { run(h, [](Directory& d) { d.begin_batch(); }); }, "Start a batch.")
      .def("commit_batch", [](Handle& h) { run(h, [](Directory& d) { d.commit_batch(); }); }, "Commit a batch.")
      .def("rollback_batch", [](Handle& h) { run(h, [](Directory& d) { d.rollback_batch(); }); }, "Roll a batch back.")
      .def_property_readonly("in_batch", [](Handle& h) { return h.dir.in_batch(); }, "True inside a batch.")
      .def(
          "events",
          [](Handle& h, const EventFilter& filter, const py::object& who) {
            const Actor actor = actor_arg(who);
            auto events = run(h, [&](Directory& d) { return d.events(actor, filter); });
            py::list out;
            for (const auto& e : events) out.append(event_to_py(e));
            return out;
          },
          "filter"_a, "actor"_a = py::none(), "Audit events matching the filter, oldest first.")
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
