// The assignment graph: reach, explain and the audits. Audit columns leave
// C++ as numpy arrays that own the engine's vectors (no copy), and each id
// column comes with categorical codes and one name per distinct object, so
// pandas builds frames without a Python object per row.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "dirctl/error.h"
#include "numpy_columns.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

namespace {

// codes[i] = position of ids[i] among the distinct ids (ascending), plus names.
struct Categories {
  std::vector<std::int32_t> codes;
  std::vector<Id> distinct;
};
Categories categorize(const std::vector<Id>& ids) {
  Categories c;
  Id max_id = 0;
  for (Id id : ids) max_id = std::max(max_id, id);
  std::vector<std::int32_t> slot(std::size_t{max_id} + 1, -1);
  for (Id id : ids) slot[id] = 0;
  for (Id id = 0; id <= max_id && !ids.empty(); ++id)
    if (slot[id] == 0) {
      slot[id] = static_cast<std::int32_t>(c.distinct.size());
      c.distinct.push_back(id);
    }
  c.codes.resize(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) c.codes[i] = slot[ids[i]];
  return c;
}

// An id column with its categories and the names of its distinct objects,
// made while the handle's lock is held (in the same run() as the rows, so
// the names are those of the rows' objects).
struct NamedIds {
  std::vector<Id> ids;
  Categories c;
  std::vector<std::string> names;
};
NamedIds named(Directory& d, std::vector<Id>&& ids) {
  NamedIds n{std::move(ids), {}, {}};
  n.c = categorize(n.ids);
  n.names = d.names_of(n.c.distinct);
  return n;
}

// Adds "<name>" (ids), "<name>_codes", "<name>_names" and "<name>_distinct" to out.
void add_id_column(py::dict& out, const char* name, NamedIds&& n) {
  out[py::str(name)] = to_numpy(std::move(n.ids));
  out[py::str(std::string(name) + "_codes")] = to_numpy(std::move(n.c.codes));
  out[py::str(std::string(name) + "_names")] = n.names;
  out[py::str(std::string(name) + "_distinct")] = to_numpy(std::move(n.c.distinct));
}

}  // namespace

void register_graph(py::module_& m) {
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("reach") = py::cpp_function(
      [](Session& h, Id from, const std::string& want) {
        const Actor actor = h.actor;
        const Kind k = kind_arg(want);
        return run(h, [&](Directory& d) { return d.reach(actor, from, k); });
      },
      py::is_method(dir), "from_id"_a, "want"_a,
      "Ids of kind `want` reachable from an object along the assignment graph.");
  dir.attr("explain") = py::cpp_function(
      [](Session& h, Id a, Id b) {
        const Actor actor = h.actor;
        auto paths = run(h, [&](Directory& d) { return d.explain(actor, a, b); });
        py::list out;
        for (const auto& p : paths) {
          py::list hops;
          for (const auto& hop : p) hops.append(py::make_tuple(hop.type, hop.name, hop.id));
          out.append(hops);
        }
        return out;
      },
      py::is_method(dir), "a"_a, "b"_a, "Every path connecting a and b, as (type, name, id) hops.");
  dir.attr("who_can_access") = py::cpp_function(
      [](Session& h, Id org, Id user, Id device) {
        const Actor actor = h.actor;
        AccessRows rows;
        NamedIds users, devices;
        run(h, [&](Directory& d) {
          rows = d.who_can_access(actor, org, AuditFilter{user, device, kNoId, kNoId});
          users = named(d, std::move(rows.user));
          devices = named(d, std::move(rows.device));
        });
        py::dict out;
        add_id_column(out, "user", std::move(users));
        add_id_column(out, "device", std::move(devices));
        out["how"] = to_numpy(std::move(rows.how));
        out["hows"] = rows.hows;
        out["suspended"] = to_numpy(std::move(rows.suspended));
        return out;
      },
      py::is_method(dir), "org"_a, "user"_a = 0, "device"_a = 0,
      "Columns of (user, device, how, suspended) for an org, optionally for one user or device.");
  dir.attr("who_can_run") = py::cpp_function(
      [](Session& h, Id org, Id command, Id device, Id admin) {
        const Actor actor = h.actor;
        RunRows rows;
        NamedIds admins, commands, devices;
        run(h, [&](Directory& d) {
          rows = d.who_can_run(actor, org, AuditFilter{kNoId, device, command, admin});
          admins = named(d, std::move(rows.admin));
          commands = named(d, std::move(rows.command));
          devices = named(d, std::move(rows.device));
        });
        py::dict out;
        add_id_column(out, "admin", std::move(admins));
        add_id_column(out, "command", std::move(commands));
        add_id_column(out, "device", std::move(devices));
        out["role"] = to_numpy(std::move(rows.role));
        out["rule"] = to_numpy(std::move(rows.rule));
        return out;
      },
      py::is_method(dir), "org"_a, "command"_a = 0, "device"_a = 0, "admin"_a = 0,
      "Columns of (admin, role, command, device, rule) for an org, optionally narrowed.");
  dir.attr("escalation_paths") = py::cpp_function(
      [](Session& h, Id org, Id admin, Id user, Id device) {
        const Actor actor = h.actor;
        EscalationRows rows;
        NamedIds vias, devices;
        run(h, [&](Directory& d) {
          rows = d.escalation_paths(actor, org, admin, AuditFilter{user, device, kNoId, kNoId});
          vias = named(d, std::move(rows.via));
          devices = named(d, std::move(rows.device));
        });
        py::dict out;
        out["mechanism"] = to_numpy(std::move(rows.mechanism));
        out["mechanisms"] = rows.mechanisms;
        add_id_column(out, "via", std::move(vias));
        add_id_column(out, "device", std::move(devices));
        out["steps"] = to_numpy(std::move(rows.steps));
        out["step_texts"] = rows.step_texts;
        return out;
      },
      py::is_method(dir), "org"_a, "admin"_a, "user"_a = 0, "device"_a = 0,
      "Columns of what an admin could newly reach, with the steps, optionally narrowed.");
}

}  // namespace dirctl::py_bindings
