// UserRows: CSV records of JumpCloud's user template -> checked import rows.
//
// Headers match case-insensitively in any order (FirstName, Username,
// Attribute3_name, Group12, SystemID, ...; dirctl's own field names too).
// Each cell is checked on its own, with the user descriptor's validators,
// so an error names the line, the column and the value. Pure: no directory
// access; the directory checks duplicates, groups and devices afterwards.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dirctl/user_import.h"
#include "dirctl/value.h"
#include "io/csv_reader.h"

namespace dirctl {

struct ImportRow {
  std::size_t line = 0;
  Fields fields;                    // canonical user fields given (non-empty cells), checked
  std::vector<std::string> groups;  // GroupN, in column order
  std::vector<std::string> group_columns;  // the header of each, for messages
  std::string system_id, hostname;  // device binding
  std::string device_column;        // the header of the binding's cell
  bool administrator = false;       // sudo on that device
  std::string password;             // plaintext or PHC; hashed before writing
  std::string username, email;      // as given ("" if absent)
  bool bad = false;                 // has an error record
};

class UserRows {
 public:
  // Reads the header; unknown columns become warnings (errors if strict).
  UserRows(const CsvRecord& header, bool strict, std::vector<ImportIssue>& warnings,
           std::vector<ImportIssue>& errors);
  // Parses one record; cell problems are appended to errors (row.bad set).
  ImportRow parse(const CsvRecord& record, std::vector<ImportIssue>& errors) const;
  // The header spelling of a canonical field, for messages.
  std::string column_of(const std::string& field) const;
  std::size_t width() const { return columns_.size(); }

 private:
  enum class Role : std::uint8_t { kField, kPassword, kGroup, kAttrName, kAttrValue, kSystemId, kHostname,
                                   kAdministrator, kIgnore };
  struct Column {
    Role role = Role::kIgnore;
    std::string field;  // canonical field for kField
    int number = 0;     // N of GroupN / AttributeN_*
    std::string header;
  };
  std::vector<Column> columns_;
};

// "true/false", "yes/no", "1/0", "$True/$False", any case; nullopt otherwise.
std::optional<bool> parse_bool(const std::string& text);
std::string cut80(const std::string& text);

}  // namespace dirctl
