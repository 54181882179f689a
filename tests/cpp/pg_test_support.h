// Helpers of the tests that run against a real PostgreSQL 15 cluster: the one
// CTest's pg_cluster fixture starts (tests/pg_cluster.py; DIRCTL_PG_STATE
// names its state file), or the one DIRCTL_PG_URL names.
#pragma once

#include <string>

namespace dirctl::test {

// The cluster's URL (naming its postgres database), or "" without one.
std::string server_url();
// A URL for a new, empty database named after the running test (and `tag`);
// a test failure, and "", when there is no server.
std::string fresh_database(const std::string& tag = "");

}  // namespace dirctl::test
