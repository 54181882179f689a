#include "model/entity_fields.h"

#include <algorithm>

namespace dirctl {
namespace {

std::uint8_t index_of(const std::vector<std::string>& choices, const std::string& s) {
  auto it = std::find(choices.begin(), choices.end(), s);
  return static_cast<std::uint8_t>(it == choices.end() ? 0 : it - choices.begin());
}

}  // namespace

void apply_field(const KindSpec& kind, const FieldSpec& f, const Value& v, Entity& e) {
  switch (f.hot) {
    case Hot::kName:
      if (const auto* s = std::get_if<std::string>(&v)) e.name = *s;
      break;
    case Hot::kState:
      if (const auto* s = std::get_if<std::string>(&v))
        e.state = index_of(kind.kind == Kind::kAdmin ? admin_states() : user_states(), *s);
      break;
    case Hot::kRole:
      if (const auto* s = std::get_if<std::string>(&v)) e.role = index_of(role_names(), *s);
      break;
    case Hot::kLocked:
    case Hot::kApiAccess:
    case Hot::kRemoteAssist: {
      auto flag = f.hot == Hot::kLocked ? kFlagLocked : f.hot == Hot::kApiAccess ? kFlagApiAccess : kFlagRemoteAssist;
      const auto* b = std::get_if<bool>(&v);
      if (b != nullptr && *b)
        e.flags = static_cast<std::uint8_t>(e.flags | flag);
      else
        e.flags = static_cast<std::uint8_t>(e.flags & ~flag);
      break;
    }
    case Hot::kLink:
      if (const auto* i = std::get_if<std::int64_t>(&v)) e.link = static_cast<Id>(*i);
      break;
    case Hot::kOperatorGroup:  // kept beside the entity (apply_side_field)
    case Hot::kNone: break;
  }
}

void apply_side_field(Model& model, Id id, const FieldSpec& f, const Value& v) {
  if (f.hot != Hot::kOperatorGroup) return;
  const auto* s = std::get_if<std::string>(&v);
  model.set_operator_group(id, s != nullptr ? *s : std::string());
}

void put_record(Model& model, const KindSpec& kind, Id id, Id org, const Fields& fields) {
  model.put(id, entity_of(kind, org, fields));
  std::size_t hint = 0;
  for (const auto& [name, value] : fields)
    if (const FieldSpec* f = kind.field(name, hint); f != nullptr && f->hot == Hot::kOperatorGroup)
      apply_side_field(model, id, *f, value);
}

void apply_fields(const KindSpec& kind, const Fields& fields, Entity& e) {
  std::size_t hint = 0;
  for (const auto& [name, value] : fields)
    if (const FieldSpec* f = kind.field(name, hint); f != nullptr && f->hot != Hot::kNone) apply_field(kind, *f, value, e);
}

Entity entity_of(const KindSpec& kind, Id org, const Fields& fields) {
  Entity e;
  e.kind = kind.kind;
  e.org = org;
  apply_fields(kind, fields, e);
  return e;
}

Entity entity_of(const KindSpec& kind, const Record& record) { return entity_of(kind, record.org, record.fields); }

}  // namespace dirctl
