// Record: a plain snapshot of one object as stored (kind, id, org, fields).
//
// Records are values: reading one copies it out of the store, so holding an
// old one never writes old data back. Fields follow the kind's descriptor
// order, every field present (null where unset), plus read-only `created`
// and `updated`.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dirctl/types.h"
#include "dirctl/value.h"

namespace dirctl {

struct Record {
  Kind kind = Kind::kNone;
  Id id = kNoId;
  Id org = kNoId;  // kNoId for orgs and admins (directory-wide)
  Fields fields;

  const Value* find(const std::string& name) const;
  std::string text(const std::string& name) const;  // "" when null or absent
};

}  // namespace dirctl
