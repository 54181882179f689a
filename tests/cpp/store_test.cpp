// store/store.cpp and store/schema.cpp: opening, refusing, migrating,
// transactions and their misuse.
#include "store/store.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "store/schema.h"
#include "test_support.h"

namespace dirctl {
namespace {

using test::TempFile;

int pragma_int(SQLite::Database& db, const std::string& name) {
  return db.execAndGet("PRAGMA " + name).getInt();
}

bool has_object(SQLite::Database& db, const std::string& name) {
  SQLite::Statement st(db, "SELECT count(*) FROM sqlite_master WHERE name = ?");
  st.bind(1, name);
  st.executeStep();
  return st.getColumn(0).getInt() > 0;
}

std::string storage_message(const std::string& path) {
  try {
    Store s(path, 100);
  } catch (const StorageError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected StorageError opening " << path;
  return {};
}

TEST(StoreTest, FreshFileGetsLatestSchemaInWalMode) {
  TempFile file;
  {
    Store s(file.path(), 1000);
    EXPECT_EQ(s.schema_version(), latest_schema_version());
    EXPECT_FALSE(s.is_memory());
    EXPECT_EQ(pragma_int(s.db(), "foreign_keys"), 1);
    EXPECT_EQ(s.integrity_check(), "ok");
  }
  SQLite::Database db(file.path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(pragma_int(db, "application_id"), kApplicationId);
  EXPECT_EQ(pragma_int(db, "user_version"), latest_schema_version());
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
  for (const char* table : {"orgs", "users", "admins", "user_groups", "device_groups", "devices", "commands", "edges",
                            "events"})
    EXPECT_TRUE(has_object(db, table)) << table;
}

TEST(StoreTest, MemoryDatabase) {
  Store s(":memory:", 1000);
  EXPECT_TRUE(s.is_memory());
  EXPECT_EQ(s.schema_version(), latest_schema_version());
  EXPECT_EQ(pragma_int(s.db(), "user_version"), latest_schema_version());
}

TEST(StoreTest, ReopenKeepsData) {
  TempFile file;
  {
    Store s(file.path(), 1000);
    s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'acme', 't', 't')");
  }
  Store s(file.path(), 1000);
  EXPECT_EQ(s.db().execAndGet("SELECT name FROM orgs WHERE id = 1").getString(), "acme");
}

TEST(StoreTest, RefusesATextFileUntouched) {
  TempFile file;
  const std::string text = "name,email\nalice,alice@example.com\n" + std::string(5000, 'x');
  test::write_bytes(file.path(), text);
  const std::string msg = storage_message(file.path());
  EXPECT_NE(msg.find("not a dirctl directory"), std::string::npos) << msg;
  EXPECT_EQ(test::read_bytes(file.path()), text);
  EXPECT_FALSE(test::file_exists(file.path() + "-wal"));
  EXPECT_THROW(Directory{file.path()}, StorageError);
  EXPECT_EQ(test::read_bytes(file.path()), text);
}

TEST(StoreTest, RefusesAForeignSqliteDatabaseUntouched) {
  TempFile file;
  {
    SQLite::Database db(file.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('keep me')");
  }
  const std::string before = test::read_bytes(file.path());
  ASSERT_FALSE(before.empty());
  const std::string msg = storage_message(file.path());
  EXPECT_NE(msg.find("not a dirctl directory"), std::string::npos) << msg;
  EXPECT_NE(msg.find("left untouched"), std::string::npos) << msg;
  EXPECT_EQ(test::read_bytes(file.path()), before);
  EXPECT_FALSE(test::file_exists(file.path() + "-wal"));
}

TEST(StoreTest, RefusesAnEmptyDatabaseOfAnotherApplication) {
  TempFile file;
  {
    SQLite::Database db(file.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA application_id = 1234");
  }
  const std::string before = test::read_bytes(file.path());
  EXPECT_THROW(Store(file.path(), 100), StorageError);
  EXPECT_EQ(test::read_bytes(file.path()), before);
}

TEST(StoreTest, RefusesANewerSchemaUntouched) {
  TempFile file;
  { Store s(file.path(), 1000); }
  {
    SQLite::Database db(file.path(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
    db.exec("PRAGMA journal_mode = DELETE");  // fold the WAL back so the bytes are all in the file
  }
  const std::string before = test::read_bytes(file.path());
  const std::string msg = storage_message(file.path());
  EXPECT_NE(msg.find("newer dirctl"), std::string::npos) << msg;
  EXPECT_EQ(test::read_bytes(file.path()), before);
  SQLite::Database db(file.path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(pragma_int(db, "user_version"), latest_schema_version() + 1);
  EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "delete");
}

TEST(StoreTest, RefusesAnUnopenablePath) {
  TempFile file;
  try {
    Store s(file.path() + ".missing-dir/inner.db", 100);
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(e.sqlite_code(), 0);
    EXPECT_NE(std::string(e.what()).find("cannot open directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Store(::testing::TempDir(), 100), StorageError) << "a folder is not a directory file";
}

TEST(StoreTest, MigratesFromVersionOne) {
  TempFile file;
  {
    SQLite::Database db(file.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Transaction tx(db);
    migrate(db, 0, 1);
    db.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'Acme', '2026-01-01T00:00:00.000Z', "
            "'2026-01-01T00:00:00.000Z')");
    tx.commit();
    EXPECT_EQ(pragma_int(db, "user_version"), 1);
    EXPECT_EQ(pragma_int(db, "application_id"), kApplicationId);
    EXPECT_FALSE(has_object(db, "events_type"));
  }
  {
    Directory d(file.path());
    EXPECT_EQ(d.schema_version(), Directory::latest_schema_version());
    EXPECT_EQ(d.count(Actor::system(), Kind::kOrg, kNoId), 1u);
    EXPECT_EQ(d.find(Actor::system(), Kind::kOrg, kNoId, "acme").id, 1u);
    Id user = test::make_user(d, 1, "alice");
    EXPECT_GT(user, 1u);
  }
  SQLite::Database db(file.path(), SQLite::OPEN_READONLY);
  EXPECT_EQ(pragma_int(db, "user_version"), latest_schema_version());
  EXPECT_TRUE(has_object(db, "events_type"));
  EXPECT_TRUE(has_object(db, "events_time"));
  EXPECT_TRUE(has_object(db, "events_resource"));
}

TEST(StoreTest, VersionFourKeepsUsersAndTheirAdminLinks) {
  // Step 4 rebuilds the users table: rows, ids and the admin that refers to
  // a user survive, and the rules (unique keys, state) still hold.
  TempFile file;
  {
    SQLite::Database db(file.path(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    SQLite::Transaction tx(db);
    migrate(db, 0, 3);
    db.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'Acme', 't', 't');"
            "INSERT INTO users (id, org_id, username, email, state, employee_identifier, created, updated) "
            "VALUES (7, 1, 'alice', 'alice@acme.com', 'active', 'E1', 't', 't');"
            "INSERT INTO admins (id, email, role, state, user_id, created, updated) "
            "VALUES (8, 'alice@acme.com', 'administrator_with_billing', 'active', 7, 't', 't');");
    tx.commit();
  }
  Store s(file.path(), 100);
  auto& db = s.db();
  EXPECT_EQ(pragma_int(db, "user_version"), latest_schema_version());
  EXPECT_EQ(db.execAndGet("SELECT username || ' ' || employee_identifier FROM users WHERE id = 7").getString(),
            "alice E1");
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM admins a JOIN users u ON u.id = a.user_id").getInt(), 1);
  EXPECT_TRUE(has_object(db, "users_username"));
  EXPECT_TRUE(has_object(db, "users_email"));
  EXPECT_FALSE(has_object(db, "users_v4"));
  EXPECT_THROW(db.exec("INSERT INTO users (id, org_id, username, email, state, created, updated) "
                       "VALUES (9, 1, 'ALICE', 'other@acme.com', 'active', 't', 't')"),
               SQLite::Exception);
  EXPECT_THROW(db.exec("INSERT INTO users (id, org_id, username, email, state, created, updated) "
                       "VALUES (9, 1, 'bob', 'Alice@Acme.com', 'active', 't', 't')"),
               SQLite::Exception);
  EXPECT_THROW(db.exec("INSERT INTO users (id, org_id, username, email, state, created, updated) "
                       "VALUES (9, 1, 'bob', 'bob@acme.com', 'gone', 't', 't')"),
               SQLite::Exception);
  EXPECT_THROW(db.exec("INSERT INTO users (id, org_id, username, email, state, created, updated) "
                       "VALUES (9, 2, 'bob', 'bob@acme.com', 'active', 't', 't')"),
               SQLite::Exception) << "foreign keys are on again after migrating";
  SQLite::Statement fk(db, "PRAGMA foreign_key_check");
  EXPECT_FALSE(fk.executeStep()) << "no dangling references";
}

TEST(StoreTest, MigrationStepsCompose) {
  // Stepping one version at a time gives the same schema as a fresh file.
  SQLite::Database stepped(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  for (int v = 1; v <= latest_schema_version(); ++v) migrate(stepped, v - 1, v);
  SQLite::Database fresh(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  migrate(fresh, 0, latest_schema_version());
  auto schema = [](SQLite::Database& db) {
    std::string out;
    SQLite::Statement st(db, "SELECT name || ':' || coalesce(sql, '') FROM sqlite_master ORDER BY name");
    while (st.executeStep()) out += st.getColumn(0).getString() + "\n";
    return out;
  };
  EXPECT_EQ(schema(stepped), schema(fresh));
  EXPECT_EQ(pragma_int(stepped, "user_version"), latest_schema_version());
}

TEST(StoreTest, TransactionsCommitAndRollBack) {
  Store s(":memory:", 1000);
  s.begin();
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'a', 't', 't')");
  s.rollback();
  EXPECT_EQ(s.db().execAndGet("SELECT count(*) FROM orgs").getInt(), 0);
  s.begin();
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'a', 't', 't')");
  s.commit();
  EXPECT_EQ(s.db().execAndGet("SELECT count(*) FROM orgs").getInt(), 1);
}

TEST(StoreTest, SavepointsUndoOneStepOnly) {
  Store s(":memory:", 1000);
  s.begin();
  s.savepoint();
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'kept', 't', 't')");
  s.release();
  s.savepoint();
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (2, 'undone', 't', 't')");
  s.rollback_to();
  s.commit();
  EXPECT_EQ(s.db().execAndGet("SELECT group_concat(name) FROM orgs").getString(), "kept");
}

TEST(StoreTest, TransactionMisuseThrowsStorageError) {
  Store s(":memory:", 1000);
  EXPECT_THROW(s.commit(), StorageError) << "commit without begin";
  EXPECT_THROW(s.release(), StorageError) << "release without savepoint";
  s.begin();
  EXPECT_THROW(s.begin(), StorageError) << "begin inside a transaction";
  EXPECT_THROW(s.release(), StorageError) << "release without savepoint, inside a transaction";
  s.rollback();
  EXPECT_NO_THROW(s.rollback()) << "rollback without a transaction is a no-op";
  EXPECT_NO_THROW(s.rollback_to()) << "rollback_to without a savepoint is a no-op";
  // The store still works after the misuse, savepoints included.
  s.begin();
  s.savepoint();
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'a', 't', 't')");
  EXPECT_NO_THROW(s.release());
  s.commit();
  EXPECT_EQ(s.db().execAndGet("SELECT count(*) FROM orgs").getInt(), 1);
}

TEST(StoreTest, SqlFailuresCarryTheSqliteCode) {
  Store s(":memory:", 1000);
  try {
    s.exec("INSERT INTO nowhere VALUES (1)");
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_NE(e.sqlite_code(), 0);
  }
  EXPECT_THROW(s.statement("SELEKT 1"), StorageError);
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'a', 't', 't')");
  try {
    s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (2, 'A', 't', 't')");  // NOCASE unique
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.sqlite_code() & 0xff, 19) << "SQLITE_CONSTRAINT";
  }
  // Foreign keys are enforced.
  EXPECT_THROW(s.exec("INSERT INTO users (id, org_id, username, email, state, created, updated) "
                      "VALUES (5, 99, 'u', 'u@example.com', 'active', 't', 't')"),
               StorageError);
}

TEST(StoreTest, StatementsAreCachedAndReset) {
  Store s(":memory:", 1000);
  sql::Statement& a = s.statement("SELECT ? + 1");
  a.bind(1, 41);
  ASSERT_TRUE(a.executeStep());
  EXPECT_EQ(a.getColumn(0).getInt(), 42);
  sql::Statement& b = s.statement("SELECT ? + 1");
  EXPECT_EQ(&a, &b);
  ASSERT_TRUE(b.executeStep()) << "reset, bindings cleared";
  EXPECT_TRUE(b.getColumn(0).isNull());
}

TEST(StoreTest, CachedStatementIsUsableAgainAfterAFailure) {
  // A failed step must not poison the cached statement: the next, valid use
  // of the same SQL succeeds.
  Store s(":memory:", 1000);
  const std::string sql = "INSERT INTO orgs (id, name, created, updated) VALUES (?, ?, 't', 't')";
  auto insert = [&](int id, const std::string& name) {
    sql::Statement& st = s.statement(sql);
    st.bind(1, id);
    st.bind(2, name);
    st.exec();
  };
  insert(1, "acme");
  EXPECT_ANY_THROW(insert(2, "ACME"));  // UNIQUE (NOCASE) violation
  EXPECT_NO_THROW(insert(3, "beta"));
  EXPECT_EQ(s.db().execAndGet("SELECT count(*) FROM orgs").getInt(), 2);
}

TEST(StoreTest, DataVersionChangesOnOtherConnectionsCommits) {
  TempFile file;
  Store s(file.path(), 1000);
  const auto v0 = s.data_version();
  EXPECT_EQ(s.data_version(), v0);
  s.exec("INSERT INTO orgs (id, name, created, updated) VALUES (1, 'own', 't', 't')");
  EXPECT_EQ(s.data_version(), v0) << "own commits do not count";
  {
    SQLite::Database other(file.path(), SQLite::OPEN_READWRITE);
    other.exec("INSERT INTO orgs (id, name, created, updated) VALUES (2, 'other', 't', 't')");
  }
  EXPECT_NE(s.data_version(), v0);
}

TEST(StoreTest, BusyWriterTimesOutWithStorageError) {
  TempFile file;
  Store a(file.path(), 1000);
  Store b(file.path(), 50);
  a.begin();
  try {
    b.begin();
    FAIL() << "expected StorageError";
  } catch (const StorageError& e) {
    EXPECT_EQ(e.sqlite_code() & 0xff, 5) << "SQLITE_BUSY";
    EXPECT_NE(std::string(e.what()).find("write lock"), std::string::npos) << e.what();
  }
  a.rollback();
  EXPECT_NO_THROW(b.begin());
  b.rollback();
}

// ---- paths (issue 8) ----------------------------------------------------------------------

TEST(StoreTest, ANulInThePathIsRefusedBeforeAnythingIsOpened) {
  TempFile file;
  EXPECT_THROW(Store(file.path() + std::string("\0.copy", 6), 100), InvalidArgument);
  EXPECT_FALSE(test::file_exists(file.path()));
}

TEST(StoreTest, AUriLookingNameIsAPlainFileUnlessAskedFor) {
  TempFile file;
  const std::string dir = file.path() + ".d";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const std::string cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  {
    Store s("file:x.db?mode=memory", 100);
    EXPECT_FALSE(s.is_memory());
  }
  EXPECT_TRUE(test::file_exists(dir + "/file:x.db?mode=memory"));
  {
    Store s("file:mem?mode=memory", 100, /*uri=*/true);
    EXPECT_TRUE(s.is_memory());
  }
  EXPECT_FALSE(test::file_exists(dir + "/mem"));
  std::filesystem::current_path(cwd);
  std::filesystem::remove_all(dir);
}

TEST(StoreTest, AReadTransactionSeesOneSnapshot) {
  TempFile file;
  Store reader(file.path(), 1000);
  Store writer(file.path(), 1000);
  auto count = [&] { return reader.db().execAndGet("SELECT count(*) FROM orgs").getInt(); };
  {
    Store::ReadTransaction snapshot(reader);
    const int before = count();
    writer.exec("INSERT INTO orgs(id, name, created, updated) VALUES (1, 'a', 'x', 'x')");
    EXPECT_EQ(count(), before) << "a commit by another connection is invisible inside the snapshot";
  }
  EXPECT_EQ(count(), 1);
}

TEST(StoreTest, IntegrityCheckOfAnUnreadableFileReturnsTheProblem) {
  TempFile file;
  { Store s(file.path(), 100); }
  Store s(file.path(), 100);
  std::string bytes = test::read_bytes(file.path());
  ASSERT_GT(bytes.size(), 8192u);
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5);
  test::write_bytes(file.path(), bytes);
  s.exec("PRAGMA cache_size = 0");
  const std::string result = s.integrity_check();
  EXPECT_NE(result, "ok");
}

}  // namespace
}  // namespace dirctl
