#include "io/user_rows.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "model/validate.h"
#include "util/password.h"

namespace dirctl {
namespace {

// Header (lower-cased) -> field: the template's columns, plus the aliases
// JumpCloud's own files use (preferredName for DisplayName).
const std::unordered_map<std::string, std::string>& template_fields() {
  static const std::unordered_map<std::string, std::string> kMap = [] {
    std::unordered_map<std::string, std::string> m = {{"preferredname", "display_name"}};
    for (const auto& [column, field] : user_template_columns()) m.emplace(lower_ascii(column), field);
    return m;
  }();
  return kMap;
}

bool is_number(const std::string& s) {
  return !s.empty() && s.size() < 6 && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

ImportIssue issue(std::size_t line, const std::string& column, const std::string& value, std::string message) {
  return {line, column, cut80(value), std::move(message)};
}

// The validator's message without its "user field 'x': " prefix (the column says it).
std::string bare(const std::string& message) {
  auto pos = message.find("': ");
  return pos != std::string::npos && message.rfind("user field '", 0) == 0 ? message.substr(pos + 3) : message;
}

}  // namespace

const std::vector<std::pair<const char*, const char*>>& user_template_columns() {
  // From the user kind's descriptor (template_column, template_order): the
  // one table of which field goes in which column.
  static const std::vector<std::pair<const char*, const char*>> kColumns = [] {
    std::vector<const FieldSpec*> fields;
    for (const auto& f : spec(Kind::kUser).fields)
      if (!f.template_column.empty()) fields.push_back(&f);
    std::stable_sort(fields.begin(), fields.end(),
                     [](const FieldSpec* a, const FieldSpec* b) { return a->template_order < b->template_order; });
    std::vector<std::pair<const char*, const char*>> out;
    for (const FieldSpec* f : fields) out.emplace_back(f->template_column.c_str(), f->name.c_str());
    return out;
  }();
  return kColumns;
}

const std::string& ImportRow::text_at(std::int8_t at) const {
  static const std::string kEmpty;
  if (at < 0) return kEmpty;
  const auto* s = std::get_if<std::string>(&fields[static_cast<std::size_t>(at)].second);
  return s == nullptr ? kEmpty : *s;
}

std::optional<bool> parse_bool(const std::string& text) {
  std::string t = lower_ascii(trim(text));
  if (t == "true" || t == "yes" || t == "1" || t == "$true") return true;
  if (t == "false" || t == "no" || t == "0" || t == "$false") return false;
  return std::nullopt;
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty() || t.size() > 18) return std::nullopt;
  std::size_t start = t[0] == '-' || t[0] == '+' ? 1 : 0;
  if (start == t.size() || !std::all_of(t.begin() + static_cast<std::ptrdiff_t>(start), t.end(),
                                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    return std::nullopt;
  return std::stoll(t);
}

std::string cut80(const std::string& text) {
  std::string out;
  if (is_valid_utf8(text)) {
    std::size_t end = std::min<std::size_t>(text.size(), 80);
    while (end < text.size() && end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    out = text.substr(0, end);
    if (end < text.size()) out += "...";
    return out;
  }
  for (unsigned char c : text) {  // not UTF-8: show the bytes
    if (out.size() >= 80) {
      out += "...";
      break;
    }
    if (c < 0x80 && c >= 0x20) {
      out += static_cast<char>(c);
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

UserRows::UserRows(const CsvRecord& header, bool strict, std::vector<ImportIssue>& warnings,
                   std::vector<ImportIssue>& errors) {
  const KindSpec& user = spec(Kind::kUser);
  if (header.fields.size() > 65535)
    throw InvalidArgument("the header on line " + std::to_string(header.line) + " has " +
                          std::to_string(header.fields.size()) + " columns; dirctl reads at most 65,535");
  std::vector<std::string> unknown;
  for (const std::string& raw : header.fields) {
    Column c;
    c.header = cut80(raw);  // messages and reports carry it: UTF-8 only
    const std::string h = lower_ascii(trim(raw));
    if (auto it = template_fields().find(h); it != template_fields().end()) {
      c.role = Role::kField;
      c.field = it->second;
    } else if (h == "password") {
      c.role = Role::kPassword;
    } else if (h == "passwordhash") {
      c.role = Role::kPassword;
      c.number = 1;  // must be a PHC string
    } else if (h == "systemid") {
      c.role = Role::kSystemId;
    } else if (h == "hostname") {
      c.role = Role::kHostname;
    } else if (h == "administrator") {
      c.role = Role::kAdministrator;
    } else if (h.rfind("group", 0) == 0 && is_number(h.substr(5))) {
      c.role = Role::kGroup;
      c.number = std::stoi(h.substr(5));
    } else if (h.rfind("attribute", 0) == 0 && h.size() > 14 && h.compare(h.size() - 5, 5, "_name") == 0 &&
               is_number(h.substr(9, h.size() - 14))) {
      c.role = Role::kAttrName;
      c.number = std::stoi(h.substr(9, h.size() - 14));
    } else if (h.rfind("attribute", 0) == 0 && h.size() > 15 && h.compare(h.size() - 6, 6, "_value") == 0 &&
               is_number(h.substr(9, h.size() - 15))) {
      c.role = Role::kAttrValue;
      c.number = std::stoi(h.substr(9, h.size() - 15));
    } else if (const FieldSpec* f = user.field(h); f != nullptr && !f->readonly && !f->secret &&
                                                   f->type != FieldType::kAttributes) {
      c.role = Role::kField;
      c.field = f->name;
    } else {
      unknown.push_back(c.header);
    }
    for (const Column& seen : columns_)
      if (c.role != Role::kIgnore && seen.role == c.role && seen.field == c.field && seen.number == c.number)
        errors.push_back(issue(header.line, c.header, raw, "column '" + c.header + "' repeats column '" +
                                                               seen.header + "'; keep one of them"));
    columns_.push_back(std::move(c));
  }
  std::string known;
  for (const auto& [column, field] : user_template_columns()) known += std::string(known.empty() ? "" : ", ") + column;
  known += ", Password, PasswordHash, AttributeN_name, AttributeN_value, GroupN, SystemID, Hostname, Administrator";
  for (const auto& u : unknown) {
    ImportIssue i = issue(header.line, u, u,
                          "unknown column '" + u + "' is " + (strict ? "refused (strict)" : "ignored") +
                              "; known columns: " + known);
    (strict ? errors : warnings).push_back(std::move(i));
  }
}

bool UserRows::has_passwords() const {
  return std::any_of(columns_.begin(), columns_.end(), [](const Column& c) { return c.role == Role::kPassword; });
}

std::size_t UserRows::group_column_count() const {
  return static_cast<std::size_t>(
      std::count_if(columns_.begin(), columns_.end(), [](const Column& c) { return c.role == Role::kGroup; }));
}

std::string UserRows::column_of(const std::string& field) const {
  for (const Column& c : columns_)
    if (c.role == Role::kField && c.field == field) return c.header;
  return field;
}

ImportRow UserRows::parse(const CsvRecord& record, std::vector<ImportIssue>& errors) const {
  const KindSpec& user = spec(Kind::kUser);
  ImportRow row;
  row.line = record.line;
  auto fail = [&](const std::string& column, const std::string& value, std::string message) {
    errors.push_back(issue(record.line, column, value, std::move(message)));
    row.bad = true;
  };
  if (record.fields.size() > columns_.size()) {
    fail("", record.fields[columns_.size()],
         "has " + std::to_string(record.fields.size()) + " fields but the header has " +
             std::to_string(columns_.size()) + "; quote fields that contain commas");
    return row;
  }
  // Blank cells are absent. Attribute values are kept verbatim (line breaks
  // included), so only spaces and tabs make one blank.
  auto blank = [](Role role, const std::string& cell) {
    if (cell.empty()) return true;  // most cells of a wide template
    return role == Role::kAttrValue ? cell.find_first_not_of(" \t") == std::string::npos : trim(cell).empty();
  };
  std::size_t given = 0;  // the fields this row sets: a million rows carry no slack
  bool attributes = false;
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    const Role role = columns_[i].role;
    if (role == Role::kField) given += blank(role, record.fields[i]) ? 0 : 1;
    attributes = attributes || role == Role::kAttrName;
  }
  row.fields.reserve(given + (attributes ? 1 : 0));
  std::vector<std::pair<int, std::size_t>> groups;  // (N, column)
  auto device = [&]() -> DeviceCell& {
    if (!row.device) row.device = std::make_unique<DeviceCell>();
    return *row.device;
  };
  std::map<int, std::pair<std::string, std::string>> attrs;  // N -> (name, value)
  std::string administrator_header;                          // as the file spells it
  for (std::size_t i = 0; i < record.fields.size(); ++i) {
    const Column& c = columns_[i];
    const std::string& cell = record.fields[i];
    if (c.role == Role::kIgnore || blank(c.role, cell)) continue;
    if (!is_valid_utf8(cell)) {
      fail(c.header, cell, "is not valid UTF-8; save the file as UTF-8");
      continue;
    }
    switch (c.role) {
      case Role::kField: {
        const FieldSpec& f = *user.field(c.field);
        Value v = cell;
        if (f.type == FieldType::kBool) {
          auto b = parse_bool(cell);
          if (!b) {
            fail(c.header, cell, "is not a boolean; use true/false, yes/no, 1/0 or $True/$False");
            continue;
          }
          v = *b;
        } else if (f.type == FieldType::kInt) {
          auto i = parse_int(cell);
          if (!i) {
            fail(c.header, cell, "is not a whole number; write digits only, e.g. 5001");
            continue;
          }
          v = *i;
        }
        try {
          Value checked = validate_field(user, f.name, v);
          if (!is_null(checked)) row.fields.emplace_back(f.name, std::move(checked));  // blank after trimming: absent
        } catch (const InvalidArgument& e) {
          fail(c.header, cell, bare(e.what()));
        }
        break;
      }
      case Role::kPassword:
        if (c.number == 1 && !is_phc_hash(trim(cell)))
          fail(c.header, "[redacted]", "is not an Argon2 PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)");
        else if (c.number == 0 && cell.size() < 8)
          fail(c.header, "[redacted]", "a password needs at least 8 characters");
        else if (cell.size() > 1024)
          fail(c.header, "[redacted]", "a password may have at most 1024 bytes");
        else
          row.password = c.number == 1 ? trim(cell) : cell;
        break;
      case Role::kGroup: groups.emplace_back(c.number, i); break;
      case Role::kAttrName: attrs[c.number].first = trim(cell); break;
      case Role::kAttrValue: attrs[c.number].second = cell; break;
      case Role::kSystemId:
        device().system_id = trim(cell);
        device().column = c.header;
        break;
      case Role::kHostname:
        device().hostname = trim(cell);
        if (device().column.empty()) device().column = c.header;
        break;
      case Role::kAdministrator: {
        administrator_header = c.header;
        auto b = parse_bool(cell);
        if (!b)
          fail(c.header, cell, "is not a boolean; use true/false, yes/no, 1/0 or $True/$False");
        else if (*b)
          device().administrator = true;
        break;
      }
      case Role::kIgnore: break;
    }
  }
  std::sort(groups.begin(), groups.end());  // Group2 before Group10
  row.groups.reserve(groups.size());
  row.group_columns.reserve(groups.size());
  for (auto [n, column] : groups) {
    row.groups.push_back(trim(record.fields[column]));
    row.group_columns.push_back(static_cast<std::uint16_t>(column));
  }
  if (!attrs.empty()) {
    Attributes map;
    for (const auto& [n, nv] : attrs) {
      const std::string column = "Attribute" + std::to_string(n) + (nv.first.empty() ? "_name" : "_value");
      if (nv.first.empty()) {  // a value needs its name, and a name its value (JumpCloud refuses either alone)
        fail(column, nv.second,
             "attribute " + std::to_string(n) + " has a value but no name; give Attribute" + std::to_string(n) + "_name");
        continue;
      }
      if (nv.second.empty()) {
        fail(column, nv.first,
             "attribute '" + nv.first + "' has no value; JumpCloud refuses an empty attribute value: give Attribute" +
                 std::to_string(n) + "_value or leave out Attribute" + std::to_string(n) + "_name");
        continue;
      }
      if (map.count(nv.first) != 0) {
        fail(column, nv.first, "attribute '" + nv.first + "' is given twice");
        continue;
      }
      map[nv.first] = nv.second;
    }
    try {
      row.fields.emplace_back("attributes", validate_field(user, "attributes", map));
    } catch (const InvalidArgument& e) {
      fail("Attribute", "", bare(e.what()));
    }
  }
  if (row.device && row.device->system_id.empty() && row.device->hostname.empty()) {
    if (row.device->administrator)
      fail(administrator_header, "true",
           administrator_header + " applies to a device binding; give SystemID or Hostname too");
    row.device.reset();
  }
  if (auto problem = together_problem(user, row.fields)) fail(column_of(problem->first), "", problem->second);
  for (std::size_t k = 0; k < row.fields.size(); ++k) {
    if (row.fields[k].first == "username") row.username_at = static_cast<std::int8_t>(k);
    if (row.fields[k].first == "email") row.email_at = static_cast<std::int8_t>(k);
  }
  return row;
}

}  // namespace dirctl
