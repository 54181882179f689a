// Schema: the directory file's tables, versioned, with forward migrations.
//
// Version N is reached from N-1 by migration step N; step 1 creates the base
// tables. PRAGMA user_version holds the version and PRAGMA application_id
// marks the file as a dirctl directory. Steps are fixed once released:
// change the schema only by appending a step.
#pragma once

#include <cstdint>

namespace SQLite {
class Database;
}

namespace dirctl {

constexpr std::int32_t kApplicationId = 0x44495243;  // "DIRC"

int latest_schema_version();
// Migration step v's SQL (1 <= v <= latest), as SQLite runs it.
const char* schema_step(int v);
// Applies steps from+1..to inside the caller's transaction.
void migrate(SQLite::Database& db, int from, int to);

}  // namespace dirctl
