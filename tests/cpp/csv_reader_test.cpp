// io/csv_reader.cpp: RFC 4180 records through libcsv (quoting, BOM, CRLF,
// blank lines, the line each record starts on, CsvSyntaxError lines) and
// csv_line, whose output must read back as the same fields.
#include "io/csv_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dirctl/error.h"
#include "test_support.h"

namespace dirctl {
namespace {

using Row = std::vector<std::string>;

std::vector<CsvRecord> records(const std::string& text) {
  std::vector<CsvRecord> out;
  const std::size_t n = read_csv_text(text, [&](CsvRecord& r) { out.push_back(r); });
  EXPECT_EQ(n, out.size());
  return out;
}

std::vector<std::size_t> lines_of(const std::vector<CsvRecord>& recs) {
  std::vector<std::size_t> out;
  for (const auto& r : recs) out.push_back(r.line);
  return out;
}

// The line a CsvSyntaxError names, or 0 (with a failure) if none was thrown.
std::size_t syntax_error_line(const std::string& text, std::string* what = nullptr) {
  try {
    read_csv_text(text, [](CsvRecord&) {});
  } catch (const CsvSyntaxError& e) {
    if (what != nullptr) *what = e.what();
    return e.line();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected CsvSyntaxError, got: " << e.what();
    return 0;
  }
  ADD_FAILURE() << "expected CsvSyntaxError, nothing thrown for: " << text;
  return 0;
}

// ---- records and fields ------------------------------------------------------

TEST(CsvReader, PlainRecordsWithLineNumbers) {
  auto recs = records("a,b,c\nd,e,f\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (Row{"a", "b", "c"}));
  EXPECT_EQ(recs[1].fields, (Row{"d", "e", "f"}));
  EXPECT_EQ(lines_of(recs), (std::vector<std::size_t>{1, 2}));
}

TEST(CsvReader, EmptyInputHasNoRecords) {
  EXPECT_TRUE(records("").empty());
  EXPECT_TRUE(records("\n\n\r\n").empty());
  EXPECT_TRUE(records("\xEF\xBB\xBF").empty());
}

TEST(CsvReader, LastRecordWithoutLineEnding) {
  auto recs = records("a,b\nc,d");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].fields, (Row{"c", "d"}));
  EXPECT_EQ(recs[1].line, 2u);
}

TEST(CsvReader, EmptyFieldsAreKept) {
  auto recs = records("a,,b\n,\n,,\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].fields, (Row{"a", "", "b"}));
  EXPECT_EQ(recs[1].fields, (Row{"", ""}));
  EXPECT_EQ(recs[2].fields, (Row{"", "", ""}));
}

TEST(CsvReader, SpacesBelongToTheField) {
  auto recs = records(" a , b ,\t\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Row{" a ", " b ", "\t"}));
}

TEST(CsvReader, QuotedCommasAndDoubledQuotes) {
  auto recs = records("\"a,b\",\"say \"\"hi\"\"\",\"\",\"\"\"\"\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Row{"a,b", "say \"hi\"", "", "\""}));
}

TEST(CsvReader, NewlinesInsideQuotesAndTheLinesOfLaterRecords) {
  auto recs = records("h1,h2\n\"one\ntwo\nthree\",x\nnext,y\n\"a\",\"b\nc\"\nlast,z\n");
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[1].fields, (Row{"one\ntwo\nthree", "x"}));
  EXPECT_EQ(recs[3].fields, (Row{"a", "b\nc"}));
  // Each record carries the line it starts on.
  EXPECT_EQ(lines_of(recs), (std::vector<std::size_t>{1, 2, 5, 6, 8}));
}

