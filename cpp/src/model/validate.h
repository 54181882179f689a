// Field validation: turns caller-given fields into canonical, checked fields.
//
// Resolves aliases, rejects unknown, read-only and (on update) immutable
// fields, checks each value's type, enum, length and syntax, applies
// defaults and required fields on create. Throws InvalidArgument naming the
// kind, the field, the value and what is expected; never touches storage.
#pragma once

#include "model/email.h"  // is_valid_email, email_problem: callers of validation use them too
#include "util/text.h"  // is_valid_utf8, lower_ascii: callers of validation use them too

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "dirctl/value.h"
#include "dirctl/kinds.h"

namespace dirctl {

// Every settable field of the kind, in descriptor order, defaults applied.
Fields validate_create(const KindSpec& kind, const Fields& given);
// Only the given fields, canonical names, in descriptor order.
Fields validate_update(const KindSpec& kind, const Fields& given);

// One field's value, checked and canonical (null allowed); throws
// InvalidArgument naming the field. For callers that check cell by cell.
Value validate_field(const KindSpec& kind, const std::string& name, const Value& value);

// Rules between fields given together (a user's MFA enrolment period needs
// MFA turned on with it): the field at fault and why, or nullopt. Create and
// update check them; the import checks each row with them.
std::optional<std::pair<std::string, std::string>> together_problem(const KindSpec& kind, const Fields& fields);
void check_together(const KindSpec& kind, const Fields& fields);  // throws InvalidArgument
// Adds the fields that given ones imply: `activated` when a user's password
// is set, a cleared enrolment period when MFA is turned off.
void add_implied(const KindSpec& kind, Fields& fields);

bool is_valid_username(std::string_view username);

}  // namespace dirctl
