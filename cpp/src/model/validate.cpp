#include "model/validate.h"
#include "model/email.h"
#include "util/text.h"

#include <algorithm>
#include <cctype>

#include "dirctl/error.h"
#include "util/clock.h"
#include "util/password.h"

namespace dirctl {
namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string shown(std::string_view s) {
  constexpr std::size_t kMax = 80;
  std::string out(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return "'" + out + "'";
}

[[noreturn]] void bad(const KindSpec& kind, const FieldSpec& f, const std::string& what) {
  throw InvalidArgument(kind.name + " field '" + f.name + "': " + what);
}

std::string type_word(const Value& v) {
  switch (v.index()) {
    case 0: return "null";
    case 1: return "a boolean";
    case 2: return "an integer";
    case 3: return "text";
    case 4: return "a mapping";
    default: return "a list";
  }
}

const std::string& need_text(const KindSpec& kind, const FieldSpec& f, const Value& v) {
  const auto* s = std::get_if<std::string>(&v);
  if (s == nullptr) bad(kind, f, "expected text, got " + type_word(v));
  return *s;
}

std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

void check_chars(const KindSpec& kind, const FieldSpec& f, const std::string& s) {
  if (!is_valid_utf8(s)) bad(kind, f, shown(s) + " is not valid UTF-8; re-encode the value as UTF-8");
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && !(f.multiline && (c == '\n' || c == '\r' || c == '\t')))
      bad(kind, f, "control characters are not allowed in " + shown(s));
  }
  if (s.size() > f.max_len)
    bad(kind, f, "is " + std::to_string(s.size()) + " bytes long; the limit is " + std::to_string(f.max_len));
}

// Returns the canonical value, or throws. Null is allowed here; required-ness
// is checked by the callers.
Value check_value(const KindSpec& kind, const FieldSpec& f, const Value& v) {
  if (is_null(v)) return v;
  switch (f.type) {
    case FieldType::kText: {
      std::string s = f.multiline ? need_text(kind, f, v) : trimmed(need_text(kind, f, v));
      if (s.empty()) return std::monostate{};
      check_chars(kind, f, s);
      return s;
    }
    case FieldType::kEmail: {
      std::string s = trimmed(need_text(kind, f, v));
      if (s.empty()) return std::monostate{};
      check_chars(kind, f, s);
      if (auto problem = email_problem(s)) bad(kind, f, shown(s) + " is not a valid email address: " + *problem);
      return s;
    }
    case FieldType::kUsername: {
      std::string s = trimmed(need_text(kind, f, v));
      if (s.empty()) return std::monostate{};
      check_chars(kind, f, s);
      if (!is_valid_username(s))
        bad(kind, f, shown(s) + " is not a valid username: use letters, digits, '.', '_' or '-', "
                     "starting with a letter, digit or '_'");
      return s;
    }
    case FieldType::kBool:
      if (!std::holds_alternative<bool>(v)) bad(kind, f, "expected true or false, got " + type_word(v));
      return v;
    case FieldType::kInt: {
      const auto* i = std::get_if<std::int64_t>(&v);
      if (i == nullptr) bad(kind, f, "expected an integer, got " + type_word(v));
      if (*i < f.min_value || *i > f.max_value)
        bad(kind, f, std::to_string(*i) + " is out of range; use " + std::to_string(f.min_value) + " to " +
                         std::to_string(f.max_value));
      return v;
    }
    case FieldType::kEnum: {
      std::string s = lower_ascii(trimmed(need_text(kind, f, v)));
      if (std::find(f.choices.begin(), f.choices.end(), s) == f.choices.end()) {
        std::string list;
        for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
        bad(kind, f, shown(need_text(kind, f, v)) + " is not one of: " + list);
      }
      return s;
    }
    case FieldType::kDate: {
      std::string s = trimmed(need_text(kind, f, v));
      if (s.empty()) return std::monostate{};
      if (!is_iso_date(s)) bad(kind, f, shown(s) + " is not a date; use YYYY-MM-DD");
      return s;
    }
    case FieldType::kTime: {
      std::string s = trimmed(need_text(kind, f, v));
      if (s.empty()) return std::monostate{};
      std::string c = canonical_timestamp(s);
      if (c.empty()) bad(kind, f, shown(s) + " is not a timestamp; use ISO-8601, e.g. 2026-11-23T14:00:00Z");
      return c;
    }
    case FieldType::kAttributes: {
      const auto* a = std::get_if<Attributes>(&v);
      if (a == nullptr) bad(kind, f, "expected a mapping of attribute name to text, got " + type_word(v));
      for (const auto& [name, value] : *a) {
        if (name.empty() || name.size() > 64 ||
            !std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; }))
          bad(kind, f, "attribute name " + shown(name) + " must be 1-64 letters, digits or '_'");
        if (value.size() > 1024 || !is_valid_utf8(value))
          bad(kind, f, "attribute " + shown(name) + " value must be UTF-8 text of at most 1024 bytes");
        if (value.find_first_not_of(" \t") == std::string::npos)  // as JumpCloud: a name needs a value
          bad(kind, f, "attribute " + shown(name) + " has no value; give one, or leave the attribute out");
      }
      if (a->size() > 100) bad(kind, f, "at most 100 custom attributes per object");
      return v;
    }
    case FieldType::kOrgSet:
      if (!std::holds_alternative<IdList>(v)) bad(kind, f, "expected a list of orgs, got " + type_word(v));
      return v;
    case FieldType::kRef:
      return v;
    case FieldType::kObjectId: {
      std::string s = lower_ascii(trimmed(need_text(kind, f, v)));
      if (s.empty()) return std::monostate{};
      if (s.size() != 24 || !std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }))
        bad(kind, f, shown(need_text(kind, f, v)) + " is not a JumpCloud object id; use its 24 hexadecimal digits");
      return s;
    }
    case FieldType::kPassword: {
      const std::string& s = need_text(kind, f, v);
      if (s.empty()) return std::monostate{};
      if (is_phc_hash(s)) return s;  // pre-hashed (PasswordHash column): kept as is
      if (!is_valid_utf8(s)) bad(kind, f, "the password is not valid UTF-8");
      if (s.size() < 8) bad(kind, f, "a password needs at least 8 characters");
      if (s.size() > f.max_len) bad(kind, f, "a password may have at most " + std::to_string(f.max_len) + " bytes");
      return hash_password(s);  // Argon2id; the plaintext goes no further
    }
  }
  return v;
}

