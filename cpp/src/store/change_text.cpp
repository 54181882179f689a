#include "store/change_text.h"

#include "util/json_text.h"

namespace dirctl {

void append_change_value(std::string& out, const FieldSpec& f, const Value& value) {
  if (f.secret && !is_null(value))
    out += "\"[redacted]\"";
  else
    out += to_json_text(value);
}

std::string change_text(const KindSpec& kind, const std::string& name, const Value& value) {
  const FieldSpec* f = kind.field(name);
  if (f == nullptr) return to_json_text(value);
  std::string out;
  append_change_value(out, *f, value);
  return out;
}

bool listed_at_creation(const Value& value) {
  return !is_null(value) && !(std::holds_alternative<Attributes>(value) && std::get<Attributes>(value).empty());
}

std::vector<FieldChange> creation_changes(const KindSpec& kind, const Fields& fields) {
  std::vector<FieldChange> out;
  for (const auto& [name, value] : fields)
    if (listed_at_creation(value)) out.push_back({name, "null", change_text(kind, name, value)});
  return out;
}

}  // namespace dirctl
