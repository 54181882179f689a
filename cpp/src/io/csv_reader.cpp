#include "io/csv_reader.h"

#include <csv.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "dirctl/error.h"

namespace dirctl {
namespace {

struct State {
  const CsvSink* sink = nullptr;
  CsvRecord record;
  bool in_record = false;
  std::size_t line = 1;   // the line the parser is on
  std::size_t records = 0;
  bool after_cr = false;  // the last terminator was CR: a following LF ends the same line
  std::size_t width = 0;  // fields of the last record: the next one is sized for as many
};

void on_field(void* data, std::size_t len, void* state_ptr) {
  auto& s = *static_cast<State*>(state_ptr);
  s.after_cr = false;
  if (!s.in_record) {
    s.in_record = true;
    s.record.line = s.line;
    s.record.fields.clear();  // the sink may have moved the last record's fields away
    s.record.fields.reserve(s.width);
  }
  const char* text = static_cast<const char*>(data);
  s.record.fields.emplace_back(text == nullptr ? "" : std::string(text, len));
  for (std::size_t i = 0; i < len; ++i) s.line += text[i] == '\n' ? 1 : 0;  // newlines inside quotes
}

void on_record_end(int terminator, void* state_ptr) {
  auto& s = *static_cast<State*>(state_ptr);
  if (s.in_record) {
    s.width = s.record.fields.size();
    (*s.sink)(s.record);
    ++s.records;
    s.in_record = false;
  }
  // LF, CRLF and lone CR each end one line (libcsv reports CR and LF apart).
  if (terminator == '\r') {
    ++s.line;
    s.after_cr = true;
  } else if (terminator == '\n') {
    if (!s.after_cr) ++s.line;
    s.after_cr = false;
  }
}

int no_spaces(unsigned char) { return 0; }  // RFC 4180: spaces belong to the field

class Parser {
 public:
  explicit Parser(const CsvSink& sink) {
    if (csv_init(&parser_, CSV_STRICT | CSV_REPALL_NL | CSV_STRICT_FINI) != 0)
      throw StorageError("the CSV parser could not start (out of memory)");
    csv_set_space_func(&parser_, no_spaces);
    // libcsv grows a field's buffer by this much at a time (128 bytes by
    // default): a 6 MB cell took 50,000 reallocs, minutes under the sanitizers.
    csv_set_blk_size(&parser_, 1 << 16);
    state_.sink = &sink;
  }
  ~Parser() { csv_free(&parser_); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  void feed(const char* data, std::size_t len) {
    if (first_) {
      first_ = false;
      if (len >= 3 && static_cast<unsigned char>(data[0]) == 0xEF && static_cast<unsigned char>(data[1]) == 0xBB &&
          static_cast<unsigned char>(data[2]) == 0xBF) {
        data += 3;
        len -= 3;
      }
    }
    if (csv_parse(&parser_, data, len, on_field, on_record_end, &state_) != len) fail();
  }

  std::size_t finish() {
    if (csv_fini(&parser_, on_field, on_record_end, &state_) != 0) {
      throw CsvSyntaxError(state_.in_record ? state_.record.line : state_.line,
                           "a quoted field is never closed; close it with a double quote (and double any quote "
                           "inside it)");
    }
    return state_.records;
  }

 private:
  [[noreturn]] void fail() {
    // Newlines inside the field being read when it failed count too.
    std::size_t line = state_.line;
    for (std::size_t i = 0; i < parser_.entry_pos; ++i) line += parser_.entry_buf[i] == '\n' ? 1 : 0;
    if (csv_error(&parser_) == CSV_EPARSE)
      throw CsvSyntaxError(line,
                           "malformed quoting (a quote inside an unquoted field, or text after a closing quote); "
                           "quote the whole field and double any quote inside it");
    throw StorageError(std::string("CSV parser: ") + csv_strerror(csv_error(&parser_)));
  }

  csv_parser parser_{};
  State state_;
  bool first_ = true;
};

}  // namespace

std::size_t read_csv_text(std::string_view text, const CsvSink& sink) {
  Parser p(sink);
  p.feed(text.data(), text.size());
  return p.finish();
}

std::size_t read_csv_file(const std::string& path, const CsvSink& sink) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
  if (!file) throw NotFound("cannot open CSV file '" + path + "'; check the path and its permissions");
  Parser p(sink);
  std::vector<char> buffer(1 << 20);
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) p.feed(buffer.data(), n);
  if (std::ferror(file.get()))
    throw StorageError("reading '" + path + "' failed (" + std::strerror(errno) + "); check the file and the disk");
  return p.finish();
}

std::string csv_line(const std::vector<std::string>& fields) {
  if (fields.size() == 1 && fields[0].empty()) return "\"\"";  // an empty line would be skipped
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    const std::string& f = fields[i];
    if (f.find_first_of(",\"\r\n") == std::string::npos && (f.empty() || (f.front() != ' ' && f.back() != ' '))) {
      out += f;
      continue;
    }
    std::string quoted(csv_write(nullptr, 0, f.data(), f.size()), '\0');  // libcsv: size first, then quote
    csv_write(quoted.data(), quoted.size(), f.data(), f.size());
    out += quoted;
  }
  return out;
}

}  // namespace dirctl
