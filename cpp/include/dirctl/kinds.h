// Kind descriptors: for each kind of object, its table and its fields.
//
// One table drives validation, SQL, events and the Python surface, so a field
// is declared once. Field names are dirctl's snake_case; JumpCloud's own API
// names are accepted as aliases (firstname, jobTitle, employeeIdentifier...).
// Invariant: every `column` exists in the kind's table of the latest schema
// (checked by tests/cpp/kinds_test.cpp against the live schema).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dirctl/types.h"
#include "dirctl/value.h"

namespace dirctl {

enum class FieldType : std::uint8_t {
  kText,        // free text, trimmed length-checked
  kEmail,       // syntax-checked, compared case-insensitively
  kUsername,    // [A-Za-z0-9._-], starts alphanumeric or '_'
  kBool,
  kInt,
  kEnum,        // one of `choices`
  kDate,        // YYYY-MM-DD
  kTime,        // ISO-8601 UTC timestamp
  kAttributes,  // custom attributes: name -> value
  kOrgSet,      // an admin's org access (stored as edges, not a column)
  kRef,         // id of another object (an admin's linked user)
  kPassword,    // write-only: plaintext is hashed (Argon2id), a PHC string is kept
  kObjectId,    // a JumpCloud object id: 24 hexadecimal digits, kept in lower case
};

enum class Unique : std::uint8_t { kNone, kPerOrg, kGlobal };

// Which in-memory attribute of Entity a field feeds (see model.h).
enum class Hot : std::uint8_t { kNone, kName, kState, kRole, kLocked, kApiAccess, kRemoteAssist, kLink, kOperatorGroup };

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kText;
  std::string column;  // "" for kOrgSet
  bool required = false;
  bool immutable = false;  // settable only at creation
  bool readonly = false;   // never settable (created, updated, user link)
  Unique unique = Unique::kNone;
  std::size_t max_len = 256;
  std::int64_t min_value = 0, max_value = 0;  // for kInt
  std::vector<std::string> choices;             // for kEnum
  Value default_value;                          // applied at creation when absent
  std::vector<std::string> aliases;
  Hot hot = Hot::kNone;
  bool multiline = false;  // newlines and tabs allowed (scripts, descriptions)
  bool secret = false;     // never read back, never in events (kPassword)
  // Users: the column of JumpCloud's CSV template that carries the field
  // ("FirstName"), and its place in the template. Import and export read
  // them from here, so a field given one is imported and exported with no
  // other edit. "" for fields the template does not carry.
  std::string template_column;
  int template_order = 0;
  // A part of a structured record (a user's home or work address): the
  // record's name ("home_address") and the part's ("city"). Callers may give
  // the record whole as a mapping of parts; it is stored one column a part.
  std::string record;
  std::string part;
};

struct KindSpec {
  Kind kind;
  std::string name;         // "user"
  std::string table;        // "users"
  std::string event_noun;   // "user" -> user_create; groups share "group"
  bool per_org = true;
  std::vector<FieldSpec> fields;
  std::vector<std::string> key_fields;  // find() tries these in order

  const FieldSpec* field(std::string_view name_or_alias) const;  // O(1): hashed names and aliases
  // The same, trying fields[hint] first and leaving `hint` past the match:
  // for walking fields given in descriptor order without hashing each name.
  const FieldSpec* field(std::string_view name_or_alias, std::size_t& hint) const;
  void build_index();  // once, after `fields` is final (all_specs() does it)
  std::unordered_map<std::string_view, const FieldSpec*> index;
  const FieldSpec& name_field() const;  // the field with Hot::kName
  // The parts of the structured record `name` ("home_address"), in
  // descriptor order; empty if the kind has no such record.
  std::vector<const FieldSpec*> record_parts(std::string_view name) const;
  std::string field_names() const;      // "username, email, ..." for messages
};

const KindSpec& spec(Kind kind);
const std::vector<const KindSpec*>& all_specs();

// Choices shared with authz and Python.
const std::vector<std::string>& role_names();  // columns of docs/spec/admin_roles.csv
const std::vector<std::string>& user_states();
const std::vector<std::string>& admin_states();
// Positions in those lists, as the model stores them (Entity::state, ::role);
// kinds_test checks them against the lists.
constexpr std::uint8_t kRoleBillingAdmin = 0;  // administrator_with_billing
constexpr std::uint8_t kUserStaged = 0, kUserActive = 1, kUserSuspended = 2, kUserReviewing = 3;
constexpr std::uint8_t kAdminActive = 0, kAdminSuspended = 1, kAdminPending = 2;

}  // namespace dirctl
