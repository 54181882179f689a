// Bulk CSV import and export. The import runs with the GIL released; the
// progress callable is re-entered with the GIL held (pybind11's function
// wrapper acquires it), a few times a second at most.
#include <memory>

#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "dirctl/error.h"
#include "numpy_columns.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

namespace {

ImportMode mode_arg(const std::string& mode) {
  if (mode == "create") return ImportMode::kCreate;
  if (mode == "update") return ImportMode::kUpdate;
  if (mode == "upsert") return ImportMode::kUpsert;
  throw InvalidArgument("mode '" + mode + "' is not one of create, update, upsert");
}

py::list issues_to_py(const std::vector<ImportIssue>& v) {
  py::list out;
  for (const auto& i : v)
    out.append(py::dict("line"_a = i.line, "column"_a = i.column, "value"_a = i.value, "message"_a = i.message));
  return out;
}

template <typename T>
py::array_t<T> copy_to_numpy(const std::vector<T>& v) {
  return to_numpy(std::vector<T>(v));
}

}  // namespace

void register_import(py::module_& m) {
  py::class_<ImportReport, std::shared_ptr<ImportReport>>(
      m, "ImportResult", "What an import did; per-row results stay in C++ until asked for (row_columns).")
      .def_readonly("created", &ImportReport::created)
      .def_readonly("updated", &ImportReport::updated)
      .def_readonly("unchanged", &ImportReport::unchanged)
      .def_readonly("skipped", &ImportReport::skipped)
      .def_readonly("pending_activation", &ImportReport::pending_activation)
      .def_readonly("errors", &ImportReport::errors)
      .def_readonly("duration", &ImportReport::duration)
      .def_readonly("dry_run", &ImportReport::dry_run)
      .def_readonly("written", &ImportReport::written)
      .def_property_readonly("error_records", [](const ImportReport& r) { return issues_to_py(r.error_records); })
      .def_property_readonly("warnings", [](const ImportReport& r) { return issues_to_py(r.warnings); })
      .def("__len__", [](const ImportReport& r) { return r.rows.size(); })
      .def(
          "row_columns",
          [](const ImportReport& r) {
            py::dict out;
            out["line"] = copy_to_numpy(r.rows.line);
            out["status"] = copy_to_numpy(r.rows.status);
            out["statuses"] = py::cast(row_status_names());
            out["user_id"] = copy_to_numpy(r.rows.user);
            out["username"] = py::cast(r.rows.username);
            out["groups_added"] = py::cast(r.rows.groups_added);
            out["device_bound"] = py::cast(r.rows.device_bound);
            return out;
          },
          "Per-row results as columns: line, status (codes into statuses), user_id (0: none), username, "
          "groups_added, device_bound.");
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("import_users_csv") = py::cpp_function(
      [](Session& h, Id org, const std::string& path, const std::string& mode, bool skip_errors, bool dry_run,
         bool create_groups, bool strict, std::function<void(std::size_t, std::size_t)> progress) {
        const Actor actor = h.actor;
        ImportOptions opt;
        opt.mode = mode_arg(mode);
        opt.skip_errors = skip_errors;
        opt.dry_run = dry_run;
        opt.create_groups = create_groups;
        opt.strict = strict;
        opt.progress = std::move(progress);
        return std::make_shared<ImportReport>(
            run(h, [&](Directory& d) { return d.import_users_csv(actor, org, path, opt); }));
      },
      py::is_method(dir), "org"_a, "path"_a, "mode"_a = "create", "skip_errors"_a = false, "dry_run"_a = false,
      "create_groups"_a = false, "strict"_a = false, "progress"_a = nullptr,
      "Import users from a JumpCloud-template CSV; returns an ImportResult.");
  dir.attr("export_users_csv") = py::cpp_function(
      [](Session& h, Id org, const std::string& path, bool overwrite) {
        const Actor actor = h.actor;
        return run(h, [&](Directory& d) { return d.export_users_csv(actor, org, path, overwrite); });
      },
      py::is_method(dir), "org"_a, "path"_a, "overwrite"_a = false,
      "Write an org's users to a CSV in the import template (a new file, or a regular one with overwrite); "
      "returns the number of users.");
}

}  // namespace dirctl::py_bindings
