// EventQuery: one Insights filter as SQL over the events table, with every
// value bound (never spliced into the text), and the rows it selects read as
// Event values or as columns.
//
// The WHERE clause is built from EventFilter members and the search term, in
// an order that lets SQLite pick the index ending in time that fits (type,
// initiator, resource, target, or time); EventScope adds what the acting
// view may see. Internal to store/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dirctl/event.h"


#include "store/sql.h"

namespace dirctl {

// Which events an acting view may read: everything (the system, or an admin
// who sees every org and the admins), or events of some orgs, plus
// directory-wide ones (admin management) when directory_wide.
struct EventScope {
  bool everything = true;
  std::vector<std::int64_t> orgs;  // their events, and directory-wide events about them
  bool directory_wide = false;
};

class EventQuery {
 public:
  // Throws InvalidArgument for a search term that is not Insights' shape or
  // names an unknown field (the message says which and lists the known ones).
  EventQuery(const EventFilter& filter, const EventScope& scope, Dialect dialect = Dialect::kSqlite);

  // SELECT <columns> FROM events WHERE ... ORDER BY ... LIMIT ..., and
  // bind() for it; aggregate() has no order and no limit (count, distinct,
  // buckets): <tail> follows the WHERE, and bind_filters() binds for it.
  std::string select(const std::string& columns) const;
  std::string aggregate(const std::string& columns, const std::string& tail = "") const;
  void bind(sql::Statement& st) const;
  void bind_filters(sql::Statement& st) const;
  bool cacheable() const { return cacheable_; }  // a bounded family of texts (no search term, no lists)

 private:
  using Param = std::variant<std::int64_t, std::string>;
  // " COLLATE <case-insensitive>" in the connection's dialect.
  const char* nocase() const { return collate_nocase(dialect_); }
  // A subquery of the integers in a bound JSON array text.
  const char* json_ints() const {
    return dialect_ == Dialect::kSqlite ? "(SELECT value FROM json_each(?))"
                                        : "(SELECT value::bigint FROM json_array_elements_text(CAST(? AS json)) AS j(value))";
  }
  Dialect dialect_;
  void add(const std::string& clause) { where_ += (where_.empty() ? " WHERE " : " AND ") + clause; }
  template <typename T>
  void add_if(const char* clause, const std::optional<T>& value) {  // one bound value, when set
    if (!value) return;
    add(clause);
    params_.emplace_back(*value);
  }
  std::string placeholders(std::size_t n);
  template <typename T>
  void add_any(const std::string& column, const std::vector<T>& values) {  // column = ? or IN (?, ...)
    if (values.empty()) return;
    add(column + (values.size() == 1 ? " = ?" : " IN (" + placeholders(values.size()) + ")"));
    for (const T& v : values) params_.emplace_back(v);
    cacheable_ = cacheable_ && values.size() == 1;
  }

  int bind_params(sql::Statement& st) const;  // returns the next index

  std::string where_, order_;
  std::int64_t limit_ = -1;
  std::vector<Param> params_;
  bool cacheable_ = true;
  friend class SearchTermCompiler;
};

class Store;

// The statement a query runs on: the connection's cached one when the text
// comes from a bounded family (catching up runs one every few calls), reset
// when done; else its own, finalised when done.
class EventStatement {
 public:
  EventStatement(Store& store, const EventQuery& q, const std::string& sql);
  ~EventStatement();
  sql::Statement& operator*() { return *st_; }
  sql::Statement* operator->() { return st_; }

 private:
  std::unique_ptr<sql::Statement> own_;
  sql::Statement* st_ = nullptr;
};

// The SQL column behind an Insights field name ("initiated_by.email" ->
// initiated_by_email; "organization" -> org_id), or "" if none.
std::string event_column(const std::string& field);
// Every field name event_column() knows, for messages.
const std::vector<std::string>& event_field_names();

}  // namespace dirctl
