// Helpers shared by the engine's tests: temporary directory files, raw file
// bytes, and valid fields for each kind of object.
//
// TempFile names a fresh path under ::testing::TempDir() and removes it, with
// SQLite's -wal, -shm and -journal companions, when it goes out of scope.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dirctl/directory.h"
#include "dirctl/types.h"
#include "dirctl/value.h"

namespace dirctl::test {

class TempFile {
 public:
  explicit TempFile(const std::string& stem = "dir");
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  void remove_all() const;

 private:
  std::string path_;
};

bool file_exists(const std::string& path);
std::string read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::string& bytes);

// Fields that make a valid object of `kind`; `tag` keeps unique fields apart.
Fields valid_fields(Kind kind, const std::string& tag, Id org_for_admin = kNoId);

// Shorthands for the directory's own handle.
inline Actor sys() { return Actor::system(); }
// The user, enrolled in MFA (what seed 003 asks of a user given an admin role).
inline Id enrolled(Directory& d, Id user) {
  d.update(sys(), user, {{"mfa_status", std::string("enrolled")}});
  return user;
}
Id make_org(Directory& d, const std::string& name);
// An active administrator_with_billing with access to `orgs`: it keeps the
// admin invariants (role engine rule 7) satisfied so a test may remove others.
Id keep_admin(Directory& d, const IdList& orgs);
Id make_user(Directory& d, Id org, const std::string& username);
Id make(Directory& d, Kind kind, Id org, const std::string& tag);

// Where a DirectoryFixture's directory lives: in memory, in a file, or in a
// database on the PostgreSQL cluster (dirctl_pg_tests, which CTest runs
// with the cluster: the same test files, compiled with DIRCTL_TESTS_ON_SERVER).
enum class Storage { kMemory, kFile, kServer };
std::string storage_name(const ::testing::TestParamInfo<Storage>& info);
inline void PrintTo(Storage s, std::ostream* os) {
  *os << (s == Storage::kMemory ? "memory" : s == Storage::kFile ? "file" : "server");
}
// The storages this test binary runs the fixture's tests on.
std::vector<Storage> storages();
// Where a test's directory that several handles share lives: `file` in the
// plain binary, a new database on the cluster in dirctl_pg_tests.
std::string shared_location(const TempFile& file);
// Memory in the plain binary, the server in dirctl_pg_tests.
std::vector<Storage> memory_or_server();
// A bare Store's location for store/ unit tests: ":memory:", or a new
// database on the cluster in dirctl_pg_tests.
std::string store_location();

// A directory on ":memory:" or on a temporary file, by the test parameter.
// reopen() closes the file and opens it again; on ":memory:" it keeps the
// handle (a new one would start empty).
// A new database on the cluster (pg_test_support.h); fails the test in a
// binary built without it.
std::string server_database();

class DirectoryFixture : public ::testing::TestWithParam<Storage> {
 protected:
  void SetUp() override {
    where_ = GetParam() == Storage::kFile ? file_.path() : GetParam() == Storage::kServer ? server_database() : ":memory:";
    d_ = std::make_unique<Directory>(where_);
  }
  bool on_disk() const { return GetParam() != Storage::kMemory; }  // it outlives the handle
  std::string path() const { return where_; }
  Directory& d() { return *d_; }
  void reopen() {
    if (!on_disk()) return;
    d_.reset();
    d_ = std::make_unique<Directory>(path());
  }
  std::size_t count(Kind kind, Id org = kNoId) { return d().count(Actor::system(), kind, org); }

  TempFile file_;
  std::string where_;
  std::unique_ptr<Directory> d_;
};

}  // namespace dirctl::test
