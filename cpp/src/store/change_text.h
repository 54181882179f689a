// Change text: how a field's value is written into an audit event's
// changes, defined once for every writer. Values are JSON texts; secrets
// (password hashes) appear only as "[redacted]". A creation lists every
// field it set (nulls and empty attributes left out).
#pragma once

#include <string>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/kinds.h"
#include "dirctl/value.h"

namespace dirctl {

// The JSON text of `value` for field `f`, appended to `out`.
void append_change_value(std::string& out, const FieldSpec& f, const Value& value);
std::string change_text(const KindSpec& kind, const std::string& name, const Value& value);
// Whether a creation lists the value (not null, not empty attributes).
bool listed_at_creation(const Value& value);
std::vector<FieldChange> creation_changes(const KindSpec& kind, const Fields& fields);

}  // namespace dirctl
