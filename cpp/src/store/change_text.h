// Change text: how a field's value is written into an audit event's
// changes, defined once for every writer. Values are JSON texts; secrets
// (password hashes) appear only as "[redacted]". A creation's event stores
// only the fields the caller gave (nulls and empty attributes left out); the
// defaults are known from the descriptor, and reading the event adds them
// back (with_creation_defaults), so a reader sees the whole new object.
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
// The stored fields (descriptor order) that `given` set, as "null -> value".
std::vector<FieldChange> creation_changes(const KindSpec& kind, const Fields& stored, const Fields& given);
// A creation event's changes as read: the defaults it did not store are
// added, every field in descriptor order, anything else ("groups") after.
void with_creation_defaults(const KindSpec& kind, std::vector<FieldChange>& changes);

}  // namespace dirctl
