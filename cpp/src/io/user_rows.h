// UserRows: CSV records of JumpCloud's user template -> checked import rows.
//
// Headers match case-insensitively in any order (FirstName, Username,
// Attribute3_name, Group12, SystemID, ...; dirctl's own field names too).
// Each cell is checked on its own, with the user descriptor's validators,
// so an error names the line, the column and the value. Pure: no directory
// access; the directory checks duplicates, groups and devices afterwards.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dirctl/user_import.h"
#include "dirctl/value.h"
#include "io/csv_reader.h"

namespace dirctl {

// The device binding a row asks for (SystemID or Hostname, Administrator):
// rare, so held out of line.
struct DeviceCell {
  std::string system_id, hostname;
  std::string column;          // the header of the binding's cell
  bool administrator = false;  // sudo on that device
};

struct ImportRow {
  std::size_t line = 0;
  Fields fields;                            // canonical user fields given (non-empty cells), checked
  std::vector<std::string> groups;          // GroupN, in column order
  std::vector<std::uint16_t> group_columns;  // the column of each (UserRows::header)
  std::unique_ptr<DeviceCell> device;       // null when the row binds no device
  std::string password;                     // plaintext or PHC; hashed before writing
  bool bad = false;                         // has an error record

  // As given ("" if absent).
  const std::string& username() const { return text_at(username_at); }
  const std::string& email() const { return text_at(email_at); }
  std::int8_t username_at = -1, email_at = -1;  // positions in fields

 private:
  const std::string& text_at(std::int8_t at) const;
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
  const std::string& header(std::size_t column) const { return columns_.at(column).header; }
  bool has_passwords() const;             // a Password or PasswordHash column
  std::size_t group_column_count() const;  // GroupN columns

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

// The template's field columns, in its order: (header, dirctl field). Export
// writes these; the import reads them in any case and order.
const std::vector<std::pair<const char*, const char*>>& user_template_columns();

// "true/false", "yes/no", "1/0", "$True/$False", any case; nullopt otherwise.
std::optional<bool> parse_bool(const std::string& text);
// Decimal digits with an optional sign, at most 18 characters; nullopt otherwise.
std::optional<std::int64_t> parse_int(const std::string& text);
std::string cut80(const std::string& text);

}  // namespace dirctl
