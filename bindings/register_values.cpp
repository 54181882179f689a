// Records and field values: C++ Record -> {"kind", "id", "org", "fields"}.
#include <pybind11/stl.h>

#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "register.h"

using namespace pybind11::literals;

namespace dirctl::py_bindings {

Kind kind_arg(const std::string& name) { return kind_from_name(name); }

py::dict record_to_py(const Record& r) {
  py::dict fields;
  for (const auto& [name, value] : r.fields) fields[py::str(name)] = py::cast(value);
  py::dict out;
  out["kind"] = std::string(kind_name(r.kind));
  out["id"] = r.id;
  out["org"] = r.org;
  out["fields"] = fields;
  return out;
}

py::list records_to_py(const std::vector<Record>& records) {
  py::list out;
  for (const auto& r : records) out.append(record_to_py(r));
  return out;
}

void register_values(py::module_& m) {
  m.def(
      "kind_fields",
      [](const std::string& kind) {
        py::list out;
        for (const auto& f : spec(kind_arg(kind)).fields) {
          py::dict d;
          d["name"] = f.name;
          d["required"] = f.required;
          d["immutable"] = f.immutable;
          d["readonly"] = f.readonly;
          d["aliases"] = f.aliases;
          d["choices"] = f.choices;
          out.append(d);
        }
        return out;
      },
      "kind"_a, "The fields of a kind of object, in order, as dicts.");
  m.def("role_names", &role_names, "The admin roles (columns of docs/spec/admin_roles.csv).");
  m.def("user_states", &user_states, "The user states.");
  m.def("admin_states", &admin_states, "The admin states.");
}

}  // namespace dirctl::py_bindings
