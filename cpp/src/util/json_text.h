// JSON text for values stored as text: attributes, event changes (nlohmann).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/value.h"

namespace dirctl {

std::string to_json_text(const Value& v);
// Appends s as a JSON string literal, escaped as nlohmann escapes it
// (", \\, \b \f \n \r \t, other controls as \u00xx; UTF-8 as is). s must be
// valid UTF-8 (to_json_text replaces broken bytes). For JSON built without a document.
void append_json_string(std::string& out, std::string_view s);
std::string attributes_to_json(const Attributes& attrs);
// Throws StorageError when the stored text is not a JSON object of strings.
Attributes attributes_from_json(const std::string& text);
std::string changes_to_json(const std::vector<FieldChange>& changes);
std::vector<FieldChange> changes_from_json(const std::string& text);

}  // namespace dirctl
