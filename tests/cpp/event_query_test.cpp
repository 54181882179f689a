// store/event_query.cpp: Insights' filters and search terms as SQL, values bound.
#include "store/event_query.h"

#include <gtest/gtest.h>

#include "dirctl/error.h"

namespace dirctl {
namespace {

EventQuery with_term(const std::string& term) {
  EventFilter f;
  f.search_term = term;
  return EventQuery(f, EventScope{});
}

TEST(EventQueryTest, ValuesAreBoundNeverSpliced) {
  EventFilter f;
  f.event_types = {"x'; DROP TABLE events; --"};
  f.initiated_by_email = "a@b.c";
  f.search_term = R"({"or": [{"resource.name": "o'hara"}, {"message": ["a", "b"]}]})";
  const std::string sql = EventQuery(f, EventScope{}).select("seq");
  EXPECT_EQ(sql.find("DROP"), std::string::npos);
  EXPECT_EQ(sql.find("hara"), std::string::npos);
  EXPECT_NE(sql.find("event_type = ?"), std::string::npos);
  EXPECT_NE(sql.find("message IN (?, ?)"), std::string::npos);
  EXPECT_NE(sql.find("ORDER BY time, seq"), std::string::npos);
}

TEST(EventQueryTest, SearchTermsRefuseWhatInsightsWouldNot) {
  EXPECT_THROW(with_term("not json"), InvalidArgument);
  EXPECT_THROW(with_term("[]"), InvalidArgument);
  EXPECT_THROW(with_term(R"({"and": []})"), InvalidArgument);
  EXPECT_THROW(with_term(R"({"and": [{"event_type": "x"}], "or": []})"), InvalidArgument);
  EXPECT_THROW(with_term(R"({"colour": "red"})"), InvalidArgument);
  EXPECT_THROW(with_term(R"({"resource.id": "12"})"), InvalidArgument);
  EXPECT_THROW(with_term(R"({"event_type": 3})"), InvalidArgument);
  EXPECT_THROW(with_term(R"({"event_type": []})"), InvalidArgument);
  std::string deep = R"({"event_type": "x"})";
  for (int i = 0; i < 20; ++i) deep = R"({"not": )" + deep + "}";
  EXPECT_THROW(with_term(deep), InvalidArgument) << "nesting is bounded";
  EXPECT_NO_THROW(with_term(R"({"not": {"and": [{"success": false}, {"initiated_by.email": "A@B.C"}]}})"));
}

TEST(EventQueryTest, OrderCursorAndScope) {
  EventFilter f;
  f.descending = true;
  f.search_after = EventCursor{5, 6};
  f.limit = 10;
  EventScope scope;
  scope.everything = false;
  scope.orgs = {1, 2};
  const EventQuery q(f, scope);
  const std::string sql = q.select("seq");
  EXPECT_NE(sql.find("(time, seq) < (?, ?)"), std::string::npos);
  EXPECT_NE(sql.find("ORDER BY time DESC, seq DESC LIMIT ?"), std::string::npos);
  EXPECT_NE(sql.find("json_each(?)"), std::string::npos);
  EXPECT_TRUE(q.cacheable()) << "the orgs are one bound JSON list: the text does not vary with them";
  EXPECT_EQ(event_column("initiated_by.email"), "initiated_by_email");
  EXPECT_EQ(event_column("organization"), "org_id");
  EXPECT_EQ(event_column("nope"), "");
}

}  // namespace
}  // namespace dirctl
