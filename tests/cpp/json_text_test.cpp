// util/json_text.cpp: JSON text of values, attributes and event changes.
#include "util/json_text.h"

#include <gtest/gtest.h>

#include "dirctl/error.h"

namespace dirctl {
namespace {

using namespace std::string_literals;

TEST(JsonTextTest, ValuesRenderAsJson) {
  EXPECT_EQ(to_json_text(Value{}), "null");
  EXPECT_EQ(to_json_text(Value{true}), "true");
  EXPECT_EQ(to_json_text(Value{std::int64_t{-42}}), "-42");
  EXPECT_EQ(to_json_text(Value{"a\"b"s}), "\"a\\\"b\"");
  EXPECT_EQ(to_json_text(Value{Attributes{{"k", "v"}}}), "{\"k\":\"v\"}");
  EXPECT_EQ(to_json_text(Value{IdList{1, 2}}), "[1,2]");
  EXPECT_EQ(describe(Value{"x"s}), "\"x\"");
}

TEST(JsonTextTest, InvalidUtf8IsReplacedNotThrown) {
  EXPECT_EQ(to_json_text(Value{"bad \xC3"s}), "\"bad \xEF\xBF\xBD\"") << "U+FFFD for the broken byte";
}

TEST(JsonTextTest, AttributesRoundTrip) {
  Attributes a{{"cost_center", "42"}, {"site", "Zürich"}};
  EXPECT_EQ(attributes_from_json(attributes_to_json(a)), a);
  EXPECT_EQ(attributes_from_json("{}"), Attributes{});
}

TEST(JsonTextTest, BadStoredAttributesAreStorageErrors) {
  EXPECT_THROW(attributes_from_json("not json"), StorageError);
  EXPECT_THROW(attributes_from_json("[1,2]"), StorageError);
  EXPECT_THROW(attributes_from_json("{\"a\": 1}"), StorageError);
}

TEST(JsonTextTest, ChangesRoundTrip) {
  std::vector<FieldChange> changes = {
      {"first_name", "null", to_json_text(Value{"Al"s})},
      {"sudo", "false", "true"},
      {"timeout", "120", "60"},
      {"attributes", "{}", to_json_text(Value{Attributes{{"a", "b"}}})},
      {"orgs", "[1]", "[1,3]"},
      {"display_name", "\"x\"", to_json_text(Value{"é \"quoted\""s})},
  };
  const std::string text = changes_to_json(changes);
  auto back = changes_from_json(text);
  ASSERT_EQ(back.size(), changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    EXPECT_EQ(back[i].field, changes[i].field);
    EXPECT_EQ(back[i].from, changes[i].from);
    EXPECT_EQ(back[i].to, changes[i].to);
  }
}

TEST(JsonTextTest, AppendedStringsMatchTheDocumentWriter) {
  // The import's hot path writes strings by hand; they must read back
  // exactly as nlohmann writes them (controls, quotes, backslashes, UTF-8).
  std::vector<std::string> texts = {"", "plain", "quote \" and \\ back", "tab\tnew\nline\r", "\b\f",
                                    "é ü 日本 🙂", "\x7f del", std::string("nul\0inside", 11)};
  for (int c = 0; c < 0x20; ++c) texts.push_back(std::string("c") + static_cast<char>(c));
  for (const auto& t : texts) {
    std::string out = "x";
    append_json_string(out, t);
    EXPECT_EQ(out, "x" + to_json_text(Value{t})) << "for a text of " << t.size() << " bytes";
  }
}

TEST(JsonTextTest, ChangesAreStoredAsTriplesAndTheOldFormReadsToo) {
  EXPECT_EQ(changes_to_json({{"sudo", "false", "true"}, {"first_name", "null", "\"Al\""}}),
            "[[\"sudo\",false,true],[\"first_name\",null,\"Al\"]]");
  auto old = changes_from_json("[{\"field\":\"sudo\",\"from\":false,\"to\":true}]");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].field, "sudo");
  EXPECT_EQ(old[0].from, "false");
  EXPECT_EQ(old[0].to, "true");
  EXPECT_THROW(changes_from_json("[[\"sudo\", false]]"), StorageError) << "a triple, or nothing";
}

TEST(JsonTextTest, EmptyChanges) {
  EXPECT_EQ(changes_to_json({}), "[]");
  EXPECT_TRUE(changes_from_json("[]").empty());
  EXPECT_TRUE(changes_from_json("").empty());
  EXPECT_THROW(changes_from_json("[{\"field\": 1}]"), StorageError);
  EXPECT_THROW(changes_from_json("{"), StorageError);
}

}  // namespace
}  // namespace dirctl