TEST(CsvReader, CrlfEndsRecordsAndIsKeptInsideQuotes) {
  auto recs = records("a,b\r\n\"x\r\ny\",z\r\nlast,w\r\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].fields, (Row{"a", "b"}));
  EXPECT_EQ(recs[1].fields, (Row{"x\r\ny", "z"}));
  EXPECT_EQ(recs[2].fields, (Row{"last", "w"}));
  EXPECT_EQ(lines_of(recs), (std::vector<std::size_t>{1, 2, 4}));
}

TEST(CsvReader, MixedLineEndings) {
  auto recs = records("a\r\nb\nc\r\n");
  EXPECT_EQ(lines_of(recs), (std::vector<std::size_t>{1, 2, 3}));
}

TEST(CsvReader, BlankLinesAreSkippedButCounted) {
  EXPECT_EQ(lines_of(records("a\n\n\nb\n\n")), (std::vector<std::size_t>{1, 4}));
  EXPECT_EQ(lines_of(records("\n\na\r\n\r\nb\r\n")), (std::vector<std::size_t>{3, 5}));
}

TEST(CsvReader, Utf8BomIsDroppedOnlyAtTheStart) {
  auto recs = records("\xEF\xBB\xBF" "FirstName,\"Last\"\n\xEF\xBB\xBFx,y\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (Row{"FirstName", "Last"}));
  EXPECT_EQ(recs[0].line, 1u);
  EXPECT_EQ(recs[1].fields[0], "\xEF\xBB\xBFx");  // not at the start: data
  auto quoted = records("\xEF\xBB\xBF\"a,b\",c\r\n");
  ASSERT_EQ(quoted.size(), 1u);
  EXPECT_EQ(quoted[0].fields, (Row{"a,b", "c"}));
}

TEST(CsvReader, Utf8AndBinaryBytesPassThrough) {
  auto recs = records("Zoë,日本,\xff\xfe\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Row{"Zoë", "日本", "\xff\xfe"}));
}

TEST(CsvReader, ReturnsTheNumberOfRecords) {
  std::size_t seen = 0;
  EXPECT_EQ(read_csv_text("a\nb\n\nc", [&](CsvRecord&) { ++seen; }), 3u);
  EXPECT_EQ(seen, 3u);
}

// ---- structurally broken input ----------------------------------------------

TEST(CsvSyntax, UnterminatedQuoteNamesTheLineItStarts) {
  std::string what;
  EXPECT_EQ(syntax_error_line("h\nok\n\"never closed,x\nmore\n", &what), 3u);
  EXPECT_NE(what.find("line 3"), std::string::npos) << what;
  EXPECT_NE(what.find("never closed"), std::string::npos) << what;
  EXPECT_EQ(syntax_error_line("\"x"), 1u);
  EXPECT_EQ(syntax_error_line("a,b\r\nc,\"d\r\n"), 2u);
}

TEST(CsvSyntax, StrayQuoteInAnUnquotedField) {
  std::string what;
  EXPECT_EQ(syntax_error_line("a,b\nc,d\"e\nf,g\n", &what), 2u);
  EXPECT_NE(what.find("line 2"), std::string::npos) << what;
  EXPECT_NE(what.find("malformed quoting"), std::string::npos) << what;
  EXPECT_EQ(syntax_error_line("a\r\n\r\nb\"\r\n"), 3u);
}

TEST(CsvSyntax, TextAfterAClosingQuote) {
  EXPECT_EQ(syntax_error_line("h\n\"b\"c\n"), 2u);
  EXPECT_EQ(syntax_error_line("h\n\"b\" ,c\n"), 2u);  // strict: not even a space
}

TEST(CsvSyntax, LineCountsNewlinesInEarlierQuotedFields) {
  EXPECT_EQ(syntax_error_line("h\n\"x\ny\",1\nz\"\n"), 4u);
  EXPECT_EQ(syntax_error_line("h\n\"x\ny\",a\"b\n"), 3u);  // the same record, after the multi-line field
}

TEST(CsvSyntax, TextAfterAClosingQuoteOfAMultiLineField) {
  // The quote closes on line 3 and the stray text follows it there: reading
  // stopped on line 3, not on line 2 where the field began.
  EXPECT_EQ(syntax_error_line("h\n\"x\ny\"z\n"), 3u);
}

TEST(CsvSyntax, IsAnInvalidArgumentWithTheDetail) {
  try {
    read_csv_text("a\n\"b", [](CsvRecord&) {});
    FAIL() << "nothing thrown";
  } catch (const InvalidArgument& e) {
    const auto* s = dynamic_cast<const CsvSyntaxError*>(&e);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->line(), 2u);
    EXPECT_EQ(std::string(e.what()), "line 2: " + s->detail());
  }
}

TEST(CsvSyntax, RecordsBeforeTheErrorWereDelivered) {
  std::vector<std::size_t> lines;
  EXPECT_THROW(read_csv_text("a\nb\nc\"d\n", [&](CsvRecord& r) { lines.push_back(r.line); }), CsvSyntaxError);
  EXPECT_EQ(lines, (std::vector<std::size_t>{1, 2}));
}

// ---- files ------------------------------------------------------------------

TEST(CsvFile, MissingFileIsNotFound) {
  EXPECT_THROW(read_csv_file("/nonexistent/dir/users.csv", [](CsvRecord&) {}), NotFound);
}

TEST(CsvFile, ReadsLikeTheText) {
  test::TempFile f("csv");
  const std::string text = "\xEF\xBB\xBFh1,h2\r\n\"a\r\nb\",c\r\n\r\nd,\"e,\"\"f\"\"\"\r\n";
  test::write_bytes(f.path(), text);
  std::vector<CsvRecord> from_file;
  read_csv_file(f.path(), [&](CsvRecord& r) { from_file.push_back(r); });
  auto from_text = records(text);
  ASSERT_EQ(from_file.size(), from_text.size());
  for (std::size_t i = 0; i < from_file.size(); ++i) {
    EXPECT_EQ(from_file[i].line, from_text[i].line);
    EXPECT_EQ(from_file[i].fields, from_text[i].fields);
  }
  EXPECT_EQ(lines_of(from_file), (std::vector<std::size_t>{1, 2, 5}));
}

TEST(CsvFile, FieldsSpanningTheReadBuffer) {
  test::TempFile f("csv");
  const std::string big(3u << 20, 'x');  // 3 MiB: crosses the 1 MiB read buffer
  const std::string text = "h,big\n1,\"" + big + "\n" + big + "\"\n2,\"tail\"\n";
  test::write_bytes(f.path(), text);
  std::vector<CsvRecord> recs;
  read_csv_file(f.path(), [&](CsvRecord& r) { recs.push_back(r); });
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1].fields[1].size(), 2 * big.size() + 1);
  EXPECT_EQ(recs[2].line, 4u);
  EXPECT_EQ(recs[2].fields, (Row{"2", "tail"}));
}

