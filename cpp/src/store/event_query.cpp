#include "store/event_query.h"



#include <nlohmann/json.hpp>

#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "store/change_text.h"

namespace dirctl {

namespace {

struct FieldColumn {
  const char* field;
  const char* column;
  bool integer;
  bool nocase;
};

// Insights' field names (dotted, as its search_term and fields take them),
// and the flat names of the frames' columns, for the same columns.
const FieldColumn kFields[] = {
    {"seq", "seq", true, false},
    {"event_type", "event_type", false, false},
    {"organization", "org_id", true, false},
    {"org", "org_id", true, false},
    {"success", "success", true, false},
    {"message", "message", false, false},
    {"initiated_by.id", "initiated_by_id", true, false},
    {"initiated_by.type", "initiated_by_type", false, false},
    {"initiated_by.email", "initiated_by_email", false, true},
    {"resource.id", "resource_id", true, false},
    {"resource.type", "resource_type", false, false},
    {"resource.name", "resource_name", false, false},
    {"target.id", "target_id", true, false},
    {"target.type", "target_type", false, false},
    {"target.name", "target_name", false, false},
};

const FieldColumn* field_column(const std::string& name) {
  for (const FieldColumn& f : kFields)
    if (name == f.field || name == f.column) return &f;
  return nullptr;
}

constexpr int kMaxDepth = 16;

}  // namespace

std::string event_column(const std::string& field) {
  const FieldColumn* f = field_column(field);
  return f == nullptr ? std::string() : std::string(f->column);
}

const std::vector<std::string>& event_field_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const FieldColumn& f : kFields) out.emplace_back(f.field);
    out.emplace_back("changes.field");
    return out;
  }();
  return names;
}

// Insights' search_term: {"and": [...]}, {"or": [...]}, {"not": term}, or an
// object of field: value | [values] pairs, all of which must hold.
class SearchTermCompiler {
 public:
  explicit SearchTermCompiler(EventQuery& q) : q_(q) {}

  std::string term(const nlohmann::json& t, int depth) {
    if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (!t.is_object() || t.empty()) fail("each term must be a non-empty object, got " + t.dump());
    if (t.size() == 1 && (t.contains("and") || t.contains("or"))) {
      const bool all = t.contains("and");
      const nlohmann::json& list = all ? t["and"] : t["or"];
      if (!list.is_array() || list.empty())
        fail(std::string(all ? "\"and\"" : "\"or\"") + " takes a non-empty list of terms, got " + list.dump());
      std::string out = "(";
      for (const auto& sub : list) {
        if (out.size() > 1) out += all ? " AND " : " OR ";
        out += term(sub, depth + 1);
      }
      return out + ")";
    }
    if (t.size() == 1 && t.contains("not")) return "(NOT " + term(t["not"], depth + 1) + ")";
    std::string out = "(";
    for (const auto& [field, value] : t.items()) {
      if (out.size() > 1) out += " AND ";
      out += leaf(field, value);
    }
    return out + ")";
  }

 private:
  [[noreturn]] static void fail(const std::string& what) { throw InvalidArgument("search_term: " + what); }

  std::string leaf(const std::string& field, const nlohmann::json& value) {
    if (field == "and" || field == "or" || field == "not")
      fail("\"" + field + "\" must be the only key of its term; nest the other fields inside it");
    std::vector<const nlohmann::json*> values;
    if (value.is_array()) {
      if (value.empty()) fail(field + ": an empty list matches nothing; leave the field out or give values");
      for (const auto& v : value) values.push_back(&v);
    } else {
      values.push_back(&value);
    }
    if (field == "changes.field") {
      std::string in;
      for (const auto* v : values) {
        if (!v->is_string()) fail("changes.field takes field names (text), got " + v->dump());
        in += (in.empty() ? "?" : ", ?");
        q_.params_.emplace_back(v->get<std::string>());
      }
      // A creation's stored changes leave out the defaults, which reading adds
      // back (with_creation_defaults): such creations match by type.
      std::string defaulted;
      for (const KindSpec* kind : all_specs())
        for (const FieldSpec& fs : kind->fields) {
          if (fs.readonly || !listed_at_creation(fs.default_value)) continue;
          bool named = false;
          for (const auto* v : values) named = named || v->get<std::string>() == fs.name;
          if (!named) continue;
          defaulted += " OR (event_type = ? AND resource_type = ?)";
          q_.params_.emplace_back(kind->event_noun + "_create");
          q_.params_.emplace_back(kind->name);
        }
      const char* changed = q_.dialect_ == Dialect::kSqlite
                                ? "(EXISTS (SELECT 1 FROM json_each(events.changes) AS c WHERE json_extract(c.value, '$[0]') IN ("
                                : "(EXISTS (SELECT 1 FROM json_array_elements(CAST(events.changes AS json)) AS c WHERE c->>0 IN (";
      return changed + in + "))" + defaulted + ")";
    }
    const FieldColumn* f = field_column(field);
    if (f == nullptr) {
      std::string known;
      for (const auto& n : event_field_names()) known += (known.empty() ? "" : ", ") + n;
      fail("unknown field '" + field + "'; use one of " + known);
    }
    std::string in;
    for (const auto* v : values) {
      in += (in.empty() ? "?" : ", ?");
      if (f->integer) {
        if (v->is_boolean() && std::string(f->column) == "success")
          q_.params_.emplace_back(std::int64_t{v->get<bool>() ? 1 : 0});
        else if (v->is_number_integer())
          q_.params_.emplace_back(v->get<std::int64_t>());
        else
          fail(field + " takes " + (std::string(f->column) == "success" ? "true or false" : "integers") + ", got " +
               v->dump());
      } else {
        if (!v->is_string()) fail(field + " takes text, got " + v->dump());
        q_.params_.emplace_back(v->get<std::string>());
      }
    }
    const std::string column = std::string(f->column) + (f->nocase ? q_.nocase() : "");
    const std::string term = values.size() == 1 ? column + " = " + in : column + " IN (" + in + ")";
    // The initiator and target indexes hold ids > 0 only: name their condition
    // when every id asked for is one, so that SQLite may use them.
    const bool partial = column == "initiated_by_id" || column == "target_id";
    bool positive = true;
    for (const auto* v : values) positive = positive && v->is_number_integer() && v->get<std::int64_t>() > 0;
    return partial && positive ? "(" + term + " AND " + column + " > 0)" : term;
  }

