#include "util/json_text.h"

#include <nlohmann/json.hpp>

#include "dirctl/error.h"
#include "util/text.h"

namespace dirctl {
namespace {

nlohmann::json to_json(const Value& v) {
  struct Visit {
    nlohmann::json operator()(std::monostate) const { return nullptr; }
    nlohmann::json operator()(bool b) const { return b; }
    nlohmann::json operator()(std::int64_t i) const { return i; }
    nlohmann::json operator()(const std::string& s) const { return s; }
    nlohmann::json operator()(const Attributes& a) const { return nlohmann::json(a); }
    nlohmann::json operator()(const IdList& ids) const { return nlohmann::json(ids); }
  };
  return std::visit(Visit{}, v);
}

}  // namespace

std::string to_json_text(const Value& v) {
  // Hot (every event): scalars and UTF-8 strings need no JSON document.
  if (is_null(v)) return "null";
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&v); s != nullptr && is_valid_utf8(*s)) {
    std::string out;
    out.reserve(s->size() + 2);
    append_json_string(out, *s);
    return out;
  }
  return to_json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);  // U+FFFD for broken bytes
}

void append_json_string(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string attributes_to_json(const Attributes& attrs) {
  return nlohmann::json(attrs).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Attributes attributes_from_json(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<Attributes>();
  } catch (const nlohmann::json::exception& e) {
    throw StorageError("stored custom attributes are not a JSON object of strings: " +
                       std::string(e.what()));
  }
}

std::string changes_to_json(const std::vector<FieldChange>& changes) {
  // Stored compactly, one [field, from, to] triple per change (half the bytes
  // of {"field":..,"from":..,"to":..}; events are most of a directory file).
  // from/to are JSON texts already (to_json_text); field names are descriptor
  // identifiers, so concatenation yields valid JSON without a re-parse.
  std::string out = "[";
  for (const auto& c : changes) {
    if (out.size() > 1) out += ',';
    out += '[';
    append_json_string(out, c.field);
    out += ',' + c.from + ',' + c.to + ']';
  }
  out += ']';
  return out;
}

std::vector<FieldChange> changes_from_json(const std::string& text) {
  std::vector<FieldChange> out;
  if (text.empty()) return out;
  try {
    for (const auto& c : nlohmann::json::parse(text)) {
      if (c.is_array() && c.size() == 3)  // [field, from, to]
        out.push_back({c.at(0).get<std::string>(), c.at(1).dump(), c.at(2).dump()});
      else  // {"field": .., "from": .., "to": ..}, as dirctl wrote them before
        out.push_back({c.at("field").get<std::string>(), c.at("from").dump(), c.at("to").dump()});
    }
  } catch (const nlohmann::json::exception& e) {
    throw StorageError("stored event changes are not valid JSON: " + std::string(e.what()));
  }
  return out;
}

}  // namespace dirctl
