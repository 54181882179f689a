#include "store/change_text.h"

#include <algorithm>

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

std::vector<FieldChange> creation_changes(const KindSpec& kind, const Fields& stored, const Fields& given) {
  std::vector<const FieldSpec*> given_specs;  // the fields given a value, by any of their names
  given_specs.reserve(given.size());
  for (const auto& [k, v] : given)
    if (const FieldSpec* f = kind.field(k); f != nullptr && !is_null(v)) given_specs.push_back(f);
  auto was_given = [&](const FieldSpec* f) {
    return std::find(given_specs.begin(), given_specs.end(), f) != given_specs.end();
  };
  // A field nobody may set that has a default but holds another value was
  // implied by the given ones (a user's `activated`, by its password).
  auto implied = [&](const FieldSpec* f, const Value& value) {
    return f->readonly && !is_null(f->default_value) && value != f->default_value;
  };
  std::vector<FieldChange> out;
  std::size_t hint = 0;
  for (const auto& [name, value] : stored) {
    const FieldSpec* f = kind.field(name, hint);
    if (f != nullptr && listed_at_creation(value) && (was_given(f) || implied(f, value))) {
      std::string text;
      append_change_value(text, *f, value);
      out.push_back({name, "null", std::move(text)});
    }
  }
  return out;
}

void with_creation_defaults(const KindSpec& kind, std::vector<FieldChange>& changes) {
  std::vector<FieldChange> out;
  out.reserve(kind.fields.size() + changes.size());
  std::vector<bool> used(changes.size(), false);
  for (const auto& f : kind.fields) {
    bool found = false;
    for (std::size_t i = 0; i < changes.size(); ++i)
      if (!used[i] && changes[i].field == f.name) {
        out.push_back(std::move(changes[i]));
        used[i] = found = true;
        break;
      }
    if (!found && !f.readonly && listed_at_creation(f.default_value))
      out.push_back({f.name, "null", change_text(kind, f.name, f.default_value)});
  }
  for (std::size_t i = 0; i < changes.size(); ++i)
    if (!used[i]) out.push_back(std::move(changes[i]));
  changes = std::move(out);
}

}  // namespace dirctl
