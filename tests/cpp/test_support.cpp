#include "test_support.h"

#ifdef DIRCTL_TESTS_ON_SERVER
#include "pg_test_support.h"
#endif

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace dirctl::test {

TempFile::TempFile(const std::string& stem) {
  static std::atomic<int> counter{0};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? std::string(info->test_suite_name()) + "." + info->name() : "none";
  for (char& c : test)
    if (c == '/') c = '_';
  std::ostringstream name;
  name << ::testing::TempDir() << "dirctl_" << test << "_" << ::getpid() << "_" << counter++ << "_" << stem << ".db";
  path_ = name.str();
  remove_all();
}

TempFile::~TempFile() { remove_all(); }

void TempFile::remove_all() const {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::remove((path_ + suffix).c_str());
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

Fields valid_fields(Kind kind, const std::string& tag, Id org_for_admin) {
  switch (kind) {
    case Kind::kOrg: return {{"name", "org-" + tag}};
    case Kind::kUser: return {{"username", "u" + tag}, {"email", "u" + tag + "@example.com"}};
    case Kind::kAdmin: {
      Fields f{{"email", "admin" + tag + "@example.com"}, {"role", std::string("administrator")}};
      if (org_for_admin != kNoId) f.emplace_back("orgs", IdList{static_cast<std::int64_t>(org_for_admin)});
      return f;
    }
    case Kind::kUserGroup:
    case Kind::kDeviceGroup: return {{"name", "group-" + tag}};
    case Kind::kDevice: return {{"hostname", "host-" + tag}};
    case Kind::kCommand: return {{"name", "cmd-" + tag}, {"script", std::string("echo hello")}};
    case Kind::kNone: break;
  }
  return {};
}

std::string storage_name(const ::testing::TestParamInfo<Storage>& info) {
  return info.param == Storage::kMemory ? "Memory" : info.param == Storage::kFile ? "File" : "Server";
}

#ifdef DIRCTL_TESTS_ON_SERVER
std::vector<Storage> storages() { return {Storage::kServer}; }
std::string server_database() { return fresh_database(); }
std::string shared_location(const TempFile&) { return fresh_database(); }
std::vector<Storage> memory_or_server() { return {Storage::kServer}; }
std::string store_location() { return fresh_database(); }
#else
std::string shared_location(const TempFile& file) { return file.path(); }
std::vector<Storage> memory_or_server() { return {Storage::kMemory}; }
std::string store_location() { return ":memory:"; }
std::vector<Storage> storages() { return {Storage::kMemory, Storage::kFile}; }
std::string server_database() {
  ADD_FAILURE() << "this test binary has no PostgreSQL cluster: dirctl_pg_tests runs the server cases";
  return ":memory:";
}
#endif

Id make_org(Directory& d, const std::string& name) {
  return d.create(sys(), Kind::kOrg, kNoId, {{"name", name}}).id;
}

Id keep_admin(Directory& d, const IdList& orgs) {
  static int n = 0;
  return d.create(sys(), Kind::kAdmin, kNoId,
                  {{"email", "keeper" + std::to_string(++n) + "@example.com"},
                   {"role", std::string("administrator_with_billing")},
                   {"orgs", orgs}})
      .id;
}

Id make_user(Directory& d, Id org, const std::string& username) {
  return d.create(sys(), Kind::kUser, org, {{"username", username}, {"email", username + "@example.com"}}).id;
}

Id make(Directory& d, Kind kind, Id org, const std::string& tag) {
  return d.create(sys(), kind, org, valid_fields(kind, tag, kind == Kind::kAdmin ? org : kNoId)).id;
}

}  // namespace dirctl::test
