// Value: one field's value as it crosses the API (to and from Python).
//
// A closed set of alternatives: null, bool, integer, text, a string map
// (custom attributes) and an id list (an admin's org access). Fields is an
// ordered list of (name, value) pairs; order is kept so error messages and
// events list fields as the caller gave them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace dirctl {

using Attributes = std::map<std::string, std::string>;
using IdList = std::vector<std::int64_t>;
using Value = std::variant<std::monostate, bool, std::int64_t, std::string, Attributes, IdList>;
using Fields = std::vector<std::pair<std::string, Value>>;

// The value named `name` among `fields`, or nullptr. It looks at
// fields[hint] first and leaves `hint` just past the match, so walking two
// lists kept in the same order (descriptor order) costs one comparison per
// name instead of a scan; any order still finds the right value.
const Value* find_field(const Fields& fields, std::string_view name, std::size_t& hint);

inline bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }
// A short human rendering, for messages and event changes ("null", "true", "'x'").
std::string describe(const Value& v);

}  // namespace dirctl