  EventQuery& q_;
};

std::string EventQuery::placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i == 0 ? "?" : ", ?";
  return out;
}

EventQuery::EventQuery(const EventFilter& f, const EventScope& scope, Dialect dialect) : dialect_(dialect) {
  // The terms an index can serve first, so the planner sees them.
  add_any("event_type", f.event_types);
  // The initiator and target indexes hold ids > 0 only (schema step 10): the
  // query names their condition so that SQLite may use them.
  auto positive = [](const std::optional<std::int64_t>& id) { return id && *id > 0; };
  add_if(positive(f.initiated_by_id) ? "initiated_by_id = ? AND initiated_by_id > 0" : "initiated_by_id = ?",
         f.initiated_by_id);
  if (f.resource_id) {
    add(positive(f.resource_id) ? "(resource_id = ? OR (target_id = ? AND target_id > 0))"
                                : "(resource_id = ? OR target_id = ?)");
    params_.emplace_back(*f.resource_id);
    params_.emplace_back(*f.resource_id);
  }
  add_if(positive(f.target_id) ? "target_id = ? AND target_id > 0" : "target_id = ?", f.target_id);
  add_if("time >= ?", f.start_ms);
  add_if("time < ?", f.end_ms);
  if (f.after_seq > 0) {
    add("seq > ?");
    params_.emplace_back(f.after_seq);
  }
  if (f.before_seq > 0) {
    add("seq < ?");
    params_.emplace_back(f.before_seq);
  }
  add_if("initiated_by_type = ?", f.initiated_by_type);
  add_if((std::string("initiated_by_email = ?") + nocase()).c_str(), f.initiated_by_email);
  add_if("resource_type = ?", f.resource_type);
  add_if("target_type = ?", f.target_type);
  add_any("org_id", f.orgs);
  if (f.success) {
    add("success = ?");
    params_.emplace_back(std::int64_t{*f.success ? 1 : 0});
  }
  if (!f.search_term.empty()) {
    nlohmann::json term;
    try {
      term = nlohmann::json::parse(f.search_term);
    } catch (const nlohmann::json::exception& e) {
      throw InvalidArgument("search_term: not JSON (" + std::string(e.what()) + ")");
    }
    add(SearchTermCompiler(*this).term(term, 0));
    cacheable_ = false;
  }
  if (!scope.everything) {
    // An org's events; directory-wide events about a visible org; other
    // directory-wide events (admins) only for those who see the admins.
    std::string orgs = "[";
    for (std::int64_t o : scope.orgs) orgs += (orgs.size() > 1 ? "," : "") + std::to_string(o);
    orgs += "]";
    add(std::string("(org_id IN ") + json_ints() + " OR (org_id = 0 AND ((resource_type = 'org' AND resource_id IN " +
        json_ints() + ") OR (resource_type != 'org' AND ? = 1))))");
    params_.emplace_back(orgs);
    params_.emplace_back(orgs);
    params_.emplace_back(std::int64_t{scope.directory_wide ? 1 : 0});
  }
  const char* dir = f.descending ? " DESC" : "";
  if (f.search_after) {
    add(std::string("(time, seq) ") + (f.descending ? "<" : ">") + " (?, ?)");
    params_.emplace_back(f.search_after->time_ms);
    params_.emplace_back(f.search_after->seq);
  }
  order_ = f.by_seq ? std::string(" ORDER BY seq") + dir : std::string(" ORDER BY time") + dir + ", seq" + dir;
  limit_ = f.limit;
}

std::string EventQuery::select(const std::string& columns) const {
  return "SELECT " + columns + " FROM events" + where_ + order_ + (limit_ >= 0 ? " LIMIT ?" : "");
}

std::string EventQuery::aggregate(const std::string& columns, const std::string& tail) const {
  return "SELECT " + columns + " FROM events" + where_ + tail;
}

int EventQuery::bind_params(sql::Statement& st) const {
  int i = 1;
  for (const Param& p : params_) {
    if (const auto* n = std::get_if<std::int64_t>(&p))
      st.bind(i++, *n);
    else
      st.bind(i++, std::get<std::string>(p));
  }
  return i;
}

void EventQuery::bind(sql::Statement& st) const {
  const int next = bind_params(st);
  if (limit_ >= 0) st.bind(next, limit_);
}

void EventQuery::bind_filters(sql::Statement& st) const { bind_params(st); }

}  // namespace dirctl