TEST(CsvFile, SyntaxErrorLineAfterAFullBuffer) {
  test::TempFile f("csv");
  std::string text = "h\n";
  for (int i = 0; i < 200000; ++i) text += "row" + std::to_string(i) + "\n";  // > 1 MiB
  text += "bad\"quote\n";
  test::write_bytes(f.path(), text);
  try {
    read_csv_file(f.path(), [](CsvRecord&) {});
    FAIL() << "nothing thrown";
  } catch (const CsvSyntaxError& e) {
    EXPECT_EQ(e.line(), 200002u);
  }
}

// ---- csv_line ---------------------------------------------------------------

TEST(CsvLine, QuotesOnlyWhereNeeded) {
  EXPECT_EQ(csv_line({"a", "b", "c"}), "a,b,c");
  EXPECT_EQ(csv_line({"a,b"}), "\"a,b\"");
  EXPECT_EQ(csv_line({"say \"hi\""}), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_line({"x\ny"}), "\"x\ny\"");
  EXPECT_EQ(csv_line({"x\r\ny"}), "\"x\r\ny\"");
  EXPECT_EQ(csv_line({" lead", "trail "}), "\" lead\",\"trail \"");
  EXPECT_EQ(csv_line({"", "a", ""}), ",a,");
  EXPECT_EQ(csv_line({"Zoë"}), "Zoë");
  EXPECT_EQ(csv_line({}), "");
}

void expect_round_trip(const Row& fields, const std::string& ending) {
  const std::string line = csv_line(fields);
  auto recs = records("h\n" + line + ending + "after" + ending);
  ASSERT_EQ(recs.size(), 3u) << "line: " << line;
  EXPECT_EQ(recs[1].fields, fields) << "line: " << line;
  std::size_t newlines = 0;
  for (char c : line) newlines += c == '\n' ? 1 : 0;
  EXPECT_EQ(recs[1].line, 2u);
  EXPECT_EQ(recs[2].line, 3 + newlines) << "line: " << line;
}

TEST(CsvLine, RoundTripsTrickyFields) {
  const std::vector<Row> cases = {
      {"plain", "fields"},
      {"a,b", "c\"d", "\"", "\"\"", ",", ",,"},
      {"multi\nline", "crlf\r\ninside", "lone\rcr", "\n", "\r\n"},
      {" ", "  both  ", "\t", "tab\tinside"},
      {"", ""},
      {"", "x", ""},
      {"Zoë Ünïcødé", "日本語", "emoji 🎉"},
      {"\"quoted start", "end quote\"", "mid\"dle"},
      {std::string(5000, 'z'), "after"},
  };
  for (const auto& fields : cases) {
    expect_round_trip(fields, "\n");
    expect_round_trip(fields, "\r\n");
  }
}

TEST(CsvLine, RoundTripsASingleEmptyField) {
  // A record of one empty field must not be written as a blank line, which
  // the reader skips: it needs quotes ("").
  expect_round_trip({""}, "\n");
}

TEST(CsvLine, RoundTripsRandomFields) {
  std::mt19937 rng(20261123);
  const std::vector<std::string> pieces = {"a", "Z", "0", ",", "\"", "\n", "\r", "\r\n", " ", "\t", "é", "日",
                                           "\"\"", "x y", ";"};
  std::uniform_int_distribution<std::size_t> n_fields(1, 6), n_pieces(0, 6), piece(0, pieces.size() - 1);
  for (int iteration = 0; iteration < 3000; ++iteration) {
    Row fields(n_fields(rng));
    for (auto& f : fields)
      for (std::size_t k = n_pieces(rng); k > 0; --k) f += pieces[piece(rng)];
    if (fields.size() == 1 && fields[0].empty()) continue;  // RoundTripsASingleEmptyField
    expect_round_trip(fields, iteration % 2 == 0 ? "\n" : "\r\n");
    if (HasFailure()) return;
  }
}

TEST(CsvLine, ManyRecordsReadBackWithTheirLines) {
  const std::vector<Row> rows = {{"h1", "h2"}, {"a\nb", "c"}, {"d", "e\r\nf\ng"}, {"", "h"}};
  std::string text;
  std::vector<std::size_t> expected;
  std::size_t line = 1;
  for (const auto& r : rows) {
    const std::string l = csv_line(r);
    expected.push_back(line);
    for (char c : l) line += c == '\n' ? 1 : 0;
    ++line;
    text += l + "\r\n";
  }
  auto recs = records(text);
  ASSERT_EQ(recs.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(recs[i].fields, rows[i]);
  EXPECT_EQ(lines_of(recs), expected);
  EXPECT_EQ(expected, (std::vector<std::size_t>{1, 2, 4, 7}));
}

}  // namespace
}  // namespace dirctl