std::string parts_list(const std::vector<const FieldSpec*>& parts) {
  std::string out;
  for (const FieldSpec* f : parts) out += (out.empty() ? "" : ", ") + f->part;
  return out;
}

const FieldSpec& resolve(const KindSpec& kind, const std::string& name) {
  const FieldSpec* f = kind.field(name);
  if (f == nullptr)
    throw InvalidArgument("unknown " + kind.name + " field '" + name + "'; valid fields: " + kind.field_names());
  if (f->readonly) throw InvalidArgument(kind.name + " field '" + f->name + "' is read-only");
  return *f;
}

// A structured record given whole ("home_address": {"city": ...}) becomes
// its parts, every part set (absent ones cleared); other fields pass through.
Fields expand_records(const KindSpec& kind, const Fields& given) {
  Fields out;
  for (const auto& [name, value] : given) {
    const auto parts = kind.field(name) == nullptr ? kind.record_parts(name) : std::vector<const FieldSpec*>{};
    if (parts.empty()) {
      out.emplace_back(name, value);
      continue;
    }
    const auto* map = std::get_if<Attributes>(&value);
    if (map == nullptr && !is_null(value))
      throw InvalidArgument(kind.name + " field '" + name + "': expected a mapping of its parts (" +
                            parts_list(parts) + ") or None, got " + type_word(value));
    // Parts by dirctl's or JumpCloud's name: "city" or "locality" -> home_city.
    const std::string prefix = name.substr(0, name.size() - std::string("address").size());
    std::vector<Value> values(parts.size());
    if (map != nullptr)
      for (const auto& [part, text] : *map) {
        const auto at = std::find(parts.begin(), parts.end(), kind.field(prefix + part));
        if (at == parts.end())
          throw InvalidArgument(kind.name + " field '" + name + "' has no part " + shown(part) + "; its parts: " +
                                parts_list(parts));
        values[static_cast<std::size_t>(at - parts.begin())] = text;
      }
    for (std::size_t k = 0; k < parts.size(); ++k) out.emplace_back(parts[k]->name, std::move(values[k]));
  }
  return out;
}

