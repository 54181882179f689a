// dirctl._core.Directory: the engine handle. Every call releases the GIL and
// holds the handle's mutex; results convert to Python after the GIL returns.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <chrono>

#include "dirctl/error.h"
#include "dirctl/migrate.h"
#include "numpy_columns.h"
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

std::uint64_t this_thread_token() {
  static std::atomic<std::uint64_t> next{1};
  thread_local const std::uint64_t token = next++;
  return token;
}

Lease::Lease(Handle& h, bool wait_for_batch) : h_(h) {
  const std::uint64_t me = this_thread_token();
  if (h.holder.load() == me)
    throw InvalidArgument("this directory handle is already in a call on this thread (a callback, such as an import's "
                          "progress, called back into it); do not use the handle from inside its callbacks");
  lock_ = std::unique_lock<std::mutex>(h.mu);
  const auto free = [&] { return h.batch_owner == 0 || h.batch_owner == me; };
  if (wait_for_batch && !h.batch_ended.wait_for(lock_, std::chrono::milliseconds(h.timeout_ms), free))
    throw StorageError("another thread of this process holds a batch open on this directory handle, and it did not "
                       "end within the timeout (" + std::to_string(h.timeout_ms) + " ms); give each thread its own "
                       "handle (dirctl.open) or end the batch first");
  h.holder.store(me);
  settle_reasons(h);  // before the call can change the model
}

Lease::~Lease() { h_.holder.store(0); }

Actor subject_arg(Session& s, const py::object& who) {
  // A view (its _core) is its actor with its credential: asked about a login
  // session or an API key, the answer follows whether it is still valid.
  const Actor subject = py::isinstance<Session>(who) ? who.cast<Session&>().actor : actor_arg(who);
  if (!s.restricted()) return subject;
  // A view asking about itself is its actor with its credential (a login
  // session or API key), so an ended session or a revoked key is refused.
  if (subject.type == s.actor.type && subject.id == s.actor.id) return s.actor;
  // Through a view, a decision is about the view's own actor: asking about
  // another (its rights, and names in its orgs) is acting as it.
  return run(s, [&](Directory& d) { return d.act_as(s.actor, subject.id, subject.type); });
}

namespace {

// Batch calls also mark (and clear) the thread that owns the batch.
void batch_call(Session& s, void (Directory::*op)()) {
  py::gil_scoped_release release;
  Lease lease(*s.handle);
  Handle& h = *s.handle;
  auto settle = [&] {  // the batch's owner follows whether one is open
    if (h.dir.in_batch()) {
      h.batch_owner = this_thread_token();
    } else if (h.batch_owner != 0) {
      h.batch_owner = 0;
      h.batch_ended.notify_all();
    }
  };
  try {
    (h.dir.*op)();
  } catch (...) {
    settle();
    throw;
  }
  settle();
}

// A listing's typed columns as frames.py takes them: {name: numpy array
// (ids int64, booleans bool) | ("ints", int64 values, valid | None) for
// nullable integers | ("text", ...) | ("coded", ...) | list of id lists}.
py::dict table_to_py(TableColumns&& cols) {
  py::dict out;
  for (TableColumn& c : cols.columns) {
    py::object column;
    if (auto* i = std::get_if<IntColumn>(&c.data)) {
      if (!i->nullable && i->valid.empty()) {
        column = to_numpy(std::move(i->values));
      } else {
        py::object valid = py::none();
        if (!i->valid.empty()) valid = to_numpy(std::move(i->valid));
        column = py::make_tuple("ints", to_numpy(std::move(i->values)), valid);
      }
    } else if (auto* b = std::get_if<BoolColumn>(&c.data)) {
      column = to_numpy(std::move(b->values)).attr("view")("bool");  // bytes 0/1: numpy's bool layout
    } else if (auto* t = std::get_if<TextColumn>(&c.data)) {
      column = text_to_py(std::move(*t));
    } else if (auto* k = std::get_if<CodedColumn>(&c.data)) {
      column = coded_to_py(std::move(*k));
    } else {
      column = py::cast(std::get<IdListColumn>(c.data).values);
    }
    out[py::str(c.name)] = std::move(column);
  }
  return out;
}

}  // namespace

