#include "dirctl/value.h"

#include "dirctl/record.h"
#include "util/json_text.h"

namespace dirctl {


std::string describe(const Value& v) { return to_json_text(v); }

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