// Canonical (spec, value) pairs in descriptor order; duplicates rejected.
std::vector<std::pair<const FieldSpec*, Value>> canonical(const KindSpec& kind, const Fields& raw) {
  const Fields given = expand_records(kind, raw);
  std::vector<const FieldSpec*> specs;
  for (const auto& [name, value] : given) {
    const FieldSpec& f = resolve(kind, name);
    if (std::find(specs.begin(), specs.end(), &f) != specs.end())
      throw InvalidArgument(kind.name + " field '" + f.name + "' is given twice (as '" + name + "' too)");
    specs.push_back(&f);
  }
  std::vector<std::pair<const FieldSpec*, Value>> out;
  for (const auto& f : kind.fields)  // descriptor order
    for (std::size_t i = 0; i < specs.size(); ++i)
      if (specs[i] == &f) out.emplace_back(&f, check_value(kind, f, given[i].second));
  return out;
}

}  // namespace

Value validate_field(const KindSpec& kind, const std::string& name, const Value& value) {
  const FieldSpec* f = kind.field(name);
  if (f == nullptr)
    throw InvalidArgument("unknown " + kind.name + " field '" + name + "'; valid fields: " + kind.field_names());
  return check_value(kind, *f, value);
}

Fields validate_create(const KindSpec& kind, const Fields& given) {
  auto checked = canonical(kind, given);
  Fields out;
  out.reserve(kind.fields.size() + 1);  // add_implied may add one
  for (const auto& f : kind.fields) {
    if (f.readonly && is_null(f.default_value)) continue;  // stamps and links: set by the writer
    Value v = f.default_value;
    for (const auto& [spec, value] : checked)
      if (spec == &f && !is_null(value)) v = value;
    if (f.required && is_null(v))
      throw InvalidArgument(kind.name + " field '" + f.name + "' is required; give " + f.name + "=...");
    out.emplace_back(f.name, std::move(v));
  }
  check_together(kind, out);
  add_implied(kind, out);
  return out;
}

Fields validate_update(const KindSpec& kind, const Fields& given) {
  Fields out;
  for (auto& [f, value] : canonical(kind, given)) {
    if (f->immutable)
      throw InvalidArgument(kind.name + " field '" + f->name + "' cannot be changed after creation");
    if (f->required && is_null(value))
      throw InvalidArgument(kind.name + " field '" + f->name + "' is required and cannot be cleared");
    if (!is_null(f->default_value) && is_null(value))
      throw InvalidArgument(kind.name + " field '" + f->name + "' always has a value and cannot be cleared; set it to " +
                            describe(f->default_value) + " for the default");
    out.emplace_back(f->name, std::move(value));
  }
  check_together(kind, out);
  add_implied(kind, out);
  return out;
}

void check_together(const KindSpec& kind, const Fields& fields) {
  if (auto problem = together_problem(kind, fields))
    throw InvalidArgument(kind.name + " field '" + problem->first + "': " + problem->second);
}

std::optional<std::pair<std::string, std::string>> together_problem(const KindSpec& kind, const Fields& fields) {
  if (kind.kind != Kind::kUser) return std::nullopt;
  const Value* days = nullptr;
  const Value* mfa = nullptr;
  for (const auto& [name, value] : fields) {
    if (name == "enrollment_days") days = &value;
    if (name == "enable_user_portal_multifactor") mfa = &value;
  }
  // New-JCUser offers EnrollmentDays only with enable_user_portal_multifactor
  // set true in the same call; the import template reads the same way.
  if (days != nullptr && !is_null(*days) && (mfa == nullptr || *mfa != Value{true}))
    return std::pair<std::string, std::string>{
        "enrollment_days", "an MFA enrolment period applies only with enable_user_portal_multifactor set true "
                           "with it (JumpCloud's rule); give both, or leave the period out"};
  return std::nullopt;
}

void add_implied(const KindSpec& kind, Fields& fields) {
  if (kind.kind != Kind::kUser) return;
  bool password = false, mfa_off = false, days = false;
  Value* activated = nullptr;
  for (auto& [name, value] : fields) {
    password = password || (name == "password" && !is_null(value));
    mfa_off = mfa_off || (name == "enable_user_portal_multifactor" && value == Value{false});
    days = days || name == "enrollment_days";
    if (name == "activated") activated = &value;
  }
  // A user waits for activation until it has a password (JumpCloud's
  // "pending"); setting one activates it. Turning MFA off ends the period.
  if (password && activated != nullptr) *activated = true;
  if (password && activated == nullptr) fields.emplace_back("activated", true);
  if (mfa_off && !days) fields.emplace_back("enrollment_days", std::monostate{});
}

bool is_valid_username(std::string_view username) {
  if (username.empty() || username.size() > 64) return false;
  if (!is_alnum(username.front()) && username.front() != '_') return false;
  return std::all_of(username.begin(), username.end(),
                     [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace dirctl
