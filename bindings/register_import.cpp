// Bulk CSV import and export. The import runs with the GIL released; the
// progress callable is re-entered with the GIL held (pybind11's function
// wrapper acquires it), a few times a second at most.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include "dirctl/error.h"
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

py::dict report_to_py(const ImportReport& r) {
  auto issues = [](const std::vector<ImportIssue>& v) {
    py::list out;
    for (const auto& i : v)
      out.append(py::dict("line"_a = i.line, "column"_a = i.column, "value"_a = i.value, "message"_a = i.message));
    return out;
  };
  py::list rows;
  for (const auto& row : r.rows)
    rows.append(py::dict("line"_a = row.line, "username"_a = row.username, "status"_a = row.status,
                         "user_id"_a = row.user, "groups_added"_a = row.groups_added,
                         "device_bound"_a = row.device_bound));
  return py::dict("created"_a = r.created, "updated"_a = r.updated, "unchanged"_a = r.unchanged,
                  "skipped"_a = r.skipped, "errors"_a = r.errors, "error_records"_a = issues(r.error_records),
                  "warnings"_a = issues(r.warnings), "rows"_a = rows, "duration"_a = r.duration,
                  "dry_run"_a = r.dry_run, "written"_a = r.written);
}

}  // namespace

void register_import(py::module_& m) {
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("import_users_csv") = py::cpp_function(
      [](Handle& h, Id org, const std::string& path, const std::string& mode, bool skip_errors, bool dry_run,
         bool create_groups, bool strict, std::function<void(std::size_t, std::size_t)> progress,
         const py::object& who) {
        const Actor actor = actor_arg(who);
        ImportOptions opt;
        opt.mode = mode_arg(mode);
        opt.skip_errors = skip_errors;
        opt.dry_run = dry_run;
        opt.create_groups = create_groups;
        opt.strict = strict;
        opt.progress = std::move(progress);
        ImportReport rep;
        {
          py::gil_scoped_release release;
          std::lock_guard<std::mutex> lock(h.mu);
          rep = h.dir.import_users_csv(actor, org, path, opt);
        }
        return report_to_py(rep);
      },
      py::is_method(dir), "org"_a, "path"_a, "mode"_a = "create", "skip_errors"_a = false, "dry_run"_a = false,
      "create_groups"_a = false, "strict"_a = false, "progress"_a = nullptr, "actor"_a = py::none(),
      "Import users from a JumpCloud-template CSV; returns the report as a dict.");
  dir.attr("export_users_csv") = py::cpp_function(
      [](Handle& h, Id org, const std::string& path, const py::object& who) {
        const Actor actor = actor_arg(who);
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(h.mu);
        return h.dir.export_users_csv(actor, org, path);
      },
      py::is_method(dir), "org"_a, "path"_a, "actor"_a = py::none(),
      "Write an org's users to a CSV in the import template; returns the number of users.");
}

}  // namespace dirctl::py_bindings
