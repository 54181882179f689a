#include "dirctl/value.h"

#include "dirctl/record.h"
#include "util/json_text.h"

namespace dirctl {


std::string describe(const Value& v) { return to_json_text(v); }

const Value* find_field(const Fields& fields, std::string_view name, std::size_t& hint) {
  const std::size_t n = fields.size();
  if (hint > n) hint = 0;  // a hint from a longer list: start at the front
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = hint + k < n ? hint + k : hint + k - n;
    if (fields[i].first == name) {
      hint = i + 1;
      return &fields[i].second;
    }
  }
  return nullptr;
}

const Value* Record::find(const std::string& name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return &v;
  return nullptr;
}

std::string Record::text(const std::string& name) const {
  const Value* v = find(name);
  if (v == nullptr) return {};
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return {};
}

}  // namespace dirctl
