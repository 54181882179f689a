// JSON text for values stored as text: attributes, event changes (nlohmann).
#pragma once

#include <string>
#include <vector>

#include "dirctl/event.h"
#include "dirctl/value.h"

namespace dirctl {

std::string to_json_text(const Value& v);
std::string attributes_to_json(const Attributes& attrs);
// Throws StorageError when the stored text is not a JSON object of strings.
Attributes attributes_from_json(const std::string& text);
std::string changes_to_json(const std::vector<FieldChange>& changes);
std::vector<FieldChange> changes_from_json(const std::string& text);

}  // namespace dirctl
