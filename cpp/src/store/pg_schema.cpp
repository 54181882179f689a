#include "store/pg_schema.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <vector>

#include "store/schema.h"

namespace dirctl {
namespace {

struct Table {
  std::string name, sql;
  std::set<std::string> refs;
};

std::string translate_types(std::string sql) {
  static const std::regex nocase_text(R"(\bTEXT((?: NOT NULL)?) COLLATE NOCASE)");
  static const std::regex text(R"(\bTEXT\b)");
  static const std::regex nocase(R"(COLLATE NOCASE)");
  static const std::regex integer(R"(\bINTEGER\b)");
  static const std::regex blob(R"(\bBLOB\b)");
  static const std::regex real(R"(\bREAL\b)");
  sql = std::regex_replace(sql, nocase_text, "text COLLATE dirctl_nocase$1");
  sql = std::regex_replace(sql, text, "text COLLATE \"C\"");
  sql = std::regex_replace(sql, nocase, "COLLATE dirctl_nocase");
  sql = std::regex_replace(sql, integer, "bigint");
  sql = std::regex_replace(sql, blob, "bytea");
  return std::regex_replace(sql, real, "double precision");
}

std::string unquoted(std::string name) {
  name.erase(std::remove(name.begin(), name.end(), '"'), name.end());
  return name;
}

// A rowid table's key: max + 1 for a row inserted without one, as SQLite.
std::string rowid_trigger(const std::string& table, const std::string& key) {
  return "CREATE FUNCTION dirctl_rowid_" + table + "() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  SELECT coalesce(max(" +
         key + "), 0) + 1 INTO NEW." + key + " FROM " + table + ";\n  RETURN NEW;\nEND $$;\nCREATE TRIGGER " + table +
         "_rowid BEFORE INSERT ON " + table + " FOR EACH ROW WHEN (NEW." + key + " IS NULL) EXECUTE FUNCTION dirctl_rowid_" +
         table + "();\n";
}

// SQLite's index entries end with the rowid, so an index on (a, b) of a rowid
// table gives rows in (a, b, key) order; PostgreSQL's get the key appended to
// keep that order (not unique ones: it would change what they forbid).
std::string with_key(const std::string& index, const std::unordered_map<std::string, std::string>& keys) {
  static const std::regex plain_index(R"re(^(CREATE INDEX \w+ ON "?(\w+)"?\s*\(([^)]*))\))re");
  std::smatch m;
  if (!std::regex_search(index, m, plain_index)) return index;
  const auto key = keys.find(m[2]);
  if (key == keys.end()) return index;
  const std::string cols = m[3];
  const auto last = cols.find_last_of(", ");
  if ((last == std::string::npos ? cols : cols.substr(last + 1)) == key->second) return index;
  return m[1].str() + ", " + key->second + ")" + m.suffix().str();
}

PgSchema derive() {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  migrate(db, 0, latest_schema_version());
  std::vector<Table> tables;
  std::vector<std::string> indexes;
  SQLite::Statement st(db, "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                           "AND name NOT LIKE 'sqlite_%' ORDER BY rowid");
  static const std::regex ref(R"(REFERENCES (\w+))");
  while (st.executeStep()) {
    const std::string type = st.getColumn(0).getString(), name = st.getColumn(1).getString();
    const std::string sql = st.getColumn(2).getString();
    if (type == "table") {
      Table t{name, sql, {}};
      for (auto it = std::sregex_iterator(sql.begin(), sql.end(), ref); it != std::sregex_iterator(); ++it)
        if ((*it)[1] != name) t.refs.insert((*it)[1]);
      tables.push_back(std::move(t));
    } else if (type == "index") {
      indexes.push_back(translate_types(sql));
    }
  }
  PgSchema out;
  out.ddl =
      "CREATE COLLATION dirctl_nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);\n"
      "CREATE TABLE dirctl_meta(key text PRIMARY KEY, value bigint NOT NULL);\n";
  static const std::regex autoinc(R"((\w+) INTEGER PRIMARY KEY AUTOINCREMENT)");
  static const std::regex rowid(R"((\w+) INTEGER PRIMARY KEY\b)");
  static const std::regex without_rowid(R"(\s*WITHOUT ROWID)");
  std::set<std::string> created;
  std::string triggers;
  while (created.size() < tables.size()) {
    const std::size_t before = created.size();
    for (const Table& t : tables) {
      if (created.count(t.name) != 0) continue;
      if (!std::all_of(t.refs.begin(), t.refs.end(), [&](const std::string& r) { return created.count(r) != 0; }))
        continue;
      std::string sql = std::regex_replace(t.sql, without_rowid, "");
      const std::string table = unquoted(t.name);
      std::smatch m;
      TableShape shape{table, {}, {}};
      SQLite::Statement info(db, "SELECT name, upper(type) = 'BLOB' FROM pragma_table_info(?) ORDER BY cid");
      info.bind(1, table);
      while (info.executeStep()) {
        shape.columns.push_back(info.getColumn(0).getString());
        shape.blob.push_back(info.getColumn(1).getInt() != 0);
      }
      out.tables.push_back(std::move(shape));
      if (std::regex_search(sql, m, autoinc)) {
        out.keys[table] = m[1];
        out.identity.insert(table);
        sql = std::regex_replace(sql, autoinc, "$1 bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
      } else if (std::regex_search(sql, m, rowid)) {
        out.keys[table] = m[1];
        triggers += rowid_trigger(table, m[1]);
        sql = std::regex_replace(sql, rowid, "$1 bigint PRIMARY KEY");
      }
      out.ddl += translate_types(sql) + ";\n";
      created.insert(t.name);
    }
    if (created.size() == before) throw std::logic_error("the SQLite schema's references form a cycle");
  }
  for (const auto& i : indexes) out.ddl += with_key(i, out.keys) + ";\n";
  out.ddl += triggers;
  return out;
}

}  // namespace

std::string pg_schema_step(int v) {
  std::string out;
  std::string step = schema_step(v);
  std::size_t start = 0;
  while (start < step.size()) {
    std::size_t end = step.find(';', start);
    if (end == std::string::npos) end = step.size();
    std::string stmt = step.substr(start, end - start);
    stmt.erase(0, stmt.find_first_not_of(" \n"));
    if (!stmt.empty()) out += with_key(translate_types(stmt), pg_schema().keys) + ";\n";
    start = end + 1;
  }
  return out;
}

const PgSchema& pg_schema() {
  static const PgSchema schema = derive();
  return schema;
}

}  // namespace dirctl
