// The directory's schema on PostgreSQL, derived from the SQLite schema at its
// latest version, so the two can never drift: one list of tables, columns,
// checks and indexes (store/schema.cpp), translated here.
//
// Translation (the reasons are in ARCHITECTURE.md):
// - INTEGER -> bigint; BLOB -> bytea; TEXT -> text COLLATE "C" (SQLite's
//   binary order whatever the server's locale); COLLATE NOCASE -> the
//   case-insensitive ICU collation dirctl_nocase (uniqueness of names and
//   emails ignores case on both);
// - INTEGER PRIMARY KEY AUTOINCREMENT -> an identity column (never reused);
// - INTEGER PRIMARY KEY (SQLite's rowid) -> bigint PRIMARY KEY, with a
//   trigger that gives a row inserted without one max + 1, as SQLite does
//   (the event log's seq: gap-free and in commit order under the writer lock);
// - WITHOUT ROWID is dropped; tables are created referenced-first;
// - a non-unique index of a rowid table ends with the key, as SQLite's do.
// Plus dirctl_meta(key, value): the application id, the schema version and
// the change counter that data_version() reads.
#pragma once

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace dirctl {

struct TableShape {
  std::string name;
  std::vector<std::string> columns;  // in the table's order
  std::vector<bool> blob;            // per column: BLOB in SQLite, bytea on PostgreSQL
};

struct PgSchema {
  std::string ddl;  // every CREATE, in an order PostgreSQL accepts
  // Every table, referenced before referring (the order to fill them in).
  std::vector<TableShape> tables;
  // Tables whose key is an identity column (its counter is the server's).
  std::set<std::string> identity;
  // Table -> its integer key column, for tables whose key the database
  // assigns (identity or rowid): what an INSERT returns as last_insert_id.
  std::unordered_map<std::string, std::string> keys;
};

const PgSchema& pg_schema();

// Migration step v translated as the schema is: how a directory on PostgreSQL
// (created at version 10) reaches the later versions.
std::string pg_schema_step(int v);

}  // namespace dirctl
