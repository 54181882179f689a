#include "pg_test_support.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

namespace dirctl::test {

std::string server_url() {
  if (const char* url = std::getenv("DIRCTL_PG_URL")) return url;
  const char* state = std::getenv("DIRCTL_PG_STATE");
  if (state == nullptr) return "";
  std::ifstream in(state);
  if (!in) return "";
  return nlohmann::json::parse(in).at("url").get<std::string>();
}

std::string fresh_database(const std::string& tag) {
  const std::string url = server_url();
  if (url.empty()) {
    ADD_FAILURE() << "no PostgreSQL server: run through ctest (its pg_cluster fixture starts one) or set DIRCTL_PG_URL";
    return "";
  }
  std::string name = std::string("t_") + testing::UnitTest::GetInstance()->current_test_info()->name() + tag;
  for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  name = name.substr(0, 60);
  {
    pqxx::connection admin(url);
    pqxx::nontransaction tx(admin);
    tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  const std::size_t slash = url.find("/postgres");
  if (slash == std::string::npos) {
    ADD_FAILURE() << "expected a URL naming the postgres database: " << url;
    return "";
  }
  return url.substr(0, slash) + "/" + name + url.substr(slash + std::string("/postgres").size());
}

}  // namespace dirctl::test
