// CsvReader: RFC 4180 records from a file or a string, through libcsv.
//
// Quoted fields may hold commas, doubled quotes and newlines; a UTF-8 BOM
// is dropped; LF and CRLF both end records; blank lines are skipped. Each
// record carries the line it starts on. A structurally broken input (a stray
// quote, an unterminated quoted field) throws InvalidArgument naming the
// line. Not thread-safe; one reader per input.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dirctl/error.h"

namespace dirctl {

// A structurally broken file: the line where reading stopped.
class CsvSyntaxError : public InvalidArgument {
 public:
  CsvSyntaxError(std::size_t line, const std::string& message)
      : InvalidArgument("line " + std::to_string(line) + ": " + message), line_(line), detail_(message) {}
  std::size_t line() const { return line_; }
  const std::string& detail() const { return detail_; }

 private:
  std::size_t line_;
  std::string detail_;
};

struct CsvRecord {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

using CsvSink = std::function<void(CsvRecord&)>;

// Returns the number of records read.
std::size_t read_csv_file(const std::string& path, const CsvSink& sink);
std::size_t read_csv_text(std::string_view text, const CsvSink& sink);

// One CSV line (RFC 4180 quoting where needed), without the line ending.
std::string csv_line(const std::vector<std::string>& fields);

}  // namespace dirctl