void register_directory(py::module_& m) {
  m.def(
      "migrate",
      [](const std::string& from, const std::string& to, int busy_timeout_ms,
         std::function<void(const std::string&, std::int64_t)> progress) {
        py::gil_scoped_release release;  // the progress callable takes the GIL back (pybind11's caster)
        return migrate_directory(from, to, busy_timeout_ms, progress);
      },
      "source"_a, "target"_a, "busy_timeout_ms"_a = 10000, "progress"_a = nullptr,
      "Copy a whole directory (objects, relations, runs, the event log) from one store to a new one; "
      "returns [(table, rows)].");
  py::class_<Session>(m, "Directory",
                      "One open directory file (or ':memory:'), acting as one fixed actor (system when opened).")
      .def(py::init([](const std::string& path, int busy_timeout_ms, bool uri) {
             py::gil_scoped_release release;
             return Session{std::make_shared<Handle>(path, OpenOptions{busy_timeout_ms, uri}), Actor::system()};
           }),
           "path"_a, "busy_timeout_ms"_a = 10000, "uri"_a = false,
           "Open or create the directory at path (a SQLite URI only with uri=True).")
      .def(
          "as_actor",
          [](Session& s, const std::string& type, Id id) {
            ActorType as = type == "admin"     ? ActorType::kAdmin
                           : type == "user"    ? ActorType::kUser
                           : type == "api_key" ? ActorType::kApiKey
                                               : ActorType::kSystem;
            if (as == ActorType::kSystem)
              throw InvalidArgument("actor type '" + type + "' is not one of admin, user, api_key");
            const Actor actor = run(s, [&](Directory& d) { return d.act_as(s.actor, id, as); });
            return Session{s.handle, actor};
          },
          "type"_a, "id"_a,
          "A session on the same file acting as ('admin' | 'api_key' | 'user', id). From a view: only itself.")
      .def_property_readonly(
          "actor",
          [](Session& s) -> py::object {
            if (!s.restricted()) return py::none();
            return py::make_tuple(std::string(actor_type_name(s.actor.type)), s.actor.id);
          },
          "The (type, id) this session acts as; None for the system handle.")
      .def_property_readonly("path", [](Session& h) { return run(h, [](Directory& d) { return d.path(); }); },
                             "The file this handle opened.")
      .def_property_readonly("closed", [](Session& h) {
        py::gil_scoped_release release;
        Lease lease(*h.handle, /*wait_for_batch=*/false);
        return h.handle->dir.is_closed();
      }, "True after close().")
      .def("close", [](Session& h) {
        py::gil_scoped_release release;
        Lease lease(*h.handle, /*wait_for_batch=*/false);  // closing ends any batch, even one a dead thread left open
        h.handle->dir.close();  // an open batch is rolled back (its denials still recorded)
        h.handle->batch_owner = 0;
        h.handle->batch_ended.notify_all();
      }, "Close the file (for every view of it); idempotent.")
      .def(
          "create",
          [](Session& h, const std::string& kind, Id org, const Fields& fields) {
            Kind k = kind_arg(kind);
            const Actor actor = h.actor;
            return record_to_py(run(h, [&](Directory& d) { return d.create(actor, k, org, fields); }));
          },
          "kind"_a, "org"_a, "fields"_a, "Create an object of a kind in an org; returns its record.")
      .def(
          "update",
          [](Session& h, Id id, const Fields& fields) {
            const Actor actor = h.actor;
            return record_to_py(run(h, [&](Directory& d) { return d.update(actor, id, fields); }));
          },
          "id"_a, "fields"_a, "Change the given fields of an object; returns the new record.")
      .def(
          "remove",
          [](Session& h, Id id) {
            const Actor actor = h.actor;
            run(h, [&](Directory& d) { d.remove(actor, id); });
          },
          "id"_a,
          "Delete an object with its memberships and associations.")
      .def(
          "get",
          [](Session& h, Id id) {
            const Actor actor = h.actor;
            return record_to_py(run(h, [&](Directory& d) { return d.get(actor, id); }));
          },
          "id"_a, "The record of an object by id.")
      .def(
          "find",
          [](Session& h, const std::string& kind, Id org, const std::string& key) {
            Kind k = kind_arg(kind);
            const Actor actor = h.actor;
            return record_to_py(run(h, [&](Directory& d) { return d.find(actor, k, org, key); }));
          },
          "kind"_a, "org"_a, "key"_a, "The record of an object by its key fields (username or email, name...).")
      .def(
          "list",
          [](Session& h, const std::string& kind, Id org) {
            Kind k = kind_arg(kind);
            const Actor actor = h.actor;
            return records_to_py(run(h, [&](Directory& d) { return d.list(actor, k, org); }));
          },
          "kind"_a, "org"_a, "Every record of a kind in an org, by id.")
      .def(
          "count",
          [](Session& h, const std::string& kind, Id org) {
            Kind k = kind_arg(kind);
            const Actor actor = h.actor;
            return run(h, [&](Directory& d) { return d.count(actor, k, org); });
          },
          "kind"_a, "org"_a, "How many objects of a kind an org holds.")
      .def(
          "columns",
          [](Session& h, const std::string& kind, Id org) {
            Kind k = kind_arg(kind);
            const Actor actor = h.actor;
            return table_to_py(run(h, [&](Directory& d) { return d.columns(actor, k, org); }));
          },
          "kind"_a, "org"_a, "Every record of a kind in an org as typed columns {field: array | tuple}, for DataFrames.")
      .def(
          "add_member",
          [](Session& h, Id group, Id member) {
            const Actor actor = h.actor;
            run(h, [&](Directory& d) { d.add_member(actor, group, member); }); },
          "group"_a, "member"_a, "Add a user to a user group or a device to a device group.")
      .def(
          "remove_member",
          [](Session& h, Id group, Id member) {
            const Actor actor = h.actor;
            run(h, [&](Directory& d) { d.remove_member(actor, group, member); }); },
          "group"_a, "member"_a, "Remove a member from a group.")
      .def(
          "members",
          [](Session& h, Id group) {
            const Actor actor = h.actor;
            return records_to_py(run(h, [&](Directory& d) { return d.members(actor, group); })); },
          "group"_a, "The members of a group, by id.")
      .def(
          "groups_of",
          [](Session& h, Id member) {
            const Actor actor = h.actor;
            return records_to_py(run(h, [&](Directory& d) { return d.groups_of(actor, member); })); },
          "member"_a, "The groups a user or device belongs to.")
      .def(
          "associate",
          [](Session& h, Id a, Id b) {
            const Actor actor = h.actor;
            run(h, [&](Directory& d) { d.associate(actor, a, b); });
          },
          "a"_a, "b"_a, "Associate two objects (an allowed pair).")
      .def(
          "dissociate",
          [](Session& h, Id a, Id b) {
            const Actor actor = h.actor;
            run(h, [&](Directory& d) { d.dissociate(actor, a, b); });
          },
          "a"_a, "b"_a, "Remove an association.")
      .def(
          "associations",
          [](Session& h, Id id) {
            const Actor actor = h.actor;
            return records_to_py(run(h, [&](Directory& d) { return d.associations(actor, id); }));
          },
          "id"_a, "The objects associated with an object (not its groups or members).")
      .def(
          "bindings",
          [](Session& h, Id id) {
            const Actor actor = h.actor;
            auto found = run(h, [&](Directory& d) { return d.bindings(actor, id); });
            py::list out;
            for (const auto& b : found)
              out.append(py::make_tuple(b.user, b.device, b.sudo, b.passwordless_sudo, record_to_py(b.other)));
            return out;
          },
          "id"_a, "A user's or device's bindings: (user, device, sudo, passwordless_sudo, other end's record).")
      .def(
          "bind",
          [](Session& h, Id a, Id b, bool sudo, bool passwordless_sudo) {
            const Actor actor = h.actor;
            run(h, [&](Directory& d) { d.bind(actor, a, b, sudo, passwordless_sudo); });
          },
          "a"_a, "b"_a, "sudo"_a, "passwordless_sudo"_a, "Bind a user and a device, or change the binding's flags.")
      .def(
          "create_admin_from_user",
          [](Session& h, Id user, const Fields& fields) {
            const Actor actor = h.actor;
            return record_to_py(run(h, [&](Directory& d) { return d.create_admin_from_user(actor, user, fields); }));
          },
          "user"_a, "fields"_a, "Give a user an admin role (an admin linked to the user, same email).")
      .def("begin_batch", [](Session& h) { batch_call(h, &Directory::begin_batch); },
           "Start a batch, owned by this thread until it ends.")
      .def("commit_batch", [](Session& h) { batch_call(h, &Directory::commit_batch); }, "Commit a batch.")
      .def("rollback_batch", [](Session& h) { batch_call(h, &Directory::rollback_batch); }, "Roll a batch back.")
      .def_property_readonly("in_batch", [](Session& h) {
        py::gil_scoped_release release;
        Lease lease(*h.handle, /*wait_for_batch=*/false);
        return h.handle->dir.in_batch();
      }, "True inside a batch.")
      .def("last_event_seq", [](Session& h) { return run(h, [](Directory& d) { return d.last_event_seq(); }); },
           "The sequence number of the newest event.")
      .def_property_readonly("schema_version", [](Session& h) { return run(h, [](Directory& d) { return d.schema_version(); }); },
                             "The schema version of the open file.")
      .def(
          "wait_for_change",
          [](Session& h, int timeout_ms) { return run(h, [&](Directory& d) { return d.wait_for_change(timeout_ms); }); },
          "timeout_ms"_a, "Wait up to timeout_ms for another process's commit; True if one came.")
      .def("integrity_check", [](Session& h) { return run(h, [](Directory& d) { return d.integrity_check(); }); },
           "SQLite's PRAGMA integrity_check ('ok' when sound).")
      .def("refresh", [](Session& h) { run(h, [](Directory& d) { d.refresh(); }); },
           "Catch up with other processes' commits now.");
  m.attr("LATEST_SCHEMA_VERSION") = Directory::latest_schema_version();
}

}  // namespace dirctl::py_bindings
