// Audit events: the filter, events as dicts, and Insights' queries (columns,
// counts, distinct values, buckets, export pages, purge) on _core.Directory.
#include <pybind11/stl.h>

#include "dirctl/error.h"
#include "dirctl/insights.h"
#include "numpy_columns.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

namespace {

py::dict ref_to_py(const ObjectRef& r) {
  if (r.type.empty()) return py::dict();
  return py::dict("type"_a = r.type, "id"_a = r.id, "name"_a = r.name);
}

constexpr Insights& (Directory::*kInsights)() = &Directory::insights;

ExportFormat format_arg(const std::string& format) {
  if (format == "csv") return ExportFormat::kCsv;
  if (format == "json") return ExportFormat::kJsonLines;
  throw InvalidArgument("format must be 'csv' or 'json' (one JSON object per line), not '" + format + "'");
}

py::dict columns_to_py(EventColumns&& c) {
  py::dict out;
  for (const std::string& f : c.fields) {
    if (f == "seq") out["seq"] = to_numpy(std::move(c.seq));
    else if (f == "time") out["time"] = to_numpy(std::move(c.time_ms));
    else if (f == "org_id") out["org"] = to_numpy(std::move(c.org));
    else if (f == "event_type") out["event_type"] = coded_to_py(std::move(c.event_type));
    else if (f == "initiated_by_type") out["initiated_by_type"] = coded_to_py(std::move(c.initiated_by_type));
    else if (f == "initiated_by_id") out["initiated_by_id"] = to_numpy(std::move(c.initiated_by_id));
    else if (f == "initiated_by_email") out["initiated_by_email"] = coded_to_py(std::move(c.initiated_by_email));
    else if (f == "resource_type") out["resource_type"] = coded_to_py(std::move(c.resource_type));
    else if (f == "resource_id") out["resource_id"] = to_numpy(std::move(c.resource_id));
    else if (f == "resource_name") out["resource_name"] = text_to_py(std::move(c.resource_name));
    else if (f == "target_type") out["target_type"] = coded_to_py(std::move(c.target_type));
    else if (f == "target_id") out["target_id"] = to_numpy(std::move(c.target_id));
    else if (f == "target_name") out["target_name"] = coded_to_py(std::move(c.target_name));
    else if (f == "success") out["success"] = to_numpy(std::move(c.success));
    else if (f == "changes") out["changes"] = text_to_py(std::move(c.changes));
    else if (f == "message") out["message"] = coded_to_py(std::move(c.message));
  }
  return out;
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
      .def_readwrite("start_ms", &EventFilter::start_ms)
      .def_readwrite("end_ms", &EventFilter::end_ms)
      .def_readwrite("event_types", &EventFilter::event_types)
      .def_readwrite("initiated_by_id", &EventFilter::initiated_by_id)
      .def_readwrite("initiated_by_type", &EventFilter::initiated_by_type)
      .def_readwrite("initiated_by_email", &EventFilter::initiated_by_email)
      .def_readwrite("resource_id", &EventFilter::resource_id)
      .def_readwrite("resource_type", &EventFilter::resource_type)
      .def_readwrite("target_id", &EventFilter::target_id)
      .def_readwrite("target_type", &EventFilter::target_type)
      .def_readwrite("orgs", &EventFilter::orgs)
      .def_readwrite("success", &EventFilter::success)
      .def_readwrite("search_term", &EventFilter::search_term)
      .def_readwrite("after_seq", &EventFilter::after_seq)
      .def_property(
          "search_after",
          [](const EventFilter& f) -> std::optional<std::pair<std::int64_t, std::int64_t>> {
            if (!f.search_after) return std::nullopt;
            return std::make_pair(f.search_after->time_ms, f.search_after->seq);
          },
          [](EventFilter& f, std::optional<std::pair<std::int64_t, std::int64_t>> c) {
            if (c)
              f.search_after = EventCursor{c->first, c->second};
            else
              f.search_after.reset();
          },
          "(time_ms, seq) of the last event of the previous page, or None.")
      .def_readwrite("descending", &EventFilter::descending)
      .def_readwrite("limit", &EventFilter::limit);

  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  auto def = [&](const char* name, py::cpp_function fn) { dir.attr(name) = fn; };
  def("events", py::cpp_function(
      [](Session& s, const EventFilter& f) {
        auto events = service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.events(a, f); });
        py::list out;
        for (const auto& e : events) out.append(event_to_py(e));
        return out;
      },
      py::is_method(dir), "filter"_a, "Audit events matching the filter, in (time, seq) order."));
  def("events_columns", py::cpp_function(
      [](Session& s, const EventFilter& f, const std::vector<std::string>& fields) {
        return columns_to_py(
            service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.columns(a, f, fields); }));
      },
      py::is_method(dir), "filter"_a, "fields"_a, "The matching events as columns (all fields if none named)."));
  def("events_changes", py::cpp_function(
      [](Session& s, const EventFilter& f) {
        EventChangeRows c = service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.changes(a, f); });
        py::dict out;
        out["seq"] = to_numpy(std::move(c.seq));
        out["time"] = to_numpy(std::move(c.time_ms));
        out["event_type"] = coded_to_py(std::move(c.event_type));
        out["field"] = coded_to_py(std::move(c.field));
        out["from"] = text_to_py(std::move(c.from));
        out["to"] = text_to_py(std::move(c.to));
        return out;
      },
      py::is_method(dir), "filter"_a, "One row per field change of the matching events."));
  def("events_count", py::cpp_function(
      [](Session& s, const EventFilter& f) {
        return service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.count(a, f); });
      },
      py::is_method(dir), "filter"_a, "How many events match."));
  def("events_distinct", py::cpp_function(
      [](Session& s, const std::string& field, const EventFilter& f) {
        EventCounts c = service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.distinct(a, field, f); });
        py::dict out;
        if (c.numeric)
          out["value"] = to_numpy(std::move(c.ints));
        else
          out["value"] = py::cast(c.texts);
        out["count"] = to_numpy(std::move(c.counts));
        return out;
      },
      py::is_method(dir), "field"_a, "filter"_a, "Each value of a field among the matching events, with its count."));
  def("events_interval", py::cpp_function(
      [](Session& s, const std::string& interval, const std::string& by, const EventFilter& f) {
        EventBuckets b =
            service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.interval(a, interval, by, f); });
        py::dict out;
        out["start"] = to_numpy(std::move(b.start_ms));
        out["count"] = to_numpy(std::move(b.counts));
        if (!by.empty()) out["key"] = coded_to_py(std::move(b.key));
        return out;
      },
      py::is_method(dir), "interval"_a, "by"_a, "filter"_a, "Counts of the matching events per time bucket."));
  def("events_export_page", py::cpp_function(
      [](Session& s, const EventFilter& f, const std::string& format, bool header) {
        const ExportFormat fmt = format_arg(format);
        EventCursor last;
        std::int64_t rows = 0;
        std::string text = service_call(
            s, kInsights, [&](Insights& i, const Actor& a) { return i.export_page(a, f, fmt, header, last, rows); });
        return py::make_tuple(py::bytes(text), py::make_tuple(last.time_ms, last.seq), rows);
      },
      py::is_method(dir), "filter"_a, "format"_a, "header"_a,
      "A page of matching events as CSV or JSON lines: (bytes, (time_ms, seq) of its last event, rows)."));
  def("events_purge", py::cpp_function(
      [](Session& s, std::int64_t before_ms, const std::string& path, const std::string& format, bool overwrite) {
        const ExportFormat fmt = format_arg(format);
        PurgeReport r = service_call(
            s, kInsights, [&](Insights& i, const Actor& a) { return i.purge(a, before_ms, path, fmt, overwrite); });
        return py::dict("seq"_a = r.seq, "rows"_a = r.rows, "first_seq"_a = r.first_seq, "last_seq"_a = r.last_seq,
                        "file"_a = r.file, "sha256"_a = r.sha256);
      },
      py::is_method(dir), "before_ms"_a, "path"_a, "format"_a, "overwrite"_a,
      "Export the events before a time to a verified file, then remove them."));
  def("events_plan", py::cpp_function(
      [](Session& s, const EventFilter& f) {
        return service_call(s, kInsights, [&](Insights& i, const Actor& a) { return i.plan(a, f); });
      },
      py::is_method(dir), "filter"_a, "SQLite's query plan for the filter (for tests)."));
}

}  // namespace dirctl::py_bindings
