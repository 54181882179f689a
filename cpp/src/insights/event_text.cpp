#include "insights/event_text.h"

#include "io/csv_reader.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

std::string changes_text(const Event& e) {
  std::string out = "[";
  for (const FieldChange& c : e.changes) {
    if (out.size() > 1) out += ',';
    out += "{\"field\":";
    append_json_string(out, c.field);
    out += ",\"from\":" + c.from + ",\"to\":" + c.to + "}";
  }
  return out + "]";
}

void append_ref(std::string& out, const char* name, const ObjectRef& r) {
  out += ",\"";
  out += name;
  out += "\":";
  if (r.type.empty() && r.id == 0) {
    out += "null";
    return;
  }
  out += "{\"type\":";
  append_json_string(out, r.type);
  out += ",\"id\":" + std::to_string(r.id) + ",\"name\":";
  append_json_string(out, r.name);
  out += '}';
}

}  // namespace

void append_event_json(std::string& out, const Event& e) {
  out += "{\"seq\":" + std::to_string(e.seq) + ",\"timestamp\":";
  append_json_string(out, e.time);
  out += ",\"event_type\":";
  append_json_string(out, e.event_type);
  out += ",\"organization\":" + std::to_string(e.org) + ",\"initiated_by\":{\"type\":";
  append_json_string(out, e.initiated_by_type);
  out += ",\"id\":" + std::to_string(e.initiated_by_id) + ",\"email\":";
  append_json_string(out, e.initiated_by_email);
  out += '}';
  append_ref(out, "resource", e.resource);
  append_ref(out, "target", e.target);
  out += std::string(",\"success\":") + (e.success ? "true" : "false") + ",\"changes\":" + changes_text(e) +
         ",\"message\":";
  append_json_string(out, e.message);
  out += "}\n";
}

std::string event_csv_header() {
  return csv_line({"seq", "time", "org", "event_type", "initiated_by_type", "initiated_by_id", "initiated_by_email",
                   "resource_type", "resource_id", "resource_name", "target_type", "target_id", "target_name",
                   "success", "changes", "message"}) +
         "\r\n";
}

void append_event_csv(std::string& out, const Event& e) {
  out += csv_line({std::to_string(e.seq), e.time, std::to_string(e.org), e.event_type, e.initiated_by_type,
                   std::to_string(e.initiated_by_id), e.initiated_by_email, e.resource.type,
                   std::to_string(e.resource.id), e.resource.name, e.target.type, std::to_string(e.target.id),
                   e.target.name, e.success ? "true" : "false", changes_text(e), e.message});
  out += "\r\n";
}

}  // namespace dirctl
